"""Siglent SDL1000X / SDL1000X-E programmable DC electronic loads (SDL1020X, SDL1020X-E,
SDL1030X, SDL1030X-E) over USB-TMC or LAN.

Source: Siglent "SDL1000X Programming Guide" (edition E02B): section 2.3 parameter types
(Boolean ON|OFF|0|1, e.g. [:SOURce]:SHORt[:STATe]; enumeration [:SOURce]:FUNCtion {CURRent|
VOLTage|POWer|RESistance|LED}; float, e.g. [:SOURce]:CURRent:IRANGe <value> "any real number
between 0 and 30"; "the command is invalid if the parameter value beyond the scope"), and the
command reference: SOURce subsystem ([:SOURce]:FUNCtion; [:SOURce]:SHORt[:STATe];
[:SOURce]:CURRent|VOLTage|RESistance|POWer[:LEVel][:IMMediate] and, for each of these four
functions, its own :IRANGe <value> and :VRANGe <value>; [:SOURce]:INPut[:STATe], answering 0|1;
the test functions entered by [:SOURce]:FUNCtion:TRANsient, [:SOURce]:LIST:STATe:ON,
[:SOURce]:PROGram:STATe:ON, [:SOURce]:BATTery:FUNC, [:SOURce]:OCP:FUNC, [:SOURce]:OPP:FUNC),
SYSTem subsystem (SYSTem:SENSe[:STATe] {ON|OFF|0|1}, remote sense) and MEASure subsystem
(MEASure:VOLTage[:DC]?, MEASure:CURRent[:DC]?); the command reference as transcribed in
JxR-TestMeasure/siglent_sdl1000x (raw_scpi_commands.txt). Checked against libsigrok's siglent-sdl10x0
driver (src/hardware/siglent-sdl10x0/api.c: maker "Siglent Technologies", the four model
names, :FUNC with the long function names CURRENT|VOLTAGE|POWER|RESISTANCE, which :FUNC?
also answers; CR 0.03 ohm..10 kohm; 200 or 300 W from the model name; protocol.c:
MEAS:VOLT?/MEAS:CURR?) and astrocfi/siglent_ctl (device/siglent_sdl1000.py: the IRANGE 5|30
and VRANGE 36|150 choices of each function, :FUNCtion leaving the transient mode).
Ratings and ranges from the SDL1000X data sheet: 150 V, 30 A; 200 W (SDL1020X*) or 300 W
(SDL1030X*); current ranges 5 A / 30 A, voltage ranges 36 V / 150 V.

Known state, sent by identify() (every new session, and open() identifies first, so nothing
reaches an instrument that is not an SDL1000X):
1. *IDN?; then :SOUR:INP:STAT OFF, the input off before anything else (a crash may have left it
   on with a DUT connected, and siglent_ctl switches it off first: a function change may be
   ignored while it is on);
2. :SOUR:SHOR:STAT OFF - a short left on from the front panel would short the cell at input ON;
3. :SOUR:CURR:LEV:IMM 0, then :SOUR:FUNC CURRENT - static (basic) CC at 0 A: selecting a
   function leaves the transient mode, a LIST or PROGRAM run and the BATTERY, OCP and OPP
   tests, and the LED function (the guide enters these by the commands above and spells no
   "off" for them);
4. :SOUR:CURR:IRANG 5, :SOUR:CURR:VRANG 150 - the CC function's low current range (0 A fits
   it) and its high voltage range (any input up to the rating is measured in range);
5. SYST:SENS OFF|ON - remote sense as the station says (option `sense`, "local" or
   "remote"; "local" by default, taken as the load's power-on setting);
6. each setting read back (below), then :SOUR:FUNC:MODE? must answer BASIC: otherwise a
   program would run at input ON and an InstrumentError asks for the front panel.

Every setting is confirmed by reading it back: the pages of the guide read for this driver
give no SYSTem:ERRor? and no reply format for one, so the error queue is not asked. After a
write, the same header with "?" must answer what was written: a number within the setting's
resolution (the coarser of the two ranges: CC 1 mA, CV 10 mV, CP 10 mW, CR 0.1 %) plus half
the last digit of a three-decimal reply (the guide's examples answer "8.000"); a function its
long name; ON/OFF as 1/0. A refused or clipped setting reads back its old value: an
InstrumentError naming the instrument, the command and the reply, before the input goes on.

Ranges and levels go together. Each function has its own current and voltage range; the
driver selects them the first time it uses a function in a session, and again when a level
needs another: a CC level selects the 5 A range up to 5 A, else the 30 A one; a CV level the
36 V range up to 36 V, else the 150 V one; the other range of each function (and both for CR
and CP) is the high one, so that the level, not the range, limits what is sunk. Range and
level go in the order drivers/loads.py gives (the level inside the selected range at every
moment), the level before the function.

Not confirmed: SYSTem:ERRor? (hence the read-back); the reply formats of the level and range
queries (three decimals assumed); :SOUR:FUNC:MODE? is not in the guide (astrocfi/siglent_ctl
uses it and lists its answers BASIC, TRAN, BATTERY, OCP, OPP, LIST, PROGRAM); whether a level
above the selected range is refused or coerced, and what a range change does to a level above
the new range (the order above is safe either way; the twin refuses both); whether the ranges
really are kept per function (the command tree says so; if they are shared the read-backs still
hold); the power-on default of SYSTem:SENSe; the setting resolutions of CP and CR; whether a
function change is ignored while the input is on (moot: the input goes off first, as
siglent_ctl does). The CR range ([:SOURce]:RESistance:RRANGe LOW|MIDDLE|
HIGH|UPPER) is left to the instrument: its bounds were not available; a CR level outside it
fails the read-back.
"""
from __future__ import annotations

