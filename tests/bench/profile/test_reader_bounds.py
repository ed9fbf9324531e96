"""What a profile may not be, however well formed: nested too deep, sampled too fast or too slowly
for its steps and rate windows, with numbers out of any sensible range, or so long that reading
it takes forever. Each is refused as an InputError naming the key, never another exception."""
from __future__ import annotations

import math
import time

import pytest

from bench.errors import InputError
from bench.profile.reader import MAX_LOOPS, parse_profile
from bench.tables import MAX_NESTING
from bench.profile.steps import parse_step

SOURCE = "profiles/bad.toml"
DUT = '[dut]\nkind = "power bank"\nrated_capacity = "10000 mAh"\nnominal_voltage = "3.7 V"\n'


def document(steps: str = '"Rest for 1 min"', *, period: str = "1 s", extra: str = "", safety: str = "",
             dut: str = DUT) -> str:
    """A profile: `steps` is the inside of the steps list, `extra` more top-level keys."""
    text = f'name = "t"\nperiod = "{period}"\n{extra}steps = [{steps}]\n{dut}'
    return text + (f"[safety]\nabort_if = [{safety}]\n" if safety else "")


def refused(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        parse_profile(text, SOURCE)
    return info.value


def loops(depth: int, inner: str = '"Rest for 1 min"') -> str:
    for _ in range(depth):
        inner = f"{{ repeat = 2, steps = [{inner}] }}"
    return inner


# --- nesting ------------------------------------------------------------------------------

def test_loops_nested_as_deep_as_allowed_load():
    profile = parse_profile(document(loops(MAX_LOOPS)), SOURCE)
    assert len(list(profile.steps())) == 1
    assert profile.estimate()[0] == pytest.approx(60.0 * 2 ** MAX_LOOPS)


def test_one_loop_more_is_refused_naming_the_loop_and_the_limit():
    error = refused(document(loops(MAX_LOOPS + 1)))
    assert error.key == "steps[1]" + ".steps[1]" * MAX_LOOPS
    assert error.message == f"loops nested more than {MAX_LOOPS} deep; a test method needs two or three"


@pytest.mark.parametrize("text, key", [
    pytest.param(document(loops(200)), "steps", id="loops 200 deep"),
    pytest.param(document('"Rest for 1 min"', extra="colour = " + "[" * 400 + "]" * 400 + "\n"), "colour",
                 id="arrays 400 deep"),
    pytest.param(document() + "colour = " + "{ a = " * 400 + "1" + " }" * 400 + "\n", "dut.colour",
                 id="inline tables 400 deep in a table"),
    pytest.param(document() + "[[criteria]]\nmax = [\n" + "[\n" * 300 + "]\n" * 301, "criteria.max",
                 id="an array of tables, over many lines"),
])
def test_nesting_deeper_than_the_limit_is_refused_before_the_toml_reader_recurses(text, key):
    error = refused(text)
    assert error.key == key
    assert error.message.startswith(f"arrays and tables nested more than {MAX_NESTING} deep (line ")


def test_brackets_in_strings_and_comments_do_not_count_as_nesting():
    deep = "[{" * 100
    text = document(f'{{ step = "Rest for 1 min", name = "{deep}" }}', extra=(
        f"# {deep}\ndescription = '''\n{deep}'''\nsource = \"\\\"{deep}\"\n"))
    profile = parse_profile(text, SOURCE)
    assert profile.items[0].name == deep and profile.reference == '"' + deep


# --- sample periods -----------------------------------------------------------------------

PERIODS = [
    pytest.param(document(period="1e-9 s"), "period",
                 "expected a sample period from 10 ms to 60 s (steps[1] lasts 60 s), got '1e-9 s'",
                 id="profile period far too short"),
    pytest.param(document(period="5 ms"), "period",
                 "expected a sample period from 10 ms to 1 min (steps[1] lasts 1 min), got '5 ms'",
                 id="in the unit it is written in, unless thousands or a fraction of it"),
    pytest.param(document('"Rest for 1 min", "Rest for 5 s"', period="10 s"), "period",
                 "expected a sample period from 10 ms to 5 s (steps[2] lasts 5 s; or give that step its own "
                 "period, e.g. '(1 s period)'), got '10 s'",
                 id="profile period longer than a step that uses it"),
    pytest.param(document('"Rest for 1 min (2 ms period)"'), "steps[1]",
                 "expected a sample period from 10 ms to 1 min (steps[1] lasts 1 min), got '2 ms'",
                 id="a step's own period too short"),
    pytest.param(document('"Rest for 1 min", "Rest for 10 s (20 s period)"'), "steps[2]",
                 "expected a sample period from 10 ms to 10 s (steps[2] lasts 10 s), got '20 s'",
                 id="a step's own period longer than the step"),
    pytest.param(document('"Discharge at 1 A until 3 V"', period="2 min", safety='"cell dT/dt > 2 K/min"'),
                 "period",
                 "expected a sample period from 10 ms to 1 min (dT/dt and dV/dt are taken over the last "
                 "1 min), got '2 min'",
                 id="profile period longer than the rate window"),
    pytest.param(document('"Discharge at 1 A until 3 V (90 s period)"', safety='"cell dT/dt > 2 K/min"'),
                 "steps[1]",
                 "expected a sample period from 10 ms to 60 s (dT/dt and dV/dt are taken over the last 60 s), "
                 "got '90 s'",
                 id="a step's own period longer than the rate window"),
    pytest.param(document('"Discharge at 1 A until dV/dt > -1 mV/min (90 s period)"'), "steps[1]",
                 "expected a sample period from 10 ms to 60 s (dT/dt and dV/dt are taken over the last 60 s), "
                 "got '90 s'",
                 id="a rate in an end condition"),
]


@pytest.mark.parametrize("text, key, message", PERIODS)
def test_a_sample_period_outside_its_bounds_is_refused_with_the_range_allowed(text, key, message):
    error = refused(text)
    assert (error.key, error.message) == (key, message)


@pytest.mark.parametrize("text", [
    pytest.param(document(period="10 ms"), id="10 ms"),
    pytest.param(document('"Rest for 1 min", "Rest for 5 s (1 s period)"', period="10 s"),
                 id="a short step with its own period"),
    pytest.param(document('"Rest for 1 min"', period="1 min", safety='"cell dT/dt > 2 K/min"'),
                 id="as long as the rate window and the step"),
    pytest.param(document('"Discharge at 1 A until 3 V"', period="1 h"), id="steps ending on conditions only"),
    pytest.param(document('"Rest for 1 min"', period="10 s", safety='"input current > 3 A for 2 s"'),
                 id="a safety hold shorter than the period"),
])
def test_a_sample_period_within_its_bounds_is_accepted(text):
    parse_profile(text, SOURCE)


# --- magnitudes ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, key, message", [
    pytest.param(document('"Rest for 1e300 s"'), "steps[1]", "expected a time of at most 1000 days, got '1e300 s'",
                 id="a step's duration"),
    pytest.param(document('"Rest for 1001 days"'), "steps[1]", "expected a time of at most 1000 days, "
                 "got '1001 days'", id="just over"),
    pytest.param(document(period="1e300 s"), "period", "expected a time of at most 1000 days, got '1e300 s'",
                 id="the period"),
    pytest.param(document('"Rest until current < 1 mA for 1e300 s"'), "steps[1]",
                 "expected a time of at most 1000 days, got '1e300 s'", id="a hold"),
    pytest.param(document(safety='"voltage > 1e300 V"'), "safety.abort_if[1]",
                 "expected a voltage within ±1e+12 V, got '1e300 V'", id="a limit"),
    pytest.param(document(safety='"temperature < -1e300 degC"'), "safety.abort_if[1]",
                 "'-1e300 degC' is below absolute zero (-273.15 degC)", id="a negative limit"),
    pytest.param(document(dut=DUT.replace('"10000 mAh"', '"1e300 Ah"')), "dut.rated_capacity",
                 "expected a capacity within ±2.778e+08 Ah, got '1e300 Ah'", id="a rating"),
    pytest.param(document() + '[[criteria]]\nname = "c"\nmetric = "duration"\nmax = "1e300 h"\n', "criteria[1].max",
                 "expected a time of at most 1000 days, got '1e300 h'", id="a criterion bound"),
])
def test_a_number_beyond_any_sensible_range_is_refused_naming_its_key(text, key, message):
    error = refused(text)
    assert (error.key, error.message) == (key, message)


