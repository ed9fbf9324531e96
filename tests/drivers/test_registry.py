"""open_instrument's errors are clear; the entries themselves are checked for every driver by
test_registry_meta.py."""
from __future__ import annotations

import pytest

from drivers.registry import REGISTRY, open_instrument
from drivers.transports import ResourceError


def test_an_unknown_driver_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown instrument driver 'rigol-dl9999'; known drivers: ") as info:
        open_instrument("rigol-dl9999", "sim://load")
    assert all(name in str(info.value) for name in REGISTRY)


def test_a_sim_resource_without_a_world_says_what_is_missing() -> None:
    with pytest.raises(ValueError, match=r"sim:// resource needs the simulated world"):
        open_instrument("rigol-dl3000", "sim://load")


def test_an_unknown_option_lists_the_accepted_ones(cell_world: object) -> None:
    with pytest.raises(ValueError, match="keysight-e36300: unknown option.s. chanel; accepted: "
                                         "channel, model"):
        open_instrument("keysight-e36300", "sim://supply", world=cell_world, chanel=2)


def test_a_bad_resource_through_the_registry_lists_the_accepted_forms() -> None:
    with pytest.raises(ResourceError, match="accepted resource forms"):
        open_instrument("rigol-dl3000", "COM3")