import math

from drivers.base import DriverInfo
from drivers.loads import LoadRatings, ScpiLoad
from drivers.scpi import parse_float
from drivers.transports import Transport

_SDL1020 = LoadRatings(volts=150.0, amps=30.0, watts=200.0, ohms=(0.03, 10_000.0))
_SDL1030 = LoadRatings(volts=150.0, amps=30.0, watts=300.0, ohms=(0.03, 10_000.0))
RATINGS: dict[str, LoadRatings] = {"SDL1020X": _SDL1020, "SDL1020X-E": _SDL1020,
                                   "SDL1030X": _SDL1030, "SDL1030X-E": _SDL1030}
# (low, high) range tops of every function: IRANGe in A, VRANGe in V
RANGES: dict[str, tuple[float, float]] = {"I": (5.0, 30.0), "V": (36.0, 150.0)}
_NODES = {"CC": ":SOUR:CURR", "CV": ":SOUR:VOLT", "CR": ":SOUR:RES", "CP": ":SOUR:POW"}
# read-back tolerance of a level (absolute, relative): the setting resolution of the coarser range
_RESOLUTION = {"CC": (0.001, 0.0), "CV": (0.01, 0.0), "CR": (0.0, 0.001), "CP": (0.01, 0.0)}
LEVEL_TOLERANCE = {f"{_NODES[mode]}:LEV:IMM": tolerance for mode, tolerance in _RESOLUTION.items()}
REPLY_DIGIT = 0.0005  # half the last digit of a three-decimal reply
BOOLEAN_REPLIES = {"OFF": ("0", "OFF"), "ON": ("1", "ON")}


class SiglentSDL1000X(ScpiLoad):
    """ElectronicLoad role over SCPI. Options: model (the model the station expects), sense
    ("local" or "remote")."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    manufacturers = ("Siglent Technologies",)
    models = tuple(RATINGS)
    RATINGS = RATINGS
    LEVEL = {mode: f"{node}:LEV:IMM {{value}}" for mode, node in _NODES.items()}
    FUNCTIONS = {"CC": "CURRENT", "CV": "VOLTAGE", "CR": "RESISTANCE", "CP": "POWER"}
    FUNCTION = ":SOUR:FUNC {function}"
    INPUT = ":SOUR:INP:STAT {state}"
    INPUT_QUERY = ":SOUR:INP:STAT?"
    MEASURE_VOLTAGE = "MEAS:VOLT?"
    MEASURE_CURRENT = "MEAS:CURR?"
    PROGRAMS_OFF = (":SOUR:SHOR:STAT OFF",)
    SELECTS_CC = True
    SENSE = "SYST:SENS {state}"
    MODE_QUERY = ":SOUR:FUNC:MODE?"  # not in the guide: astrocfi/siglent_ctl

    def __init__(self, transport: Transport, *, model: str | None = None,
                 sense: str = "local") -> None:
        self.sense = self._checked_sense(sense)
        super().__init__(transport, model=model)

    def ranges(self, kind: str) -> tuple[float, ...]:
        return RANGES[kind]

    def _range_templates(self, mode: str) -> dict[str, str]:
        return {kind: f"{_NODES[mode]}:{kind}RANG {{value}}" for kind in RANGES}

    def _check_known_state(self) -> None:
        self._require_static(self.MODE_QUERY, "BASIC", self._function_command("CC"),
                             "end it on the front panel")

    def _reads_back(self, header: str, value: str, reply: str) -> bool:
        """A boolean as 1|0 or ON|OFF, a function its long name, a number within the setting's
        resolution (LEVEL_TOLERANCE) and half the reply's last digit."""
        if value.upper() in BOOLEAN_REPLIES:
            return reply.upper() in BOOLEAN_REPLIES[value.upper()]
        if value.isalpha():
            return super()._reads_back(header, value, reply)
        wanted = float(value)
        got = parse_float(reply, f"{header}?", -math.inf, math.inf)
        absolute, relative = LEVEL_TOLERANCE.get(header, (0.0, 0.0))
        return abs(got - wanted) <= absolute + relative * abs(wanted) + REPLY_DIGIT


DRIVER = DriverInfo(
    name="siglent-sdl1000x", driver=SiglentSDL1000X, roles=("load",),
    models=SiglentSDL1000X.models, interfaces=("USB", "LAN"),
    source='Siglent "SDL1000X Programming Guide" (E02B), 2.3 parameter types; SOURce '
           "([:SOURce]:FUNCtion, SHORt, CURRent|VOLTage|RESistance|POWer[:LEVel][:IMMediate], "
           ":IRANGe, :VRANGe, INPut[:STATe]), SYSTem:SENSe and MEASure:VOLTage|CURRent[:DC]?; "
           "checked against libsigrok siglent-sdl10x0 and astrocfi/siglent_ctl",
    twin="drivers.sim.twins.siglent_sdl1000x:SiglentSDL1000XTwin",
    twin_options=frozenset({"model"}), twin_model="SDL1020X-E")
