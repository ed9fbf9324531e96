"""Profiles: the shipped ones load; loops, named steps, inherited limits and SI bounds are read
as written; every malformed profile is refused with the file, the key path and what was expected."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bench.errors import InputError
from bench.run.preflight import check_against_station
from bench.profile.reader import Loop, load_profile, parse_profile
from bench.station.config import default_station_path, load_station

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = sorted((ROOT / "profiles").glob("*.toml"))
SOURCE = "profiles/bad.toml"

HEAD = 'name = "t"\nperiod = "1 s"\n'
STEPS = 'steps = ["Charge at 5 V, 3 A limit until 100 mA", { step = "Discharge at 2 A until 3 V", name = "out" }]\n'
DUT = '[dut]\nkind = "power bank"\nrated_capacity = "10000 mAh"\nnominal_voltage = "3.7 V"\n'


def document(*, head: str = HEAD, steps: str = STEPS, dut: str = DUT, tail: str = "") -> str:
    """A valid profile, with any of its parts replaced; top-level keys go in `head`, tables in `tail`."""
    return head + steps + dut + tail


def criterion(**fields: object) -> str:
    """A [[criteria]] table: name 'c' unless given; values are written as TOML (strings quoted)."""
    fields = {"name": "c", **fields}
    lines = [f"{k} = {v}" if not isinstance(v, str) else f'{k} = "{v}"' for k, v in fields.items()]
    return "[[criteria]]\n" + "\n".join(lines) + "\n"


def refused(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        parse_profile(text, SOURCE)
    return info.value


# --- what loads ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_profiles_load_and_fit_the_default_station(path, tmp_path):
    """input-ovp.toml on the default station's supply moved to CH2, which reaches its 12 V."""
    station = None
    if path.stem == "input-ovp":
        station = tmp_path / "station.toml"
        station.write_text(Path(default_station_path()).read_text(encoding="utf-8").replace(
            "channel = 1", "channel = 2"), encoding="utf-8")
    profile = load_profile(path)
    check_against_station(profile, load_station(station))
    assert profile.name and profile.reference
    assert list(profile.steps()) and profile.criteria
    assert profile.source == str(path)


def test_shipped_profiles_are_there():
    assert {p.name for p in SHIPPED} >= {"quick-check.toml", "capacity.toml"}


def test_a_loop_repeats_its_steps_and_named_steps_can_be_judged():
    text = document(steps='''steps = [
        "Rest for 1 min",
        { repeat = 3, steps = [
            { step = "Charge at 1 A until 4.2 V", name = "charge" },
            "Discharge at 10 W for 10 min",
        ] },
        { step = "Discharge at 2 A until 3 V", name = "final" },
    ]
    ''', tail=criterion(metric="charge capacity", step="charge", min="1 Ah"))
    profile = parse_profile(text, SOURCE)
    rest, loop, final = profile.items
    assert isinstance(loop, Loop) and loop.repeat == 3 and loop.key == "steps[2]"
    assert [s.key for s in loop.body] == ["steps[2].steps[1].step", "steps[2].steps[2]"]
    assert [(s.index, s.name) for s in profile.steps()] == [(1, None), (2, "charge"), (3, None), (4, "final")]
    assert (final.name, final.key, final.mode) == ("final", "steps[3].step", "CC")
    assert profile.criteria[0].step == "charge"


def test_a_hold_inherits_the_current_limit_of_the_last_charge_before_it_in_the_list():
    text = document(steps='''steps = [
        "Charge at 5 V, 3 A limit until 100 mA",
        "Rest for 10 min",
        "Discharge at 2 A until 3 V",
        "Hold at 4.2 V until 50 mA",
        "Hold at 4.1 V, 1 A limit until 50 mA",
        { repeat = 2, steps = ["Hold at 4.0 V until 50 mA", "Charge at 500 mA until 4.2 V"] },
        "Hold at 4.2 V until 20 mA",
    ]
    ''')
    limits = [s.current for s in parse_profile(text, SOURCE).steps() if s.action == "hold"]
    assert limits == [3.0, 1.0, 1.0, pytest.approx(0.5)]


