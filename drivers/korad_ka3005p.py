"""Korad KA3005P family of single-output supplies and their rebadges (Korad KA3005P, KD3005P,
KD6005P; Tenma 72-2535, 72-2540, 72-2550; Velleman PS3005D, LABPS3005D; RND 320-KA3005P
and 320-KD3005P), on their RS-232 port or USB virtual serial port, 9600 baud 8N1.

Source: no vendor programming manual could be checked; the strings, reply sizes, status
bits, identities, ranges and timing are those of libsigrok's korad-kaxxxxp driver
(src/hardware/korad-kaxxxxp/protocol.c, protocol.h and api.c), the best-kept open driver of the
family, and of the sigrok wiki's "Korad KAxxxxP series" protocol table:

- No terminators either way. Commands: VSET1:<volts "%05.2f"> and ISET1:<amps "%05.3f">,
  VSET1? and ISET1? (the settings, same format), OUT1 / OUT0, OCP1 / OCP0, OVP1 / OVP0,
  VOUT1? and IOUT1? (actual output, 5 bytes: "05.00", "1.234"), STATUS? (one byte: bit 0 CV (1)
  or CC (0), bit 5 OCP on, bit 6 output on, bit 7 OVP on; the wiki: on a Velleman PS3005D only
  bits 0, 5 ("OVP and/or OCP") and 6 are reliable), *IDN? ("KORADKA3005PV2.0"; other models and
  firmware add spaces, a serial number " SN:...", or a stray 0x01 / 0xBC byte).
- Replies are read by byte count; *IDN? has no fixed length, so it is read until the line
  goes quiet (one transport timeout, default 0.5 s: libsigrok's REQ_TIMEOUT_MS). An unknown
  command gets no reply at all: a timeout. ISET1? may be followed by a sixth byte (libsigrok,
  "ISET? BUG workaround": seen after an *IDN?); it is read and dropped when it comes, so it
  cannot shift the next reply (waiting for it costs one transport timeout when it does not).
- There is no error queue: every setting is confirmed by reading it back (VSET1?, ISET1?) and
  comparing within the model's resolution (10 mV, 1 mA; libsigrok's model table); a setting
  that did not take is an InstrumentError naming the command and the reply.
- The instrument loses a command sent before it has processed the previous one: libsigrok
  waits DEVICE_PROCESSING_TIME_MS = 80 ms between commands. Option `command_delay` (default
  0.08 s) keeps that gap; a simulated transport needs none (drivers/pacing.py). The Velleman
  PS3005D V1.3 (identity "VELLEMANPS3005DV1.3") needs EXTRA_PROCESSING_TIME_MS = 450 ms more
  after a setting and after STATUS? (libsigrok's KORAD_QUIRK_SLOW_PROCESSING, PR #210: "the new
  command will NOT be executed"): chosen by the identity *IDN? gives, so a station need not
  know the firmware.
- Settable ranges per model: libsigrok's model table (e.g. KA3005P 0..31 V, 0..5.1 A).

Known state, sent by identify() (every new session; open() identifies first):
1. *IDN?, read until quiet, one of the family's identities;
2. OUT0 - the output off first;
3. OCP0 and OVP0 - protections off: with OCP on the output switches off when it reaches the
   current limit instead of regulating there, so a charge held at its limit would look finished;
   OVP switches it off above the set voltage (wiki); the bench's limits and safe() protect;
4. STATUS? - bit 6 (output) and bit 5 (OCP, or OCP/OVP on some clones) must read 0.
Not confirmed: the status bits on every clone (the sources disagree on bits 5 and 7), what a
unit does with a setting outside its range (the twin ignores it; the read-back catches either),
the sixth byte's value and which firmware sends it.
"""
from __future__ import annotations

import math
import re
import threading

from drivers.base import DriverInfo
from drivers.dc_supply import DcSupply, Span
from drivers.pacing import PacedTransport, paced
from drivers.roles import InstrumentError
from drivers.transports import Transport

