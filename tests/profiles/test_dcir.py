"""profiles/dcir.toml on the simulated LG M50 cell (R0 37 mOhm, R1 9 mOhm, tau 226 s): the
10 s pulse DCIR is ~37-39 mOhm at every SOC point; a cell with three times the resistance
fails at every point."""
from __future__ import annotations

import pytest
from profile_runs import PROFILES, SEEDS, run_profile

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

DCIR = PROFILES / "dcir.toml"
POINTS = (90, 70, 50, 30, 10)


@pytest.mark.parametrize("seed", SEEDS)
def test_healthy_cell_dcir_at_every_soc_point(tmp_path, seed):
    run = run_profile(tmp_path, DCIR, dut="lg-m50", seed=seed)
    assert run.verdict == "PASS", run.reason
    for soc in POINTS:
        assert 37.0 < run.value(f"DCIR at {soc} % SOC") < 40.0  # mOhm: R0 + R1 (1 - exp(-10/226))


def test_high_resistance_cell_fails_at_every_soc_point(tmp_path):
    run = run_profile(tmp_path, DCIR, dut="lg-m50", defects=("high-resistance:factor=3",))
    assert run.verdict == "FAIL"
    assert run.failed() == {f"DCIR at {soc} % SOC" for soc in POINTS}
    for soc in POINTS:
        assert 108.0 < run.value(f"DCIR at {soc} % SOC") < 116.0
