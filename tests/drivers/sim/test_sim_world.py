"""The World contract: presets and overrides, determinism, readings, sensors, time."""
from __future__ import annotations

import statistics

import pint
import pytest

from drivers.sim.presets import PRESETS
from drivers.sim.world import World


def run_a_little(seed: int) -> list[float]:
    world = World(dut="powerbank-20000", seed=seed)
    world.set_load("CC", 2.5)
    world.set_load_input(True)
    out: list[float] = []
    for t in range(1, 200):
        world.advance_to(float(t))
        out.extend(world.load_reading())
        out.extend(world.temperature(p) for p in world.placements)
    return out


def test_same_seed_same_run_other_seed_other_sensor_noise() -> None:
    assert run_a_little(7) == run_a_little(7)
    assert run_a_little(7) != run_a_little(8)


def test_unknown_override_names_it_and_lists_the_valid_parameters() -> None:
    with pytest.raises(ValueError, match=r"unknown parameter 'capacty' for DUT preset 'powerbank-10000'.*capacity, "):
        World(overrides={"capacty": 1.0})


def test_override_must_be_a_number_in_range() -> None:
    with pytest.raises(ValueError, match="finite number"):
        World(overrides={"capacity": "8 Ah"})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="'capacity' must be > 0"):
        World(overrides={"capacity": -1.0})
    with pytest.raises(ValueError, match="'initial_soc' must be between 0 and 1"):
        World(dut="lg-m50", overrides={"initial_soc": 1.5})


def test_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known presets: lg-m50, powerbank-10000, powerbank-20000"):
        World(dut="powerbank-99")


def test_every_parameter_unit_is_a_coherent_si_pint_unit() -> None:
    ureg = pint.UnitRegistry()
    for preset in PRESETS.values():
        for info in preset.parameters():
            one = ureg.Quantity(1.0, info.unit)
            assert one.to_base_units().magnitude == pytest.approx(1.0), (preset.name, info.name)
    capacity = next(i for i in PRESETS["powerbank-10000"].parameters() if i.name == "capacity")
    assert ureg.Quantity("8 Ah").to(capacity.unit).magnitude == pytest.approx(28800.0)


def test_presets_keep_real_and_label_capacity_apart() -> None:
    bank = PRESETS["powerbank-10000"].params
    assert bank.capacity == pytest.approx(2 * 5.05 * 3600)
    assert bank.rated_capacity == pytest.approx(10.0 * 3600)
    assert PRESETS["powerbank-20000"].params.capacity == pytest.approx(2 * bank.capacity)


def test_initial_state_is_at_initial_soc_relaxed_at_ambient_with_instruments_off() -> None:
    world = World(ambient=30.0, thermocouple_noise=0.0)
    assert world.model.cell.soc == 0.5
    assert world.supply_reading() == (0.0, 0.0)
    assert world.load_reading() == (5.1, 0.0)
    assert [world.temperature(p) for p in world.placements] == [30.0, 30.0, 30.0]
    assert World(dut="lg-m50").model.cell.soc == 1.0


def test_readings_follow_a_setting_at_once() -> None:
    world = World()
    world.set_load("CC", 1.5)
    assert world.load_reading()[1] == 0.0
    world.set_load_input(True)
    assert world.load_reading()[1] == 1.5


def test_advance_steps_at_most_1_s_and_never_goes_back() -> None:
    world = World()
    world.set_load("CC", 2.0)
    world.set_load_input(True)
    world.advance_to(10.5)
    assert world.t == 10.5
    soc = world.model.cell.soc
    world.advance_to(5.0)
    assert world.t == 10.5 and world.model.cell.soc == soc
    assert world.model.max_step == 1.0


def test_small_thermal_masses_shorten_the_internal_step() -> None:
    world = World(overrides={"case_heat_capacity": 2.0})
    assert world.model.max_step < 0.5


def test_thermocouple_noise_is_about_0_05_degc() -> None:
    world = World(seed=3)
    readings = [world.temperature("ambient") for _ in range(2000)]
    assert statistics.fmean(readings) == pytest.approx(25.0, abs=0.01)
    assert statistics.stdev(readings) == pytest.approx(0.05, rel=0.1)


def test_bad_settings_are_refused() -> None:
    world = World()
    with pytest.raises(ValueError, match="load mode"):
        world.set_load("CX", 1.0)
    with pytest.raises(ValueError, match="load level"):
        world.set_load("CC", -1.0)
    with pytest.raises(ValueError, match="supply current limit"):
        world.set_supply(5.0, float("nan"))
    with pytest.raises(ValueError, match="unknown placement 'core'"):
        world.temperature("core")
