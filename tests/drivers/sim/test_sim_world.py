"""The World contract: presets and overrides, determinism, readings, sensors, time."""
from __future__ import annotations

import statistics
from pathlib import Path

import pint
import pytest
from sim_stack import BANK, CELL, Run, profile

from drivers.sim.chamber import Chamber
from drivers.sim.defects import FlakyLink, OpenThermocouple
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
    with pytest.raises(ValueError, match="known presets: lg-m50, lg-mj1, powerbank-10000, powerbank-20000, "):
        World(dut="powerbank-99")


def test_every_parameter_unit_is_a_coherent_si_pint_unit() -> None:
    ureg = pint.UnitRegistry()
    for preset in PRESETS.values():
        for info in preset.parameters():
            one = ureg.Quantity(1.0, "kelvin" if info.unit == "degC" else info.unit)  # degC: SI steps, offset zero
            assert one.to_base_units().magnitude == pytest.approx(1.0), (preset.name, info.name)
    capacity = next(i for i in PRESETS["powerbank-10000"].parameters() if i.name == "capacity")
    assert ureg.Quantity("8 Ah").to(capacity.unit).magnitude == pytest.approx(28800.0)


def test_presets_keep_real_and_label_capacity_apart() -> None:
    bank = PRESETS["powerbank-10000"].params
    assert bank.capacity == pytest.approx(2 * 5.165 * 3600)  # the M50's 4.2-2.5 V window in the Chen2020 DFN
    assert bank.rated_capacity == pytest.approx(10.0 * 3600)
    assert PRESETS["powerbank-20000"].params.capacity == pytest.approx(2 * bank.capacity)


def test_initial_state_is_at_initial_soc_relaxed_at_ambient_with_instruments_off() -> None:
    world = World(ambient=30.0, thermocouple_noise=0.0)
    assert world.model.cell.soc == 0.5
    assert world.supply_reading() == (0.0, 0.0)
    assert world.load_reading() == (0.0, 0.0)  # a new bank is off until a load is plugged
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


def test_chamber_step_and_ramp_set_the_ambient_the_dut_exchanges_heat_with() -> None:
    ramp = Chamber.ramp(600.0, 1200.0, 25.0, 45.0)
    assert [ramp(t) for t in (0.0, 600.0, 900.0, 1200.0, 5000.0)] == [25.0, 25.0, 35.0, 45.0, 45.0]
    step = Chamber.step(100.0, 25.0, 0.0)
    assert (step(99.9), step(100.0)) == (25.0, 0.0)
    world = World(dut="lg-m50", ambient=Chamber.step(100.0, 25.0, 45.0), thermocouple_noise=0.0)
    world.advance_to(7200.0)
    assert world.temperature("ambient") == 45.0
    assert 44.5 < world.temperature("cell") < 45.0  # the cell followed the chamber (time constant ~20 min)


def test_chamber_refuses_points_out_of_order() -> None:
    with pytest.raises(ValueError, match="time order"):
        Chamber([(10.0, 25.0), (0.0, 30.0)])


def test_open_thermocouple_reads_none_from_its_time_the_others_carry_on() -> None:
    world = World(defects=[OpenThermocouple(placement="surface", at=60.0)])
    world.advance_to(59.0)
    assert world.temperature("surface") is not None
    world.advance_to(60.0)
    assert world.temperature("surface") is None and world.temperature("cell") is not None


def test_defects_draw_nothing_from_the_sensor_noise() -> None:
    plain, flaky = World(seed=4), World(seed=4, defects=[FlakyLink(rate=0.5)])
    flaky.link_random("RigolDL3000Twin").random()
    assert [plain.temperature("cell") for _ in range(5)] == [flaky.temperature("cell") for _ in range(5)]


@pytest.mark.parametrize("dut, step", [("powerbank-10000", "Discharge at 2 A until 4.5 V"),
                                       ("lg-m50", "Discharge at 5 A until 3.0 V")])
def test_delivered_capacity_does_not_depend_on_the_sampling_period(tmp_path: Path, dut: str, step: str) -> None:
    """The world integrates with its own step: sampling every 10 s instead of every 1 s changes
    only where the bench sees the end, within a sample of the 1 s run."""
    delivered = []
    for period in ("1 s", "10 s"):
        folder = tmp_path / period.replace(" ", "")
        folder.mkdir()
        run = Run(folder, profile(folder, f'"{step}"', period=period, dut=CELL if dut == "lg-m50" else BANK), dut=dut)
        delivered.append(run.column("Discharging Capacity / Ah")[-1])
    assert delivered[1] == pytest.approx(delivered[0], rel=0.005)


@pytest.mark.parametrize("dut", ["lg-m50", "lg-mj1"])
def test_a_bare_cell_held_above_its_charge_voltage_heats_and_says_so_once(dut: str) -> None:
    """Side reactions take the charge a full cell cannot store and turn it into heat; the world
    notices it once (for the run's events), while a hold at the charge voltage stays quiet."""
    over, floated = World(dut=dut), World(dut=dut)
    for world, volts in ((over, 4.5), (floated, 4.2)):
        world.set_supply(volts, 2.5)
        world.set_supply_output(True)
    notices: list[str] = []
    for t in range(60, 3601, 60):
        for world in (over, floated):
            world.advance_to(t)
        notices += over.notices()
        assert floated.notices() == []
    assert len(notices) == 1 and notices[0].startswith("overcharge: the cell is charged beyond full")
    assert over.model.cell.soc < 1.011  # it fills no further: the current goes into side reactions
    assert 0.4 < over.supply_reading()[1] < 0.6
    assert over.model.temp > 60.0  # 63-67 degC after an hour (25 degC ambient)
    assert floated.model.temp < 25.3 and floated.supply_reading()[1] < 0.01


def test_a_run_that_overcharges_a_bare_cell_records_it_in_its_events(tmp_path: Path) -> None:
    path = profile(tmp_path, '"Charge at 2.5 A until 4.5 V", "Hold at 4.5 V for 20 min"', dut=CELL)
    run = Run(tmp_path, path, dut="lg-m50")
    notices = run.events_of("simulated_dut")
    assert len(notices) == 1 and "overcharge" in notices[0]["detail"]
    assert run.temps("cell")[-1] > 40.0
