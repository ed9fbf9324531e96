"""Simulated B&K Precision 8600 series electronic load: the commands of drivers/bk_8600.py's
manual, bound to the world's load.

Besides the function and levels it keeps what the front panel may leave behind
(drivers/sim/twins/loads.py):
- the CC range (CURRent:RANGe <value>|MIN|MAX: the model's low or high range, the lowest that
  covers the value). Changing to the low range sets a CC level above it to the range's top
  (the manual's p. 47); a CC level above the selected range is refused (-222, level
  unchanged: the stricter reading of what the driver's docstring marks unconfirmed);
- the function mode (FUNCtion:MODE FIXed|LIST) and the transient generator (TRANsient[:STATe]).
  With a list or the transient on, the input runs the program, not the static level. Battery
  and the other test functions are not simulated (-224);
- remote sense (REMote:SENSe[:STATe]; the world has no sense leads, so it changes no reading).
*RST (and power-on here) leaves the high range, FIX, the transient off and local sense; the
real *RST values were not checked.
"""
from __future__ import annotations

from typing import Any

from drivers.bk_8600 import CURRENT_RANGES, RATINGS
from drivers.sim.twins import loads
from drivers.sim.twins.scpi import expect_args, nr3, scpi

_FUNCTIONS = {"CURRent": "CC", "VOLTage": "CV", "RESistance": "CR", "POWer": "CP"}
_PROGRAMS = {"FIXed": "FIX", "LIST": "LIST"}


class BK8600Twin(loads.ScpiLoadTwin):
    """Option: model (8600 ... 8625; default 8600)."""

    RANGE_LOWERS_LEVEL = True  # the manual's p. 47

    def __init__(self, world: Any, *, model: str = "8600") -> None:
        if model not in RATINGS:
            raise ValueError(f"BK8600Twin: model {model!r} is not one of {', '.join(RATINGS)}")
        self.idn = f"B&K Precision, {model}, 800000020737210001, 1.37-1.42"
        super().__init__(world, {1: RATINGS[model]}, wired=1, cc_ranges={1: CURRENT_RANGES[model]})

    _range, _range_query = loads.range_setting("[SOURce:]CURRent:RANGe")
    _program, _program_query = loads.program("[SOURce:]FUNCtion:MODE", _PROGRAMS, "FIX")
    _transient, _transient_query = loads.switch("[SOURce:]TRANsient[:STATe]", "transient")
    _sense, _sense_query = loads.switch("REMote:SENSe[:STATe]", "remote_sense")
    _function = loads.function("[SOURce:]FUNCtion", _FUNCTIONS)
    _input, _input_query = loads.input_state("[SOURce:]INPut[:STATe]")
    _voltage, _current, _power = loads.measures("MEASure[:SCALar]:{quantity}[:DC]?", nr3)

    @scpi("SYSTem:REMote", "SYSTem:LOCal")
    def _remote_local(self, args: str) -> None:
        expect_args(args, 0)  # the front panel lock is not simulated
