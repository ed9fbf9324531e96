"""Korad KEL103 / KEL102 programmable DC electronic loads (also sold as RND 320-KEL103 and
RS PRO KEL10x) over their USB virtual serial port or RS-232:
`serial:///dev/ttyACM0?baudrate=115200` (the factory setting; 57600 can be chosen instead).

Source: Korad publishes no programming manual beyond the note "Communication Commands with
Computer" (shipped by Distrelec with the RND 320-KEL103); the strings were checked against
the open driver kelctl (vorbeiei/kelctl, src/kelctl/kelctl.py, KELSerial: :FUNC CC|CV|CR|CW,
:CURR <v>A, :VOLT <v>V, :RES <v>OHM, :POW <v>W with "{:5.4f}" numbers, :INP ON|OFF, :INP? ->
ON|OFF, :MEAS:VOLT? -> e.g. "7.4486V", level queries answering with units, :SYST:COMP ON|OFF
and :SYST:COMP? for the remote compensation (remote sense), 115200 baud) and the KEL-103
protocol notes that come with it (KEL103-protocol.md, "an improved, more complete and
corrected version of the official one": a level command also selects its function; a
level above the front-panel limit (:CURR:UPP etc.) is silently set to the limit; :FUNC sets
CC, CV, CR, CW or SHORt, and :FUNC? also answers BATTERY, OCP, OPP, LIST, TOGGLE, PULSE or
CONTINUOUS CC|CV|CR|CW while a test or a dynamic mode runs; the static modes have no range to
select, a current range is a parameter of :LIST, :BATT and :OCP only; *IDN? answers
"<brand> KEL103 V<firmware> SN:<serial>"), and LB5JJ's KEL100-Series-Load-Tool.
Lines end with LF both ways. Ratings: 120 V, 30 A; 300 W (KEL103), 150 W (KEL102). The CR
span is kept to 1 ohm..1 kohm, inside both models' range; their wider limits were not
available to check.

The device has no SYSTem:ERRor? and does not answer what it does not understand, so:
- every reply is parsed strictly (number and unit), a missing reply is a timeout;
- every setting written is read back (levels within 0.5 % + 2 mA/mV/mohm/mW, which also
  catches the silent clipping to a front-panel limit; the function; the compensation), before
  the input goes on: a setting not taken is an InstrumentError naming the instrument, the
  command and the reply;
- commands are paced 50 ms apart, as the open drivers do (drivers/pacing.py; not on the
  simulated twin, which answers at once).

Known state, sent by identify() (every new session, and open() identifies first, so nothing
reaches an instrument that is not a KEL10x):
1. *IDN?; then :INP OFF, the input off before anything else (a crash may have left it on with
   a DUT connected);
2. :CURR 0.0000A, then :FUNC CC - static CC at 0 A: the level first, so the function change
   never regulates at a stale CC level; :FUNC CC leaves the short, a dynamic mode and a
   BATTERY, OCP, OPP or LIST test (the notes give no command that ends them);
3. :SYST:COMP OFF|ON - remote sense as the station says (option `sense`, "local" or "remote";
   "local" by default: the notes' :STAT? example shows the compensation off);
4. :CURR?, :FUNC? (must answer CC), :SYST:COMP? - each read back.
The front-panel limits (:CURR:UPP and the like) are left as the operator set them: they are a
safety setting, and a level above one fails its read-back.

Not confirmed: whether :FUNC CC ends a test or a dynamic mode on every firmware (the read-back
of :FUNC? fails the open if not); the power-on default of the compensation; the setting
resolutions (hence the generous read-back tolerance: a level clipped by less than 0.5 % passes).
"""
from __future__ import annotations

import math
import re

from drivers.base import DriverInfo
from drivers.loads import QUANTITIES, LoadRatings, ScpiLoad
from drivers.pacing import paced
from drivers.roles import InstrumentError
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
LEVEL_MODES = {f":{node}": mode for mode, node in _NODES.items()}  # level header -> mode


class KoradKEL103(ScpiLoad):
    """ElectronicLoad role over the KEL10x serial protocol. Options: model (the model the
    station expects), sense ("local" or "remote")."""

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
    SELECTS_CC = True
    SENSE = ":SYST:COMP {state}"  # the remote compensation

    def __init__(self, transport: Transport, *, model: str | None = None,
                 sense: str = "local") -> None:
        self.sense = self._checked_sense(sense)
        super().__init__(paced(transport, self.GAP), model=model)

    def _identity(self) -> str:
        """*IDN? ("<brand> KEL103 V<firmware> SN:<serial>"); InstrumentError unless a KEL102
        or KEL103 (and the model the station expects, when it names one)."""
        idn = self.transport.query("*IDN?").strip()
        match = _IDN.fullmatch(idn)
        if match is None:
            raise InstrumentError(f"{self.resource}: '*IDN?' answered {idn!r}: not a Korad "
                                  f"{' or '.join(self.models)}")
        self._take_model(match[1])
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

    def _read_back(self, command: str) -> None:
        """A level reads back within 0.5 % + 0.002 (A, V, ohm or W), which also catches the
        clipping to a front-panel limit; anything else word for word (drivers/scpi.py)."""
        header, _, value = command.partition(" ")
        mode = LEVEL_MODES.get(header)
        if mode is None:
            super()._read_back(command)
            return
        wanted = float(value[: -len(UNITS[mode])])
        got = self._query_float(f"{header}?", 0.0, math.inf)
        if abs(got - wanted) > 0.005 * wanted + 0.002:
            quantity, unit = QUANTITIES[mode]
            raise InstrumentError(f"{self.resource} did not take {command}: {quantity} set to "
                                  f"{wanted:g} {unit} reads back {got:g} {unit}: clipped by the "
                                  "load's front-panel limit?")


DRIVER = DriverInfo(
    name="korad-kel103", driver=KoradKEL103, roles=("load",),
    models=KoradKEL103.models, interfaces=("USB (virtual serial)", "RS-232"),
    source="no vendor programming manual; Korad \"Communication Commands with Computer\" "
           "note as checked by the open driver kelctl (vorbeiei/kelctl: KELSerial and "
           "KEL103-protocol.md) and LB5JJ KEL100-Series-Load-Tool (:FUNC, :FUNC?, :CURR <v>A, "
           ":SYST:COMP, :INP, :MEAS:VOLT?)",
    twin="drivers.sim.twins.korad_kel103:KoradKEL103Twin", twin_options=frozenset({"model"}), twin_model="KEL103")
