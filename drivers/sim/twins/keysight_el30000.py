"""Simulated Keysight EL30000 bench load (EL34143A, EL34243A): the commands of
drivers/keysight_el30000.py's manual with their channel lists, bound to the world's load on
the input wired to the DUT; the other input of an EL34243A sees an open circuit.

Besides the function and levels, each input keeps what the front panel may leave behind
(drivers/sim/twins/loads.py):
- the CC range ([SOURce:]CURRent:RANGe <value>|MIN|MAX: the lowest of 0.6, 6 and 60 A that
  covers the value). A CC level above the selected range is refused (-222, the level
  unchanged) and so is a range that would leave the present CC level outside it (-221): the
  stricter reading of a coupling the driver's docstring marks unconfirmed;
- each function's transient mode ([SOURce:]<function>:MODE FIXed|STEP|LIST). Outside FIX the
  wired input runs the program, not the static level, as a STEP or LIST would once triggered;
- the voltage sense ([SOURce:]VOLTage:SENSe[:SOURce] INTernal|EXTernal; the world has no
  sense leads, so it changes no reading).
*RST (and power-on here) leaves the 60 A range, every mode FIX and internal sense; the real
*RST values were not checked.
"""
from __future__ import annotations

from typing import Any

from drivers.keysight_el30000 import CURRENT_RANGES, INPUTS, RATINGS
from drivers.sim.twins import loads
from drivers.sim.twins.scpi import ScpiError, channel_list, nr3

_FUNCTIONS = {"CURRent": "CC", "VOLTage": "CV", "RESistance": "CR", "POWer": "CP"}
_PROGRAMS = {"FIXed": "FIX", "STEP": "STEP", "LIST": "LIST"}
_SENSES = {"INTernal": False, "EXTernal": True}  # remote sense on EXTernal


class KeysightEL30000Twin(loads.ScpiLoadTwin):
    """Options: model (EL34143A or EL34243A; default EL34243A), channel (the input wired to
    the DUT; default 1)."""

    CHANNEL_ARGS = 1

    def __init__(self, world: Any, *, model: str = "EL34243A", channel: int = 1) -> None:
        if model not in RATINGS:
            raise ValueError(f"KeysightEL30000Twin: model {model!r} is not one of "
                             f"{', '.join(RATINGS)}")
        self.idn = f"Keysight Technologies,{model},MY60000001,A.01.02-A.01.01"
        inputs = range(1, INPUTS[model] + 1)
        super().__init__(world, dict.fromkeys(inputs, RATINGS[model]), wired=channel,
                         cc_ranges=dict.fromkeys(inputs, CURRENT_RANGES[model]))

    def targets(self, parts: list[str]) -> tuple[int, ...]:
        """The channel list parameter if given, else input 1."""
        if not parts:
            return (1,)
        channels = channel_list(parts[0])
        if any(ch not in self.inputs for ch in channels):
            raise ScpiError(-224, "Illegal parameter value")
        return channels

    _range, _range_query = loads.range_setting("[SOURce:]CURRent:RANGe")
    _sense, _sense_query = loads.switch("[SOURce:]VOLTage:SENSe[:SOURce]", "remote_sense",
                                        ("INT", "EXT"), _SENSES)
    _cc_mode, _cc_mode_query = loads.transient_mode("CC", "[SOURce:]CURRent:MODE", _PROGRAMS)
    _cv_mode, _cv_mode_query = loads.transient_mode("CV", "[SOURce:]VOLTage:MODE", _PROGRAMS)
    _cr_mode, _cr_mode_query = loads.transient_mode("CR", "[SOURce:]RESistance:MODE", _PROGRAMS)
    _cp_mode, _cp_mode_query = loads.transient_mode("CP", "[SOURce:]POWer:MODE", _PROGRAMS)
    _function = loads.function("[SOURce:]MODE", _FUNCTIONS)
    _input, _input_query = loads.input_state("INPut[:STATe]")
    _voltage, _current, _power = loads.measures("MEASure[:SCALar]:{quantity}[:DC]?", nr3)
