"""Fixtures of the driver tests."""
from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def cell_world() -> Any:
    """A fresh simulated world around one LG M50 cell (the simplest DUT)."""
    from drivers.sim.world import World  # imported here: a broken world must not break collection

    return World(dut="lg-m50", seed=3)


@pytest.fixture
def rack_worlds() -> list[Any]:
    """Three units of a rack, each its own world, in chambers at 20, 25 and 30 degC so that
    their thermocouples tell them apart."""
    from drivers.sim.world import World

    return [World(dut="powerbank-10000", seed=n, ambient=15.0 + 5.0 * n) for n in (1, 2, 3)]
