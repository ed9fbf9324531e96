"""Whatever a profile file holds, parse_profile either returns a sensible Profile or raises an
InputError (which the CLI turns into one line and exit 2): never another exception, never a hang."""
from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.errors import InputError
from bench.profile.reader import parse_profile
from tomldocs import toml_document, toml_value

SOURCE = "fuzz.toml"

# --- a tiny TOML writer: every value inline, every key quoted --------------------------------


def mostly(good, anything):
    """`good` seven times in eight (one_of picks among distinct branches; the same one repeated counts once)."""
    return st.one_of(*[good.map(lambda x: x) for _ in range(7)], anything)


GOOD_NUMBER = st.sampled_from(["1", "2", "2.5", "4.2", "5", "30", "100", "0.5", ".5", "3.", "1e3"])
BAD_NUMBER = st.sampled_from(["0", "-3", "1e999", "nan", "inf", "", "2*3", "1/0"])
ANY_UNIT = st.sampled_from(["V", "mV", "A", "mA", "W", "ohm", "Ω", "s", "min", "h", "hour", "Ah", "mAh", "Wh",
                            "degC", "°C", "K", "K/min", "degC/min", "mV/min", "%", "C", "", "furlong", "V/s",
                            "delta_degC", "A*h", "kg", "V + 1 V"])


def quantity(*units: str):
    """A number with one of `units`; sometimes a senseless number, or any unit."""
    return mostly(st.builds(lambda n, u: f"{n} {u}", GOOD_NUMBER, st.sampled_from(units)),
                  st.one_of(st.builds(lambda n, u: f"{n} {u}", BAD_NUMBER, st.sampled_from(units)),
                            st.builds(lambda n, sep, u: f"{n}{sep}{u}", GOOD_NUMBER, st.sampled_from(["", "  "]),
                                      ANY_UNIT)))


QUANTITY = quantity("V", "A", "W", "s", "Ah", "degC")
TIME, VOLTAGE, CURRENT = quantity("s", "min", "h"), quantity("V", "mV"), quantity("A", "mA")
C_RATE = mostly(st.sampled_from(["0.5C", "1C", "C/20"]), st.sampled_from(["C/0", "0C", "C/", "C", "1e999C"]))
LOAD = st.one_of(quantity("A", "mA", "W", "ohm", "V"), C_RATE)
OP = mostly(st.sampled_from(["<", "<=", ">", ">="]), st.sampled_from(["=", "==", "!=", "=>"]))
COMPARED = [("voltage", ("V",)), ("current", ("mA", "A")), ("power", ("W",)), ("input current", ("A",)),
            ("output voltage", ("V",)), ("temperature", ("degC",)), ("cell temperature", ("degC", "°C")),
            ("core temperature", ("degC",)), ("dT/dt", ("K/min", "degC/min")), ("cell dT/dt", ("K/min",)),
            ("dV/dt", ("mV/min",)), ("step time", ("min",)), ("time", ("h",)), ("step capacity", ("Ah",)),
            ("step energy", ("Wh",)), ("bogus", ("V",)), ("", ("V",))]
COMPARISON = st.sampled_from(COMPARED).flatmap(
    lambda pair: st.builds(lambda op, value: f"{pair[0]} {op} {value}", OP, quantity(*pair[1])))
CONDITION = st.builds(lambda body, hold: body + (f" for {hold}" if hold else ""),
                      st.one_of(COMPARISON, COMPARISON, VOLTAGE, CURRENT, quantity("Ah", "Wh"), C_RATE),
                      st.one_of(st.just(""), TIME))
CONDITIONS = st.lists(CONDITION, min_size=1, max_size=3).map(" or ".join)
FRAGMENTS = st.sampled_from(["Charge at", "Discharge at", "Hold at", "Rest", "Rest for", "until", "for", "or",
                             "limit", ",", "(", ")", "period", "at", "5 V", "3 A", "100 mA", "2 A", "1 h", "0.5C"])
SETPOINTS = {
    "Charge": st.one_of(st.builds(lambda v, a: f"{v}, {a} limit", VOLTAGE, CURRENT), CURRENT, C_RATE,
                        st.builds(lambda a, v: f"{a}, {v} limit", CURRENT, VOLTAGE)),
    "Discharge": LOAD,
    "Hold": st.one_of(VOLTAGE, st.builds(lambda v, a: f"{v}, {a} limit", VOLTAGE, CURRENT)),
    "Rest": st.just(""),
    "Jump": LOAD,
}


