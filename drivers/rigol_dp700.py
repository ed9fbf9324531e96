"""Rigol DP700 series single-output programmable DC supplies (DP711, DP712), on RS-232.

Source: RIGOL "DP700 Series Programmable Linear DC Power Supply Programming Guide",
chapter 2 "Command System": :APPLy [<channel>,]<voltage>[,<current>] (channel CH1, or the
range name P30V/P50V; DP711 0..32 V, 0..5.3 A; DP712 0..53 V, 0..3.2 A), :OUTPut[:STATe]
[CH1,]{ON|OFF} and :OUTPut[:STATe]? [CH1], :MEASure[:VOLTage][:DC]? and :MEASure:CURRent[:DC]?.
The same strings as the DP800 (drivers/rigol_dp800.py) on its one output, so the DP800
driver is reused with the DP700 models. Cross-checked with the open RigolDp700 serial driver
(:OUTPut CH1,ON and :OUTPut? CH1 answering ON/OFF). The DP700 has only an RS-232 port
(9600 baud by default): serial:///dev/ttyUSB0?baudrate=9600 or ASRL/dev/ttyUSB0::INSTR.
"""
from __future__ import annotations

from drivers.base import DriverInfo
from drivers.dc_supply import Span
from drivers.rigol_dp800 import RigolDP800
from drivers.transports import Transport

# model -> its only output -> programmable range (the guide's :APPLy parameter table)
PROGRAMMING_RANGES: dict[str, dict[int, Span]] = {
    "DP711": {1: Span(0.0, 32.0, 5.3)},
    "DP712": {1: Span(0.0, 53.0, 3.2)},
}


class RigolDP700(RigolDP800):
    """PowerSupply role. Option: model (the model the station expects)."""

    models = tuple(PROGRAMMING_RANGES)
    ranges = PROGRAMMING_RANGES

    def __init__(self, transport: Transport, *, model: str | None = None) -> None:
        super().__init__(transport, model=model)


DRIVER = DriverInfo(
    name="rigol-dp700", driver=RigolDP700, roles=("supply",),
    models=RigolDP700.models, interfaces=("RS-232",),
    source='RIGOL "DP700 Series Programmable Linear DC Power Supply Programming Guide", '
           "ch. 2 Command System (:APPLy, :OUTPut[:STATe], :MEASure)",
    twin="drivers.sim.twins.rigol_dp700:RigolDP700Twin", twin_options=frozenset({"model"}))
