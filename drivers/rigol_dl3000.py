"""Rigol DL3000 series programmable DC electronic loads (DL3021, DL3021A, DL3031, DL3031A).

Source: RIGOL "DL3000 Series Programmable DC Electronic Load Programming Guide",
chapter 2 "Command System": ":SOURce Commands" ([:SOURce]:FUNCtion {CURRent|VOLTage|
RESistance|POWer}; [:SOURce]:CURRent|VOLTage|RESistance|POWer[:LEVel][:IMMediate];
[:SOURce]:INPut[:STATe][?]) and ":MEASure Commands" (:MEASure[:SCALar]:VOLTage|CURRent[:DC]?).
Ratings from the "DL3000 Series Programmable DC Electronic Load" data sheet.
Cross-checked with PyMeasure's rigol DL3021A driver (same command strings).

The level is written before the function, so switching mode never regulates, even for a
moment, at the stale level of the new function (e.g. a 40 A CC level left from last run).
"""
from __future__ import annotations

from dataclasses import dataclass

from drivers.base import DriverInfo
from drivers.roles import InstrumentError, LoadMode
from drivers.scpi import ScpiInstrument, check_range, nrf
from drivers.transports import Transport


@dataclass(frozen=True, slots=True)
class LoadRatings:
    volts: float
    amps: float
    watts: float
    ohms: tuple[float, float]

    def span(self, mode: str) -> tuple[float, float]:
        """The settable range of a mode's level."""
        return {"CC": (0.0, self.amps), "CV": (0.0, self.volts), "CR": self.ohms,
                "CP": (0.0, self.watts)}[mode]


_DL3021 = LoadRatings(volts=150.0, amps=40.0, watts=200.0, ohms=(0.08, 15_000.0))
_DL3031 = LoadRatings(volts=150.0, amps=60.0, watts=350.0, ohms=(0.08, 15_000.0))
RATINGS: dict[str, LoadRatings] = {"DL3021": _DL3021, "DL3021A": _DL3021,
                                   "DL3031": _DL3031, "DL3031A": _DL3031}

# mode -> (SCPI function, level header, quantity, unit)
_MODES: dict[str, tuple[str, str, str, str]] = {
    "CC": ("CURR", ":SOUR:CURR:LEV:IMM", "CC current", "A"),
    "CV": ("VOLT", ":SOUR:VOLT:LEV:IMM", "CV voltage", "V"),
    "CR": ("RES", ":SOUR:RES:LEV:IMM", "CR resistance", "ohm"),
    "CP": ("POW", ":SOUR:POW:LEV:IMM", "CP power", "W"),
}


class RigolDL3000(ScpiInstrument):
    """ElectronicLoad role over SCPI. Option: model (the model the station expects)."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    manufacturers = ("RIGOL TECHNOLOGIES",)
    models = tuple(RATINGS)

    def __init__(self, transport: Transport, *, model: str | None = None) -> None:
        super().__init__(transport, model=model)
        self._mode: str | None = None  # the function last written; None = unknown

    def identify(self) -> str:
        self._mode = None  # a new session: the function may have been changed on the front panel
        return super().identify()

    def set_mode(self, mode: LoadMode, level: float) -> None:
        if mode not in _MODES:
            raise ValueError(f"load mode {mode!r} is not one of {', '.join(_MODES)}")
        function, header, quantity, unit = _MODES[mode]
        model = self._known_model()
        value = check_range(quantity, level, *RATINGS[model].span(mode), unit, model)
        try:
            self.transport.write(f"{header} {nrf(value)}")
            if mode != self._mode:
                self.transport.write(f":SOUR:FUNC {function}")
        except InstrumentError:
            self._mode = None
            raise
        self._mode = mode

    def set_input(self, on: bool) -> None:
        self.transport.write(":SOUR:INP:STAT ON" if on else ":SOUR:INP:STAT OFF")

    def input_on(self) -> bool:
        return self._query_bool(":SOUR:INP:STAT?")

    def measure(self) -> tuple[float, float]:
        r = RATINGS[self._known_model()]
        volts = self._query_float(":MEAS:VOLT?", -r.volts, 1.1 * r.volts)
        amps = self._query_float(":MEAS:CURR?", -0.01 * r.amps, 1.1 * r.amps)
        return volts, max(amps, 0.0)  # offset noise around zero is not a sunk current


DRIVER = DriverInfo(
    name="rigol-dl3000", driver=RigolDL3000, roles=("load",),
    models=RigolDL3000.models, interfaces=("USB", "LAN", "RS-232"),
    source='RIGOL "DL3000 Series Programmable DC Electronic Load Programming Guide", '
           "ch. 2 :SOURce and :MEASure commands",
    twin="drivers.sim.twins.rigol_dl3000:RigolDL3000Twin", twin_options=frozenset({"model"}))
