"""Conditions: comparisons on live readings, 'for' durations, channels."""
from types import SimpleNamespace

import pytest

from bench.profile.conditions import Watch, parse_condition, parse_conditions
from bench.errors import InputError


def test_condition_must_hold_for_its_duration_before_it_is_met():
    watch = Watch((parse_condition("current < 100 mA for 60 s", "f", "k"),))
    low = SimpleNamespace(current=0.05)
    assert watch.check(low, 0.0) is None
    assert watch.check(low, 59.0) is None
    assert watch.check(SimpleNamespace(current=0.2), 59.5) is None  # a blip restarts the timer
    assert watch.check(low, 60.0) is None
    assert watch.check(low, 120.0) is not None


def test_per_channel_temperature_and_any_of_or():
    conditions = parse_conditions("surface temperature > 45 degC or time > 1 h", "f", "k")
    watch = Watch(conditions)
    r = SimpleNamespace(temps={"surface": 40.0}, temp_rates={}, test_time=10.0)
    assert watch.check(r, 10) is None
    r.temps["surface"] = 46.0
    assert watch.check(r, 11).channel == "surface"
    r.temps["surface"], r.test_time = 20.0, 3601.0
    assert watch.check(r, 3601).quantity == "time"


def test_nan_readings_never_meet_a_condition():
    watch = Watch((parse_condition("temperature > 45 degC", "f", "k"),))
    assert watch.check(SimpleNamespace(t_max=float("nan")), 0) is None


def test_wrong_unit_names_the_quantity_expected():
    with pytest.raises(InputError, match="expected a temperature .* got '45 V', which is a voltage"):
        parse_condition("cell temperature > 45 V", "p.toml", "safety.abort_if[1]")
