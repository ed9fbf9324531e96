"""Helpers of the driver tests: pyvisa-sim libraries and a recording transport."""
from __future__ import annotations

from pathlib import Path

from drivers.transports import Transport, open_transport

HERE = Path(__file__).parent
NO_ERROR = '+0,"No error"'


def sim_library(instrument: str) -> str:
    """The pyvisa-sim library string of tests/drivers/<instrument>.yaml."""
    return f"{HERE / instrument}.yaml@sim"


class Recorder:
    """A transport that remembers every message sent through it (to prove what was not sent)."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.resource = inner.resource
        self.serial_line = inner.serial_line
        self.sent: list[str] = []

    def write(self, message: str) -> None:
        self.sent.append(message)
        self.inner.write(message)

    def query(self, message: str) -> str:
        self.sent.append(message)
        return self.inner.query(message)

    def read(self) -> str:
        return self.inner.read()

    def write_bytes(self, data: bytes) -> None:
        self.inner.write_bytes(data)

    def read_bytes(self, n: int) -> bytes:
        return self.inner.read_bytes(n)

    def close(self) -> None:
        self.inner.close()


def visa_sim(instrument: str, resource: str, **framing: object) -> Recorder:
    """A recorded pyvisa-sim transport to one device of tests/drivers/<instrument>.yaml."""
    return Recorder(open_transport(resource, visa_library=sim_library(instrument), **framing))

