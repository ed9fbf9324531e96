"""Rigol DL3000 series programmable DC electronic loads (DL3021, DL3021A, DL3031, DL3031A).

Source: RIGOL "DL3000 Series Programmable DC Electronic Load Programming Guide",
chapter 2 "Command System": ":SOURce Commands" ([:SOURce]:FUNCtion {CURRent|VOLTage|
RESistance|POWer}; [:SOURce]:FUNCtion:MODE {FIXed|LIST|WAVe|BATTery|OCP|OPP};
[:SOURce]:CURRent|VOLTage|RESistance|POWer[:LEVel][:IMMediate]; [:SOURce]:CURRent:RANGe
{<value>|MINimum|MAXimum|DEFault}; [:SOURce]:INPut[:STATe][?]) and ":MEASure Commands"
(:MEASure[:SCALar]:VOLTage|CURRent[:DC]?). Ratings from the "DL3000 Series Programmable DC
Electronic Load" data sheet. Cross-checked with PyMeasure's rigol DL3021A driver (same
command strings).

Known state, sent by identify() (every new session, and open() identifies first, so nothing
reaches an instrument that is not a DL3000):
1. *IDN? and the error queue read empty (SYST:ERR?), as every SCPI driver here;
2. :SOUR:FUNC:MODE FIX — fixed (static) regulation: a LIST, WAVe, BATTery, OCP or OPP
   program left selected on the front panel would otherwise run at input ON
   ("[:SOURce]:FUNCtion:MODE", ch. 2 :SOURce commands);
3. :SOUR:CURR:LEV:IMM 0, then :SOUR:CURR:RANG <low> — the CC range starts low, with a CC
   level every range holds, so the range change is never in conflict with a stale level;
4. SYST:ERR? — all three confirmed; then :SOUR:FUNC:MODE? must answer FIX (an open bench
   log reports a DL3031A ignoring FUNC:MODE FIX once stuck in LIST/BATT: it is read back
   rather than assumed, and an InstrumentError asks for a power cycle).

CC range and level go together ([:SOURce]:CURRent:RANGe; the value selects the range that
covers it: 4 A / 40 A on the DL3021(A), 6 A / 60 A on the DL3031(A)). set_mode("CC", x)
picks the smallest range that covers x and changes range only when the one last selected
is not it, ordered so the level is inside the selected range at every moment: to the high
range, the range first (confirmed) and then the level; to the low range, the level first
and then the range (confirmed). Other modes leave the CC range alone.

Not confirmed from the Programming Guide text itself (its :SOURce pages were not
available): whether a CC level above the selected range is refused (-222) or coerced to
the range's top, and what a range change does to a level above the new range. The order
above is safe under either behaviour; the twin takes the stricter one (refused, level
unchanged). The function-mode spellings and the FIX/LIST/WAV/BATT/OCP/OPP query answers
come from open DL3000 drivers (a bench-used DL3031A driver and a DL3021 driver); the range
values from the BATTary:RANGe / OCP:RANGe pages of the guide (MINimum = low, MAXimum =
high, "60 A (a high range)") and open DL3021/DL3031A scripts. The transient generator
([:SOURce]:TRANsient) was not confirmed and is not sent.

The level is written before the function, so switching mode never regulates, even for a
moment, at the stale level of the new function (e.g. a 40 A CC level left from last run).
"""
from __future__ import annotations

from drivers.base import DriverInfo
from drivers.loads import LoadRatings, ScpiLoad
from drivers.roles import InstrumentError, LoadMode
from drivers.scpi import nrf
from drivers.transports import Transport

_DL3021 = LoadRatings(volts=150.0, amps=40.0, watts=200.0, ohms=(0.08, 15_000.0))
_DL3031 = LoadRatings(volts=150.0, amps=60.0, watts=350.0, ohms=(0.08, 15_000.0))
RATINGS: dict[str, LoadRatings] = {"DL3021": _DL3021, "DL3021A": _DL3021,
                                   "DL3031": _DL3031, "DL3031A": _DL3031}
