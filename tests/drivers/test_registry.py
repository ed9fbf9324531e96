"""The driver registry: every entry complete, open_instrument's errors clear."""
from __future__ import annotations

import sys

import pytest

from drivers.registry import REGISTRY, driver_info, open_instrument
from drivers.roles import ElectronicLoad, PowerSupply, Thermometer
from drivers.sim.twins.scpi import ScpiTwin
from drivers.transports import ResourceError

ROLE_PROTOCOLS = {"load": ElectronicLoad, "supply": PowerSupply, "thermo": Thermometer}
SIM_OPTIONS = {"keysight-34970a": {"channels": {"cell": 101, "surface": 102, "ambient": 103}}}


def test_the_three_families_are_registered_under_their_station_names() -> None:
    assert sorted(REGISTRY) == ["keysight-34970a", "keysight-e36300", "rigol-dl3000"]


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_entry_cites_its_manual_and_has_roles_models_and_a_twin(name: str) -> None:
    info = driver_info(name)
    assert info.name == name
    assert "Programming Guide" in info.source or "User's Guide" in info.source
    assert info.roles and set(info.roles) <= set(ROLE_PROTOCOLS)
    assert info.models and info.interfaces
    assert issubclass(info.twin, ScpiTwin)
    assert info.twin_options <= set(info.options)
    assert "Source:" in (sys.modules[info.driver.__module__].__doc__ or "")


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_driver_opens_on_its_twin_and_fills_its_roles(name: str, cell_world: object) -> None:
    instrument = open_instrument(name, f"sim://{name}", world=cell_world, **SIM_OPTIONS.get(name, {}))
    for role in driver_info(name).roles:
        assert isinstance(instrument, ROLE_PROTOCOLS[role])
    assert instrument.resource == f"sim://{name}"
    assert instrument.identify().split(",")[1] in driver_info(name).models


def test_an_unknown_driver_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown instrument driver 'rigol-dl9999'; known drivers: "
                                         "keysight-34970a, keysight-e36300, rigol-dl3000"):
        open_instrument("rigol-dl9999", "sim://load")


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
