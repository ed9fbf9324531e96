"""profiles/over-discharge.toml on the simulated 10 000 mAh bank: the output cuts off when the
cells are empty, stays off under load and when re-plugged, and the bank charges and works
again; a bank whose under-voltage cut-off does not hold (protection-fault:uvp_latch=no) turns
its output back on when re-plugged and fails."""
from __future__ import annotations

import pytest
from profile_runs import PROFILES, SEEDS, run_profile

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

OVER_DISCHARGE = PROFILES / "over-discharge.toml"


@pytest.mark.parametrize("seed", SEEDS)
def test_healthy_bank_cuts_off_stays_off_and_recovers(tmp_path, seed):
    run = run_profile(tmp_path, OVER_DISCHARGE, dut="powerbank-10000", seed=seed)
    assert run.verdict == "PASS", run.reason
    assert run.value("output cut off") == 0.0
    assert run.value("stays off under load") == 0.0
    assert run.value("stays off when re-plugged") == 0.0
    assert 1.2 < run.value("charger accepts empty cells") < 2.0  # A mean over 30 min
    assert run.value("works after recharge") == pytest.approx(2.1, abs=0.01)
    assert run.criteria["works after recharge"]["min"] == pytest.approx(1.995)   # 0.95 x the label's 2.1 A
    assert run.criteria["charger accepts empty cells"]["min"] == pytest.approx(0.5)  # 0.25 x its 2 A input


def test_20000_bank_passes_at_its_own_rated_load_and_input(tmp_path):
    """Run down, held and checked at the label's 3 A output, recharged at its 3 A input."""
    run = run_profile(tmp_path, OVER_DISCHARGE, dut="powerbank-20000")
    assert run.verdict == "PASS", run.reason
    assert run.value("stays off when re-plugged") == 0.0
    assert run.value("works after recharge") == pytest.approx(3.0, abs=0.01)
    assert run.criteria["works after recharge"]["min"] == pytest.approx(2.85)
    assert run.value("charger accepts empty cells") > 2.0                    # A mean: a 3 A charger
    assert run.criteria["charger accepts empty cells"]["min"] == pytest.approx(0.75)


def test_under_voltage_protection_that_does_not_latch_fails(tmp_path):
    run = run_profile(tmp_path, OVER_DISCHARGE, dut="powerbank-10000", defects=("protection-fault:uvp_latch=no",))
    assert run.verdict == "FAIL"
    assert run.failed() & {"stays off under load", "stays off when re-plugged"}
    assert run.value("stays off when re-plugged") > 0.1
