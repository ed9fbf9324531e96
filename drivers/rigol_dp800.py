"""Rigol DP800 series programmable DC supplies (DP811/DP811A, DP821/DP821A, DP831/DP831A,
DP832/DP832A); option `channel` picks the output wired to the DUT.

Source: RIGOL "DP800 Series Programmable Linear DC Power Supply Programming Guide",
chapter 2 "Command System": :APPLy {CH1|CH2|CH3}[,<volt>[,<curr>]] (with the per-model
parameter range table), :OUTPut[:STATe] [{CH1|CH2|CH3},]{ON|OFF} and :OUTPut[:STATe]?
[{CH1|CH2|CH3}] (ON or OFF), :MEASure[:VOLTage][:DC]? and :MEASure:CURRent[:DC]?
[{CH1|CH2|CH3}]. Cross-checked with QCoDeS's Rigol DP821/DP831/DP832 drivers (channels and
ratings, the DP831's CH3 negative) and the :OUTPut CH1,ON / :OUTPut? CH1 usage of open
DP700/DP832 scripts.

Ranges: the DP831 and DP832 rows are the guide's :APPLy table. Not confirmed against the
guide: the DP821 row (63 V/1.05 A, 8.4 V/10.5 A: 105 % of the ratings, from a third-party
extract of the guide) and the DP811, whose two output ranges (20 V/10 A, 40 V/5 A) are
selected by :OUTPut:RANGe; the driver does not switch ranges, it allows only what is valid
in both (0..21 V, 0..5.3 A), so whatever range the front panel left, APPLy never fails.
The DP831's CH3 is a negative output (-32..0 V): a positive setpoint there is a RangeError.
"""
from __future__ import annotations

from drivers.base import DriverInfo
from drivers.dc_supply import DcSupply, Span
from drivers.transports import Transport

_DP811 = {1: Span(0.0, 21.0, 5.3)}
_DP821 = {1: Span(0.0, 63.0, 1.05), 2: Span(0.0, 8.4, 10.5)}
_DP831 = {1: Span(0.0, 8.4, 5.3), 2: Span(0.0, 32.0, 2.1), 3: Span(-32.0, 0.0, 2.1)}
_DP832 = {1: Span(0.0, 32.0, 3.2), 2: Span(0.0, 32.0, 3.2), 3: Span(0.0, 5.3, 3.2)}
# model -> channel -> programmable range
PROGRAMMING_RANGES: dict[str, dict[int, Span]] = {
    "DP811": _DP811, "DP811A": _DP811, "DP821": _DP821, "DP821A": _DP821,
    "DP831": _DP831, "DP831A": _DP831, "DP832": _DP832, "DP832A": _DP832,
}


class RigolDP800(DcSupply):
    """PowerSupply role on one output. Options: channel (default 1), model."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    ERROR_QUERY = "SYST:ERR?"  # :SYSTem:ERRor? (DP800 Programming Guide, ch. 2 :SYSTem commands)
    manufacturers = ("RIGOL TECHNOLOGIES",)
    models = tuple(PROGRAMMING_RANGES)
    ranges = PROGRAMMING_RANGES
    SETPOINTS = (":APPL CH{ch},{v:.7g},{i:.7g}",)
    OUTPUT = ":OUTP CH{ch},{state}"
    OUTPUT_QUERY = ":OUTP? CH{ch}"
    MEASURE_VOLTS = ":MEAS:VOLT? CH{ch}"
    MEASURE_AMPS = ":MEAS:CURR? CH{ch}"

    def __init__(self, transport: Transport, *, channel: int = 1, model: str | None = None) -> None:
        super().__init__(transport, channel=channel, model=model)


DRIVER = DriverInfo(
    name="rigol-dp800", driver=RigolDP800, roles=("supply",),
    models=RigolDP800.models, interfaces=("USB", "LAN", "RS-232"),
    source='RIGOL "DP800 Series Programmable Linear DC Power Supply Programming Guide", '
           "ch. 2 Command System (:APPLy and its range table, :OUTPut[:STATe], :MEASure); "
           "channel ratings checked against QCoDeS Rigol DP821/DP831/DP832",
    twin="drivers.sim.twins.rigol_dp800:RigolDP800Twin",
    twin_options=frozenset({"model", "channel"}))
