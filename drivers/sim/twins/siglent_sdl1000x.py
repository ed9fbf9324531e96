"""Simulated Siglent SDL1000X electronic load: the commands of drivers/siglent_sdl1000x.py's
manual, bound to the world's load. LED mode and the test functions (battery, list, program,
OCP/OPP) are not simulated: selecting them is refused like a bad parameter (-224)."""
from __future__ import annotations

from typing import Any

from drivers.sim.twins.loads import (LoadTwin, amps, function, input_state, level, measure, volts,
                                     watts)
from drivers.siglent_sdl1000x import RATINGS

_FUNCTIONS = {"CURRent": "CC", "VOLTage": "CV", "RESistance": "CR", "POWer": "CP"}


def _reading(value: float) -> str:
    return f"{value:.6f}"


def _setting(value: float) -> str:
    return f"{value:.3f}"  # as the manual's examples answer level queries, e.g. 8.000


class SiglentSDL1000XTwin(LoadTwin):
    """Option: model (SDL1020X, SDL1020X-E, SDL1030X, SDL1030X-E; default SDL1020X-E)."""

    def __init__(self, world: Any, *, model: str = "SDL1020X-E") -> None:
        if model not in RATINGS:
            raise ValueError(f"SiglentSDL1000XTwin: model {model!r} is not one of "
                             f"{', '.join(RATINGS)}")
        self.idn = f"Siglent Technologies,{model},SDL13GCX5R0001,1.1.1.21"
        super().__init__(world, {1: RATINGS[model]}, wired=1)

    _function = function("[:SOURce]:FUNCtion", _FUNCTIONS)
    _cc, _cc_query = level("CC", "[:SOURce]:CURRent[:LEVel][:IMMediate]", _setting)
    _cv, _cv_query = level("CV", "[:SOURce]:VOLTage[:LEVel][:IMMediate]", _setting)
    _cr, _cr_query = level("CR", "[:SOURce]:RESistance[:LEVel][:IMMediate]", _setting)
    _cp, _cp_query = level("CP", "[:SOURce]:POWer[:LEVel][:IMMediate]", _setting)
    _input, _input_query = input_state("[:SOURce]:INPut[:STATe]")
    _voltage = measure("MEASure:VOLTage[:DC]?", volts, _reading)
    _current = measure("MEASure:CURRent[:DC]?", amps, _reading)
    _power = measure("MEASure:POWer[:DC]?", watts, _reading)
