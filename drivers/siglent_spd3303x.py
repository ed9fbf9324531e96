"""Siglent SPD3303X and SPD3303X-E programmable DC supplies (CH1 and CH2, 0..32 V, 0..3.2 A;
CH3 is a fixed 2.5/3.3/5 V output set by a front-panel switch and cannot be programmed).

Source: Siglent "SPD3303X/SPD3303X-E Quick Start" (QS0503X-E01B), "Remote Control"
command list: [{CH1|CH2}:]VOLTage <v>, [{CH1|CH2}:]CURRent <a>, OUTPut {CH1|CH2|CH3},{ON|OFF},
MEASure:VOLTage? and MEASure:CURRent? [{CH1|CH2}], SYSTem:STATus?, SYSTem:ERRor?, *IDN?.
The quirks below are the instrument's, as the well-kept open drivers handle them:

- No APPLy and no OUTPut? query: setpoints are two commands, each with the channel prefix
  (`CH1:VOLT 5`: without it a command acts on the channel last selected by INSTrument, which
  the front panel also changes), and the output state is read from SYSTem:STATus?, a hex
  word ("0x0224") whose bit 4 is CH1 on, bit 5 CH2 on (bit 0/1: CH1/CH2 in CC) - the
  Quick Start's bit table, as used by labgrid's siglent power driver and libsigrok's scpi-pps
  Siglent profile (PR #77: status parsed from the hex word).
- It drops commands sent too soon after the previous one: libsigrok (PR #77,
  SCPI_QUIRK_DELAY_AFTER_CMD, over USB-TMC), PyVISA issue #362 (fixed by a query delay),
  Fixate's SPD3303X driver ("a 20ms delay was found to be reliable for most commands",
  *SAV needs ~50 ms). Option `command_delay` (default 0.05 s) keeps that gap; a simulated
  transport needs none (drivers/pacing.py).
- *IDN? has five fields: maker, model, serial, firmware, hardware version (spd3303x Rust
  crate's identity test: "Siglent Technologies,SPD3303X,SPD3XJGQ805993,1.01.01.03.11R1,V6.2").
- SYSTem:ERRor? answers "<code>  <text>" with two spaces ("0  No Error"), not SCPI's
  `0,"No error"` (Fixate and other open drivers split on the double space). No *RST, *CLS
  or *OPC? (libsigrok: SCPI_QUIRK_OPC_UNSUPPORTED; lxi-tools' command list has none of them).
Not confirmed: the exact reply formats (the twin answers "5.000"), the SPD3303X-E IDN serial.
"""
from __future__ import annotations

from drivers.base import DriverInfo
from drivers.dc_supply import DcSupply, Span
from drivers.pacing import paced
from drivers.roles import InstrumentError
from drivers.transports import Transport

COMMAND_DELAY = 0.05  # s between commands: Fixate measured 20 ms for most commands, ~50 ms for *SAV
_OUTPUTS = {1: Span(0.0, 32.0, 3.2), 2: Span(0.0, 32.0, 3.2)}
# model -> programmable channel -> range
PROGRAMMING_RANGES: dict[str, dict[int, Span]] = {"SPD3303X": _OUTPUTS, "SPD3303X-E": _OUTPUTS}
STATUS_OUTPUT_BIT = {1: 4, 2: 5}  # SYSTem:STATus? bit that is set while the channel is on


class SiglentSPD3303X(DcSupply):
    """PowerSupply role on CH1 or CH2. Options: channel (default 1), model, command_delay
    (seconds between commands; 0 turns the pause off, e.g. behind a protocol simulator)."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    ERROR_QUERY = "SYST:ERR?"  # SYSTem:ERRor?, answered "0  No Error" (see above)
    manufacturers = ("Siglent Technologies",)
    models = tuple(PROGRAMMING_RANGES)
    ranges = PROGRAMMING_RANGES
    SETPOINTS = ("CH{ch}:VOLT {v:.3f}", "CH{ch}:CURR {i:.3f}")
    OUTPUT = "OUTP CH{ch},{state}"
    OUTPUT_QUERY = "SYST:STAT?"
    MEASURE_VOLTS = "MEAS:VOLT? CH{ch}"
    MEASURE_AMPS = "MEAS:CURR? CH{ch}"

    def __init__(self, transport: Transport, *, channel: int = 1, model: str | None = None,
                 command_delay: float = COMMAND_DELAY) -> None:
        super().__init__(paced(transport, command_delay), channel=channel, model=model)
        self._output_bit = 1 << STATUS_OUTPUT_BIT[channel]

    def identify(self) -> str:
        """*IDN? in Siglent's five fields; InstrumentError unless one of this driver's models."""
        idn = self._ask("*IDN?")
        fields = [f.strip() for f in idn.split(",")]
        if len(fields) != 5:
            raise InstrumentError(f"{self.resource}: '*IDN?' answered {idn!r}: not a Siglent "
                                  "identification (maker,model,serial,firmware,hardware)")
        self._accept(fields[0], fields[1])
        self._errors()  # a new session: what the queue held before is not about its set-points
        return idn

    def output_on(self) -> bool:
        reply = self._ask(self._output_query).strip()
        try:
            if not reply.lower().startswith("0x"):
                raise ValueError(reply)
            status = int(reply, 16)
        except ValueError:
            raise InstrumentError(f"{self._output_query!r} answered {reply!r}: "
                                  "not a hexadecimal status word") from None
        return bool(status & self._output_bit)


DRIVER = DriverInfo(
    name="siglent-spd3303x", driver=SiglentSPD3303X, roles=("supply",),
    models=SiglentSPD3303X.models, interfaces=("USB", "LAN"),
    source='Siglent "SPD3303X/SPD3303X-E Quick Start" (QS0503X-E01B), remote control '
           "commands (CHn:VOLTage|CURRent, OUTPut CHn,ON|OFF, MEASure, SYSTem:STATus?); "
           "quirks as handled by libsigrok scpi-pps (PR #77), labgrid, Fixate",
    twin="drivers.sim.twins.siglent_spd3303x:SiglentSPD3303XTwin",
    twin_options=frozenset({"model", "channel"}))
