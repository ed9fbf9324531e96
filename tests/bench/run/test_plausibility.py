"""Plausibility: each rule finds what it should, at the severity it should (a warning leaves the
run as written, an error refuses it), and nothing on any shipped profile on the default station."""
from __future__ import annotations

from pathlib import Path

import pytest
from runfolders import ROOT

from bench.errors import InputError
from bench.profile.reader import load_profile, parse_profile
from bench.run.plausibility import Finding, review, strict_error, warnings
from bench.run.preflight import plan
from bench.run.session import Request, prepare
from bench.station.config import load_station

SOURCE = "profiles/p.toml"
STATION = ROOT / "stations" / "sim.toml"  # 21 V, 8 A, 60 W, 70 degC
BANK = ('[dut]\nkind = "power bank"\nrated_capacity = "10000 mAh"\nnominal_voltage = "3.7 V"\n'
        'rated_output_voltage = "5 V"\nrated_output_current = "2.1 A"\nrated_input_current = "2 A"\n')
CELL = '[dut]\nkind = "cell"\nrated_capacity = "5 Ah"\nnominal_voltage = "3.63 V"\n'


def document(steps: str, dut: str = BANK, period: str = "1 s", safety: str = "") -> str:
    head = f'name = "p"\nperiod = "{period}"\nsteps = [{steps}]\n{dut}'
    return head + (f"[safety]\nabort_if = [{safety}]\n" if safety else "")


def found(steps: str, dut: str = BANK, period: str = "1 s", safety: str = "") -> list[Finding]:
    return review(parse_profile(document(steps, dut, period, safety), SOURCE), load_station(STATION))


def one(steps: str, dut: str = BANK, period: str = "1 s", safety: str = "") -> Finding:
    (finding,) = found(steps, dut, period, safety)
    return finding


@pytest.mark.parametrize("path", sorted((ROOT / "profiles").glob("*.toml")), ids=lambda p: p.stem)
def test_no_shipped_profile_has_a_finding_on_the_default_station(path: Path):
    assert review(load_profile(path), load_station(STATION)) == []


# -- charge set-points the DUT takes nothing at -------------------------------------------------

BANK_INPUT = BANK + 'rated_input_voltage = "5 V"\n'


@pytest.mark.parametrize("step, dut, why", [
    ('"Charge at 5 mV, 3 A limit for 1 h"', BANK_INPUT, "0.005 V, under 80% of the bank's rated input voltage 5 V"),
    ('"Charge at 3.3 V, 3 A limit for 1 h"', BANK_INPUT, "3.3 V, under 80% of the bank's rated input voltage 5 V"),
    ('"Charge at 4.2 mV, 1 A limit for 1 h"', CELL, "0.0042 V, under 60% of the cell's nominal voltage 3.63 V"),
])
def test_a_charge_set_below_what_the_dut_takes_current_at_is_a_warning(step, dut, why):
    finding = one(step, dut)
    assert finding.key == "steps[1]" and not finding.error
    assert why in finding.message and "the step charges nothing (mV written for V?)" in finding.message


@pytest.mark.parametrize("step, dut", [
    ('"Charge at 4.5 V, 3 A limit for 1 h"', BANK_INPUT),  # a weak USB port: the bank still charges
    ('"Charge at 5 mV, 3 A limit for 1 h"', BANK),  # no rated input voltage: nothing certain
    ('"Hold at 3.0 V, 1 A limit for 1 h"', CELL),  # a storage voltage
])
def test_a_charge_the_dut_may_take_is_not_judged(step, dut):
    assert found(step, dut) == []


def test_a_constant_draw_beyond_the_banks_overload_is_a_warning():
    finding = one('"Discharge at 0.5C until 4.5 V"')  # 0.5 x 10 Ah: 5 A from a 2.1 A bank
    assert finding.key == "steps[1]" and not finding.error
    assert finding.message.startswith("draws 5 A, over 1.5 x the bank's rated output current 2.1 A")


@pytest.mark.parametrize("step", [
    '"Discharge at 3 A until 4.5 V"',  # within its protection's margin
    '{ step = "Discharge at 5 A for 20 s", regulation = "off" }',  # an overload step meant to trip it
    '"Discharge ramp from 2.1 A to 5 A over 60 s for 70 s"',  # a ramp that finds the trip point
])
def test_a_draw_the_bank_may_deliver_or_a_step_meant_to_trip_it_is_not_judged(step):
    assert found(step) == []


