"""The `sim://` transport: the other end is a simulated twin in this process.

A query is two method calls on the twin: no thread, no socket, no byte encoding on the
text path (a simulated 12 h run makes ~250 000 of them). The framing is still checked once,
at open: terminators the twin would not understand fail here as they would on the bench.
The raw byte methods go through the twin's byte-level framing, like a real line.
"""
from __future__ import annotations

from drivers.roles import InstrumentError
from drivers.sim.twins.scpi import ScpiTwin


class SimTransport:
    """Transport to a twin. Not locked: the world behind the twins is single-threaded."""

    def __init__(self, resource: str, twin: ScpiTwin, *, read_termination: str = "\n",
                 write_termination: str = "\n", timeout: float = 2.0) -> None:
        if write_termination not in twin.input_terminators:
            raise InstrumentError(f"{resource}: the {type(twin).__name__} does not take "
                                  f"{write_termination!r} as message terminator")
        if not twin.output_terminator.endswith(read_termination):
            raise InstrumentError(f"{resource}: the {type(twin).__name__} ends replies with "
                                  f"{twin.output_terminator!r}, never {read_termination!r}")
        self.resource = resource
        self.twin = twin
        self.serial_line = twin.serial_line
        self._timeout = timeout
        self._rterm = read_termination
        self._received = bytearray()  # bytes the twin sent on the byte path, not yet read

    def __repr__(self) -> str:
        return f"<SimTransport {self.resource} -> {type(self.twin).__name__}>"

    def _no_reply(self, message: str | None) -> InstrumentError:
        about = f" to {message!r}" if message is not None else ""
        return InstrumentError(f"{self.resource}: no reply{about} within {self._timeout:g} s (timeout)")

    def write(self, message: str) -> None:
        self.twin.write(message)

    def query(self, message: str) -> str:
        self.twin.write(message)
        reply = self.twin.read()
        if reply is None:
            raise self._no_reply(message)
        return reply

    def read(self) -> str:
        if self._received:
            line, found, rest = bytes(self._received).partition(self._rterm.encode("latin-1"))
            if not found:
                raise self._no_reply(None)
            self._received[:] = rest
            return line.decode("latin-1").rstrip("\r\n")
        reply = self.twin.read()
        if reply is None:
            raise self._no_reply(None)
        return reply

    def write_bytes(self, data: bytes) -> None:
        self._received += self.twin.feed(data)

    def read_bytes(self, n: int) -> bytes:
        if len(self._received) < n:
            raise self._no_reply(None)
        data = bytes(self._received[:n])
        del self._received[:n]
        return data

    def close(self) -> None:
        """Nothing to release: the twin lives as long as its world."""
