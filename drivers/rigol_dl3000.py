"""Rigol DL3000 series programmable DC electronic loads (DL3021, DL3021A, DL3031, DL3031A).

Source: RIGOL "DL3000 Series Programmable DC Electronic Load Programming Guide",
chapter 2 "Command System": ":SOURce Commands" ([:SOURce]:FUNCtion {CURRent|VOLTage|
RESistance|POWer}; [:SOURce]:FUNCtion:MODE {FIXed|LIST|WAVe|BATTery|OCP|OPP};
[:SOURce]:CURRent|VOLTage|RESistance|POWer[:LEVel][:IMMediate]; [:SOURce]:CURRent:RANGe
{<value>|MINimum|MAXimum|DEFault}; [:SOURce]:INPut[:STATe][?]) and ":MEASure Commands"
(:MEASure[:SCALar]:VOLTage|CURRent[:DC]?). Ratings from the "DL3000 Series Programmable DC
Electronic Load" data sheet. Cross-checked with the open DL3000 drivers named below;
PyMeasure has no merged DL3000 driver (only a pull request), so it is not a source here.

Known state, sent by identify() (every new session, and open() identifies first, so nothing
reaches an instrument that is not a DL3000):
1. *IDN? and the error queue read empty (SYST:ERR?), as every SCPI driver here; then
   :SOUR:INP:STAT OFF: the input off before anything else (a crash may have left it on);
2. :SOUR:FUNC:MODE FIX — fixed (static) regulation: a LIST, WAVe, BATTery, OCP or OPP
   program left selected on the front panel would otherwise run at input ON
   ("[:SOURce]:FUNCtion:MODE", ch. 2 :SOURce commands);
3. :SOUR:CURR:LEV:IMM 0, then :SOUR:CURR:RANG <low> — the CC range starts low, with a CC
   level every range holds, so the range change is never in conflict with a stale level;
4. SYST:ERR? — all three confirmed; then :SOUR:FUNC:MODE? must answer FIX (an open bench
   log reports a DL3031A ignoring FUNC:MODE FIX once stuck in LIST/BATT: it is read back
   rather than assumed, and an InstrumentError asks to leave the program's front-panel
   screen, else for a power cycle: the query answers WAV "in waveform display interface",
   per the guide's FUNCtion:MODE? page as an open DL3021A driver quotes it).

CC range and level go together ([:SOURce]:CURRent:RANGe; the value selects the range that
covers it: 4 A / 40 A on the DL3021(A), 6 A / 60 A on the DL3031(A)). A CC level is set in
the smallest range that covers it, range and level in the order drivers/loads.py gives (the
level inside the selected range at every moment); other modes leave the CC range alone.

Not confirmed from the Programming Guide text itself (its :SOURce pages were not
available): whether a CC level above the selected range is refused (-222) or coerced to
the range's top, and what a range change does to a level above the new range. The order
above is safe under either behaviour; the twin takes the stricter one (refused, level
unchanged). The function-mode spellings and the FIX/LIST/WAV/BATT/OCP/OPP query answers
come from open DL3000 drivers (a bench-used DL3031A driver and a DL3021 driver); the range
values from the BATTary:RANGe / OCP:RANGe pages of the guide (MINimum = low, MAXimum =
high, "60 A (a high range)") and open DL3021/DL3031A scripts. The transient generator
([:SOURce]:TRANsient) was not confirmed and is not sent.
"""
from __future__ import annotations

from drivers.base import DriverInfo
from drivers.loads import LoadRatings, ScpiLoad

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
    CURRENT_RANGES = CURRENT_RANGES
    LEVEL = {"CC": ":SOUR:CURR:LEV:IMM {value}", "CV": ":SOUR:VOLT:LEV:IMM {value}",
             "CR": ":SOUR:RES:LEV:IMM {value}", "CP": ":SOUR:POW:LEV:IMM {value}"}
    FUNCTION = ":SOUR:FUNC {function}"
    INPUT = ":SOUR:INP:STAT {state}"
    INPUT_QUERY = ":SOUR:INP:STAT?"
    MEASURE_VOLTAGE = ":MEAS:VOLT?"
    MEASURE_CURRENT = ":MEAS:CURR?"
    ERROR_QUERY = "SYST:ERR?"  # :SYSTem:ERRor? (Programming Guide, ch. 2 ":SYSTem Commands")
    PROGRAMS_OFF = (":SOUR:FUNC:MODE FIX",)
    CURRENT_RANGE = ":SOUR:CURR:RANG {value}"
    MODE_QUERY = ":SOUR:FUNC:MODE?"

    def _check_known_state(self) -> None:
        self._require_static(self.MODE_QUERY, "FIX", self.PROGRAMS_OFF[0],
                             "leave its List, Waveform, Battery, OCP or OPP screen on the front panel, "
                             "else power-cycle the load")


DRIVER = DriverInfo(
    name="rigol-dl3000", driver=RigolDL3000, roles=("load",),
    models=RigolDL3000.models, interfaces=("USB", "LAN", "RS-232"),
    source='RIGOL "DL3000 Series Programmable DC Electronic Load Programming Guide", '
           "ch. 2 :SOURce (FUNCtion, FUNCtion:MODE, levels, CURRent:RANGe, INPut) and "
           ":MEASure commands",
    twin="drivers.sim.twins.rigol_dl3000:RigolDL3000Twin", twin_options=frozenset({"model"}), twin_model="DL3021")