def test_a_step_marked_regulation_off_is_not_judged_by_the_regulation_check_the_others_are():
    text = document(steps='steps = [{ step = "Discharge at 3 A for 20 s", regulation = "off" }, '
                          '{ step = "Charge at 5 V, 2 A limit for 1 h", with = "Discharge at 1 A", '
                          'regulation = "off" }, { step = "Rest for 1 min", regulation = "on" }, "Rest for 1 min"]\n')
    assert [s.regulation for s in parse_profile(text, "p.toml").steps()] == [False, False, True, True]


def test_a_hold_with_no_charge_before_it_needs_its_own_limit():
    error = refused(document(steps='steps = ["Rest for 1 min", "Hold at 4.2 V until 50 mA"]\n'))
    assert error.key == "steps[2]" and "needs a current limit" in error.message


@pytest.mark.parametrize("fields, low, high, marginal", [
    ({"metric": "discharge capacity", "min": "5.2 Ah", "marginal": "0.3 Ah"}, 18720.0, None, 1080.0),
    ({"metric": "discharge capacity", "min": "5200 mAh"}, 18720.0, None, 0.0),
    ({"metric": "conversion efficiency", "min": "80 %", "marginal": "3 %"}, 0.8, None, 0.03),
    ({"metric": "energy efficiency", "min": "0.8", "max": "1"}, 0.8, 1.0, 0.0),
    ({"metric": "max temperature", "max": "45 degC", "marginal": "3 K"}, None, 45.0, 3.0),
    ({"metric": "cell max temperature", "max": "45 °C"}, None, 45.0, 0.0),
    ({"metric": "temperature rise", "max": "10 K"}, None, 10.0, 0.0),
    ({"metric": "charge energy", "min": "30 Wh"}, 108000.0, None, 0.0),
    ({"metric": "duration", "min": "30 min", "max": "2 h"}, 1800.0, 7200.0, 0.0),
    ({"metric": "end voltage", "min": "4500 mV"}, 4.5, None, 0.0),
])
def test_criterion_bounds_are_converted_to_si_once(fields, low, high, marginal):
    (c,) = parse_profile(document(tail=criterion(**fields)), SOURCE).criteria
    assert c.low == pytest.approx(low) if low is not None else c.low is None
    assert c.high == pytest.approx(high) if high is not None else c.high is None
    assert c.marginal == pytest.approx(marginal)


def test_ratings_are_si_and_a_c_rate_uses_them():
    profile = parse_profile(document(steps='steps = ["Discharge at 0.5C until 3 V"]\n'), SOURCE)
    assert profile.ratings.rated_capacity == pytest.approx(36000.0)
    assert profile.ratings.rated_energy == pytest.approx(36000.0 * 3.7)
    assert next(profile.steps()).level == pytest.approx(5.0)


def test_a_temperature_rate_in_degc_per_minute_is_a_difference_not_an_absolute_temperature():
    profile = parse_profile(document(tail='[safety]\nabort_if = ["dT/dt > 1 degC/min", "cell dT/dt > 2 K/min"]\n'),
                            SOURCE)
    assert [c.value for c in profile.safety] == [pytest.approx(1 / 60), pytest.approx(2 / 60)]


def test_the_text_and_its_sha256_are_kept_as_read(tmp_path):
    text = "# a comment the copy keeps\n" + document(tail=criterion(metric="duration", min="1 s"))
    path = tmp_path / "p.toml"
    path.write_bytes(text.encode("utf-8"))
    profile = load_profile(path)
    assert profile.text == text
    assert profile.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert profile.source == str(path)


# --- what is refused ----------------------------------------------------------------------

