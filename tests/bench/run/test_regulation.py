"""The regulation check on the scripted bench (bench/run/scripted.py): a step whose DUT does not
get what it commands ends the run ERROR, bench safe, naming the step and how far off, with no
criterion judged; what the physics explains (CC-CV, a protection that ends its step as meant, a
step the profile marks) is no deviation. Each mode's judgement, on single readings."""
from __future__ import annotations

import pytest
from scripted import CHANNELS, battery, run_scripted

from bench.record.verdict import Verdict
from bench.profile.steps import parse_step
from bench.run.readings import Readings
from bench.run.regulation import Regulation
from bench.run.state import StepState
from bench.station.config import load_station
from bench.station.instruments import Reading

HEAD = 'name = "scripted"\nperiod = "1 s"\n[dut]\nkind = "cell"\n'
COOL = '[[criteria]]\nname = "cool"\nmetric = "max temperature"\nmax = "60 degC"\n'  # met by every run here


def profile(steps: str, tail: str = "") -> str:
    return f"steps = [{steps}]\n" + HEAD + tail


def dead_load(t, bench):
    """The load takes its level and switches its input on, but draws nothing."""
    return battery(t, bench)._replace(i_out=0.0)


def test_a_load_that_draws_nothing_ends_the_run_error_after_the_deviation_window_bench_safe_criteria_void():
    outcome, bench, kept = run_scripted(profile('{ step = "Discharge at 1 A for 60 s", name = "d" }', COOL), dead_load)
    assert outcome.verdict is Verdict.ERROR
    assert outcome.reason == "step 1 (Discharge at 1 A for 60 s): load drew 0.000 A for 5 s while the step commands " \
                             "1.000 A (CC)"
    assert kept.rows[-1]["t"] == 7.0  # judged from 2 s (settling), off for 5 s
    assert not bench.bench.load_on and not bench.bench.supply_on
    (event,) = [e for e in kept.kinds("event") if e.kind == "deviation"]
    assert {k: event.fields[k] for k in ("step", "key", "role", "measured", "expected", "off_by", "lasted_s")} == {
        "step": 1, "key": "steps[1].step", "role": "load", "measured": 0.0, "expected": 1.0, "off_by": -1.0,
        "lasted_s": 5.0}
    (cool,) = outcome.results  # the temperature was fine, but nothing measured on that step is judged
    assert cool.value is None and cool.outcome == "NOT MEASURED"


def test_the_station_sets_the_settling_time_and_the_deviation_window(sim_station):
    station = sim_station(append='[faults]\nsettle = "10 s"\ndeviation = "1 s"\n')
    outcome, _, kept = run_scripted(profile('"Discharge at 1 A for 60 s"'), dead_load, station=station)
    assert outcome.reason.endswith("load drew 0.000 A for 1 s while the step commands 1.000 A (CC)")
    assert kept.rows[-1]["t"] == 11.0


def test_a_deviation_shorter_than_the_window_is_ridden_through():
    def blip(t, bench):
        return dead_load(t, bench) if 10 <= t <= 13 else battery(t, bench)
    outcome, _, _ = run_scripted(profile('"Discharge at 1 A for 30 s"'), blip)
    assert outcome.verdict is Verdict.PASS


def test_a_supply_at_its_current_limit_below_its_voltage_then_tapering_at_it_is_regulation():
    def cc_cv(t, bench):
        if not bench.supply_on:
            return battery(t, bench)
        volts, amps = (3.9 + 0.03 * t, 1.0) if t < 10 else (4.2, 1.0 - 0.05 * (t - 10))  # CC, then CV
        return Reading(volts, amps, volts, 0.0, dict.fromkeys(CHANNELS.values(), 25.0))
    outcome, _, _ = run_scripted(profile('"Charge at 4.2 V, 1 A limit for 25 s"'), cc_cv)
    assert outcome.verdict is Verdict.PASS


def test_a_supply_neither_at_its_voltage_nor_at_its_limit_is_off():
    def sagging(t, bench):
        reading = battery(t, bench)
        return reading._replace(v_in=3.0, i_in=0.2) if bench.supply_on else reading
    outcome, bench, _ = run_scripted(profile('"Charge at 4.2 V, 1 A limit for 60 s"'), sagging)
    assert outcome.verdict is Verdict.ERROR and not bench.bench.supply_on
    assert outcome.reason.endswith("supply gave 3.000 V, 0.200 A for 5 s while the step commands 4.200 V with a "
                                   "1.000 A limit")


def collapsing(t, bench):
    """The output collapses at 10 s (a protection trips: no voltage, no current)."""
    return battery(t, bench)._replace(v_out=0.0, i_out=0.0) if t >= 10 else battery(t, bench)


