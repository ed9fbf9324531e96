"""Simulated Rigol DL3000 electronic load: the commands of drivers/rigol_dl3000.py's manual,
bound to the world's load (set_load, set_load_input, load_reading)."""
from __future__ import annotations

from typing import Any

from drivers.rigol_dl3000 import RATINGS
from drivers.sim.twins.scpi import ScpiTwin, boolean, choice, expect_args, nr3, number, scpi

_FUNCTIONS = {"CURRent": "CC", "VOLTage": "CV", "RESistance": "CR", "POWer": "CP"}


def _level(mode: str, node: str) -> tuple[Any, Any]:
    """Set and query handlers of one mode's level ([:SOURce]:<node>[:LEVel][:IMMediate])."""
    pattern = f"[:SOURce]:{node}[:LEVel][:IMMediate]"

    @scpi(pattern)
    def set_level(self: RigolDL3000Twin, args: str) -> None:
        (arg,) = expect_args(args, 1)
        self.levels[mode] = number(arg, *self.ratings.span(mode))
        if self.function == mode:
            self.world.set_load(mode, self.levels[mode])

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
        self.idn = f"RIGOL TECHNOLOGIES,{model},DL3A000000001,00.01.05.00.01"
        self.reset()

    def reset(self) -> None:
        self.function = "CC"
        self.levels = {"CC": 0.0, "CV": self.ratings.volts, "CR": self.ratings.ohms[1], "CP": 0.0}
        self.input_on = False
        self.world.set_load_input(False)
        self.world.set_load("CC", 0.0)

    @scpi("[:SOURce]:FUNCtion")
    def _set_function(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        self.function = choice(arg, _FUNCTIONS)
        self.world.set_load(self.function, self.levels[self.function])

    @scpi("[:SOURce]:FUNCtion?")
    def _get_function(self, args: str) -> str:
        expect_args(args, 0)
        return self.function

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