NAMED_REST = '''steps = [{ step = "Rest for 1 min", name = "r" }]\n'''
MALFORMED = [
    # wrong dimension
    ("current written as a voltage in a step",
     document(steps='steps = ["Rest for 1 min", "Rest for 2 min", "Charge at 5 V, 5 V limit until 100 mA"]\n'),
     "steps[3]", "expected a current (e.g. '2 A' or '500 mA'), got '5 V', which is a voltage"),
    ("hold at a current", document(steps='steps = ["Hold at 2 A, 1 A limit until 50 mA"]\n'),
     "steps[1]", "expected a voltage"),
    ("discharge at a temperature", document(steps='steps = [{ step = "Discharge at 2 degC until 3 V", name = "d" }]\n'),
     "steps[1].step", "a discharge runs at a current, power, resistance or voltage"),
    ("wrong unit inside a loop",
     document(steps='steps = [{ repeat = 2, steps = ["Rest for 1 min", "Charge at 1 A, 2 A limit for 1 h"] }]\n'),
     "steps[1].steps[2]", "expected a voltage"),
    ("end condition of the wrong dimension", document(steps='steps = ["Rest until temperature > 45 V"]\n'),
     "steps[1]", "expected a temperature"),
    ("capacity bound written in volts", document(tail=criterion(metric="discharge capacity", min="5 V")),
     "criteria[1].min", "expected a capacity (e.g. '10000 mAh' or '2.5 Ah'), got '5 V', which is a voltage"),
    ("temperature rise bound as an absolute temperature", document(tail=criterion(metric="temperature rise", max="10 degC")),
     "criteria[1].max", "expected a temperature difference"),
    ("marginal band in the wrong unit", document(tail=criterion(metric="discharge capacity", min="5 Ah", marginal="1 V")),
     "criteria[1].marginal", "expected a capacity"),
    ("rating in the wrong unit", document(dut=DUT.replace('"10000 mAh"', '"5 V"')),
     "dut.rated_capacity", "expected a capacity"),
    ("rating without its unit", document(dut=DUT.replace('"10000 mAh"', "10000")),
     "dut.rated_capacity", "with its unit"),
    ("period in volts", document(head='name = "t"\nperiod = "1 V"\n'), "period", "expected a time"),
    ("safety limit in the wrong unit",
     document(tail='[safety]\nabort_if = ["cell temperature > 60 degC", "input current > 3 V"]\n'),
     "safety.abort_if[2]", "expected a current"),
    # missing
    ("no name", document(head='period = "1 s"\n'), "name", "missing"),
    ("empty name", document(head='name = " "\nperiod = "1 s"\n'), "name", "expected text"),
    ("no period", document(head='name = "t"\n'), "period", "missing; expected the sample period"),
    ("no steps", document(steps=""), "steps", "missing; expected a list of steps"),
    ("no dut", document(dut=""), "dut", "expected a [dut] table"),
    ("dut without kind", document(dut='[dut]\nrated_capacity = "1 Ah"\n'), "dut.kind", "'power bank', 'cell'"),
    ("dut of an unknown kind", document(dut='[dut]\nkind = "toaster"\n'), "dut.kind", "'power bank', 'cell'"),
    ("criterion without metric", document(tail=criterion(min="1 s")), "criteria[1].metric", "missing"),
    ("step table without its wording", document(steps='steps = [{ name = "a" }]\n'), "steps[1].step", "missing"),
    ("loop without steps", document(steps='steps = [{ repeat = 2 }]\n'), "steps[1].steps", "missing"),
    # unknown keys
    ("unknown top-level key", document(head=HEAD + 'colour = "red"\n'), "colour", "unknown key"),
    ("unknown key in dut", document(dut=DUT + 'colour = "red"\n'), "dut.colour", "unknown key"),
    ("unknown key in a criterion", document(tail=criterion(metric="duration", min="1 s", colour="red")),
     "criteria[1].colour", "unknown key"),
    ("unknown key in safety", document(tail='[safety]\nabort_if = []\nwarn_if = []\n'), "safety.warn_if", "unknown key"),
    ("unknown key in a loop", document(steps='steps = [{ repeat = 2, steps = ["Rest for 1 min"], until = "x" }]\n'),
     "steps[1].until", "unknown key"),
    ("unknown key in a step table", document(steps='steps = [{ step = "Rest for 1 min", period = "1 s" }]\n'),
     "steps[1].period", "unknown key"),
    ("regulation neither on nor off", document(steps='steps = [{ step = "Rest for 1 min", regulation = false }]\n'),
     "steps[1].regulation", 'expected "on" (the default) or "off"'),
    # loops
    ("repeat = 0", document(steps='steps = [{ repeat = 0, steps = ["Rest for 1 min"] }]\n'),
     "steps[1].repeat", "expected a whole number >= 1, got 0"),
    ('repeat = "3"', document(steps='steps = [{ repeat = "3", steps = ["Rest for 1 min"] }]\n'),
     "steps[1].repeat", "expected a whole number >= 1, got '3'"),
    ("repeat = true", document(steps='steps = [{ repeat = true, steps = ["Rest for 1 min"] }]\n'),
     "steps[1].repeat", "expected a whole number >= 1, got True"),
    ("repeat = 2.5", document(steps='steps = [{ repeat = 2.5, steps = ["Rest for 1 min"] }]\n'),
     "steps[1].repeat", "expected a whole number"),
    ("loop with no steps", document(steps='steps = [{ repeat = 2, steps = [] }]\n'),
     "steps[1].steps", "at least one step"),
    # names
    ("duplicate step names",
     document(steps='steps = [{ step = "Rest for 1 min", name = "a" }, { step = "Rest for 2 min", name = "a" }]\n'),
     "steps[2].step", "step name 'a' is used twice"),
    ("empty step name", document(steps='steps = [{ step = "Rest for 1 min", name = "" }]\n'),
     "steps[1].name", "empty"),
    ("criterion naming an unknown step", document(steps=NAMED_REST, tail=criterion(metric="duration", step="rest", min="1 s")),
     "criteria[1].step", "no step is named 'rest'; named steps: r"),
    ("criterion naming a step with a list", document(tail=criterion(metric="duration", step=["out"], min="1 s")),
     "criteria[1].step", "expected text"),
    ("criterion naming an unknown metric", document(tail=criterion(metric="capacity fade", min="80 %")),
     "criteria[1].metric", "unknown metric 'capacity fade'; known: discharge capacity"),
    ("duplicate criterion names",
     document(tail=criterion(metric="duration", min="1 s") + criterion(metric="duration", max="9 h")),
     "criteria", "unique"),
    # bounds
    ("min above max", document(tail=criterion(metric="duration", min="2 h", max="1 h")), "criteria[1]", "min is above max"),
    ("no min or max", document(tail=criterion(metric="duration")), "criteria[1]", "expected min and/or max"),
    ("bound without unit", document(tail=criterion(metric="energy efficiency", min=0.8)),
     "criteria[1].min", "expected a ratio with its unit"),
    ("negative marginal band", document(tail=criterion(metric="duration", min="1 h", marginal="-1 min")),
     "criteria[1].marginal", "expected a band >= 0"),
    ("marginal band wider than the bounds allow",
     document(tail=criterion(metric="duration", min="1 h", max="2 h", marginal="40 min")),
     "criteria[1].marginal", "nothing could PASS"),
    # ratings a metric or a step needs
    ("conversion efficiency without a rated capacity",
     document(dut='[dut]\nkind = "power bank"\nnominal_voltage = "3.7 V"\n',
              tail=criterion(metric="conversion efficiency", min="80 %")),
     "criteria[1].metric", "give dut.rated_capacity"),
    ("equivalent capacity without a nominal voltage",
     document(dut='[dut]\nkind = "power bank"\nrated_capacity = "10 Ah"\n',
              tail=criterion(metric="equivalent capacity", min="8 Ah")),
     "criteria[1].metric", "give dut.nominal_voltage"),
    ("C-rate without a rated capacity",
     document(steps='steps = ["Rest for 1 min", "Discharge at 0.5C until 3 V"]\n', dut='[dut]\nkind = "cell"\n'),
     "steps[2]", "needs dut.rated_capacity"),
    # shapes
    ("invalid TOML", document(tail="[[criteria]\nname = 1\n"), "", "not valid TOML"),
    ("non-string step", document(steps='steps = ["Rest for 1 min", 3]\n'), "steps[2]", "expected a step (text) or a table"),
    ("steps not a list", document(steps='steps = "Rest for 1 min"\n'), "steps", "expected a list"),
    ("empty steps", document(steps="steps = []\n"), "steps", "expected at least one step"),
    ("unreadable step", document(steps='steps = ["Rest for 1 min", "Jump at 2 A"]\n'), "steps[2]", "cannot read step"),
    ("step that never ends", document(steps='steps = ["Discharge at 2 A"]\n'), "steps[1]", "never ends"),
    ("criteria not a list", document(head=HEAD + 'criteria = { name = "c" }\n'), "criteria", "expected a list"),
    ("safety not a table", document(head=HEAD + 'safety = ["temperature > 60 degC"]\n'), "safety", "expected a table"),
    ("abort_if not a list", document(tail='[safety]\nabort_if = "temperature > 60 degC"\n'),
     "safety.abort_if", "expected a list"),
    # values that are numbers with units, but no sense
    ("negative period", document(head='name = "t"\nperiod = "-1 s"\n'), "period",
     "expected a sample period of at least 10 ms, got '-1 s'"),
    ("zero period", document(head='name = "t"\nperiod = "0 s"\n'), "period",
     "expected a sample period of at least 10 ms, got '0 s'"),
    ("period that is not a number", document(head='name = "t"\nperiod = "nan s"\n'), "period", "expected a time"),
    ("infinite period", document(head='name = "t"\nperiod = "1e999 s"\n'), "period", "expected a time"),
    ("negative rating", document(dut=DUT.replace('"10000 mAh"', '"-10000 mAh"')),
     "dut.rated_capacity", "expected a positive capacity"),
    ("negative discharge current", document(steps='steps = ["Discharge at -2 A until 3 V"]\n'),
     "steps[1]", "expected a positive current"),
    ("zero load resistance", document(steps='steps = ["Discharge at 0 ohm until 3 V"]\n'),
     "steps[1]", "expected a positive resistance"),
    ("negative charge voltage", document(steps='steps = ["Charge at -5 V, 3 A limit until 100 mA"]\n'),
     "steps[1]", "expected a positive voltage"),
    ("zero current limit", document(steps='steps = ["Hold at 4.2 V, 0 A limit until 50 mA"]\n'),
     "steps[1]", "expected a positive current"),
    ("negative step duration", document(steps='steps = ["Rest for -1 min"]\n'), "steps[1]", "expected a positive time"),
    ("negative hold time of a condition", document(steps='steps = ["Discharge at 1 A until 3 V for -5 s"]\n'),
     "steps[1]", "duration >= 0 after 'for'"),
    ("C/0", document(steps='steps = ["Discharge at C/0 until 3 V"]\n'), "steps[1]", "positive C-rate"),
    ("until C/0", document(steps='steps = ["Hold at 4.2 V, 1 A limit until C/0"]\n'), "steps[1]", "positive C-rate"),
    ("arithmetic in a quantity", document(steps='steps = ["Discharge at 2*3 A until 3 V"]\n'),
     "steps[1]", "got '2*3 A'"),
    ("arithmetic in a condition", document(steps='steps = ["Discharge at 2 A until voltage < 3 V + 1 V"]\n'),
     "steps[1]", "expected a voltage"),
]


@pytest.mark.parametrize("text, key, expected", [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_a_malformed_profile_is_refused_naming_the_file_the_key_and_the_expectation(text, key, expected):
    error = refused(text)
    assert error.source == SOURCE
    assert error.key == key
    assert expected in error.message
    assert str(error).startswith(f"{SOURCE}: {key}: " if key else f"{SOURCE}: ")
    assert "\n" not in str(error)


def test_invalid_toml_names_the_line():
    error = refused(document(tail="[[criteria]\nname = 1\n"))
    line = document().count("\n") + 1
    assert f"line {line}" in error.message


def test_an_arithmetic_bomb_is_refused_at_once_not_evaluated():
    # pint would evaluate 9**9**9 (and never return); a profile is data, not an expression
    error = refused(document(steps='steps = ["Discharge at 9**9**9 A until 3 V"]\n'))
    assert error.key == "steps[1]"


def test_a_missing_file_and_a_binary_file_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="cannot read the profile"):
        load_profile(tmp_path / "nope.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(InputError, match="not a text file") as info:
        load_profile(binary)
    assert info.value.source == str(binary)