@st.composite
def step_text(draw) -> str:
    if not draw(mostly(st.just(True), st.just(False))):
        return " ".join(draw(st.lists(st.one_of(FRAGMENTS, QUANTITY), max_size=8)))
    verb = draw(mostly(st.sampled_from(["Charge", "Discharge", "Hold", "Rest"]),
                       st.sampled_from(["charge", "REST", "Jump"])))
    setpoint = draw(mostly(SETPOINTS.get(verb.capitalize(), LOAD), st.one_of(LOAD, st.just(""))))
    text = verb + (f" at {setpoint}" if setpoint else "")
    if draw(st.booleans()):
        text += f" for {draw(TIME)}"
    if draw(mostly(st.just(True), st.just(False))):
        text += draw(st.sampled_from([" until ", " or until "])) + draw(CONDITIONS)
    if draw(st.integers(0, 3)) == 0:
        text += f" ({draw(TIME)} period)"
    return text


NAMES = mostly(st.sampled_from(["charge", "discharge", "rest"]), st.sampled_from(["", "a", "charge"]))
JUNK_KEYS = st.sampled_from(["colour", "step", "name", "repeat", "steps", "min", "max", "until", "kind"])
SCALARS = st.one_of(st.text(max_size=6), st.integers(-3, 10**6), st.floats(allow_nan=True), st.booleans(), QUANTITY)
JUNK = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=2),
                                                      st.dictionaries(JUNK_KEYS, inner, max_size=2)), max_leaves=4)
EXTRA = mostly(st.just({}), st.dictionaries(JUNK_KEYS, JUNK, min_size=1, max_size=1))


def with_extra(table):
    return st.builds(lambda t, extra: {**t, **extra}, table, EXTRA)


# The document test mostly draws whole steps from this list (the wording test covers step_text);
# it is cheaper, and leaves room for the structure around the steps.
KNOWN_STEPS = st.sampled_from([
    "Charge at 5 V, 3 A limit until current < 100 mA for 60 s", "Charge at 1 A until 4.2 V",
    "Hold at 4.2 V until 50 mA", "Discharge at 2 A until 4.5 V", "Discharge at 10 W for 10 min",
    "Discharge at 0.5C until 3 V", "Rest for 30 min", "Rest until cell temperature < 30 degC",
    "Discharge at 1 A for 1 hour or until 3.3 V (10 s period)", "Hold at 4.2 V, 1 A limit until C/20",
    "Discharge at 2 A", "Charge at 5 V until 1 A", "Rest at 1 A for 1 min", "Discharge at 6 A until 3 V",
])
STEP = mostly(KNOWN_STEPS, step_text())
STEP_ENTRY = st.recursive(
    mostly(STEP, with_extra(st.fixed_dictionaries({"step": STEP}, optional={"name": NAMES}))),
    lambda inner: with_extra(st.fixed_dictionaries({
        "repeat": mostly(st.integers(1, 3), st.sampled_from([0, -1, "3", True, 2.0])),
        "steps": mostly(st.lists(inner, min_size=1, max_size=3), st.one_of(st.just([]), JUNK)),
    })),
    max_leaves=4,
)
RATINGS = {"rated_capacity": quantity("mAh", "Ah"), "nominal_voltage": VOLTAGE, "rated_output_voltage": VOLTAGE,
           "rated_output_current": CURRENT, "rated_input_voltage": VOLTAGE, "rated_input_current": CURRENT}
DUT = with_extra(st.fixed_dictionaries(
    {"kind": mostly(st.sampled_from(["power bank", "cell"]), st.sampled_from(["toaster", "", "Cell"]))},
    optional={k: mostly(v, JUNK) for k, v in RATINGS.items()},
))
METRICS = [("discharge capacity", ("Ah", "mAh")), ("charge capacity", ("Ah",)), ("discharge energy", ("Wh",)),
           ("charge energy", ("Wh",)), ("equivalent capacity", ("mAh",)), ("conversion efficiency", ("%",)),
           ("energy efficiency", ("%", "")), ("coulombic efficiency", ("%",)), ("max temperature", ("degC",)),
           ("cell max temperature", ("degC",)), ("temperature rise", ("K",)), ("core temperature rise", ("K",)),
           ("duration", ("h", "min")), ("end voltage", ("V",)), ("retention", ("%",)), ("", ("V",))]
