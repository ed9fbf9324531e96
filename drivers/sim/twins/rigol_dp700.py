"""Simulated Rigol DP700 supply: the DP800 twin's command set on one output, which the DP700
guide also lets :APPLy address by its range name (P30V on the DP711, P50V on the DP712);
on RS-232, its only port. What the DP700 guide does not have is refused as an unknown header
(-113): the DP800's :DELAY, :OUTPut:TRACk and :OUTPut:SENSe.

Not modelled: the serial line's timing (no source gives it; drivers/rigol_dp700.py paces anyway).
"""
from __future__ import annotations

from typing import Any, ClassVar

from drivers.dc_supply import Span
from drivers.rigol_dp700 import PROGRAMMING_RANGES
from drivers.sim.twins.rigol_dp800 import RigolDP800Twin
from drivers.sim.twins.scpi import ScpiError, scpi

RANGE_NAMES = {"DP711": "P30V", "DP712": "P50V"}


class RigolDP700Twin(RigolDP800Twin):
    """Option: model (DP711 or DP712; default DP711)."""

    ranges: ClassVar[dict[str, dict[int, Span]]] = PROGRAMMING_RANGES
    serial = "DP7A000000001"
    serial_line = True

    def __init__(self, world: Any, *, model: str = "DP711") -> None:
        super().__init__(world, model=model)

    def channel_names(self, model: str) -> dict[str, int]:
        return {"CH1": 1, RANGE_NAMES[model]: 1}

    @scpi(":DELAY[:STATe]", ":DELAY[:STATe]?", ":OUTPut:TRACk", ":OUTPut:TRACk?",
          ":OUTPut:SENSe", ":OUTPut:SENSe?")
    def _absent(self, args: str) -> None:
        raise ScpiError(-113, "Undefined header")