COMMAND_DELAY = 0.08  # s: libsigrok's DEVICE_PROCESSING_TIME_MS
EXTRA_PROCESSING = 0.45  # s more after a setting or STATUS? on slow firmware (EXTRA_PROCESSING_TIME_MS)
SLOW_FIRMWARE = frozenset({("VELLEMAN", "PS3005D", "1.3")})  # (maker, model, version): libsigrok
REPLY_SIZE = 5  # bytes of every numeric reply
IDN_LIMIT = 64  # bytes: longer than any identity (libsigrok reads its longest + 12)
STATUS_QUERY = "STATUS?"
STATUS_CV, STATUS_OCP, STATUS_OUTPUT, STATUS_OVP = 0x01, 0x20, 0x40, 0x80
KNOWN_STATE = ("OUT0", "OCP0", "OVP0")
RESOLUTION = {"VSET1": 0.01, "ISET1": 0.001}  # setting -> its step (V, A): libsigrok's model table
_31V_5A, _31V_3A = {1: Span(0.0, 31.0, 5.1)}, {1: Span(0.0, 31.0, 3.1)}
_61V_5A, _61V_3A = {1: Span(0.0, 61.0, 5.1)}, {1: Span(0.0, 61.0, 3.1)}
# model -> its only output -> settable range
PROGRAMMING_RANGES: dict[str, dict[int, Span]] = {
    "KA3005P": _31V_5A, "KD3005P": _31V_5A, "KD6005P": _61V_5A,
    "72-2535": _31V_3A, "72-2540": _31V_5A, "72-2550": _61V_3A,
    "PS3005D": _31V_5A, "LABPS3005D": _31V_5A,
}
# an identity with its spaces removed: maker, model, firmware version (which RND units may leave
# out: libsigrok's KORAD_QUIRK_ID_OPT_VERSION)
IDENTITY = re.compile(r"(?P<maker>KORAD|TENMA|VELLEMAN|RND)(?:320-)?(?P<model>[A-Z0-9-]+?)"
                      r"(?:V(?P<version>\d+(?:\.\d+)?))?")
_TRAILING_JUNK = re.compile(r"[^\x21-\x7e]+$")  # the stray 0x01 / 0xBC some units append


def firmware(identity: str) -> tuple[str, str, str] | None:
    """(maker, model, version, "" if it gives none) of an identity as *IDN? gives it, None if it is
    none of ours."""
    found = IDENTITY.fullmatch(_TRAILING_JUNK.sub("", identity).partition(" SN:")[0].replace(" ", ""))
    return None if found is None else (found["maker"], found["model"], found["version"] or "")


def slow_after(command: str) -> bool:
    """Whether slow firmware needs its extra time after `command`: a setting, or STATUS?."""
    return not command.endswith("?") or command == STATUS_QUERY


