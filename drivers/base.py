"""What driver modules share: the declaration the registry reads, and the life cycle of a
driver over one transport.

A driver module ends with `DRIVER = DriverInfo(...)` next to the class it describes, so a
driver's facts (station-file name, roles, manual) live in one file and the registry can load
it alone. A driver is built without touching the line (a station is checked, and drivers are
listed, with nothing attached), then `open()` connects and sends the session set-up its
instrument needs first, labgrid's activate step; `close()` releases the line.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from importlib import import_module

from drivers.transports import Transport


@dataclass(frozen=True, slots=True)
class DriverInfo:
    """What a station file's driver name stands for."""

    name: str
    driver: type
    roles: tuple[str, ...]
    models: tuple[str, ...]
    interfaces: tuple[str, ...]
    source: str  # the manual the command strings come from
    twin: str  # "module:Class" of the simulated twin: a real bench never imports the simulator
    twin_options: frozenset[str]  # the options the twin also takes (same meaning as the driver's)
    # the model the twin simulates when the station names none (its `model` default): what a sim://
    # role's set-points are checked against before a run, without importing the simulator
    twin_model: str | None = None

    @property
    def options(self) -> tuple[str, ...]:
        """The keyword options the driver accepts."""
        parameters = inspect.signature(self.driver.__init__).parameters.values()
        return tuple(p.name for p in parameters if p.kind is p.KEYWORD_ONLY)

    def twin_class(self) -> type:
        """The simulated twin's class, its module imported now (only a sim:// resource needs it)."""
        module, _, name = self.twin.partition(":")
        twin: type = getattr(import_module(module), name)
        return twin


class Driver:
    """A driver over one transport: built without I/O, connected by open()."""

    # who the instrument said it is when open() identified it and set it up (drivers whose open()
    # does; None otherwise): a station then records it without setting the instrument up again
    identity: str | None = None

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    @property
    def resource(self) -> str:
        return self.transport.resource

    def open(self) -> None:
        """Connect the transport. A subclass then sends what its instrument needs before any
        other command (e.g. remote mode on RS-232)."""
        self.transport.open()

    def close(self) -> None:
        """Release the connection; the instrument keeps its state (Station.safe() owns safety)."""
        self.transport.close()
