"""profiles/self-discharge.toml on the simulated LG M50 cell: a healthy cell leaks ~0.16 mA
(2 %/month) and its OCV falls ~0.03 mV/h; an internal micro-short fails on both the float
current and the K value, a weak one (1 kOhm) as well as the default (100 ohm); and a room whose
temperature moves during the K rest makes the measurement invalid."""
from __future__ import annotations

import pytest
from profile_runs import PROFILES, SEEDS, run_profile

from drivers.sim.chamber import Chamber

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

SELF_DISCHARGE = PROFILES / "self-discharge.toml"


@pytest.mark.parametrize("seed", SEEDS)
def test_healthy_cell_passes_with_a_wide_margin(tmp_path, seed):
    run = run_profile(tmp_path, SELF_DISCHARGE, dut="lg-m50", seed=seed)
    assert run.verdict == "PASS", run.reason
    assert 0.1 < run.value("float current") * 1000 < 0.3        # mA: 4.2 V over the 26.6 kOhm leakage
    assert 0.01 < run.value("K value") < 0.05                   # mV/h at 50 % SOC
    assert run.margin("float current") > 0.7 and run.margin("K value") > 0.7
    assert run.value("cell stable during K rest") < 0.6


@pytest.mark.parametrize("resistance, float_ma, k_mv_h", [("100 ohm", (40, 45), (5.5, 7.0)),
                                                          ("1000 ohm", (4.0, 4.8), (0.6, 0.9))])
def test_micro_short_fails_on_float_current_and_k_value(tmp_path, resistance, float_ma, k_mv_h):
    run = run_profile(tmp_path, SELF_DISCHARGE, dut="lg-m50", defects=(f"micro-short:resistance={resistance}",))
    assert run.verdict == "FAIL"
    assert run.failed() == {"float current", "K value"}
    assert float_ma[0] < run.value("float current") * 1000 < float_ma[1]   # about 4.2 V / R
    assert k_mv_h[0] < run.value("K value") < k_mv_h[1]


def test_a_room_warming_during_the_k_rest_fails_on_temperature_stability(tmp_path):
    warming = Chamber.ramp(12 * 3600.0, 14 * 3600.0, 25.0, 27.5)   # inside the 24 h K rest
    run = run_profile(tmp_path, SELF_DISCHARGE, dut="lg-m50", chamber=warming)
    assert run.verdict == "FAIL"
    assert run.failed() == {"ambient stable during K rest", "cell stable during K rest"}
    assert 2.3 < run.value("ambient stable during K rest") < 3.2
