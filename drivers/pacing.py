"""A pause between commands, for instruments that drop a command sent too soon after the last.

Some bench supplies process one command at a time and silently lose the next one if it comes
before they are done (the Korad KA3005P family, the Siglent SPD3303X: see their modules for
the measured figures). `paced(transport, delay)` returns a transport that waits, before each
command, until `delay` seconds have passed since the previous exchange ended; it only sleeps
for what is left, so a bench that polls slower than the delay never waits at all.

A simulated transport (one whose `simulated` attribute is true) is returned as it is: the
twin needs no pause and simulated time must not wait on wall time.
"""
from __future__ import annotations

import threading
from time import monotonic, sleep

from drivers.transports import Transport


def paced(transport: Transport, delay: float) -> Transport:
    """`transport`, pausing `delay` seconds between exchanges unless no pause is needed."""
    if delay < 0:
        raise ValueError(f"command delay {delay!r} s is negative")
    if delay == 0 or getattr(transport, "simulated", False):
        return transport
    return PacedTransport(transport, delay)


class PacedTransport:
    """A transport that keeps `delay` seconds between the end of one exchange and the next
    command. Writes, queries and raw writes are commands; a read ends an exchange."""

    def __init__(self, inner: Transport, delay: float) -> None:
        self.inner = inner
        self.delay = delay
        self.resource = inner.resource
        self.serial_line = inner.serial_line
        self._ready_at = 0.0  # monotonic time from which the instrument takes a command
        self._lock = threading.Lock()  # the wait and the command are one step

    def __repr__(self) -> str:
        return f"<PacedTransport {self.delay:g} s over {self.inner!r}>"

    def _wait(self) -> None:
        remaining = self._ready_at - monotonic()
        if remaining > 0:
            sleep(remaining)

    def _done(self) -> None:
        self._ready_at = monotonic() + self.delay

    def open(self) -> None:
        self.inner.open()

    def write(self, message: str) -> None:
        with self._lock:
            self._wait()
            try:
                self.inner.write(message)
            finally:
                self._done()

    def query(self, message: str) -> str:
        with self._lock:
            self._wait()
            try:
                return self.inner.query(message)
            finally:
                self._done()

    def read(self) -> str:
        with self._lock:
            try:
                return self.inner.read()
            finally:
                self._done()

    def write_bytes(self, data: bytes) -> None:
        with self._lock:
            self._wait()
            try:
                self.inner.write_bytes(data)
            finally:
                self._done()

    def read_bytes(self, n: int) -> bytes:
        with self._lock:
            try:
                return self.inner.read_bytes(n)
            finally:
                self._done()

    def close(self) -> None:
        self.inner.close()
