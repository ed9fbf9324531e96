"""Helpers of the driver tests: drivers on pyvisa-sim libraries behind a recording transport,
and the exercises every twin test of a role repeats."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest

from drivers.base import Driver
from drivers.roles import RangeError
from drivers.sim.twins.scpi import ScpiError, ScpiTwin
from drivers.transports import Transport, open_transport

HERE = Path(__file__).parent
NO_ERROR = '+0,"No error"'
D = TypeVar("D", bound=Driver)


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

    def open(self) -> None:
        self.inner.open()

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



def driver_on_sim(driver: Callable[..., D], instrument: str, *,
                  framing: Mapping[str, object] | None = None,
                  **defaults: object) -> Callable[..., tuple[D, Recorder]]:
    """`at(resource, **options)`: the driver opened on one device of
    tests/drivers/<instrument>.yaml, with the recorder behind it (`defaults` are driver options
    a test may override)."""

    def at(resource: str, **options: object) -> tuple[D, Recorder]:
        transport = visa_sim(instrument, resource, **(framing or {}))
        opened = driver(transport, **{**defaults, **options})
        opened.open()
        return opened, transport

    return at


# --- against the twins (sim://) --------------------------------------------------------------

TWIN_NO_ERROR = '+0,"No error"'
LOAD_MODES = (("CC", 1.0), ("CV", 3.9), ("CR", 4.0), ("CP", 2.0), ("CC", 0.5))


def cycle_load_through_modes(load: Any, modes: Iterable[tuple[str, float]] = LOAD_MODES, *,
                             sinks: bool = True) -> None:
    """Every ElectronicLoad method in every mode, then close: the input follows set_input and,
    with `sinks`, each mode draws more than 0.1 A from the cell."""
    for mode, level in modes:
        load.set_mode(mode, level)
        load.set_input(True)
        assert load.input_on() is True
        amps = load.measure()[1]
        if sinks:
            assert amps > 0.1
        load.set_input(False)
        assert load.input_on() is False
    load.close()


def charge_the_cell_and_switch_off(supply: Any) -> None:
    """Every PowerSupply method but close: 4.2 V / 1 A, the output on (and read back on), a
    charging current within the limit, then the output off (and read back off)."""
    supply.configure(4.2, 1.0)
    supply.set_output(True)
    assert supply.output_on() is True
    volts, amps = supply.measure()
    assert 0.0 < amps <= 1.0 + 1e-9 and volts <= 4.2 + 1e-9
    supply.set_output(False)
    assert supply.output_on() is False


def assert_twin_queues(instrument: Any, command: str, error: str, *,
                       then: str | None = TWIN_NO_ERROR, error_query: str = "SYST:ERR?") -> None:
    """Writing `command` to the instrument's twin queues `error` (and, unless `then` is None,
    the queue holds `then` after it)."""
    instrument.transport.write(command)
    assert instrument.transport.query(error_query) == error
    if then is not None:
        assert instrument.transport.query(error_query) == then


def assert_refused_before_sending(sent: list[Any], shown: str, setting: Callable[..., object],
                                  *levels: object) -> None:
    """`setting(*levels)` raises a RangeError showing `shown` (its dots taken literally), and
    `sent` (what the wire recorded) stays empty."""
    with pytest.raises(RangeError, match=shown.replace(".", r"\.")):
        setting(*levels)
    assert sent == []


class Listener:
    """What stands between a sim:// transport and its twin to keep every message the instrument
    hears, in order: text messages as sent, raw bytes (the Korad protocol) decoded."""

    def __init__(self, twin: Any) -> None:
        self.twin = twin
        self.heard: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.twin, name)  # framing, error queue, world: the instrument's own

    def write(self, message: str) -> None:
        self.heard.append(message)
        self.twin.write(message)

    def read(self) -> str | None:
        return self.twin.read()

    def feed(self, data: bytes) -> bytes:
        self.heard.append(data.decode("latin-1"))
        return self.twin.feed(data)


def listen(instrument: Any) -> list[str]:
    """From now on, what a driver opened on a sim:// resource sends its twin (the list grows)."""
    listener = Listener(instrument.transport.twin)
    instrument.transport.twin = listener
    return listener.heard


@contextmanager
def refusing(twin: ScpiTwin, header: str) -> Iterator[None]:
    """Inside, `twin` refuses the command `header` names (in every spelling it takes) with -222
    "Data out of range" instead of executing it, as an instrument does with a level outside the
    range its front panel left selected, narrower than the driver's table."""
    refused = twin._headers[header]

    def out_of_range(self: ScpiTwin, args: str) -> None:
        raise ScpiError(-222, "Data out of range")

    table = {key: out_of_range if handler is refused else handler
             for key, handler in twin._headers.items()}
    known = twin._known  # the twin's cache of resolved headers: the refusal stays out of it
    setattr(twin, "_headers", table)  # this twin's table, over its class's
    twin._known = {}
    try:
        yield
    finally:
        delattr(twin, "_headers")
        twin._known = known