CRITERION = with_extra(st.one_of([st.fixed_dictionaries(
    {"name": st.sampled_from(["c", "d", ""]), "metric": st.just(metric)},
    optional={"step": NAMES, "min": mostly(quantity(*units), JUNK), "max": quantity(*units),
              "marginal": quantity(*units, "K")},
) for metric, units in METRICS]))
PROFILE = with_extra(st.fixed_dictionaries(
    {
        "name": mostly(st.just("fuzz"), JUNK),
        "period": mostly(TIME, JUNK),
        "steps": mostly(st.lists(STEP_ENTRY, min_size=1, max_size=3), JUNK),
        "dut": mostly(DUT, JUNK),
    },
    optional={
        "safety": mostly(st.fixed_dictionaries({"abort_if": st.lists(mostly(CONDITION, JUNK), max_size=3)}), JUNK),
        "criteria": mostly(st.lists(mostly(CRITERION, JUNK), max_size=3), JUNK),
        "description": st.text(max_size=8),
        "source": st.text(max_size=8),
    },
))


def sensible(profile) -> None:
    """What a parsed profile promises: SI floats that make sense, nothing silently odd."""
    assert math.isfinite(profile.period) and profile.period > 0
    steps = list(profile.steps())
    assert steps
    for step in steps:
        for what, value, _ in step.setpoints():
            assert math.isfinite(value) and value > 0, (what, step)
        assert step.duration is None or (math.isfinite(step.duration) and step.duration > 0), step
        assert step.duration is not None or step.until, step
        for condition in step.until:
            assert math.isfinite(condition.value) and condition.hold >= 0, condition
    for criterion in profile.criteria:
        assert criterion.low is not None or criterion.high is not None
        for bound in (criterion.low, criterion.high, criterion.marginal):
            assert bound is None or math.isfinite(bound)


def parses_or_refuses(text: str) -> None:
    """A profile text is a sensible profile or one InputError naming the file, never anything else."""
    try:
        profile = parse_profile(text, SOURCE)
    except InputError as error:
        assert str(error).startswith(f"{SOURCE}: ")
        return
    sensible(profile)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(PROFILE)
def test_any_profile_document_parses_or_is_an_input_error(data):
    parses_or_refuses(toml_document(data))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step_text(), min_size=1, max_size=2), st.booleans())
def test_any_step_wording_parses_or_is_an_input_error(steps, rated):
    dut = {"kind": "cell", "rated_capacity": "5 Ah", "nominal_voltage": "3.6 V"} if rated else {"kind": "cell"}
    text = toml_document({"name": "fuzz", "period": "1 s", "steps": steps, "dut": dut})
    try:
        profile = parse_profile(text, SOURCE)
    except InputError as error:
        # the step's own text, or the profile's period refused for a step shorter than it
        assert str(error).startswith((f"{SOURCE}: steps[", f"{SOURCE}: period: expected a sample period"))
        return
    sensible(profile)


# --- nesting: any depth, anywhere -------------------------------------------------------------

SHELL_TEXT = {"[": ("[", "]"), "{": ("{ a = ", " }"), "repeat": ("{ repeat = 2, steps = [", "] }")}


def nest(inner: str, shells: list[str]) -> str:
    """TOML text of `inner` inside arrays, inline tables and loops, innermost first (written
    without recursion: the depth is the point)."""
    opening, closing = zip(*(SHELL_TEXT[s] for s in reversed(shells))) if shells else ((), ())
    return "".join(opening) + inner + "".join(reversed(closing))


SHELLS = st.builds(lambda depth, pattern: [pattern[i % len(pattern)] for i in range(depth)], st.integers(1, 1000),
                   st.lists(st.sampled_from(list(SHELL_TEXT)), min_size=1, max_size=3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(PROFILE, st.sampled_from(["steps", "dut", "safety", "criteria", "period", "colour"]), STEP, SHELLS)
def test_a_value_nested_to_any_depth_anywhere_parses_or_is_an_input_error(data, key, inner, shells):
    deep = nest(toml_value(inner), shells)
    rest = toml_document({k: v for k, v in data.items() if k != key})
    parses_or_refuses(rest + f"{key} = {f'[{deep}]' if key == 'steps' else deep}\n")
