"""profiles/capacity.toml (GB/T 35590 capacity and conversion efficiency) on the simulated
10 000 mAh bank: a genuine unit passes, a counterfeit (half the cells it claims) fails on
delivered capacity and conversion efficiency."""
from __future__ import annotations

import pytest
from profile_runs import PROFILES, SEEDS, run_profile

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

CAPACITY = PROFILES / "capacity.toml"


@pytest.mark.parametrize("seed", SEEDS)
def test_genuine_bank_passes_at_its_rated_output(tmp_path, seed):
    run = run_profile(tmp_path, CAPACITY, dut="powerbank-10000", seed=seed)
    assert run.verdict == "PASS", run.reason
    assert 6.3 < run.value("rated output capacity") < 6.6        # Ah at 5 V, 2.1 A
    assert 84.0 < run.value("conversion efficiency") < 87.0      # % of 37 Wh
    assert 39.0 < run.value("charge accepted") < 42.0            # Wh from empty
    assert run.value("surface temperature") < 35.0
    assert {c["outcome"] for c in run.criteria.values()} == {"PASS"}


def test_counterfeit_bank_fails_on_capacity_and_conversion_efficiency(tmp_path):
    run = run_profile(tmp_path, CAPACITY, dut="powerbank-10000", defects=("counterfeit:fraction=0.5",))
    assert run.verdict == "FAIL"
    assert run.failed() == {"rated output capacity", "conversion efficiency", "charge accepted"}
    assert 3.0 < run.value("rated output capacity") < 3.4        # about half of 6.4 Ah
    assert 40.0 < run.value("conversion efficiency") < 45.0
    assert 18.0 < run.value("charge accepted") < 22.0
    assert "rated output capacity" in run.reason
