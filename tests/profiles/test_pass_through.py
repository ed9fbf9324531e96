"""profiles/pass-through.toml: a bank with pass-through keeps its output through charging and
plugging; the same bank without it (the presets' default) switches the output off while
charging and fails on exactly that."""
from __future__ import annotations

import pytest
from profile_runs import PROFILES, SEEDS, run_profile, station

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

PASS_THROUGH = PROFILES / "pass-through.toml"


@pytest.mark.parametrize("seed", SEEDS)
def test_a_pass_through_bank_keeps_its_output_while_charging(tmp_path, seed):
    bank = station(tmp_path, overrides={"pass_through": "1"})
    run = run_profile(tmp_path, PASS_THROUGH, dut="powerbank-10000", seed=seed, station_file=bank)
    assert run.verdict == "PASS", run.reason
    assert run.value("output kept while charging") > 0.99
    assert 1.2 < run.value("charge accepted while loaded") < 1.5  # ~2.76 A at the input for 30 min
    assert 2.5 < run.value("input current") < 3.0


def test_a_bank_without_pass_through_fails_on_the_output_while_charging(tmp_path):
    run = run_profile(tmp_path, PASS_THROUGH, dut="powerbank-10000")
    assert run.verdict == "FAIL"
    assert {"output kept while charging", "output kept after plugging again"} <= run.failed()
    assert run.value("output kept while charging") < 0.1
