"""Korad KA3005P family of single-output supplies and their rebadges (Korad KA3005P, KD3005P,
KD6005P; Tenma 72-2535, 72-2540, 72-2550; Velleman PS3005D, LABPS3005D; RND 320-KA3005P
and 320-KD3005P), on their RS-232 port or USB virtual serial port, 9600 baud 8N1.

Source: no vendor programming manual could be checked; the strings, reply sizes, status
bits, identities, ranges and timing are those of libsigrok's korad-kaxxxxp driver
(src/hardware/korad-kaxxxxp/protocol.c and api.c), the best-kept open driver of the family:

- No terminators either way. Commands: VSET1:<volts "%05.2f"> and ISET1:<amps "%05.3f">,
  OUT1 / OUT0, VOUT1? and IOUT1? (actual output, 5 bytes: "05.00", "1.234"), STATUS?
  (one byte: bit 0 CV (1) or CC (0), bit 6 output on), *IDN? ("KORADKA3005PV2.0"; other
  models and firmware add spaces, a serial number " SN:...", or a stray 0x01 / 0xBC byte).
- Replies are read by byte count; *IDN? has no fixed length, so it is read until the line
  goes quiet (one transport timeout, default 0.5 s: libsigrok's REQ_TIMEOUT_MS). An unknown
  command gets no reply at all: a timeout.
- The instrument loses a command sent before it has processed the previous one: libsigrok
  waits DEVICE_PROCESSING_TIME_MS = 80 ms. Option `command_delay` (default 0.08 s) keeps
  that gap (raise it for firmware that needs more, e.g. Velleman PS3005D V1.3: 450 ms); a
  simulated transport needs none (drivers/pacing.py).
- Settable ranges per model: libsigrok's model table (e.g. KA3005P 0..31 V, 0..5.1 A).
"""
from __future__ import annotations

import re
import threading

from drivers.base import DriverInfo
from drivers.dc_supply import DcSupply, Span
from drivers.pacing import paced
from drivers.roles import InstrumentError
from drivers.transports import Transport

COMMAND_DELAY = 0.08  # s: libsigrok's DEVICE_PROCESSING_TIME_MS
REPLY_SIZE = 5  # bytes of every numeric reply
IDN_LIMIT = 64  # bytes: longer than any identity (libsigrok reads its longest + 12)
STATUS_CV, STATUS_OUTPUT = 0x01, 0x40
_31V_5A, _31V_3A = {1: Span(0.0, 31.0, 5.1)}, {1: Span(0.0, 31.0, 3.1)}
_61V_5A, _61V_3A = {1: Span(0.0, 61.0, 5.1)}, {1: Span(0.0, 61.0, 3.1)}
# model -> its only output -> settable range
PROGRAMMING_RANGES: dict[str, dict[int, Span]] = {
    "KA3005P": _31V_5A, "KD3005P": _31V_5A, "KD6005P": _61V_5A,
    "72-2535": _31V_3A, "72-2540": _31V_5A, "72-2550": _61V_3A,
    "PS3005D": _31V_5A, "LABPS3005D": _31V_5A,
}
# an identity with its spaces removed: maker, model, firmware version
_IDENTITY = re.compile(r"(?P<maker>KORAD|TENMA|VELLEMAN|RND)(?:320-)?(?P<model>[A-Z0-9-]+?)"
                       r"V\d+(?:\.\d+)?")
_TRAILING_JUNK = re.compile(r"[^\x21-\x7e]+$")  # the stray 0x01 / 0xBC some units append


class KoradKA3005P(DcSupply):
    """PowerSupply role. Options: model (the model the station expects), command_delay
    (seconds between commands; 0 turns the pause off, e.g. behind a protocol simulator)."""

    TRANSPORT = {"read_termination": "", "write_termination": "", "timeout": 0.5}
    manufacturers = ("KORAD", "TENMA", "VELLEMAN", "RND")
    models = tuple(PROGRAMMING_RANGES)
    ranges = PROGRAMMING_RANGES
    SETPOINTS = ("VSET{ch}:{v:05.2f}", "ISET{ch}:{i:05.3f}")
    OUTPUT = "OUT{flag}"
    OUTPUT_QUERY = "STATUS?"
    MEASURE_VOLTS = "VOUT{ch}?"
    MEASURE_AMPS = "IOUT{ch}?"

    def __init__(self, transport: Transport, *, model: str | None = None,
                 command_delay: float = COMMAND_DELAY) -> None:
        super().__init__(paced(transport, command_delay), model=model)
        self._lock = threading.Lock()  # a command and its reply are one exchange

    def _send(self, command: str) -> None:
        self.transport.write_bytes(command.encode("ascii"))

    def _exchange(self, command: str, size: int) -> bytes:
        with self._lock:
            self.transport.write_bytes(command.encode("ascii"))
            return self.transport.read_bytes(size)

    def _ask(self, command: str) -> str:
        return self._exchange(command, REPLY_SIZE).decode("latin-1")

    def output_on(self) -> bool:
        return bool(self._exchange(self._output_query, 1)[0] & STATUS_OUTPUT)

    def identify(self) -> str:
        """*IDN?, read until the line is quiet; InstrumentError unless one of our models."""
        with self._lock:
            self.transport.write_bytes(b"*IDN?")
            reply = bytearray(self.transport.read_bytes(1))  # no reply at all: the error stands
            while len(reply) < IDN_LIMIT:
                try:
                    reply += self.transport.read_bytes(1)
                except InstrumentError:
                    break  # quiet: the identity is complete
        idn = _TRAILING_JUNK.sub("", reply.decode("latin-1"))
        found = _IDENTITY.fullmatch(idn.partition(" SN:")[0].replace(" ", ""))
        if found is None:
            raise InstrumentError(f"{self.resource}: '*IDN?' answered {bytes(reply)!r}: not the "
                                  "identity of a Korad KA3005P-family supply")
        self._accept(found["maker"], found["model"])
        return idn


DRIVER = DriverInfo(
    name="korad-ka3005p", driver=KoradKA3005P, roles=("supply",),
    models=KoradKA3005P.models, interfaces=("USB (virtual serial)", "RS-232"),
    source="no vendor programming manual; the byte protocol of libsigrok's korad-kaxxxxp "
           "driver (protocol.c: VSET1:/ISET1:/OUT1/VOUT1?/IOUT1?/STATUS?, reply sizes, "
           "80 ms processing time; api.c: identities and ranges)",
    twin="drivers.sim.twins.korad_ka3005p:KoradKA3005PTwin", twin_options=frozenset({"model"}))
