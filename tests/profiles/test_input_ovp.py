"""profiles/input-ovp.toml on the simulated 10 000 mAh bank (charger off above 6.2 V), on a
station whose supply channel reaches 12 V (E36312A channel 2): the charger draws nothing at
7, 9 and 12 V and charges again at 5 V. A bank whose input over-voltage protection is missing
(world override `input_max_voltage`: the simulator's protection-fault has no input option)
charges from every over-voltage and fails on each."""
from __future__ import annotations

import pytest
from profile_runs import PROFILES, SEEDS, run_profile, station

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

INPUT_OVP = PROFILES / "input-ovp.toml"


@pytest.mark.parametrize("seed", SEEDS)
def test_healthy_charger_draws_nothing_above_its_rating(tmp_path, seed):
    run = run_profile(tmp_path, INPUT_OVP, dut="powerbank-10000", seed=seed, station_file=station(tmp_path, channel=2))
    assert run.verdict == "PASS", run.reason
    for volts in (7, 9, 12):
        assert run.value(f"no current at {volts} V") == 0.0
    assert run.value("charges at rated input") == pytest.approx(1.0, abs=0.01)  # the supply's 1 A limit
    assert run.value("charges at upper tolerance") == pytest.approx(1.0, abs=0.01)
    assert run.value("charges again at 5 V") == pytest.approx(1.0, abs=0.01)
    assert run.criteria["charges at rated input"]["min"] == pytest.approx(0.5)  # a quarter of the label's 2 A


def test_20000_bank_charges_at_its_rated_input_and_draws_nothing_above_it(tmp_path):
    """The levels are the label's 5 V input x 1.0 / 1.1 / 1.4, and 'charging' is a quarter of its
    3 A input current (0.75 A); the rated discharge that makes room is at its 3 A output."""
    run = run_profile(tmp_path, INPUT_OVP, dut="powerbank-20000", station_file=station(tmp_path, channel=2))
    assert run.verdict == "PASS", run.reason
    for volts in (7, 9, 12):
        assert run.value(f"no current at {volts} V") == 0.0
    assert run.value("charges at upper tolerance") == pytest.approx(1.0, abs=0.01)  # the supply's 1 A limit
    assert run.criteria["charges at upper tolerance"]["min"] == pytest.approx(0.75)
    steps = {e["step"] for e in run.events_of("step_start")}
    assert {"Charge at 5.5 V, 1 A limit for 2 min", "Charge at 7 V, 1 A limit for 2 min"} <= steps


def test_missing_input_protection_fails_at_every_over_voltage(tmp_path):
    no_ovp = station(tmp_path, channel=2, overrides={"input_max_voltage": "20 V"})
    run = run_profile(tmp_path, INPUT_OVP, dut="powerbank-10000", station_file=no_ovp)
    assert run.verdict == "FAIL"
    assert run.failed() == {"no current at 7 V", "no current at 9 V", "no current at 12 V"}
    assert run.value("no current at 7 V") == pytest.approx(1.0, abs=0.01)   # held at the supply's limit
    assert 0.8 < run.value("no current at 9 V") < 1.0
    assert 0.6 < run.value("no current at 12 V") < 0.8


def test_protection_set_between_7_and_9_v_fails_at_7_v_only(tmp_path):
    late = station(tmp_path, channel=2, overrides={"input_max_voltage": "8 V"})
    run = run_profile(tmp_path, INPUT_OVP, dut="powerbank-10000", station_file=late)
    assert run.failed() == {"no current at 7 V"}