# -- a. safety limits the station's hard limits always beat -------------------------------------

@pytest.mark.parametrize("condition, limit", [
    ("cell temperature > 90 degC", "70 degC"),
    ("temperature >= 75 degC", "70 degC"),
    ("output current > 9 A for 2 s", "8 A"),
    ("input voltage > 30 V", "21 V"),
    ("output power > 100 W", "60 W"),
])
def test_a_safety_limit_above_the_station_hard_limit_is_a_warning(condition, limit):
    finding = one('"Rest for 1 min"', safety=f'"{condition}"')
    assert not finding.error and finding.key == "safety.abort_if[1]" and finding.source == SOURCE
    assert finding.message == (f"'{condition}' never trips: the station's hard limit {limit} ({STATION}) "
                               "stops the run first")


@pytest.mark.parametrize("condition", ["cell temperature > 70 degC", "cell temperature > 60 degC",
                                       "output voltage < 25 V", "cell dT/dt > 50 K/min", "step time > 10 days"])
def test_a_safety_limit_at_or_within_the_hard_limit_or_unbounded_by_it_is_fine(condition):
    assert found('"Rest for 1 min"', safety=f'"{condition}"') == []


# -- b. end conditions met at the first sample, or never ----------------------------------------

def test_a_discharge_until_a_voltage_above_the_bank_output_ends_at_once():
    finding = one('"Discharge at 1 A until 40 V"')
    assert not finding.error and finding.key == "steps[1]"
    assert finding.message == ("'40 V' (voltage <= 40 V) is met from the first sample (the bank's output is "
                               "regulated at its rated 5 V): the step ends at once")


def test_a_cc_discharge_until_a_current_above_its_level_ends_at_once_and_says_its_hold():
    finding = one('"Discharge at 2 A until current < 3 A for 10 s"')
    assert not finding.error
    assert finding.message == ("'current < 3 A for 10 s' is met from the first sample (the load draws at most 2 A): "
                               "the step ends after its hold of 10 s")
    assert "the load draws at most 3 A" in one('"Discharge ramp from 2 A to 3 A over 60 s until 3.5 A"').message


def test_a_charge_until_a_voltage_above_its_set_point_that_still_ends_otherwise_is_a_warning():
    finding = one('"Charge at 5 V, 2 A limit until voltage > 6 V or current < 100 mA"')
    assert not finding.error and finding.key == "steps[1]"
    assert finding.message == ("'voltage > 6 V' is never met (the supply holds the input at its set-point 5 V): "
                               "the step ends only on 'current < 100 mA'")
    timed = one('"Charge at 5 V, 2 A limit for 1 h or until voltage > 6 V"')
    assert not timed.error and timed.message.endswith("the step ends only after 1 h")


@pytest.mark.parametrize("step, why", [
    ("Charge at 5 V, 2 A limit until voltage > 6 V", "the supply holds the input at its set-point 5 V"),
    ("Charge at 5 V, 2 A limit until input current > 3 A", "the supply limits the current to 2 A"),
    ("Discharge at 1 A until current > 2 A", "the load draws at most 1 A"),
    ("Discharge at 1 A until output voltage > 6 V", "the bank's output is regulated at its rated 5 V"),
    ("Charge at 5 V, 2 A limit until cell temperature > 80 degC",
     f"the station's hard limit 70 degC ({STATION}) aborts the run first"),
])
def test_a_step_whose_only_end_is_never_met_is_an_error(step, why):
    finding = one(f'"{step}"')
    assert finding.error and finding.key == "steps[1]"
    assert finding.message.endswith(f"is never met ({why}) and the step has no other end: expected a condition "
                                    "it can reach, or 'for <duration>'")
    with pytest.raises(InputError) as info:
        warnings(parse_profile(document(f'"{step}"'), SOURCE), load_station(STATION))
    assert str(info.value) == str(finding)


def test_a_cell_above_the_supply_set_point_shows_its_own_voltage():
    # a cell charged to 4.2 V earlier in the profile shows 4.2 V to a 4.0 V supply: not judged below that
    assert found('"Charge at 1 A until 4.2 V", "Charge at 4.0 V, 1 A limit for 1 h or until voltage > 4.1 V"',
                 CELL) == []
    finding = one('"Charge at 1 A until 4.2 V", "Charge at 4.0 V, 1 A limit for 1 h or until voltage > 4.5 V"', CELL)
    assert "the cell's own voltage, at most 4.2 V (the voltage steps[1] charges the DUT to)" in finding.message