def test_a_step_ending_on_its_own_condition_after_regulating_is_the_dut_tripping_as_meant():
    text = profile('"Discharge at 1 A for 60 s or until output voltage < 1 V", "Rest for 3 s"')
    outcome, _, kept = run_scripted(text, collapsing)
    assert outcome.verdict is Verdict.PASS and kept.kinds("step_end")[0].ended_by == "output voltage < 1 V"


def test_a_step_that_ends_on_its_condition_without_ever_getting_its_set_point_ends_the_run():
    def dead(t, bench):
        return collapsing(10.0, bench)  # an open lead: nothing at the load from the start
    outcome, bench, kept = run_scripted(profile('"Rest for 2 s", "Discharge at 1 A until 3 V"'),
                                        lambda t, b: dead(t, b) if b.load_on else battery(t, b))
    assert outcome.verdict is Verdict.ERROR and not bench.bench.load_on
    assert outcome.reason == ("step 2 (Discharge at 1 A until 3 V): load drew 0.000 A while the step commands 1.000 A "
                              "(CC), and the step ended (3 V) without ever getting it")


def test_a_step_marked_regulation_off_is_not_judged():
    text = profile('{ step = "Discharge at 1 A for 30 s", regulation = "off" }')
    outcome, _, _ = run_scripted(text, collapsing)
    assert outcome.verdict is Verdict.PASS


def test_a_negative_voltage_ends_the_run_at_once_even_on_a_step_not_judged():
    def reversed_at_3(t, bench):
        return battery(t, bench)._replace(v_out=-4.0) if t >= 3 else battery(t, bench)
    text = profile('{ step = "Discharge at 1 A for 30 s", regulation = "off" }')
    outcome, bench, kept = run_scripted(text, reversed_at_3)
    assert outcome.reason == ("step 1 (Discharge at 1 A for 30 s): load reads -4.000 V: its leads are reversed "
                              "(polarity)")
    assert kept.rows[-1]["t"] == 3.0 and not bench.bench.load_on


@pytest.fixture(scope="module")
def regulation():
    return Regulation(load_station(None), shared=False)


@pytest.mark.parametrize("text, at, v, i, off", [
    ("Discharge at 10 W for 1 min", 0, 5.0, 2.0, None),
    ("Discharge at 10 W for 1 min", 0, 5.0, 1.0, "load drew 5.00 W (5.000 V, 1.000 A) while the step commands "
                                                 "10.00 W (CP)"),
    ("Discharge at 2 ohm for 1 min", 0, 4.0, 2.0, None),
    ("Discharge at 2 ohm for 1 min", 0, 4.0, 0.0, "load drew 0.000 A at 4.000 V while the step commands 2 ohm (CR)"),
    ("Discharge at 2 ohm for 1 min", 0, 0.0, 0.0, "load read 0.000 V, 0.000 A while the step commands 2 ohm (CR)"),
    ("Discharge at 3 V for 1 min", 0, 3.0, 1.0, None),
    ("Discharge at 3 V for 1 min", 0, 2.9, 0.0, None),  # the DUT below the level: a load does not source
    ("Discharge at 3 V for 1 min", 0, 4.0, 0.0, "load held 4.000 V at 0.000 A while the step commands 3.000 V (CV)"),
    ("Discharge ramp from 1 A to 3 A over 20 s for 30 s", 10, 4.0, 2.0, None),
    ("Discharge ramp from 1 A to 3 A over 20 s for 30 s", 10, 4.0, 1.0, "load drew 1.000 A while the step commands "
                                                                        "2.000 A (CC)"),
    ("Rest for 1 min", 0, 4.0, 0.0, None),
])
def test_each_mode_is_judged_against_what_it_commands_at_that_moment(regulation, text, at, v, i, off):
    step = parse_step(text, "test.toml", "steps[1]", 1)
    r = Readings((), None)
    r.step_time, r.v_out, r.i_out = float(at), v, i
    ss = StepState(1, 1, 1, 1, 0.0, ended_by="duration")  # judged at once, as a step's last sample
    found = regulation.check(step, ss, r, float(at))
    said = None if found is None else str(found).split(": ", 1)[1]
    assert said == (None if off is None else f"{off}, and the step ended (duration) without ever getting it")


def test_a_supply_that_does_not_switch_off_in_a_rest_is_off(regulation):
    r = Readings((), None)
    r.v_in, r.i_in = 4.0, 0.5
    found = regulation.check(parse_step("Rest for 1 min", "test.toml", "steps[1]", 1),
                             StepState(1, 1, 1, 1, 0.0, ended_by="duration"), r, 0.0)
    assert "supply delivered 0.500 A while the step commands its output off" in str(found)