class KoradKA3005P(DcSupply):
    """PowerSupply role. Options: model (the model the station expects), command_delay
    (seconds between commands; 0 turns the pause off, e.g. behind a protocol simulator)."""

    TRANSPORT = {"read_termination": "", "write_termination": "", "timeout": 0.5}
    manufacturers = ("KORAD", "TENMA", "VELLEMAN", "RND")
    models = tuple(PROGRAMMING_RANGES)
    ranges = PROGRAMMING_RANGES
    SETPOINTS = ("VSET{ch}:{v:05.2f}", "ISET{ch}:{i:05.3f}")
    OUTPUT = "OUT{flag}"
    OUTPUT_QUERY = STATUS_QUERY
    MEASURE_VOLTS = "VOUT{ch}?"
    MEASURE_AMPS = "IOUT{ch}?"

    def __init__(self, transport: Transport, *, model: str | None = None,
                 command_delay: float = COMMAND_DELAY) -> None:
        super().__init__(paced(transport, command_delay), model=model)
        self._lock = threading.Lock()  # a command and its reply are one exchange
        self._pacing = self.transport if isinstance(self.transport, PacedTransport) else None
        self._command_delay = command_delay
        self._extra = 0.0  # s more after a setting or STATUS?, once *IDN? shows slow firmware

    def _pace(self, command: str) -> None:
        """Set the pause that follows `command`'s exchange (the pacing transport waits it out
        before the next command), before `command` goes out."""
        if self._pacing is not None:
            self._pacing.delay = self._command_delay + (self._extra if slow_after(command) else 0.0)

    def _send(self, command: str) -> None:
        with self._lock:
            self._pace(command)
            self.transport.write_bytes(command.encode("ascii"))

    def _exchange(self, command: str, size: int) -> bytes:
        with self._lock:
            self._pace(command)
            self.transport.write_bytes(command.encode("ascii"))
            reply = self.transport.read_bytes(size)
            if command.startswith("ISET"):
                try:
                    self.transport.read_bytes(1)  # the sixth byte some firmware sends
                except InstrumentError:
                    pass  # none came: the usual case
            return reply

    def _ask(self, command: str) -> str:
        return self._exchange(command, REPLY_SIZE).decode("latin-1")

    def _status(self) -> int:
        return self._exchange(STATUS_QUERY, 1)[0]

    def output_on(self) -> bool:
        return bool(self._status() & STATUS_OUTPUT)

    def _read_back(self, command: str) -> None:
        """No error queue: a setting (HEADER:value) is read back (HEADER?) and must match within
        the model's resolution, else InstrumentError naming command and reply."""
        header, _, value = command.partition(":")
        query = f"{header}?"
        reply = self._ask(query)
        try:
            taken = float(reply)
        except ValueError:
            taken = math.nan
        if not abs(taken - float(value)) <= RESOLUTION[header] / 2 + 1e-9:
            raise InstrumentError(f"{self.resource} did not take {command}: {query} answered {reply!r}")

    def identify(self) -> str:
        """*IDN?, read until the line is quiet; InstrumentError unless one of our models; then
        the known state, confirmed through STATUS?."""
        self.confirmed = []
        with self._lock:
            self._pace("*IDN?")
            self.transport.write_bytes(b"*IDN?")
            reply = bytearray(self.transport.read_bytes(1))  # no reply at all: the error stands
            while len(reply) < IDN_LIMIT:
                try:
                    reply += self.transport.read_bytes(1)
                except InstrumentError:
                    break  # quiet: the identity is complete
        idn = _TRAILING_JUNK.sub("", reply.decode("latin-1"))
        found = firmware(idn)
        if found is None:
            raise InstrumentError(f"{self.resource}: '*IDN?' answered {bytes(reply)!r}: not the "
                                  "identity of a Korad KA3005P-family supply")
        self._accept(found[0], found[1])
        self._extra = EXTRA_PROCESSING if found in SLOW_FIRMWARE else 0.0
        for command in KNOWN_STATE:
            self._send(command)
        status = self._status()
        checks = ((STATUS_OUTPUT, "its output on", "OUT0"), (STATUS_OCP, "OCP on", "OCP0"))
        for bit, what, after in checks:
            if status & bit:
                raise InstrumentError(f"{self.resource} still reports {what} ({STATUS_QUERY} answered "
                                      f"0x{status:02X}) after {after}; it is not used until it is off")
        self._took(KNOWN_STATE)
        return idn


DRIVER = DriverInfo(
    name="korad-ka3005p", driver=KoradKA3005P, roles=("supply",),
    models=KoradKA3005P.models, interfaces=("USB (virtual serial)", "RS-232"),
    source="no vendor programming manual; the byte protocol of libsigrok's korad-kaxxxxp "
           "driver (protocol.c: VSET1:/ISET1:/OUT1/OCP1/OVP1/VOUT1?/IOUT1?/STATUS?, reply sizes, "
           "80 ms processing time and the PS3005D V1.3's 450 ms more; api.c: identities, ranges "
           "and resolutions) and the sigrok wiki's protocol table",
    twin="drivers.sim.twins.korad_ka3005p:KoradKA3005PTwin", twin_options=frozenset({"model"}),
    twin_model="KA3005P")