# CC ranges (low, high) in A, as [:SOURce]:CURRent:RANGe selects them; the high one is the rating
CURRENT_RANGES: dict[str, tuple[float, float]] = {"DL3021": (4.0, 40.0), "DL3021A": (4.0, 40.0),
                                                  "DL3031": (6.0, 60.0), "DL3031A": (6.0, 60.0)}


class RigolDL3000(ScpiLoad):
    """ElectronicLoad role over SCPI. Option: model (the model the station expects)."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    manufacturers = ("RIGOL TECHNOLOGIES",)
    models = tuple(RATINGS)
    RATINGS = RATINGS
    LEVEL = {"CC": ":SOUR:CURR:LEV:IMM {value}", "CV": ":SOUR:VOLT:LEV:IMM {value}",
             "CR": ":SOUR:RES:LEV:IMM {value}", "CP": ":SOUR:POW:LEV:IMM {value}"}
    FUNCTION = ":SOUR:FUNC {function}"
    INPUT = ":SOUR:INP:STAT {state}"
    INPUT_QUERY = ":SOUR:INP:STAT?"
    MEASURE_VOLTAGE = ":MEAS:VOLT?"
    MEASURE_CURRENT = ":MEAS:CURR?"
    ERROR_QUERY = "SYST:ERR?"  # :SYSTem:ERRor? (Programming Guide, ch. 2 ":SYSTem Commands")
    FIXED_MODE = ":SOUR:FUNC:MODE FIX"
    MODE_QUERY = ":SOUR:FUNC:MODE?"
    CURRENT_RANGE = ":SOUR:CURR:RANG {value}"

    def __init__(self, transport: Transport, *, model: str | None = None) -> None:
        super().__init__(transport, model=model)
        self._range: float | None = None  # the CC range last selected (its top); None = unknown

    def open(self) -> None:
        super().open()
        self.identify()  # who it is before anything changes its state; then the known state

    def identify(self) -> str:
        self._range = None
        idn = super().identify()
        low = CURRENT_RANGES[self._known_model()][0]
        sent = [self.FIXED_MODE, self.LEVEL["CC"].format(value="0"),
                self.CURRENT_RANGE.format(value=nrf(low))]
        for command in sent:
            self.transport.write(command)
        self._confirm(sent)
        mode = self.transport.query(self.MODE_QUERY).strip()
        if not mode.upper().startswith("FIX"):
            raise InstrumentError(f"{self.resource} stays in {mode} mode after "
                                  f"{self.FIXED_MODE!r}: its program would run at input ON; "
                                  "power-cycle the load")
        self._range = low
        return idn

    def set_mode(self, mode: LoadMode, level: float) -> None:
        top = self._current_range(mode, level)
        if top is None or top == self._range:
            super().set_mode(mode, level)
            return
        low, _ = CURRENT_RANGES[self._known_model()]
        if top > low:  # to the high range: the range first, then the level
            self._select_range(top)
            super().set_mode(mode, level)
        else:  # to the low range: the level first (it fits either range), then the range
            super().set_mode(mode, level)
            self._select_range(top)

    def _current_range(self, mode: str, level: float) -> float | None:
        """The CC range (its top) a CC level needs; None for other modes or a level set_mode
        refuses anyway (RangeError or ValueError, before anything is sent)."""
        if mode != "CC":
            return None
        low, high = CURRENT_RANGES[self._known_model()]
        try:
            amps = float(level)
        except (TypeError, ValueError):
            return None
        if not 0.0 <= amps <= high:  # also NaN
            return None
        return low if amps <= low else high

    def _select_range(self, top: float) -> None:
        command = self.CURRENT_RANGE.format(value=nrf(top))
        self._range = None  # unknown until the instrument took it
        self.transport.write(command)
        self._confirm([command])
        self._range = top


DRIVER = DriverInfo(
    name="rigol-dl3000", driver=RigolDL3000, roles=("load",),
    models=RigolDL3000.models, interfaces=("USB", "LAN", "RS-232"),
    source='RIGOL "DL3000 Series Programmable DC Electronic Load Programming Guide", '
           "ch. 2 :SOURce (FUNCtion, FUNCtion:MODE, levels, CURRent:RANGe, INPut) and "
           ":MEASure commands",
    twin="drivers.sim.twins.rigol_dl3000:RigolDL3000Twin", twin_options=frozenset({"model"}))
