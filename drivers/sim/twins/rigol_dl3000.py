"""Simulated Rigol DL3000 electronic load: the commands of drivers/rigol_dl3000.py's manual,
bound to the world's load (set_load, set_load_input, load_reading).

Besides the function and levels it keeps what the front panel may leave behind
(drivers/sim/twins/loads.py):
- the function mode ([:SOURce]:FUNCtion:MODE FIXed|LIST|WAVe|BATTery|OCP|OPP, queried as
  FIX|LIST|WAV|BATT|OCP|OPP). Outside FIX the input runs the program, not the static level;
- the CC range ([:SOURce]:CURRent:RANGe <value>|MIN|MAX|DEF: the smallest range covering the
  value; DEF is the high range). A CC level above the selected range is refused (-222, the
  level unchanged) and so is a range that would leave the present CC level outside it
  (-221): the stricter reading of a coupling the driver's docstring marks unconfirmed.
"""
from __future__ import annotations

from typing import Any

from drivers.rigol_dl3000 import CURRENT_RANGES, RATINGS
from drivers.sim.twins import loads
from drivers.sim.twins.scpi import nr3

_FUNCTIONS = {"CURRent": "CC", "VOLTage": "CV", "RESistance": "CR", "POWer": "CP"}
_MODES = {"FIXed": "FIX", "LIST": "LIST", "WAVe": "WAV", "BATTery": "BATT", "OCP": "OCP",
          "OPP": "OPP"}


class RigolDL3000Twin(loads.ScpiLoadTwin):
    """Option: model (DL3021, DL3021A, DL3031, DL3031A; default DL3021)."""

    def __init__(self, world: Any, *, model: str = "DL3021") -> None:
        if model not in RATINGS:
            raise ValueError(f"RigolDL3000Twin: model {model!r} is not one of {', '.join(RATINGS)}")
        self.idn = f"RIGOL TECHNOLOGIES,{model},DL3A000000001,00.01.05.00.01"
        super().__init__(world, {1: RATINGS[model]}, wired=1, cc_ranges={1: CURRENT_RANGES[model]})

    _function = loads.function("[:SOURce]:FUNCtion", _FUNCTIONS)
    _function_query = loads.function_query("[:SOURce]:FUNCtion?",
                                           {mode: mode for mode in _FUNCTIONS.values()})
    _mode, _mode_query = loads.program("[:SOURce]:FUNCtion:MODE", _MODES, "FIX")
    _range, _range_query = loads.range_setting("[:SOURce]:CURRent:RANGe", default=True)
    _input, _input_query = loads.input_state("[:SOURce]:INPut[:STATe]")
    _voltage, _current, _power = loads.measures(":MEASure[:SCALar]:{quantity}[:DC]?", nr3)
