"""Each defect visibly changes what a bench records: a short profile through the whole stack
(bench.run.session.execute: drivers, simulated instruments, runner, run folder), healthy vs
defective, and the difference asserted on the recorded samples, events and run.json."""
from __future__ import annotations

from pathlib import Path

import pytest
from sim_stack import CELL, Run, profile, station

from drivers.sim.defects import DEFECTS, Counterfeit, MicroShort, OpenThermocouple, parse_defect
from drivers.sim.world import World

AH_COLUMN = "Discharging Capacity / Ah"


def test_micro_short_shows_float_current_rest_voltage_decay_and_heat(tmp_path: Path) -> None:
    steps = '"Hold at 4.2 V, 1 A limit for 30 min", "Rest for 2 h"'
    path = profile(tmp_path, steps, period="60 s", dut=CELL)
    healthy = Run(tmp_path, path, dut="lg-m50")
    shorted = Run(tmp_path, path, dut="lg-m50", defects=("micro-short:resistance=20 ohm",))
    assert healthy.verdict == shorted.verdict == "PASS"

    def rest_decay(run: Run) -> float:
        rest = run.column("Voltage / V", "rest")
        return rest[0] - rest[-1]

    assert rest_decay(shorted) > 0.03  # ~4.2 V / 20 ohm for 2 h: ~8 % of the charge
    assert rest_decay(shorted) > 50 * max(rest_decay(healthy), 1e-4)
    float_healthy = healthy.column("Input Current / A", "hold")[-1]
    float_shorted = shorted.column("Input Current / A", "hold")[-1]
    assert float_healthy < 0.005 and float_shorted == pytest.approx(4.2 / 20, rel=0.1)
    assert max(shorted.temps("cell")) - max(healthy.temps("cell")) > 5.0  # ~0.9 W into the cell
    assert shorted.meta["dut"]["defects"] == [
        {"name": "micro-short", "onset": 0.0, "resistance": 20.0, "halving": 25.0, "minimum": 0.1,
         "runaway_onset": 80.0, "runaway_power": 0.5}]


def test_micro_short_past_its_onset_temperature_self_heats_towards_runaway() -> None:
    chamber = 65.0  # above the onset: the cell heats itself, faster and faster
    world = World(dut="lg-m50", ambient=chamber, thermocouple_noise=0.0,
                  defects=[MicroShort(resistance=1e6, runaway_onset=60.0)])
    temps = []
    for minute in range(1, 6 * 60):
        world.advance_to(minute * 60.0)
        temps.append(world.temperature("cell"))
    assert temps[10] > chamber + 1.0
    assert max(temps) > 300.0  # the stored energy released: runaway
    assert temps[-1] < 100.0  # spent, it cools down
    healthy = World(dut="lg-m50", ambient=chamber, thermocouple_noise=0.0)
    healthy.advance_to(6 * 3600.0)
    assert healthy.temperature("cell") == pytest.approx(chamber, abs=0.1)


def test_micro_short_heating_a_cell_past_the_station_limit_aborts_the_run(tmp_path: Path) -> None:
    path = profile(tmp_path, '"Rest for 3 h"', period="60 s", dut=CELL)
    run = Run(tmp_path, path, dut="lg-m50", defects=("micro-short:resistance=2 ohm",))
    assert run.verdict == "ABORTED" and "temperature > 70 degC" in run.reason
    assert run.meta["safe_state_confirmed"] is True


def test_counterfeit_delivers_about_its_fraction_of_a_genuine_bank(tmp_path: Path) -> None:
    path = profile(tmp_path, '"Discharge at 2 A until 4.5 V"')
    genuine = Run(tmp_path, path)
    fake = Run(tmp_path, path, defects=("counterfeit:fraction=40 %",))
    ratio = fake.column(AH_COLUMN)[-1] / genuine.column(AH_COLUMN)[-1]
    assert ratio == pytest.approx(0.4 * 10.0 / 10.1, abs=0.03)  # the genuine pack holds 10.1 Ah for a 10 Ah label


