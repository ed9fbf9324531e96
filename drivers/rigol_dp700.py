"""Rigol DP700 series single-output programmable DC supplies (DP711, DP712), on RS-232.

Source: RIGOL "DP700 Series Programmable Linear DC Power Supply Programming Guide",
chapter 2 "Command System": :APPLy [<channel>,]<voltage>[,<current>] (2-2: channel CH1, or the
range name P30V/P50V; DP711 0..32 V, 0..5.3 A; DP712 0..53 V, 0..3.2 A), :OUTPut[:STATe]
[CH1,]{ON|OFF} and :OUTPut[:STATe]? [CH1], :MEASure[:VOLTage][:DC]? and :MEASure:CURRent[:DC]?,
:TIMEr[:STATe] (2-44), :SYSTem:ERRor?. The same strings as the DP800 (drivers/rigol_dp800.py)
on its one output, so the DP800 driver is reused with the DP700 models. Cross-checked with the
open RigolDp700 serial driver (:OUTPut CH1,ON and :OUTPut? CH1 answering ON/OFF; :OUTPut:OCP and
:OUTPut:OVP without a channel) and libsigrok's scpi-pps DP700 profile (the DP800 command set,
:OUTP:OCP:STAT / :OUTP:OVP without a channel). The DP700 has only an RS-232 port (9600 baud
by default): serial:///dev/ttyUSB0?baudrate=9600 or ASRL/dev/ttyUSB0::INSTR.

Known state, sent by identify() (the DP800's, less what the DP700 lacks):
1. *IDN? and the error queue read empty (SYST:ERR?);
2. :OUTP CH1,OFF - the output off first;
3. :TIME OFF - "enabling the timing output will modify the channel output state" (2-44);
4. :OUTP:OCP OFF and :OUTP:OVP OFF - the protections at their default, OFF: the supply
   regulates at its current limit instead of switching itself off (see the DP800 module);
5. SYST:ERR? - all confirmed; then :OUTP? CH1 must answer OFF.
No tracking, no remote sense (one output, two terminals), and no :DELAY (not in the guide).

Pacing: no source found gives the DP700's RS-232 timing (neither the guide pages read, nor
libsigrok's profile, nor the open drivers, which wait for each reply and nothing more). Option
`command_delay` (default 0.1 s, the longest pause any serial supply here needs: the SPD3303X's
100 ms query delay, the Korad's 80 ms) keeps that gap between the end of one exchange and the
next command, on real lines only (drivers/pacing.py). Not confirmed: whether the DP700 needs any
pause at all, and whether :OUTP:OCP/:OVP also take the CH1 parameter :OUTPut does.
"""
from __future__ import annotations

from drivers.base import DriverInfo
from drivers.dc_supply import Span
from drivers.pacing import paced
from drivers.rigol_dp800 import RigolDP800
from drivers.transports import Transport

COMMAND_DELAY = 0.1  # s between commands on its serial line: a conservative choice, see above
# model -> its only output -> programmable range (the guide's :APPLy parameter table)
PROGRAMMING_RANGES: dict[str, dict[int, Span]] = {
    "DP711": {1: Span(0.0, 32.0, 5.3)},
    "DP712": {1: Span(0.0, 53.0, 3.2)},
}


class RigolDP700(RigolDP800):
    """PowerSupply role. Options: model (the model the station expects), command_delay
    (seconds between commands; 0 turns the pause off, e.g. behind a protocol simulator)."""

    models = tuple(PROGRAMMING_RANGES)
    ranges = PROGRAMMING_RANGES
    PROGRAMS_OFF = (":TIME OFF",)
    PROTECTIONS_OFF = (":OUTP:OCP OFF", ":OUTP:OVP OFF")

    def __init__(self, transport: Transport, *, model: str | None = None,
                 command_delay: float = COMMAND_DELAY) -> None:
        super().__init__(paced(transport, command_delay), model=model)


DRIVER = DriverInfo(
    name="rigol-dp700", driver=RigolDP700, roles=("supply",),
    models=RigolDP700.models, interfaces=("RS-232",),
    source='RIGOL "DP700 Series Programmable Linear DC Power Supply Programming Guide", '
           "ch. 2 Command System (:APPLy, :OUTPut[:STATe], :TIMEr, :MEASure); :OUTPut:OCP/:OVP "
           "as libsigrok scpi-pps and the open RigolDp700 driver send them",
    twin="drivers.sim.twins.rigol_dp700:RigolDP700Twin", twin_options=frozenset({"model"}), twin_model="DP711")
