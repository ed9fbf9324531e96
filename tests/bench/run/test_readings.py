"""dT/dt and dV/dt: least-squares slopes over their window, reported once the window spans half
its length, so that thermocouple noise at 1 s sampling never looks like a temperature rate; the
windows cost the same at every sample, stay exact over long runs and survive a checkpoint."""
from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from bench.profile.conditions import RATE_WINDOW, Watch, parse_condition
from bench.run.readings import Readings

WINDOW = 60.0
NAN = math.nan


def least_squares(points: list[tuple[float, float]]) -> float:
    """The slope of the best straight line, computed the textbook way (two passes)."""
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    return (sum((t - mean_t) * (y - mean_y) for t, y in points)
            / sum((t - mean_t) ** 2 for t, _ in points))


def sample(r: Readings, t: float, cell: float, case: float = 25.0, volts: float = 4.0) -> None:
    """One sample as the engine fills the Readings."""
    r.test_time = t
    r.temps["cell"], r.temps["case"] = cell, case
    r.voltage = volts
    r.update_rates()


def noisy(seed: int, count: int, start: float = 0.0) -> list[tuple[float, float, float]]:
    """(t, cell temperature, voltage) every second: a slow rise and a slow fall under noise."""
    rng = random.Random(seed)
    return [(start + k, 25.0 + 0.01 * k + rng.gauss(0, 0.1), 4.0 - 1e-4 * k + rng.gauss(0, 0.002))
            for k in range(count)]


def canon(values: list[float]) -> list[object]:
    return ["NaN" if v != v else v for v in values]


def rates(r: Readings) -> list[float]:
    return [r.temp_rates["cell"], r.temp_rates["case"], r.dtdt_max, r.dvdt]


def test_the_engine_and_the_profile_reader_use_the_one_rate_window():
    from bench.run.engine import RATE_WINDOW as ENGINE_WINDOW
    assert ENGINE_WINDOW == RATE_WINDOW == WINDOW


def test_rates_are_least_squares_slopes_over_the_window():
    r = Readings(("cell", "case"), WINDOW)
    data = noisy(1, 200)
    for k, (t, cell, volts) in enumerate(data):
        sample(r, t, cell, volts=volts)
        if t < WINDOW / 2:
            continue
        window = [d for d in data[: k + 1] if d[0] >= t - WINDOW]
        assert r.temp_rates["cell"] == pytest.approx(least_squares([(d[0], d[1]) for d in window]), rel=1e-9)
        assert r.dvdt == pytest.approx(least_squares([(d[0], d[2]) for d in window]), rel=1e-9)
        assert r.temp_rates["case"] == pytest.approx(0.0, abs=1e-12)
        assert r.dtdt_max == r.temp_rates["cell"]


def test_no_rate_until_the_window_spans_half_its_length():
    r = Readings(("cell", "case"), WINDOW)
    for t, cell, volts in noisy(2, 31):
        sample(r, t, cell, volts=volts)
        assert (math.isnan(r.dtdt_max) and math.isnan(r.dvdt)) == (t < WINDOW / 2), t


def test_a_faulted_channel_has_no_rate_while_its_fault_is_in_the_window():
    r = Readings(("cell", "case"), WINDOW)
    for t, cell, _ in noisy(3, 200):
        sample(r, t, cell, case=NAN if t == 40 else 25.0 + 0.1 * t)
        assert math.isnan(r.temp_rates["case"]) == (40 <= t <= 40 + WINDOW) or t < WINDOW / 2, t
        if t > 40 + WINDOW:
            assert r.temp_rates["case"] == pytest.approx(0.1)
        if 40 <= t <= 40 + WINDOW:
            assert r.dtdt_max == r.temp_rates["cell"]  # the faulted channel is left out


def test_dv_dt_starts_again_with_each_step():
    r = Readings(("cell", "case"), WINDOW)
    for t, cell, volts in noisy(4, 100):
        if t == 50:
            r.restart_voltage_rate()
        sample(r, t, cell, volts=volts)
        if t >= 50:
            assert math.isnan(r.dvdt) == (t < 50 + WINDOW / 2), t
            assert not math.isnan(r.dtdt_max)  # temperatures run on across steps


@pytest.mark.parametrize("cut", [10, 45, 75, 130, 250])
def test_a_restored_window_carries_on_exactly_as_the_uninterrupted_one(cut: int):
    data = noisy(5, 400)
    original = Readings(("cell", "case"), WINDOW)
    for t, cell, volts in data[:cut]:
        sample(original, t, cell, volts=volts)
    copy = Readings(("cell", "case"), WINDOW)
    copy.restore(json.loads(json.dumps(original.state())))
    for t, cell, volts in data[cut:]:
        for r in (original, copy):
            sample(r, t, cell, volts=volts)
        assert canon(rates(copy)) == canon(rates(original))
    assert json.dumps(copy.state()) == json.dumps(original.state())


def test_the_saved_window_stays_the_same_size_however_long_the_run():
    r = Readings(("cell", "case"), WINDOW)
    sizes = []
    for t, cell, volts in noisy(6, 1000):
        sample(r, t, cell, volts=volts)
        if t in (200, 999):
            sizes.append(len(json.dumps(r.state())))
    assert sizes[1] < 1.1 * sizes[0]


def test_slopes_stay_exact_after_a_long_run():
    """1000 days into a run (the longest a profile may last), the sums still resolve a slow rise."""
    r = Readings(("cell", "case"), WINDOW)
    start = 1000 * 86400.0
    for k in range(2000):
        sample(r, start + k, 25.0 + 1e-3 * k, volts=4.0 - 1e-5 * k)
    assert r.temp_rates["cell"] == pytest.approx(1e-3, rel=1e-9)
    assert r.dvdt == pytest.approx(-1e-5, rel=1e-9)


def test_a_real_rise_still_trips_a_dt_dt_limit_as_soon_as_a_rate_is_reported():
    watch = Watch((parse_condition("cell dT/dt > 2 K/min", "p.toml", "safety.abort_if[1]"),))
    r = Readings(("cell", "case"), WINDOW)
    rng = random.Random(7)
    for t in range(120):
        sample(r, float(t), 25.0 + 3.0 / 60 * t + rng.gauss(0, 0.2))  # 3 K/min under 0.2 K of noise
        if watch.check(r, float(t)) is not None:
            break
    assert t == WINDOW / 2


PROFILE = """name = "dT/dt on noise"
period = "1 s"
steps = ["Discharge at 1 A for 2 min"]
[dut]
kind = "power bank"
[safety]
abort_if = ["cell dT/dt > 2 K/min"]
"""


def test_thermocouple_noise_at_1_s_never_trips_a_dt_dt_limit(tmp_path: Path):
    """Ten simulated units at rest temperature under a light load: no dT/dt trip (a two-point
    difference over one second tripped six of them at t = 1-2 s)."""
    from bench.run.session import Request, execute

    path = tmp_path / "p.toml"
    path.write_text(PROFILE, encoding="utf-8")
    outcomes = [execute(Request(path, log_dir=tmp_path / "logs", seed=seed))[0] for seed in range(1, 11)]
    assert [(o.verdict.name, o.reason) for o in outcomes if o.verdict.name != "PASS"] == []