def test_high_resistance_drops_more_voltage_at_load_and_heats_more(tmp_path: Path) -> None:
    path = profile(tmp_path, '"Rest for 1 min", "Discharge at 5 A for 10 min"', dut=CELL)
    healthy = Run(tmp_path, path, dut="lg-m50")
    worn = Run(tmp_path, path, dut="lg-m50", defects=("high-resistance:factor=3",))

    def drop(run: Run) -> float:
        return run.column("Voltage / V", "rest")[-1] - run.column("Voltage / V", "discharge")[0]

    assert drop(worn) == pytest.approx(3 * drop(healthy), rel=0.1)  # the instant drop is I x R0
    rise = {name: max(r.temps("cell")) - 25.0 for name, r in (("healthy", healthy), ("worn", worn))}
    assert rise["worn"] > 2.0 * rise["healthy"]


def test_protection_fault_keeps_the_output_on_where_a_healthy_bank_trips_otp(tmp_path: Path) -> None:
    path = profile(tmp_path, '"Discharge at 2 A for 40 min"')
    hot = station(tmp_path, ambient="58 degC")
    healthy = Run(tmp_path, path, station=hot)
    faulty = Run(tmp_path, path, station=hot, defects=("protection-fault",))
    assert min(healthy.column("Output Current / A")[1:]) == 0.0  # the output collapsed: OTP
    assert min(faulty.column("Output Current / A")[1:]) == pytest.approx(2.0)
    assert max(faulty.temps("cell")) > 60.0


def test_protection_fault_lets_an_overload_through_that_trips_a_healthy_bank(tmp_path: Path) -> None:
    path = profile(tmp_path, '"Discharge at 4 A for 1 min"')
    assert max(Run(tmp_path, path).column("Output Current / A")) == 0.0
    assert min(Run(tmp_path, path, defects=("protection-fault:ocp_factor=2,otp_disabled=no",))
               .column("Output Current / A")) == pytest.approx(4.0)


def test_open_critical_thermocouple_ends_the_run_in_error_naming_the_channel(tmp_path: Path) -> None:
    path = profile(tmp_path, '"Discharge at 1 A for 30 min"')
    run = Run(tmp_path, path, defects=("open-thermocouple:placement=cell,at=10 min",))
    assert run.verdict == "ERROR" and "'cell'" in run.reason
    assert 590.0 <= run.column("Test Time / s")[-1] <= 610.0
    assert run.meta["safe_state_confirmed"] is True


def test_open_non_critical_thermocouple_is_logged_and_left_blank(tmp_path: Path) -> None:
    path = profile(tmp_path, '"Discharge at 1 A for 5 min"')
    run = Run(tmp_path, path, defects=("open-thermocouple:placement=ambient,at=1 min",))
    assert run.verdict == "PASS"
    ambient = run.temps("ambient")
    assert ambient[0] == pytest.approx(25.0, abs=0.3) and ambient[-1] != ambient[-1]  # nan once open
    assert [e["channel"] for e in run.events_of("channel_fault")] == ["ambient"]


def test_flaky_link_is_retried_at_a_low_rate_and_ends_in_error_at_a_high_rate(tmp_path: Path) -> None:
    path = profile(tmp_path, '"Discharge at 1 A for 30 min"')
    low = Run(tmp_path, path, defects=("flaky-link:rate=0.5 %",))
    assert low.verdict == "PASS"
    assert low.events_of("retry") and all(e["event"] != "fault" for e in low.events)
    high = Run(tmp_path, path, defects=("flaky-link:rate=90 %",))
    assert high.verdict == "ERROR" and "instrument fault" in high.reason
    assert high.events_of("fault")


def test_flaky_link_replays_exactly_with_the_same_seed(tmp_path: Path) -> None:
    path = profile(tmp_path, '"Discharge at 1 A for 10 min"')
    runs = [Run(tmp_path, path, seed=seed, defects=("flaky-link:rate=2 %",)) for seed in (5, 5, 6)]
    retries = [[(e["role"], e["test_time_s"]) for e in r.events_of("retry")] for r in runs]
    assert retries[0] == retries[1] != retries[2]


