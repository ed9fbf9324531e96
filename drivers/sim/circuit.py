"""Instrument settings, the interface the world drives a DUT model through, and the port
equations the models solve an operating point with.

A DUT port is seen by the electronic load as a Thevenin source (v0 behind r): a boost output
with its droop, or a cell behind R0. Closed forms per load mode keep the solve allocation-free
and cheap enough to run at every integration step.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

LOAD_MODES = ("CC", "CV", "CR", "CP")


@dataclass(slots=True)
class LoadSettings:
    """What the electronic load is set to: mode, level (A, V, ohm or W), input on/off."""

    mode: str = "CC"
    level: float = 0.0
    on: bool = False


@dataclass(slots=True)
class SupplySettings:
    """What the DC supply is set to: CV setpoint (V), current limit (A), output on/off."""

    voltage: float = 0.0
    current_limit: float = 0.0
    on: bool = False


class Dut(Protocol):
    """A DUT model. The world calls solve() whenever instrument settings change and after every
    step(); solve() fixes the operating point (port readings, internal currents, instant
    protection reactions), step() integrates the state over dt at that operating point.
    """

    max_step: float  # longest stable/accurate integration step for this model (s)
    load_v: float  # voltage at the load terminals (V)
    load_i: float  # current into the load (A, >= 0)
    supply_v: float  # voltage at the supply terminals (V)
    supply_i: float  # current out of the supply (A, >= 0)

    def solve(self, load: LoadSettings, supply: SupplySettings) -> None: ...

    def step(self, dt: float) -> None: ...

    def temperature(self, placement: str) -> float:
        """True temperature (degC) at "cell", "surface" or "ambient"."""
        ...


def load_current(load: LoadSettings, v0: float, r: float) -> float:
    """Current (A, >= 0) the load sinks from a source of open-circuit voltage v0 behind r ohm.

    A CV load below v0 sinks whatever pulls the terminals down to its level; a CP demand above
    the source's maximum power v0^2/4r collapses to the maximum-power point (and a protected
    source trips on it); a CC level beyond the short-circuit current saturates there.
    """
    if not load.on or v0 <= 0.0:
        return 0.0
    mode, level = load.mode, load.level
    if mode == "CC":
        return min(level, v0 / r)
    if mode == "CV":
        return (v0 - level) / r if v0 > level else 0.0
    if mode == "CR":
        return v0 / (level + r)
    disc = v0 * v0 - 4.0 * r * level  # CP: I * (v0 - r I) = P
    return (v0 - math.sqrt(disc)) / (2.0 * r) if disc >= 0.0 else v0 / (2.0 * r)


def load_current_at(load: LoadSettings, v: float) -> float:
    """Current the load sinks from a stiff voltage v (a supply in CV); inf if a CV load would short it."""
    if not load.on or v <= 0.0:
        return 0.0
    mode, level = load.mode, load.level
    if mode == "CC":
        return level
    if mode == "CV":
        return math.inf if v > level else 0.0
    if mode == "CR":
        return v / level if level > 0.0 else math.inf
    return level / v