def test_a_cc_discharge_of_a_cell_until_a_current_below_its_level_is_met_only_as_the_cell_collapses():
    """'until 3.0 A' written for 'until 3.0 V': the load holds 5 A until the cell is at 0 V."""
    finding = one('"Discharge at 1C until 3.0 A"', CELL)
    assert finding.error and finding.key == "steps[1]"
    assert finding.message == ("'3.0 A' (current <= 3.0 A) is never met (the load draws 5 A from the cell until it "
                               "collapses, far below any discharge cut-off) and the step has no other end: expected a "
                               "condition it can reach, or 'for <duration>'")
    timed = one('"Discharge at 1C for 2 h or until current < 3 A"', CELL)
    assert not timed.error and timed.message.endswith("the step ends only after 2 h")
    assert "is met from the first sample" in one('"Discharge at 5 A until current > 1 A"', CELL).message


@pytest.mark.parametrize("steps, dut", [
    ('"Discharge at 2 A until current < 100 mA"', BANK),  # the bank's protection cuts its output when empty
    ('"Discharge at 1C until current < 4.95 A"', CELL),  # within the load's regulation
    ('"Discharge at 2.1 A until 4.5 V"', BANK),
    ('"Discharge at 2.1 A until 5.2 V"', BANK),  # within the bank's regulation: not certain
    ('"Discharge at 2 A until current < 2.02 A"', BANK),  # within the load's regulation
    ('"Discharge at 1 A until 40 V"', CELL),  # a cell's voltage is not judged against a rating
    ('"Discharge at 10 W until current < 3 A"', BANK),  # CP: the current depends on the DUT
    ('"Charge at 1 A until 4.2 V", "Hold at 4.2 V until 50 mA"', CELL),
    ('"Charge at 5 V, 2 A limit until current < 100 mA for 60 s"', BANK),
    ('{ step = "Charge at 5 V, 3 A limit for 10 min", with = "Discharge at 1 A" }', BANK),
])
def test_end_conditions_that_are_not_certain_are_not_judged(steps, dut):
    assert found(steps, dut) == []


# -- c. loops that run for years ----------------------------------------------------------------

LOOP = '{{ repeat = {n}, steps = ["Charge at 5 V, 2 A limit for 5 h", "Discharge at 2.1 A for 3 h", "Rest for 1 h"] }}'


def test_a_loop_planned_over_a_year_is_a_warning_naming_its_repeat_count_and_days():
    finding = one(LOOP.format(n=1000))  # 9 h a cycle
    assert not finding.error and finding.key == "steps[1].repeat"
    assert finding.message == ("repeat = 1000 runs ~375 days from the DUT ratings: over 365 days; "
                               "is the repeat count right?")
    assert found(LOOP.format(n=300)) == []  # a cycle-life test: ~112 days


def test_a_loop_planned_over_1000_days_is_an_error_with_the_count_that_fits():
    finding = one(LOOP.format(n=1_000_000_000))
    assert finding.error and finding.key == "steps[1].repeat"
    assert finding.message == ("repeat = 1000000000 runs ~375,000,000 days from the DUT ratings; expected at most "
                               "1000 days (repeat = 2666 or fewer)")


def test_the_innermost_loop_that_is_too_long_is_named():
    inner = LOOP.format(n=10_000)
    (finding,) = found(f'{{ repeat = 2, steps = [{inner}] }}')
    assert finding.key == "steps[1].steps[1].repeat" and finding.error
    (finding,) = found(f'{{ repeat = 500, steps = [{LOOP.format(n=2)}] }}')  # 18 h x 500: the outer one
    assert finding.key == "steps[1].repeat" and not finding.error


def test_a_profile_of_several_long_loops_over_1000_days_is_an_error():
    finding = one(", ".join([LOOP.format(n=900)] * 3))
    assert finding.error and finding.key == "steps"
    assert finding.message.startswith("the profile runs ~1,012 days from the DUT ratings; expected at most 1000 days")


# -- d. sample periods that overshoot the end of their step -------------------------------------

