"""profiles/ocp.toml on the simulated 10 000 mAh bank (output over-current trip at 3.0 A,
hiccup retry): the trip current is found by the ramp; a protection fault that lets the
overload through, or an over-current trip set too high, fails on the trip criteria."""
from __future__ import annotations

import pytest
from profile_runs import PROFILES, SEEDS, run_profile

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

OCP = PROFILES / "ocp.toml"


@pytest.mark.parametrize("seed", SEEDS)
def test_healthy_bank_trips_inside_the_window_and_recovers(tmp_path, seed):
    run = run_profile(tmp_path, OCP, dut="powerbank-10000", seed=seed)
    assert run.verdict == "PASS", run.reason
    assert 2.95 < run.value("trip current") <= 3.0               # A: the preset trips at 3.0 A, 17.5 mA steps
    assert run.value("output off after trip") == 0.0
    assert run.value("overload not sustained") == 0.0
    assert run.value("recovery") == pytest.approx(1.0, abs=0.01)


def test_20000_bank_trips_inside_the_window_of_its_own_rating(tmp_path):
    """A 3 A bank tripping at 3.6 A: inside 1.05 .. 1.6 x its rating (before products, the
    window written for 2.1 A failed it)."""
    run = run_profile(tmp_path, OCP, dut="powerbank-20000")
    assert run.verdict == "PASS", run.reason
    assert run.value("rated output carried") == pytest.approx(3.0, abs=0.01)
    assert 3.5 < run.value("trip current") <= 3.6
    assert (run.criteria["trip current"]["min"], run.criteria["trip current"]["max"]) == (3.15, 4.8)


def test_disabled_protection_carries_the_overload_and_fails(tmp_path):
    run = run_profile(tmp_path, OCP, dut="powerbank-10000", defects=("protection-fault",))  # OCP x3, OTP off
    assert run.verdict == "FAIL"
    assert run.failed() == {"trip current", "output off after trip", "overload not sustained"}
    assert run.value("trip current") == pytest.approx(4.2, abs=0.01)  # never tripped: the ramp's end
    assert run.value("overload not sustained") == pytest.approx(4.2, abs=0.01)


def test_trip_set_30_percent_high_fails_on_the_trip_current(tmp_path):
    run = run_profile(tmp_path, OCP, dut="powerbank-10000", defects=("protection-fault:ocp_factor=1.3,otp_disabled=no",))
    assert run.verdict == "FAIL"
    assert run.failed() == {"trip current"}
    assert 3.8 < run.value("trip current") <= 3.9               # 1.3 x 3.0 A