def test_a_duration_of_1000_days_is_accepted():
    (step,) = parse_profile(document('"Rest for 1000 days"'), SOURCE).steps()
    assert step.duration == 1000 * 86400.0


def test_the_estimate_stays_a_finite_number_whatever_the_steps():
    """A setpoint so small the estimate would be beyond any run is not estimated, not infinite."""
    dut = DUT.replace('"10000 mAh"', '"1e12 C"').replace('"3.7 V"', '"1e12 V"')
    profile = parse_profile(document('"Discharge at 1e-300 A until 3 V", { repeat = 9223372036854775807, steps = '
                                     '[{ repeat = 9223372036854775807, steps = ["Rest for 1000 days"] }] }',
                                     dut=dut), SOURCE)
    total, unknown = profile.estimate()
    assert math.isfinite(total) and unknown == ["Discharge at 1e-300 A until 3 V"]


# --- parsing time -------------------------------------------------------------------------

SPACED = [  # where runs of spaces once made the step parser quadratic
    "Discharge at 2{}A until 3 V",
    "Discharge at 2 A until voltage{}< 3 V",
    "Discharge at 2 A{}x",
    "Rest for 1 s for{}for 1 s",
    "Discharge at 2 A until 3 V or{}x",
    "Charge at 5 V, 3 A limit until current < 100 mA for 60 s{}",
]


def parse_cost(text: str) -> float:
    """Best of three: the step parser's own time, whatever else the machine does."""
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        try:
            parse_step(text, SOURCE, "steps[1]", 1)
        except InputError:
            pass
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("template", SPACED)
def test_parsing_a_step_takes_time_in_proportion_to_its_length(template):
    """Four times the spaces may cost about four times as long (8 allows for noise); a quadratic
    parser costs sixteen times."""
    small, large = (parse_cost(template.format(" " * n)) for n in (16_000, 64_000))
    assert large < 8 * small + 0.002


@pytest.mark.parametrize("template", SPACED)
def test_a_step_with_64000_spaces_is_read_or_refused_with_a_short_message(template):
    try:
        step = parse_step(template.format(" " * 64_000), SOURCE, "steps[1]", 1)
    except InputError as error:
        assert error.key == "steps[1]" and len(str(error)) < 400
    else:
        assert "  " not in step.text