def test_a_profile_period_longer_than_a_step_ending_on_conditions_is_an_error():
    finding = one('"Discharge at 2.1 A until 4.5 V"', period="1 day")
    assert finding.error and finding.key == "period"
    assert finding.message == ("a sample period of 1 day is longer than steps[1] ('Discharge at 2.1 A until 4.5 V') "
                               "is estimated to last (~3.1 h): it would end up to a whole period past its end "
                               "condition; expected at most 9.3 min (1/20 of it)")


def test_a_step_period_longer_than_the_step_is_an_error_naming_the_step():
    finding = one('"Discharge at 2.1 A until 4.5 V (5 h period)"')
    assert finding.error and finding.key == "steps[1]" and "a sample period of '5 h' is longer than the step" \
        in finding.message


def test_a_period_over_a_twentieth_of_a_step_is_a_warning():
    finding = one('"Discharge at 2.1 A until 4.5 V (10 min period)"')
    assert not finding.error and finding.key == "steps[1]"
    assert finding.message == ("a sample period of '10 min' is over 1/20 of the ~3.1 h the step is estimated to "
                               "last: its end may be overshot by over 5 %; expected at most 9.3 min (1/20 of it)")
    assert found('"Discharge at 2.1 A until 4.5 V (9 min period)"') == []


@pytest.mark.parametrize("steps, dut", [
    ('"Discharge at 2.1 A for 20 min or until 4.5 V (10 min period)"', BANK),  # a duration bounds the period
    ('"Discharge at 2.1 A until 4.5 V"', '[dut]\nkind = "power bank"\n'),  # no estimate without ratings
])
def test_steps_with_a_duration_or_without_an_estimate_are_not_judged_by_their_period(steps, dut):
    assert found(steps, dut) == []


# -- the pre-flight: validate and run ------------------------------------------------------------

WARNED = document('"Discharge at 1 A for 1 min or until current > 3 A"', safety='"surface temperature > 80 degC"')


def warned(tmp_path: Path) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(WARNED, encoding="utf-8")
    return path


def test_the_pre_flight_gives_each_warning_to_warn_and_returns_them(tmp_path):
    given: list[Finding] = []
    returned = plan(warned(tmp_path), STATION, warn=given.append).warnings
    assert given == returned and [f.key for f in returned] == ["safety.abort_if[1]", "steps[1]"]


def test_strict_makes_the_first_warning_an_error_after_every_warning_was_given(tmp_path):
    given: list[Finding] = []
    with pytest.raises(InputError) as info:
        plan(warned(tmp_path), STATION, strict=True, warn=given.append)
    assert len(given) == 2
    assert info.value.key == "safety.abort_if[1]"
    assert info.value.message.endswith("stops the run first (--strict: a warning is an error; 1 more warning)")
    assert str(strict_error(given[1:])).endswith("(--strict: a warning is an error)")


def test_prepare_of_a_run_warns_and_refuses_with_strict(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(WARNED, encoding="utf-8")
    given: list[Finding] = []
    prepare(Request(path, STATION, log_dir=tmp_path / "logs"), given.append)
    assert len(given) == 2
    with pytest.raises(InputError):
        prepare(Request(path, STATION, log_dir=tmp_path / "logs", strict=True))
    assert not (tmp_path / "logs").exists()


# -- e. criteria never measured -------------------------------------------------------------

DCIR = '\n[[criteria]]\nname = "DCIR"\nmetric = "dcir"\n{step}max = "55 mOhm"\n'


@pytest.mark.parametrize("step, where", [
    ('step = "r"\n', "step 'r', the profile's first"),
    ("", "the whole run"),
])
def test_a_dcir_with_nothing_before_its_scope_is_an_error(step, where):
    text = document('{ step = "Rest for 5 min", name = "r" }, { step = "Discharge at 0.5C for 10 s", name = "p" }',
                    CELL) + DCIR.format(step=step)
    (finding,) = review(parse_profile(text, SOURCE), load_station(STATION))
    assert finding.error and finding.key == "criteria[1]"
    assert finding.message.startswith(f"'dcir' of {where} is never measured")


def test_a_dcir_of_a_pulse_after_a_rest_is_not_judged():
    text = document('{ step = "Rest for 5 min", name = "r" }, { step = "Discharge at 0.5C for 10 s", name = "p" }',
                    CELL) + DCIR.format(step='step = "p"\n')
    assert review(parse_profile(text, SOURCE), load_station(STATION)) == []
