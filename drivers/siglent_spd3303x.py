"""Siglent SPD3303X and SPD3303X-E programmable DC supplies (CH1 and CH2, 0..32 V, 0..3.2 A;
CH3 is a fixed 2.5/3.3/5 V output set by a front-panel switch and cannot be programmed).

Source: Siglent "SPD3303X/SPD3303X-E Quick Start" (QS0503X-E01B), "Remote Control" command
list (numbered as in its EN_02A edition): 5 MEASure:VOLTage? / CURRent? [{CH1|CH2}],
6-7 [{CH1|CH2}:]CURRent / VOLTage, 8 OUTPut {CH1|CH2|CH3},{ON|OFF}, OUTPut:TRACK {0|1|2},
OUTPut:WAVE, 9 TIMEr:SET and TIMEr {CH1|CH2},{ON|OFF}, 10 SYSTem:ERRor?, SYSTem:STATus?, and *IDN?.
Read through two transcriptions of that list (the spd3303x Rust crate's commands.rs, which
cites EN_02A, and lxi-tools' SPD3303X command table), not the PDF itself.

Known state, sent by identify() (every new session; open() identifies first):
1. *IDN? (five fields, see below) and the error queue read empty (SYST:ERR?);
2. OUTP CHn,OFF - the output off first;
3. TIME CHn,OFF - the channel's timer off (9 TIMEr): with it on, the output steps through the
   up to five voltage / current / time groups of TIMEr:SET instead of the set-points, a program
   like the DP700's timing output (whose guide says it "will modify the channel output state");
4. SYST:ERR? - both confirmed through the queue;
5. SYST:STAT? - read back (10 SYSTem:STATus?): the channel's output bit and timer bit must be
   clear and the tracking mode independent, else InstrumentError naming the word. This read-back
   is the confirmation that counts here: a command sent too soon is dropped with no queue entry.
set_output(True) reads the word again (the front panel may have changed it since) and refuses
ON unless the supply is independent and the channel's timer is off; switching off is never
refused.

Set-points (configure()): CHn:VOLT, CHn:CURR, then SYST:ERR? read empty (a refused value), then
CHn:VOLT? and CHn:CURR? read back (the set values, not measurements: 6-7, and libsigrok PR #77's
CH%s:VOLT? / CH%s:CURR? for the voltage target and current limit). A command dropped for coming
too soon leaves no queue entry: only the read-back finds it. A value reads back if it is within
one step of the model's resolution: 1 mV / 1 mA on the SPD3303X, 10 mV / 10 mA on the
SPD3303X-E (PR #77's channel tables in scpi-pps/profiles.c; not checked against Siglent's own
specification). One step, not half: whether the X-E rounds or truncates a finer value (the
driver writes three decimals to both) is unconfirmed, and a value within one step either way is
the one asked for. Anything else (another value, a reply that is not a number) is an
InstrumentError naming the command and the reply, and the set-points are not kept as confirmed.

The tracking mode is checked, never set. OUTPut:TRACK {0|1|2} (independent, series,
parallel; 8 OUTPut) would set it, but it couples CH1 and CH2, and this driver owns one of them:
the other may power another DUT, or the terminals may be wired for the series / parallel sum,
and the Quick Start neither gives a query nor says what the switch does to an output that is on.
libsigrok's scpi-pps SPD3303 profile (PR #77, unmerged; upstream scpi-pps has no Siglent
profile) does the same: the mode is a channel-group setting a user sets (Independent / Series /
Parallel -> OUTP:TRACK 0/1/2), read from the status word, never sent at probe. Set independent on
the front panel. Left alone as well: OUTPut:WAVE (the display, bits 8-9), the other channel
and CH3. The command list has no remote sense, over-voltage or over-current protection command
(and the driver no `sense` option: a station that sets one is refused by the registry).

SYSTem:STATus? answers a hex word ("0x0224"), bit by bit (10 SYSTem:STATus?): 0/1 CH1/CH2 in
CC (0 CV), 2-3 the tracking mode (01 independent, 10 parallel, 11 series; 00 is in no table and
is refused too), 4/5 CH1/CH2 on, 6/7 the CH1/CH2 timer on, 8/9 CH1/CH2 waveform display. It is
the only way to read the output state (there is no OUTPut? query): labgrid's Siglent power
driver reads bits 4/5 (SYSTEM:STATUS?, tested on an SPD3303X-E), libsigrok PR #77 the tracking
mode as `(status >> 2) & 3`, and the spd3303x crate decodes every bit as above.

The instrument's quirks, as the well-kept open drivers handle them:
- Setpoints are two commands, each with the channel prefix (`CH1:VOLT 5`: without it a command
  acts on the channel last selected by INSTrument, which the front panel also changes); no
  APPLy.
- It drops commands sent too soon after the previous one, silently: Fixate's SPD3303X driver
  waits 20 ms plus 1/6000 s per character after each write ("a 20ms delay was found to be
  reliable for most commands"; 22.5 ms for the longest command sent here) and quotes Siglent's
  "SPD programming tips" for 10-100 ms between commands; Fixate PR #228 (open) measured *SAV at
  ~50 ms, and the unit hung when the next command came after ~21 ms; libsigrok (PR #77) waits
  100 ms after a channel change (SCPI_QUIRK_SLOW_CHANNEL_SELECT; this driver never selects a
  channel: every set-point carries its prefix). Option `command_delay` (default 0.05 s: inside
  Siglent's range, above every figure measured for a command this driver sends) keeps that gap;
  a simulated transport needs none (drivers/pacing.py). The twin, given a clock, loses a command
  that comes sooner than this after the last one, with no queue entry.
- It also needs time between a query and the read of its reply, which that pacing (a gap
  before each command) does not give: libsigrok (PR #77, SCPI_QUIRK_DELAY_AFTER_CMD) sleeps
  100 ms between sending a query and reading over USB-TMC; Fixate sets PyVISA's query_delay to
  0.1 s for the SPD3303X on any VISA link; PyVISA issue #362 (SPD3303X-E) was fixed with a
  10 ms query_delay, pyvisa-py issue #324 reports queries timing out on an SPD3303C over
  USB-TMC while writes work. Option `query_delay` (default 0.1 s: libsigrok's g_usleep(100 ms)
  in scpi_get_data and Fixate's 0.1 s, "100ms query delay recommended - some forum discussion
  says 300ms more robust") makes each query a write, that pause, then the read, on every real
  link (libsigrok only does it on USB; LAN is covered too, as Fixate does); a simulated
  transport is queried at once. The twin, given a clock, gives no reply read sooner (the read
  times out).
- *IDN? has five fields: maker, model, serial, firmware, hardware version (spd3303x Rust
  crate's identity test: "Siglent Technologies,SPD3303X,SPD3XJGQ805993,1.01.01.03.11R1,V6.2").
- SYSTem:ERRor? answers "<code>  <text>" with two spaces ("0  No Error"), not SCPI's
  `0,"No error"` (Fixate and other open drivers split on the double space). No *RST, *CLS
  or *OPC? (libsigrok: SCPI_QUIRK_OPC_UNSUPPORTED; lxi-tools' command list has none of them).

Not confirmed: the exact reply formats (the twin answers "5.000"; libsigrok's table gives the
X-E two decimals); the SPD3303X-E IDN serial; whether a LAN link needs the query delay (it gets
it anyway); which errors, if any, the SPD3303X queues for a refused or unknown command (hence
the status-word and set-point read-backs); that the status word shows OUTP / TIME within the
50 ms gap that follows them; the short form TIME (lxi-tools' table lists TIME and TIMER; the
Quick Start writes TIMEr); whether a timer left on starts at output ON or at once (it is off
either way before ON); the shortest gap the supply really needs (50 ms is what the driver keeps
and the twin demands, not a measured limit); what the supply does with a reply nobody read in
time (the twin drops it); whether the X-E rounds or truncates a finer set-point (the twin
rounds). libsigrok PR #77 also sends Siglent commands without a line feed
(SCPI_QUIRK_CMD_OMIT_LF); Fixate and Siglent's tips use LF, as this driver does.
"""
from __future__ import annotations

