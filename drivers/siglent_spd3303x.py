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
- Bits 2-3 of that word are the tracking mode of CH1/CH2: 01 independent, 10 parallel,
  11 series (the Quick Start's bit table; libsigrok PR #77, still open, in tjko/libsigrok's
  scpi-pps siglent_spd3303_update_status and config_get reads `(status >> 2) & 3` the same
  way, 2 "Parallel", 3 "Series"; the spd3303x Rust crate's status parser agrees). 00 is in no
  table and is refused as well. In series or parallel mode CH1 and CH2 are one output
  whose settings the front panel couples, so set_output(True) first reads the word and refuses
  (InstrumentError naming the mode) unless the supply is in independent mode: that is one
  query more before the output goes on, nothing more. The mode is changed from the front panel
  or by OUTPut:TRACK {0|1|2}, which this driver never sends.
- It drops commands sent too soon after the previous one: Fixate's SPD3303X driver ("a 20ms
  delay was found to be reliable for most commands", *SAV needs ~50 ms); libsigrok (PR #77)
  also waits 100 ms after a channel change (SCPI_QUIRK_SLOW_CHANNEL_SELECT). Option
  `command_delay` (default 0.05 s) keeps that gap; a simulated transport needs none
  (drivers/pacing.py).
- It also needs time between a query and the read of its reply, which that pacing (a gap
  before each command) does not give: libsigrok (PR #77, SCPI_QUIRK_DELAY_AFTER_CMD) sleeps
  100 ms between sending a query and reading over USB-TMC; Fixate sets PyVISA's query_delay to
  0.1 s for the SPD3303X on any VISA link; PyVISA issue #362 (SPD3303X-E) was fixed with a
  10 ms query_delay, pyvisa-py issue #324 reports queries timing out on an SPD3303C over
  USB-TMC while writes work. Option `query_delay` (default 0.1 s, the longest of these) makes
  each query a write, that pause, then the read, on every real link (libsigrok only does it on
  USB; LAN is covered too, as Fixate does); a simulated transport is queried at once.
- *IDN? has five fields: maker, model, serial, firmware, hardware version (spd3303x Rust
  crate's identity test: "Siglent Technologies,SPD3303X,SPD3XJGQ805993,1.01.01.03.11R1,V6.2").
- SYSTem:ERRor? answers "<code>  <text>" with two spaces ("0  No Error"), not SCPI's
  `0,"No error"` (Fixate and other open drivers split on the double space). No *RST, *CLS
  or *OPC? (libsigrok: SCPI_QUIRK_OPC_UNSUPPORTED; lxi-tools' command list has none of them).
Not confirmed: the exact reply formats (the twin answers "5.000"), the SPD3303X-E IDN serial,
whether a LAN link needs the query delay (it gets it anyway).
"""
from __future__ import annotations

import threading

from drivers import pacing
from drivers.base import DriverInfo
from drivers.dc_supply import DcSupply, Span
from drivers.pacing import paced
from drivers.roles import InstrumentError
from drivers.transports import Transport

COMMAND_DELAY = 0.05  # s between commands: Fixate measured 20 ms for most commands, ~50 ms for *SAV
_OUTPUTS = {1: Span(0.0, 32.0, 3.2), 2: Span(0.0, 32.0, 3.2)}
# model -> programmable channel -> range
PROGRAMMING_RANGES: dict[str, dict[int, Span]] = {"SPD3303X": _OUTPUTS, "SPD3303X-E": _OUTPUTS}
QUERY_DELAY = 0.1  # s between a query's write and its read: libsigrok's 100 ms, Fixate's query_delay
STATUS_OUTPUT_BIT = {1: 4, 2: 5}  # SYSTem:STATus? bit that is set while the channel is on
TRACKING_SHIFT = 2  # SYSTem:STATus? bits 2-3: the tracking mode of CH1 and CH2
TRACKING_MODES = {0b01: "independent", 0b10: "parallel", 0b11: "series"}
INDEPENDENT = 0b01


class QueryDelayTransport:
    """A transport whose queries are a write, a pause of `delay` seconds, then the read of the
    reply, as one step (another thread's command cannot come between them)."""

    def __init__(self, inner: Transport, delay: float) -> None:
        self.inner = inner
        self.delay = delay
        self.resource = inner.resource
        self.serial_line = inner.serial_line
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<QueryDelayTransport {self.delay:g} s over {self.inner!r}>"

    def open(self) -> None:
        self.inner.open()

    def query(self, message: str) -> str:
        with self._lock:
            self.inner.write(message)
            pacing.sleep(self.delay)  # the pacing module's clock: tests replace both at once
            try:
                return self.inner.read()
            except InstrumentError as exc:
                raise InstrumentError(f"{exc} (the reply to {message!r})") from exc

    def write(self, message: str) -> None:
        with self._lock:
            self.inner.write(message)

    def read(self) -> str:
        with self._lock:
            return self.inner.read()

    def write_bytes(self, data: bytes) -> None:
        with self._lock:
            self.inner.write_bytes(data)

    def read_bytes(self, n: int) -> bytes:
        with self._lock:
            return self.inner.read_bytes(n)

    def close(self) -> None:
        self.inner.close()


def query_delayed(transport: Transport, delay: float) -> Transport:
    """`transport`, pausing `delay` seconds inside each query, unless no pause is needed (none
    asked for, or a simulated link)."""
    if delay < 0:
        raise ValueError(f"query delay {delay!r} s is negative")
    if delay == 0 or getattr(transport, "simulated", False):
        return transport
    return QueryDelayTransport(transport, delay)


class SiglentSPD3303X(DcSupply):
    """PowerSupply role on CH1 or CH2. Options: channel (default 1), model, command_delay
    (seconds between commands), query_delay (seconds between a query and the read of its
    reply); 0 turns either pause off, e.g. behind a protocol simulator."""

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
                 command_delay: float = COMMAND_DELAY, query_delay: float = QUERY_DELAY) -> None:
        super().__init__(query_delayed(paced(transport, command_delay), query_delay),
                         channel=channel, model=model)
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

    def _status(self) -> int:
        """The SYSTem:STATus? word, or InstrumentError naming the query and a garbled reply."""
        reply = self._ask(self._output_query).strip()
        try:
            if not reply.lower().startswith("0x"):
                raise ValueError(reply)
            return int(reply, 16)
        except ValueError:
            raise InstrumentError(f"{self._output_query!r} answered {reply!r}: "
                                  "not a hexadecimal status word") from None

    def set_output(self, on: bool) -> None:
        """Off at once; on only once the status word shows independent outputs."""
        if on:
            status = self._status()
            code = (status >> TRACKING_SHIFT) & 0b11
            if code != INDEPENDENT:
                mode = TRACKING_MODES.get(code, f"an unknown tracking mode (bits 2-3 = {code:02b})")
                raise InstrumentError(
                    f"{self.resource}: the {self.model or 'SPD3303X'} is in {mode} mode "
                    f"({self._output_query} answered 0x{status:04X}); CH{self.channel} is not "
                    "switched on until the supply is set to independent outputs")
        super().set_output(on)

    def output_on(self) -> bool:
        return bool(self._status() & self._output_bit)


DRIVER = DriverInfo(
    name="siglent-spd3303x", driver=SiglentSPD3303X, roles=("supply",),
    models=SiglentSPD3303X.models, interfaces=("USB", "LAN"),
    source='Siglent "SPD3303X/SPD3303X-E Quick Start" (QS0503X-E01B), remote control '
           "commands (CHn:VOLTage|CURRent, OUTPut CHn,ON|OFF, MEASure, SYSTem:STATus?); "
           "quirks as handled by libsigrok scpi-pps (PR #77), labgrid, Fixate",
    twin="drivers.sim.twins.siglent_spd3303x:SiglentSPD3303XTwin",
    twin_options=frozenset({"model", "channel"}))
