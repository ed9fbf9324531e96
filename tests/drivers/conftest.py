"""Fixtures of the driver tests."""
from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def cell_world() -> Any:
    """A fresh simulated world around one LG M50 cell (the simplest DUT)."""
    from drivers.sim.world import World  # imported here: a broken world must not break collection

    return World(dut="lg-m50", seed=3)
