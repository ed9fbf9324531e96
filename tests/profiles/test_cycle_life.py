"""profiles/cycle-life.toml on the simulated 10 000 mAh bank. The shipped profile runs 300
cycles (minutes of computing); these tests run the very same cycle a few times through a copy
of the profile written into tmp_path with only `repeat` lowered. The bank preset is used (not a
cell) because the profile's cycle is a power bank's (5 V charger, USB load)."""
from __future__ import annotations

import pytest
from profile_runs import PROFILES, SEEDS, copy_with, run_profile

from bench.profile.reader import Loop, load_profile

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

CYCLE_LIFE = PROFILES / "cycle-life.toml"


def cycles(tmp_path, n):
    return copy_with(tmp_path, CYCLE_LIFE, "repeat = 300", f"repeat = {n}")


def test_shipped_profile_runs_300_cycles_and_stops_below_80_percent():
    (loop,) = load_profile(CYCLE_LIFE).items
    assert isinstance(loop, Loop) and loop.repeat == 300
    assert loop.stop_if.text == "capacity retention of discharge < 80 %"


@pytest.mark.parametrize("seed", SEEDS)
def test_healthy_bank_passes_five_cycles_with_one_row_per_cycle(tmp_path, seed):
    run = run_profile(tmp_path, cycles(tmp_path, 5), dut="powerbank-10000", seed=seed)
    assert run.verdict == "PASS", run.reason
    rows = run.cycles()
    assert [int(r["Cycle Count / 1"]) for r in rows] == [1, 2, 3, 4, 5]
    assert all(77.0 < r["Energy Efficiency / %"] < 80.0 for r in rows[1:])  # cycle 1 started half full
    assert 98.5 < run.value("capacity retention") < 99.5      # cycle fade of ~5 EFC
    assert 6.3 < run.value("first-cycle capacity") < 6.6
    assert 77.0 < run.value("energy efficiency") < 80.0       # the worst cycle
    assert abs(run.value("heating trend")) < 0.05             # K per cycle: noise only
    assert run.value("self-heating at rest (cell over ambient)") < 1.0  # K, 25 min after each charge


def test_micro_short_fails_on_the_per_cycle_efficiencies(tmp_path):
    run = run_profile(tmp_path, cycles(tmp_path, 5), dut="powerbank-10000", defects=("micro-short:resistance=20 ohm",))
    assert run.verdict == "FAIL"
    assert {"energy efficiency", "coulombic efficiency"} <= run.failed()
    assert 60.0 < run.value("energy efficiency") < 68.0       # the 20-ohm leak eats a third of each charge
    assert 60.0 < run.value("coulombic efficiency") < 69.0
    assert run.outcome("capacity retention") == "PASS"        # capacity alone would not have caught it yet


def test_growing_short_stops_the_loop_early_and_fails_on_retention(tmp_path):
    run = run_profile(tmp_path, cycles(tmp_path, 12), dut="powerbank-10000",
                      defects=("micro-short:resistance=50 ohm,halving=2",))
    assert run.verdict == "FAIL"
    (stopped,) = run.events_of("loop_stopped")
    assert stopped["condition"] == "capacity retention of discharge < 80 %"
    assert len(run.cycles()) == stopped["passes"] < 12
    assert run.outcome("capacity retention") == "FAIL"
    assert run.criteria["capacity retention"]["cycle"] == stopped["passes"]
    assert 55.0 < run.value("capacity retention") < 80.0


def test_a_short_that_appears_after_cycling_fails_on_self_heating_at_rest(tmp_path):
    """The recalls' latent separator defect: no short for the first cycles, then one that heats
    the cell; it stays warm after each charge, while its rise under load falls (it starts warm)."""
    run = run_profile(tmp_path, cycles(tmp_path, 6), dut="powerbank-10000", defects=("micro-short:onset=3",))
    assert run.verdict == "FAIL" and "self-heating at rest (cell over ambient)" in run.failed()
    assert 1.5 < run.value("self-heating at rest (cell over ambient)") < 2.5
    assert run.criteria["self-heating at rest (cell over ambient)"]["cycle"] >= 4  # not before the short
    assert run.value("heating trend") < 0