def test_defects_combine(tmp_path: Path) -> None:
    path = profile(tmp_path, '"Discharge at 2 A until 4.5 V"')
    both = Run(tmp_path, path, defects=("counterfeit:fraction=0.5", "open-thermocouple:placement=ambient"))
    assert [d["name"] for d in both.meta["dut"]["defects"]] == ["counterfeit", "open-thermocouple"]
    assert both.column(AH_COLUMN)[-1] < 2.0 and both.events_of("channel_fault")


def test_defect_spec_converts_units_and_refuses_what_is_not_valid() -> None:
    def convert(text: str, unit: str, key: str) -> float:
        assert (text, unit) == ("2 h", "second"), key
        return 7200.0

    assert parse_defect("open-thermocouple:placement=surface,at=2 h", convert) == OpenThermocouple("surface", 7200.0)
    assert parse_defect("counterfeit", convert) == Counterfeit()
    with pytest.raises(ValueError, match="unknown defect 'short'; known defects: micro-short, counterfeit"):
        parse_defect("short", convert)
    with pytest.raises(ValueError, match=r"unknown parameter 'ohms'; parameters of micro-short: onset=<dimensionless>, "
                                         r"resistance=<ohm>"):
        parse_defect("micro-short:ohms=3", convert)
    with pytest.raises(ValueError, match="placement must be one of cell, surface, ambient"):
        parse_defect("open-thermocouple:placement=core", convert)
    with pytest.raises(ValueError, match="otp_disabled must be yes or no"):
        parse_defect("protection-fault:otp_disabled=maybe", convert)
    with pytest.raises(ValueError, match="fraction must be in"):
        Counterfeit(fraction=1.5)


def test_a_defect_is_given_once_and_only_to_a_dut_that_can_have_it() -> None:
    with pytest.raises(ValueError, match="'micro-short' given twice"):
        World(defects=[MicroShort(), MicroShort(onset=5.0)])
    with pytest.raises(ValueError, match="protection-fault: DUT preset 'lg-m50' has no protections"):
        World(dut="lg-m50", defects=[DEFECTS["protection-fault"]()])


@pytest.mark.parametrize("spec, load, supply", [
    ("dead-load", (4.2, 0.0), (4.2, 1.0)),  # the input on, nothing drawn
    ("open-lead", (0.0, 0.0), (4.2, 1.0)),  # its own open terminals
    ("open-lead:instrument=supply", (4.16, 1.0), (4.3, 0.0)),  # its set voltage; the load alone on the cell
    ("reversed-load", (-4.2, 0.0), (4.2, 1.0)),
])
def test_a_wiring_defect_changes_what_the_cell_gets_and_the_instruments_read_never_their_switches(spec, load, supply):
    world = World(dut="lg-m50", thermocouple_noise=0.0, defects=[parse_defect(spec, lambda text, unit, key: 0.0)])
    world.set_load("CC", 1.0)
    world.set_load_input(True)
    assert world.load_input_on and world.load_reading() == pytest.approx(load, abs=0.02)
    world.set_load_input(False)
    world.set_supply(4.3, 1.0)
    world.set_supply_output(True)
    assert world.supply_output_on and world.supply_reading() == pytest.approx(supply, abs=0.11)


def test_micro_short_from_cycle_n_waits_for_the_cycles_and_grows_with_them() -> None:
    shunt = {efc: World(dut="lg-mj1", overrides={"initial_efc": efc},
                        defects=[MicroShort(onset=100.0, resistance=50.0, halving=10.0)]).model.cell.shunt
             for efc in (50.0, 100.0, 120.0)}
    assert shunt == {50.0: 0.0, 100.0: pytest.approx(1 / 50.0), 120.0: pytest.approx(4 / 50.0)}
