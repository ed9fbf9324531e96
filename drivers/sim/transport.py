"""The `sim://` transport: the other end is a simulated twin in this process.

A query is two method calls on the twin: no thread, no socket, no byte encoding on the
text path (a simulated 12 h run makes ~250 000 of them). The framing is still checked once,
when the transport is made: terminators the twin would not understand fail here as they
would on the bench. The raw byte methods go through the twin's byte-level framing, like a real line.
`simulated` tells drivers that pace their commands for slow real instruments (Korad,
Siglent) that the other end needs no pause: simulated time must not wait on wall time.
"""
from __future__ import annotations

import random
from typing import Any

from drivers.roles import InstrumentError
from drivers.sim.twins.scpi import Twin


class SimTransport:
    """Transport to a twin. Not locked: the world behind the twins is single-threaded."""

    simulated = True

    def __init__(self, resource: str, twin: Twin, *, read_termination: str = "\n",
                 write_termination: str = "\n", timeout: float = 2.0) -> None:
        if write_termination not in twin.input_terminators:
            raise InstrumentError(f"{resource}: the {type(twin).__name__} does not take "
                                  f"{write_termination!r} as message terminator")
        if not twin.output_terminator.endswith(read_termination):
            raise InstrumentError(f"{resource}: the {type(twin).__name__} ends replies with "
                                  f"{twin.output_terminator!r}, never {read_termination!r}")
        self.resource = resource
        self.twin = on_the_line(twin)
        self.serial_line = twin.serial_line
        self._timeout = timeout
        self._rterm_bytes = read_termination.encode("latin-1")
        self._received = bytearray()  # bytes the twin sent on the byte path, not yet read

    def __repr__(self) -> str:
        return f"<SimTransport {self.resource} -> {type(self.twin).__name__}>"

    def _no_reply(self, message: str | None) -> InstrumentError:
        about = f" to {message!r}" if message is not None else ""
        return InstrumentError(f"{self.resource}: no reply{about} within {self._timeout:g} s (timeout)")

    def open(self) -> None:
        """Nothing to connect: the twin is in this process."""

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
            end = self._received.find(self._rterm_bytes) if self._rterm_bytes else -1
            if end < 0:
                raise self._no_reply(None)
            line = self._received[:end].decode("latin-1")
            del self._received[:end + len(self._rterm_bytes)]
            return line.rstrip("\r\n")
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


class FlakyTwin(Twin):
    """A twin behind a flaky line (the world's flaky-link defect): each reply is lost (the read
    times out) or garbled (cut short, a junk byte at the cut) with the defect's probability,
    drawn from the world's generator for this instrument, so a run repeats exactly. The
    driver then fails as on a real bench: InstrumentError on the timeout or on the bad reply."""

    def __init__(self, twin: Twin, rate: float, garbled: float, rng: random.Random) -> None:
        self._twin = twin
        self._rate, self._garbled, self._rng = rate, garbled, rng
        self.input_terminators = twin.input_terminators  # the framing Twin declares: the instrument's
        self.output_terminator = twin.output_terminator
        self.serial_line = twin.serial_line

    def __getattr__(self, name: str) -> Any:
        return getattr(self._twin, name)  # framing, identity, world: the instrument's own

    def write(self, message: str) -> None:
        self._twin.write(message)

    def read(self) -> str | None:
        reply = self._twin.read()
        if reply is None or self._rng.random() >= self._rate:
            return reply
        if self._rng.random() >= self._garbled:
            return None
        return reply[: self._rng.randrange(len(reply) + 1)] + "\xff"

    def feed(self, data: bytes) -> bytes:
        out = self._twin.feed(data)
        if not out or self._rng.random() >= self._rate:
            return out
        if self._rng.random() >= self._garbled:
            return b""
        cut = self._rng.randrange(len(out))
        return out[:cut] + b"\xff" + out[cut + 1:]


def on_the_line(twin: Twin) -> Twin:
    """The twin as the line delivers it: itself, or behind a FlakyTwin if its world has a flaky link."""
    world = getattr(twin, "world", None)
    fault = getattr(world, "link_fault", None)
    if fault is None or not fault.rate:
        return twin
    return FlakyTwin(twin, fault.rate, fault.garbled, world.link_random(type(twin).__name__))  # type: ignore[union-attr]
