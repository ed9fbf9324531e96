"""Role interfaces the bench talks to: one small Protocol per kind of instrument.

The bench never knows which vendor sits behind a role; drivers implement these,
and every quantity crossing this boundary is a plain SI float (V, A, W, ohm, degC).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

LoadMode = Literal["CC", "CV", "CR", "CP"]


class InstrumentError(Exception):
    """An instrument did not answer, answered garbage, or reported an error."""


class RangeError(ValueError):
    """A setpoint outside the instrument's range; raised before anything is sent."""


@dataclass(frozen=True, slots=True)
class ChannelFault:
    """A temperature channel that has no valid reading (open thermocouple, overrange...)."""

    channel: int
    reason: str


@runtime_checkable
class Instrument(Protocol):
    resource: str

    def identify(self) -> str:
        """Ask the instrument who it is (*IDN? or equivalent) and check it is the right model."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class ElectronicLoad(Instrument, Protocol):
    def set_mode(self, mode: LoadMode, level: float) -> None:
        """Select CC/CV/CR/CP and its level (A, V, ohm or W)."""
        ...

    def set_input(self, on: bool) -> None: ...

    def input_on(self) -> bool:
        """Whether the input is on, as the instrument reports it (safe state is confirmed by it)."""
        ...

    def measure(self) -> tuple[float, float]:
        """Voltage at the load terminals (V) and current sunk by the load (A, >= 0)."""
        ...


@runtime_checkable
class PowerSupply(Instrument, Protocol):
    def configure(self, voltage: float, current_limit: float) -> None: ...

    def set_output(self, on: bool) -> None: ...

    def output_on(self) -> bool:
        """Whether the output is on, as the instrument reports it."""
        ...

    def measure(self) -> tuple[float, float]:
        """Output voltage (V) and current sourced (A, >= 0)."""
        ...


@runtime_checkable
class Thermometer(Instrument, Protocol):
    def read(self, channels: tuple[int, ...]) -> dict[int, float | ChannelFault]:
        """Temperature in degC per physical channel; an open or bad channel is a ChannelFault."""
        ...
