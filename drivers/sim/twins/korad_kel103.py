"""Simulated Korad KEL103 / KEL102 electronic load: the serial protocol of
drivers/korad_kel103.py, bound to the world's load.

Strict the way the real one is: a command it does not understand, or a parameter without
its unit, is dropped without a word (a query then gets no reply: the driver times out), and
there is no error queue to ask (no SYSTem:ERRor?, no *RST/*CLS/*OPC?); what it dropped is
kept in `rejected` for tests. A level above the front-panel limit (:CURR:UPP and the like,
the rating by default) is set to the limit, as the real load does. Writing a level also
selects its function.

Besides the function and levels it keeps what the front panel may leave behind
(drivers/sim/twins/loads.py):
- a test or dynamic mode still running (the input's `program`, the word :FUNC? answers then:
  BATTERY, LIST, OCP, OPP, TOGGLE, PULSE, CONTINUOUS CC...), which the input runs instead of
  the static level. :FUNC CC|CV|CR|CW ends it; a level write does not (the notes do not say it
  would: the stricter reading). :FUNC SHORt shorts the input (the lowest resistance) until
  another function is selected. The commands that program and start the tests (:BATT, :LIST,
  :OCP, :OPP, :DYN) are not simulated;
- the remote compensation (:SYST:COMP ON|OFF, answered ON|OFF), off at power-on.
"""
from __future__ import annotations

import re
from functools import partial
from typing import Any

from drivers.korad_kel103 import RATINGS, UNITS
from drivers.sim.twins import loads
from drivers.sim.twins.scpi import ScpiError, choice, expect_args, scpi

_FUNCTIONS = {"CC": "CC", "CV": "CV", "CR": "CR", "CW": "CP"}
_NAMES = {mode: name for name, mode in _FUNCTIONS.items()}
SHORT = "SHORt"
_VALUE = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))([A-Z]+)", re.IGNORECASE)


def with_unit(value: float, unit: str) -> str:
    """A number as the KEL10x prints it: five significant digits, then the unit (7.4486V)."""
    digits = 4 if value < 10 else 3 if value < 100 else 2 if value < 1000 else 1
    return f"{value:.{digits}f}{unit}"


def _level(mode: str, node: str) -> tuple[Any, ...]:
    """Set and query handlers of one mode's level and of its front-panel upper limit."""
    unit = UNITS[mode]

    @scpi(f":{node}")
    def set_level(self: KoradKEL103Twin, args: str) -> None:
        low, high = self.span(1, mode)[0], self.limits[mode]
        self.set_level(1, mode, min(max(self.value(args, unit, low, high), low), high))
        self.set_function(1, mode)

    @scpi(f":{node}?")
    def get_level(self: KoradKEL103Twin, args: str) -> str:
        expect_args(args, 0)
        return with_unit(self.inputs[1].levels[mode], unit)

    @scpi(f":{node}:UPPer")
    def set_limit(self: KoradKEL103Twin, args: str) -> None:
        low, high = self.span(1, mode)
        self.limits[mode] = min(max(self.value(args, unit, low, high), low), high)

    @scpi(f":{node}:UPPer?")
    def get_limit(self: KoradKEL103Twin, args: str) -> str:
        expect_args(args, 0)
        return with_unit(self.limits[mode], unit)

    return set_level, get_level, set_limit, get_limit


class KoradKEL103Twin(loads.LoadTwin):
    """Option: model (KEL102 or KEL103; default KEL103)."""

    input_terminators = ("\n",)
    serial_line = True  # a USB virtual serial port

    def __init__(self, world: Any, *, model: str = "KEL103") -> None:
        if model not in RATINGS:
            raise ValueError(f"KoradKEL103Twin: model {model!r} is not one of {', '.join(RATINGS)}")
        self.idn = f"KORAD-{model} V3.30 SN:00000001"
        self.rejected: list[str] = []
        super().__init__(world, {1: RATINGS[model]}, wired=1)

    def reset(self) -> None:
        super().reset()
        self.limits = {mode: self.span(1, mode)[1] for mode in UNITS}

    def push_error(self, code: int, message: str) -> None:
        self.rejected.append(f"{code:+d},{message}")  # nothing the host can read back

    @staticmethod
    def value(args: str, unit: str, low: float, high: float) -> float:
        """A number with its unit (1.5000A), MIN or MAX."""
        (arg,) = expect_args(args, 1)
        if arg.upper() in ("MIN", "MAX"):
            return low if arg.upper() == "MIN" else high
        match = _VALUE.fullmatch(arg)
        if match is None or match[2].upper() != unit:
            raise ScpiError(-104, "Data type error")
        return float(match[1])

    def set_function(self, ch: int, mode: str) -> None:
        self.inputs[ch].short = False  # a function ends the short; a running test goes on
        super().set_function(ch, mode)

    @scpi("*RST", "*CLS", "*OPC?", "SYSTem:ERRor[:NEXT]?")
    def _not_a_kel_command(self, args: str) -> None:
        raise ScpiError(-113, "Undefined header")

    @scpi(":FUNCtion")
    def _set_function(self, args: str) -> None:
        (name,) = expect_args(args, 1)
        mode = choice(name, {**_FUNCTIONS, SHORT: SHORT})
        state = self.inputs[1]
        state.program = None
        if mode == SHORT:
            state.short = True
            self.apply(1)
        else:
            self.set_function(1, mode)

    @scpi(":FUNCtion?")
    def _get_function(self, args: str) -> str:
        expect_args(args, 0)
        state = self.inputs[1]
        return state.program or (SHORT if state.short else _NAMES[state.function])

    _cc, _cc_query, _cc_limit, _cc_limit_query = _level("CC", "CURRent")
    _cv, _cv_query, _cv_limit, _cv_limit_query = _level("CV", "VOLTage")
    _cr, _cr_query, _cr_limit, _cr_limit_query = _level("CR", "RESistance")
    _cp, _cp_query, _cp_limit, _cp_limit_query = _level("CP", "POWer")
    _compensation, _compensation_query = loads.switch(":SYSTem:COMP", "remote_sense", ("OFF", "ON"))
    _input, _input_query = loads.input_state(":INPut", ("OFF", "ON"))
    _voltage = loads.measure(":MEASure:VOLTage?", loads.volts, partial(with_unit, unit="V"))
    _current = loads.measure(":MEASure:CURRent?", loads.amps, partial(with_unit, unit="A"))
    _power = loads.measure(":MEASure:POWer?", loads.watts, partial(with_unit, unit="W"))