import threading
from collections.abc import Collection

from drivers import pacing
from drivers.base import DriverInfo
from drivers.dc_supply import DcSupply, Span
from drivers.pacing import paced
from drivers.roles import InstrumentError
from drivers.transports import Transport

COMMAND_DELAY = 0.05  # s between commands: Fixate ~22 ms, *SAV ~50 ms (PR #228), Siglent 10-100 ms
_OUTPUTS = {1: Span(0.0, 32.0, 3.2), 2: Span(0.0, 32.0, 3.2)}
# model -> programmable channel -> range
PROGRAMMING_RANGES: dict[str, dict[int, Span]] = {"SPD3303X": _OUTPUTS, "SPD3303X-E": _OUTPUTS}
QUERY_DELAY = 0.1  # s between a query's write and its read: libsigrok's 100 ms, Fixate's query_delay
# model -> set-point -> its step (V, A): libsigrok PR #77, scpi-pps/profiles.c
RESOLUTION: dict[str, dict[str, float]] = {"SPD3303X": {"VOLT": 0.001, "CURR": 0.001},
                                           "SPD3303X-E": {"VOLT": 0.01, "CURR": 0.01}}
SLACK = 1e-9  # V or A: float noise when a reply is compared with the value written
STATUS_OUTPUT_BIT = {1: 4, 2: 5}  # SYSTem:STATus? bit that is set while the channel is on
STATUS_TIMER_BIT = {1: 6, 2: 7}  # SYSTem:STATus? bit that is set while the channel's timer is on
TIMER = "TIME CH{ch},{state}"  # TIMEr {CH1|CH2},{ON|OFF}
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
        self._timer_bit = 1 << STATUS_TIMER_BIT[channel]
        # the headers of this channel's set-points ("CH1:VOLT", "CH1:CURR"): read back by _confirm
        self._setpoints = {template.partition(" ")[0].format(ch=channel)
                           for template in self.SETPOINTS}

    def _identity(self) -> str:
        """*IDN? in Siglent's five fields; InstrumentError unless one of this driver's models."""
        idn = self._ask("*IDN?")
        fields = [f.strip() for f in idn.split(",")]
        if len(fields) != 5:
            raise InstrumentError(f"{self.resource}: '*IDN?' answered {idn!r}: not a Siglent "
                                  "identification (maker,model,serial,firmware,hardware)")
        self._accept(fields[0], fields[1])
        return idn

    def _check(self, sent: Collection[str]) -> None:
        """The queue read empty (a refused command), then each set-point read back (a command
        dropped for coming too soon, which the queue does not show)."""
        super()._check(sent)
        for command in sent:
            if command.partition(" ")[0] in self._setpoints:
                self._read_back(command)

    def _reads_back(self, header: str, value: str, reply: str) -> bool:
        """A set-point ("CH1:VOLT", "4.200") reads back as a number within one step of the
        model's resolution (module docstring)."""
        step = RESOLUTION[self._known_model()][header.rpartition(":")[2]]
        try:
            taken = float(reply)
        except ValueError:
            return False
        return abs(taken - float(value)) <= step + SLACK  # False for NaN too

    def known_state(self) -> list[str]:
        """The output off, then its timer off (module docstring, steps 2-3)."""
        return [self._switch[False], TIMER.format(ch=self.channel, state="OFF")]

    def check_known_state(self) -> None:
        """The status word shows the output off, its timer off and independent outputs."""
        status = self._status()
        if status & self._output_bit:
            raise InstrumentError(
                f"{self.resource}: CH{self.channel} still reports its output on after "
                f"{self._switch[False]!r} ({self._output_query} answered 0x{status:04X}); it is "
                "not used until it switches off")
        self._refuse_unless_ready(status)

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

    def _refuse_unless_ready(self, status: int) -> None:
        """InstrumentError naming the word unless this channel's timer is off and the outputs
        are independent: what the output needs before it may go on."""
        word = f"{self._output_query} answered 0x{status:04X}"
        ch = f"CH{self.channel}"
        if status & self._timer_bit:
            raise InstrumentError(
                f"{self.resource}: the {ch} timer is on ({word}); {ch} is not switched on while its "
                "timer would step the output instead of the set-points")
        code = (status >> TRACKING_SHIFT) & 0b11
        if code != INDEPENDENT:
            mode = TRACKING_MODES.get(code, f"an unknown tracking mode (bits 2-3 = {code:02b})")
            raise InstrumentError(
                f"{self.resource}: the {self.model or 'SPD3303X'} is in {mode} mode ({word}); "
                f"{ch} is not switched on until the supply is set to independent outputs")

    def set_output(self, on: bool) -> None:
        """Off at once; on only once the status word shows the timer off and independent
        outputs (the front panel may have changed either since open)."""
        if on:
            self._refuse_unless_ready(self._status())
        super().set_output(on)

    def output_on(self) -> bool:
        return bool(self._status() & self._output_bit)


DRIVER = DriverInfo(
    name="siglent-spd3303x", driver=SiglentSPD3303X, roles=("supply",),
    models=SiglentSPD3303X.models, interfaces=("USB", "LAN"),
    source='Siglent "SPD3303X/SPD3303X-E Quick Start" (QS0503X-E01B), remote control '
           "commands (CHn:VOLTage|CURRent and their queries, OUTPut CHn,ON|OFF, TIMEr CHn,OFF, "
           "MEASure, SYSTem:STATus? with its bit table); resolutions and quirks as handled by "
           "libsigrok scpi-pps (PR #77), labgrid, Fixate",
    twin="drivers.sim.twins.siglent_spd3303x:SiglentSPD3303XTwin",
    twin_options=frozenset({"model", "channel"}), twin_model="SPD3303X")
