"""Korad KEL103 / KEL102 programmable DC electronic loads (also sold as RND 320-KEL103 and
RS PRO KEL10x) over their USB virtual serial port or RS-232:
`serial:///dev/ttyACM0?baudrate=115200` (the factory setting; 57600 can be chosen instead).

Source: Korad publishes no programming manual beyond the note "Communication Commands with
Computer" (shipped by Distrelec with the RND 320-KEL103); the strings were checked against
the open drivers py-kelctl (KELSerial: :FUNC CC|CV|CR|CW, :CURR <v>A, :VOLT <v>V,
:RES <v>OHM, :POW <v>W with "{:5.4f}" numbers, :INP ON|OFF, :INP? -> ON|OFF, :MEAS:VOLT?
-> e.g. "7.4486V", level queries answering with units, 115200 baud) and the KEL-103 protocol
notes that come with it (a level command also selects its function; a level above the
front-panel limit (:CURR:UPP etc.) is silently set to the limit; *IDN? answers
"<brand> KEL103 V<firmware> SN:<serial>"), and LB5JJ's KEL100-Series-Load-Tool.
Lines end with LF both ways. Ratings: 120 V, 30 A; 300 W (KEL103), 150 W (KEL102). The CR
span is kept to 1 ohm..1 kohm, inside both models' range; their wider limits were not
available to check.

The device has no SYSTem:ERRor? and does not answer what it does not understand, so:
- every reply is parsed strictly (number and unit), a missing reply is a timeout;
- each level written is read back, which also catches the silent clipping to a limit;
- commands are paced 50 ms apart, as the open drivers do (drivers/pacing.py; not on the
  simulated twin, which answers at once).
"""
from __future__ import annotations

import math
import re

from drivers.base import DriverInfo
from drivers.loads import QUANTITIES, LoadRatings, ScpiLoad
from drivers.pacing import paced
from drivers.roles import InstrumentError, LoadMode
from drivers.transports import Transport

_OHMS = (1.0, 1000.0)
RATINGS: dict[str, LoadRatings] = {
    "KEL102": LoadRatings(volts=120.0, amps=30.0, watts=150.0, ohms=_OHMS),
    "KEL103": LoadRatings(volts=120.0, amps=30.0, watts=300.0, ohms=_OHMS),
}
UNITS: dict[str, str] = {"CC": "A", "CV": "V", "CR": "OHM", "CP": "W"}
_IDN = re.compile(r"(?:.*[\s-])?(KEL10[23])\s+V\S+\s+SN:\S+")
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)"
_NODES = {"CC": "CURR", "CV": "VOLT", "CR": "RES", "CP": "POW"}
LEVEL_QUERY = {mode: f":{node}?" for mode, node in _NODES.items()}
REPLY_UNITS = {":MEAS:VOLT?": "V", ":MEAS:CURR?": "A",
               **{LEVEL_QUERY[mode]: UNITS[mode] for mode in UNITS}}  # query -> unit of its reply


class KoradKEL103(ScpiLoad):
    """ElectronicLoad role over the KEL10x serial protocol. Option: model (the model the
    station expects)."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 1.0}
    GAP = 0.05  # s between commands
    models = tuple(RATINGS)
    RATINGS = RATINGS
    LEVEL = {mode: f":{node} {{value}}{UNITS[mode]}" for mode, node in _NODES.items()}
    FUNCTIONS = {"CC": "CC", "CV": "CV", "CR": "CR", "CP": "CW"}
    FUNCTION = ":FUNC {function}"
    INPUT = ":INP {state}"
    INPUT_QUERY = ":INP?"
    MEASURE_VOLTAGE = ":MEAS:VOLT?"
    MEASURE_CURRENT = ":MEAS:CURR?"

    def __init__(self, transport: Transport, *, model: str | None = None) -> None:
        super().__init__(paced(transport, self.GAP), model=model)

    def identify(self) -> str:
        """*IDN? ("<brand> KEL103 V<firmware> SN:<serial>"); InstrumentError unless a KEL102
        or KEL103 (and the model the station expects, when it names one)."""
        self._mode = None
        idn = self.transport.query("*IDN?").strip()
        match = _IDN.fullmatch(idn)
        if match is None:
            raise InstrumentError(f"{self.resource}: '*IDN?' answered {idn!r}: not a Korad "
                                  f"{' or '.join(self.models)}")
        if self.model is not None and match[1] != self.model:
            raise InstrumentError(f"{self.resource} is a {match[1]}; the station expects a "
                                  f"{self.model}")
        self.model = match[1]
        return idn

    def _number(self, value: float) -> str:
        return f"{value:.4f}"

    def _query_float(self, command: str, low: float, high: float) -> float:
        """A reply such as "12.000V": the number with the unit the command answers in, no other."""
        reply = self.transport.query(command).strip()
        unit = REPLY_UNITS[command]
        if re.fullmatch(_NUMBER + re.escape(unit), reply, re.IGNORECASE) is None:
            raise InstrumentError(f"{command!r} answered {reply!r}: not a number in {unit}")
        value = float(reply[: -len(unit)])
        if not low <= value <= high:
            raise InstrumentError(f"{command!r} answered {reply!r}: outside {low:g}..{high:g} {unit}")
        return value

    def set_mode(self, mode: LoadMode, level: float) -> None:
        super().set_mode(mode, level)
        wanted = float(level)
        got = self._query_float(LEVEL_QUERY[mode], 0.0, math.inf)
        if abs(got - wanted) > 0.005 * wanted + 0.002:
            quantity, unit = QUANTITIES[mode]
            raise InstrumentError(f"{self.resource}: {quantity} set to {wanted:g} {unit} reads "
                                  f"back {got:g} {unit}: clipped by the load's front-panel limit?")


DRIVER = DriverInfo(
    name="korad-kel103", driver=KoradKEL103, roles=("load",),
    models=KoradKEL103.models, interfaces=("USB (virtual serial)", "RS-232"),
    source="no vendor programming manual; Korad \"Communication Commands with Computer\" "
           "note as checked by the open drivers py-kelctl (KELSerial) and "
           "LB5JJ KEL100-Series-Load-Tool (:FUNC, :CURR <v>A, :INP, :MEAS:VOLT?)",
    twin="drivers.sim.twins.korad_kel103:KoradKEL103Twin", twin_options=frozenset({"model"}))
