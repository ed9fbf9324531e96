"""profiles/incoming-cell.toml on the simulated LG M50 cell: a genuine cell passes; a
counterfeit fails on capacity, a high-resistance cell on DCIR, a micro-shorted cell on the
K value - each on its own criterion."""
from __future__ import annotations

import pytest
from profile_runs import PROFILES, SEEDS, run_profile

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

INCOMING = PROFILES / "incoming-cell.toml"


@pytest.mark.parametrize("seed", SEEDS)
def test_genuine_cell_passes(tmp_path, seed):
    run = run_profile(tmp_path, INCOMING, dut="lg-m50", seed=seed)
    assert run.verdict == "PASS", run.reason
    assert 4.15 < run.value("OCV at receipt") < 4.21            # the simulated cell arrives full
    assert 35.0 < run.value("DCIR") < 40.5                      # mOhm: 38.2 (full: its charge transfer slower)
    assert 4.95 < run.value("capacity") < 5.25                  # Ah at 0.2C to 2.5 V: 5.114 (the DFN: 5.117), +-1 % a unit
    assert run.value("K value") < 0.05                          # mV/h


def test_counterfeit_cell_fails_on_capacity(tmp_path):
    run = run_profile(tmp_path, INCOMING, dut="lg-m50", defects=("counterfeit:fraction=0.5",))
    assert run.verdict == "FAIL"
    assert run.failed() == {"capacity"}
    assert 2.4 < run.value("capacity") < 2.6


def test_high_resistance_cell_fails_on_dcir(tmp_path):
    run = run_profile(tmp_path, INCOMING, dut="lg-m50", defects=("high-resistance:factor=3",))
    assert run.verdict == "FAIL"
    assert run.failed() == {"DCIR"}
    assert 97.0 < run.value("DCIR") < 115.0  # 110.9 (105-120 with the former 1RC fit); the limit is 55


def test_micro_shorted_cell_fails_on_k_value(tmp_path):
    run = run_profile(tmp_path, INCOMING, dut="lg-m50", defects=("micro-short",))  # 100 ohm from the start
    assert run.verdict == "FAIL"
    assert "K value" in run.failed() and run.failed() <= {"K value", "capacity"}  # its drain also costs capacity
    assert 5.5 < run.value("K value") < 7.5
    assert run.outcome("DCIR") == "PASS" and run.outcome("OCV at receipt") == "PASS"
