"""Simulated Siglent SDL1000X electronic load: the commands of drivers/siglent_sdl1000x.py's
manual, bound to the world's load.

Besides the function and levels it keeps what the front panel may leave behind
(drivers/sim/twins/loads.py):
- the mode :SOUR:FUNC:MODE? answers: BASIC (static) or a test function (TRAN, LIST, PROGRAM,
  BATTERY, OCP, OPP). Outside BASIC the input runs the program, not the static level.
  Selecting a function ([:SOURce]:FUNCtion) returns to BASIC. LED mode and the commands that
  program and start the test functions are not simulated: :SOUR:FUNC LED is refused like a
  bad parameter;
- the short ([:SOURce]:SHORt[:STATe]): on, the input sinks as a CR load at the lowest
  resistance;
- remote sense (SYSTem:SENSe[:STATe]), kept and answered 0|1;
- the current and voltage ranges of each function ([:SOURce]:<function>:IRANGe 5|30 A,
  :VRANGe 36|150 V; a value selects the smallest range that covers it, above the high one
  is -222; the high ranges at power-on). A CC level above the CC current range, or a CV level
  above the CV voltage range, is refused (-222, the level unchanged), and so is a range that
  would leave the present CC or CV level outside it (-221): the stricter reading of a coupling
  the driver's docstring marks unconfirmed.
Numbers are answered with three decimals, as the guide's examples show ("8.000").
"""
from __future__ import annotations

from typing import Any

from drivers.siglent_sdl1000x import RANGES, RATINGS
from drivers.sim.twins import loads

_FUNCTIONS = {"CURRent": "CC", "VOLTage": "CV", "RESistance": "CR", "POWer": "CP"}
_NAMES = {"CC": "CURRENT", "CV": "VOLTAGE", "CR": "RESISTANCE", "CP": "POWER"}


def _reading(value: float) -> str:
    return f"{value:.6f}"


def _ranges(mode: str, node: str) -> tuple[loads.Handler, ...]:
    """Set and query handlers of one function's current and voltage ranges."""
    return (*loads.range_setting(f"[:SOURce]:{node}:IRANGe", mode=mode),
            *loads.range_setting(f"[:SOURce]:{node}:VRANGe", mode=mode, kind="V"))


class SiglentSDL1000XTwin(loads.ScpiLoadTwin):
    """Option: model (SDL1020X, SDL1020X-E, SDL1030X, SDL1030X-E; default SDL1020X-E)."""

    def __init__(self, world: Any, *, model: str = "SDL1020X-E") -> None:
        if model not in RATINGS:
            raise ValueError(f"SiglentSDL1000XTwin: model {model!r} is not one of "
                             f"{', '.join(RATINGS)}")
        self.idn = f"Siglent Technologies,{model},SDL13GCX5R0001,1.1.1.21"
        super().__init__(world, {1: RATINGS[model]}, wired=1)

    def range_tops(self, ch: int, mode: str, kind: str) -> tuple[float, ...]:
        return RANGES[kind]

    def setting(self, value: float) -> str:
        return f"{value:.3f}"  # as the manual's examples answer level queries, e.g. 8.000

    def set_function(self, ch: int, mode: str) -> None:
        self.inputs[ch].program = None  # back to BASIC
        super().set_function(ch, mode)

    _function = loads.function("[:SOURce]:FUNCtion", _FUNCTIONS)
    _function_query = loads.function_query("[:SOURce]:FUNCtion?", _NAMES)
    _mode_query = loads.program_query("[:SOURce]:FUNCtion:MODE?", "BASIC")  # a test enters one
    _short, _short_query = loads.switch("[:SOURce]:SHORt[:STATe]", "short")
    _sense, _sense_query = loads.switch("SYSTem:SENSe[:STATe]", "remote_sense")
    _cc_irange, _cc_irange_query, _cc_vrange, _cc_vrange_query = _ranges("CC", "CURRent")
    _cv_irange, _cv_irange_query, _cv_vrange, _cv_vrange_query = _ranges("CV", "VOLTage")
    _cr_irange, _cr_irange_query, _cr_vrange, _cr_vrange_query = _ranges("CR", "RESistance")
    _cp_irange, _cp_irange_query, _cp_vrange, _cp_vrange_query = _ranges("CP", "POWer")
    _input, _input_query = loads.input_state("[:SOURce]:INPut[:STATe]")
    _voltage, _current, _power = loads.measures("MEASure:{quantity}[:DC]?", _reading)
