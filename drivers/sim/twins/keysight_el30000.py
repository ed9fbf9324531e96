"""Simulated Keysight EL30000 bench load (EL34143A, EL34243A): the commands of
drivers/keysight_el30000.py's manual with their channel lists, bound to the world's load on
the input wired to the DUT; the other input of an EL34243A sees an open circuit."""
from __future__ import annotations

from typing import Any

from drivers.keysight_el30000 import INPUTS, RATINGS
from drivers.sim.twins.loads import (LoadTwin, amps, function, input_state, level, measure, volts,
                                     watts)
from drivers.sim.twins.scpi import ScpiError, channel_list, nr3

_FUNCTIONS = {"CURRent": "CC", "VOLTage": "CV", "RESistance": "CR", "POWer": "CP"}


class KeysightEL30000Twin(LoadTwin):
    """Options: model (EL34143A or EL34243A; default EL34243A), channel (the input wired to
    the DUT; default 1)."""

    CHANNEL_ARGS = 1

    def __init__(self, world: Any, *, model: str = "EL34243A", channel: int = 1) -> None:
        if model not in RATINGS:
            raise ValueError(f"KeysightEL30000Twin: model {model!r} is not one of "
                             f"{', '.join(RATINGS)}")
        self.idn = f"Keysight Technologies,{model},MY60000001,A.01.02-A.01.01"
        inputs = {ch: RATINGS[model] for ch in range(1, INPUTS[model] + 1)}
        super().__init__(world, inputs, wired=channel)

    def targets(self, parts: list[str]) -> tuple[int, ...]:
        """The channel list parameter if given, else input 1."""
        if not parts:
            return (1,)
        channels = channel_list(parts[0])
        if any(ch not in self.inputs for ch in channels):
            raise ScpiError(-224, "Illegal parameter value")
        return channels

    _function = function("[SOURce:]MODE", _FUNCTIONS)
    _cc, _cc_query = level("CC", "[SOURce:]CURRent[:LEVel][:IMMediate]", nr3)
    _cv, _cv_query = level("CV", "[SOURce:]VOLTage[:LEVel][:IMMediate]", nr3)
    _cr, _cr_query = level("CR", "[SOURce:]RESistance[:LEVel][:IMMediate]", nr3)
    _cp, _cp_query = level("CP", "[SOURce:]POWer[:LEVel][:IMMediate]", nr3)
    _input, _input_query = input_state("INPut[:STATe]")
    _voltage = measure("MEASure[:SCALar]:VOLTage[:DC]?", volts, nr3)
    _current = measure("MEASure[:SCALar]:CURRent[:DC]?", amps, nr3)
    _power = measure("MEASure[:SCALar]:POWer[:DC]?", watts, nr3)
