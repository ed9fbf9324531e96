"""Simulated B&K Precision 8600 series electronic load: the commands of drivers/bk_8600.py's
manual, bound to the world's load. Transient, list and battery functions are not simulated."""
from __future__ import annotations

from typing import Any

from drivers.bk_8600 import RATINGS
from drivers.sim.twins.loads import (LoadTwin, amps, function, input_state, level, measure, volts,
                                     watts)
from drivers.sim.twins.scpi import expect_args, nr3, scpi

_FUNCTIONS = {"CURRent": "CC", "VOLTage": "CV", "RESistance": "CR", "POWer": "CP"}


class BK8600Twin(LoadTwin):
    """Option: model (8600 ... 8625; default 8600)."""

    def __init__(self, world: Any, *, model: str = "8600") -> None:
        if model not in RATINGS:
            raise ValueError(f"BK8600Twin: model {model!r} is not one of {', '.join(RATINGS)}")
        self.idn = f"B&K Precision, {model}, 800000020737210001, 1.37-1.42"
        super().__init__(world, {1: RATINGS[model]}, wired=1)

    _function = function("[SOURce:]FUNCtion", _FUNCTIONS)
    _cc, _cc_query = level("CC", "[SOURce:]CURRent[:LEVel][:IMMediate]", nr3)
    _cv, _cv_query = level("CV", "[SOURce:]VOLTage[:LEVel][:IMMediate]", nr3)
    _cr, _cr_query = level("CR", "[SOURce:]RESistance[:LEVel][:IMMediate]", nr3)
    _cp, _cp_query = level("CP", "[SOURce:]POWer[:LEVel][:IMMediate]", nr3)
    _input, _input_query = input_state("[SOURce:]INPut[:STATe]")
    _voltage = measure("MEASure[:SCALar]:VOLTage[:DC]?", volts, nr3)
    _current = measure("MEASure[:SCALar]:CURRent[:DC]?", amps, nr3)
    _power = measure("MEASure[:SCALar]:POWer[:DC]?", watts, nr3)

    @scpi("SYSTem:REMote", "SYSTem:LOCal")
    def _remote_local(self, args: str) -> None:
        expect_args(args, 0)  # the front panel lock is not simulated
