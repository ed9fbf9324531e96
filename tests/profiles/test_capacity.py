"""profiles/capacity.toml (GB/T 35590 capacity and conversion efficiency) on the simulated
10 000 and 20 000 mAh banks, each judged against its own label: a genuine unit passes, a
counterfeit (half the cells it claims) fails on delivered capacity and conversion efficiency."""
from __future__ import annotations

import pytest
from profile_runs import PROFILES, SEEDS, run_profile

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

CAPACITY = PROFILES / "capacity.toml"
PRODUCTS = PROFILES.parent / "products"


@pytest.mark.parametrize("seed", SEEDS)
def test_genuine_bank_passes_at_its_rated_output(tmp_path, seed):
    run = run_profile(tmp_path, CAPACITY, dut="powerbank-10000", seed=seed)
    assert run.verdict == "PASS", run.reason
    assert 6.3 < run.value("rated output capacity") < 6.75       # Ah at 5 V, 2.1 A; units of a lot: +-1 % capacity
    assert 84.0 < run.value("conversion efficiency") < 88.5      # % of 37 Wh
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


def test_genuine_20000_bank_passes_against_its_own_label(tmp_path):
    """Discharged at its 3 A rating and judged against 12 000 mAh at 5 V and 74 Wh (before
    products, against the profile's 10 000 mAh label: 173.5 % conversion efficiency)."""
    run = run_profile(tmp_path, CAPACITY, dut="powerbank-20000")
    assert run.verdict == "PASS", run.reason
    assert 12.5 < run.value("rated output capacity") < 13.3       # Ah at 5 V, 3 A
    assert run.criteria["rated output capacity"]["min"] == 12.0
    assert 81.0 < run.value("conversion efficiency") < 87.0      # % of 74 Wh
    assert run.meta["product"]["name"] == "powerbank-20000"
    assert run.meta["product"]["label"]["rated_output_capacity"] == "12000 mAh"
    assert "Discharge at 3 A until 4.5 V" in {e["step"] for e in run.events_of("step_start")}


def test_counterfeit_20000_bank_fails_on_its_rated_output_capacity(tmp_path):
    run = run_profile(tmp_path, CAPACITY, dut="powerbank-20000", defects=("counterfeit",))
    assert run.verdict == "FAIL"
    assert "rated output capacity" in run.failed() and "conversion efficiency" in run.failed()
    assert 6.0 < run.value("rated output capacity") < 6.7        # half the cells: about half of 12.9 Ah
    assert "min 12 Ah = 100 % of rated output capacity" in run.reason


def test_a_product_file_replaces_the_presets_label(tmp_path):
    """The simulated 10 000 mAh bank judged against a real 5000 mAh label (--product): the
    bounds are that label's (3300 mAh at 5 V, 2.1 A), and run.json records the file's text."""
    run = run_profile(tmp_path, CAPACITY, dut="powerbank-10000", product=PRODUCTS / "xiaomi-mi-5000.toml")
    assert run.criteria["rated output capacity"]["min"] == 3.3
    assert run.meta["product"]["maker"] == "Xiaomi"
    assert run.meta["product"]["text"] == (PRODUCTS / "xiaomi-mi-5000.toml").read_text(encoding="utf-8")
    assert run.value("rated output capacity") > 6.0                # discharged at 2.1 A, the label's rating
