"""Simulated Rigol DL3000 electronic load: the commands of drivers/rigol_dl3000.py's manual,
bound to the world's load (set_load, set_load_input, load_reading).

Besides the function and levels it keeps what the front panel may leave behind:
- the function mode ([:SOURce]:FUNCtion:MODE FIXed|LIST|WAVe|BATTery|OCP|OPP, queried as
  FIX|LIST|WAV|BATT|OCP|OPP). Outside FIX the input runs the program, not the static level:
  at input ON the world sinks `program_amps` (a test sets it with the mode);
- the CC range ([:SOURce]:CURRent:RANGe <value>|MIN|MAX|DEF: the smallest range covering the
  value; DEF is the high range). A CC level above the selected range is refused (-222, the
  level unchanged) and so is a range that would leave the present CC level outside it
  (-221): the stricter reading of a coupling the driver's docstring marks unconfirmed.
"""
from __future__ import annotations

from typing import Any

from drivers.rigol_dl3000 import CURRENT_RANGES, RATINGS
from drivers.sim.twins.scpi import (
    ScpiError,
    ScpiTwin,
    boolean,
    choice,
    expect_args,
    nr3,
    number,
    scpi,
)

_FUNCTIONS = {"CURRent": "CC", "VOLTage": "CV", "RESistance": "CR", "POWer": "CP"}
_MODES = {"FIXed": "FIX", "LIST": "LIST", "WAVe": "WAV", "BATTery": "BATT", "OCP": "OCP",
          "OPP": "OPP"}


def _level(mode: str, node: str) -> tuple[Any, Any]:
    """Set and query handlers of one mode's level ([:SOURce]:<node>[:LEVel][:IMMediate])."""
    pattern = f"[:SOURce]:{node}[:LEVel][:IMMediate]"

    @scpi(pattern)
    def set_level(self: RigolDL3000Twin, args: str) -> None:
        (arg,) = expect_args(args, 1)
        self.levels[mode] = number(arg, *self.span(mode))
        self.apply()

    @scpi(pattern + "?")
    def get_level(self: RigolDL3000Twin, args: str) -> str:
        expect_args(args, 0)
        return nr3(self.levels[mode])

    return set_level, get_level


class RigolDL3000Twin(ScpiTwin):
    """Option: model (DL3021, DL3021A, DL3031, DL3031A; default DL3021)."""

    def __init__(self, world: Any, *, model: str = "DL3021") -> None:
        if model not in RATINGS:
            raise ValueError(f"RigolDL3000Twin: model {model!r} is not one of {', '.join(RATINGS)}")
        super().__init__()
        self.world = world
        self.ratings = RATINGS[model]
        self.ranges = CURRENT_RANGES[model]
        self.idn = f"RIGOL TECHNOLOGIES,{model},DL3A000000001,00.01.05.00.01"
        self.program_amps = 0.0  # what a LIST/BATT/... program sinks at input ON
        self.reset()

    def reset(self) -> None:
        self.function = "CC"
        self.mode = "FIX"
        self.current_range = self.ranges[1]
        self.levels = {"CC": 0.0, "CV": self.ratings.volts, "CR": self.ratings.ohms[1], "CP": 0.0}
        self.input_on = False
        self.world.set_load_input(False)
        self.apply()

    def span(self, mode: str) -> tuple[float, float]:
        """The settable range of a level: the CC level's is the selected CC range."""
        return (0.0, self.current_range) if mode == "CC" else self.ratings.span(mode)  # type: ignore[return-value]

    def apply(self) -> None:
        """What the world's load regulates to: the static level in FIX, the program otherwise."""
        if self.mode == "FIX":
            self.world.set_load(self.function, self.levels[self.function])
        else:
            self.world.set_load("CC", self.program_amps)

    @scpi("[:SOURce]:FUNCtion")
    def _set_function(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        self.function = choice(arg, _FUNCTIONS)
        self.apply()

    @scpi("[:SOURce]:FUNCtion?")
    def _get_function(self, args: str) -> str:
        expect_args(args, 0)
        return self.function

    @scpi("[:SOURce]:FUNCtion:MODE")
    def _set_mode(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        self.mode = choice(arg, _MODES)
        self.apply()

    @scpi("[:SOURce]:FUNCtion:MODE?")
    def _get_mode(self, args: str) -> str:
        expect_args(args, 0)
        return self.mode

    @scpi("[:SOURce]:CURRent:RANGe")
    def _set_range(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        low, high = self.ranges
        wanted = high if arg.upper() in ("DEF", "DEFAULT") else number(arg, 0.0, high)
        top = low if wanted <= low else high
        if self.levels["CC"] > top:
            raise ScpiError(-221, "Settings conflict")
        self.current_range = top

    @scpi("[:SOURce]:CURRent:RANGe?")
    def _get_range(self, args: str) -> str:
        expect_args(args, 0)
        return nr3(self.current_range)

    _cc, _cc_query = _level("CC", "CURRent")
    _cv, _cv_query = _level("CV", "VOLTage")
    _cr, _cr_query = _level("CR", "RESistance")
    _cp, _cp_query = _level("CP", "POWer")

    @scpi("[:SOURce]:INPut[:STATe]")
    def _set_input(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        self.input_on = boolean(arg)
        self.world.set_load_input(self.input_on)

    @scpi("[:SOURce]:INPut[:STATe]?")
    def _get_input(self, args: str) -> str:
        expect_args(args, 0)
        return "1" if self.input_on else "0"

    @scpi(":MEASure[:SCALar]:VOLTage[:DC]?")
    def _measure_voltage(self, args: str) -> str:
        expect_args(args, 0)
        return nr3(self.world.load_reading()[0])

    @scpi(":MEASure[:SCALar]:CURRent[:DC]?")
    def _measure_current(self, args: str) -> str:
        expect_args(args, 0)
        return nr3(self.world.load_reading()[1])

    @scpi(":MEASure[:SCALar]:POWer[:DC]?")
    def _measure_power(self, args: str) -> str:
        expect_args(args, 0)
        volts, amps = self.world.load_reading()
        return nr3(volts * amps)
