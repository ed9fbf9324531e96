"""Error wording for the slips a new user makes: a BOM, a station file given as a profile, a unit
in the wrong case or 'C' for degrees. Each is one line that echoes the text and names the fix,
at a key path that numbers list entries from 1 as `bench validate` numbers steps."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli.app import app
from bench.errors import InputError
from bench.profile.reader import load_profile
from bench.units import parse

ROOT = Path(__file__).resolve().parents[3]


def message(call, *args) -> str:
    with pytest.raises(InputError) as info:
        call(*args)
    assert "\n" not in str(info.value)
    return info.value.message


def test_a_profile_starting_with_a_utf8_bom_loads(tmp_path):
    text = (ROOT / "profiles" / "quick-check.toml").read_text(encoding="utf-8")
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_profile(path).name == "Quick check"


@pytest.mark.parametrize("station", sorted((ROOT / "stations").glob("*.toml")), ids=lambda p: p.name)
def test_a_station_file_given_as_a_profile_says_so(station):
    with pytest.raises(InputError) as info:
        load_profile(station)
    rack = station.name == "sim-rack.toml"
    assert (info.value.key, info.value.message) == ("instruments" if rack else "load",
                                                    "this looks like a station file (use --station)")


@pytest.mark.parametrize("text, kind, expected", [
    ("45 C", "temperature",
     "expected a temperature (e.g. '45 degC'), got '45 C', which is a capacity in coulombs; did you mean '45 degC'?"),
    ("10 C", "temperature difference", "got '10 C', which is a capacity in coulombs; did you mean '10 K'?"),
    ("100 ma", "current",
     ("expected a current (e.g. '2 A' or '500 mA'), got '100 ma', which is a time; did you mean '100 mA'? "
      "(units are case-sensitive)")),
    ("5 v", "voltage", "got '5 v'; did you mean '5 V'? (units are case-sensitive)"),
    ("2 mah", "capacity", "got '2 mah'; did you mean '2 mAh'? (units are case-sensitive)"),
    # pint's 20 milliyears (175 h): a 'Rest for 20 ma' would have rested a week
    ("20 ma", "time", "got '20 ma'; did you mean '20 mA', a current? (units are case-sensitive)"),
])
def test_a_likely_slip_of_the_unit_is_named_with_the_unit_meant(text, kind, expected):
    assert message(parse, text, kind, "p.toml", "k").endswith(expected)


def test_a_unit_in_the_wrong_case_in_a_step_or_its_condition_is_named(tmp_path):
    path = tmp_path / "p.toml"
    for step, said in (("Discharge at 2 A until 4.5 v", "got '4.5 v'; did you mean '4.5 V', a voltage?"),
                       ("Discharge at 100 ma until 4.5 V", "got '100 ma'; did you mean '100 mA', a current?"),
                       ("Rest for 20 ma", "got '20 ma'; did you mean '20 mA', a current?")):
        path.write_text(f'name = "x"\nperiod = "1 s"\nsteps = ["{step}"]\n[dut]\nkind = "power bank"\n',
                        encoding="utf-8")
        assert said in message(load_profile, path), step


def test_a_unit_of_another_kind_without_a_likely_slip_gets_no_hint():
    assert message(parse, "5 V", "current", "p.toml", "k") == (
        "expected a current (e.g. '2 A' or '500 mA'), got '5 V', which is a voltage")


def test_45_c_in_a_steps_temperature_condition_is_named_as_a_slip_for_degc(tmp_path):
    """A C-rate is read in a step's condition ('until C/20'), but not right after a temperature."""
    path = tmp_path / "p.toml"
    path.write_text('name = "x"\nperiod = "1 s"\nsteps = ["Discharge at 1 A until cell temperature > 45 C"]\n'
                    '[dut]\nkind = "power bank"\nrated_capacity = "5 Ah"\n', encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_profile(path)
    assert error.value.message == ("expected a temperature (e.g. '45 degC'), got '45 C', which is a capacity in "
                                   "coulombs; did you mean '45 degC'?")


def test_an_error_in_the_third_step_names_steps_3_as_validate_numbers_it(tmp_path):
    """Key paths count list entries from 1: the step an error names is the one validate prints
    with that number."""
    steps = ['"Charge at 5 V, 3 A limit until 100 mA"', '"Rest for 30 min"', '"Discharge at 2 A until 3 V"']
    text = 'name = "x"\nperiod = "1 s"\nsteps = [{}]\n[dut]\nkind = "power bank"\n'
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(text.format(", ".join(steps)), encoding="utf-8")
    bad.write_text(text.format(", ".join(steps[:2] + ['"Charge at 5 V, 5 V limit until 100 mA"'])), encoding="utf-8")
    runner = CliRunner(env={"COLUMNS": "200"})
    plan = runner.invoke(app, ["validate", str(good)])
    assert plan.exit_code == 0, plan.output
    assert " 3. Discharge at 2 A until 3 V" in plan.output
    refused = runner.invoke(app, ["validate", str(bad)])
    assert refused.exit_code == 2
    assert refused.output.startswith(f"error: {bad}: steps[3]: ")


@pytest.mark.parametrize("text, expected", [
    ("60 K", "'60 K' is -213.15 degC: expected a temperature a battery bench sees, from -100 to 1820 degC; "
             "did you mean '60 degC'?"),
    ("-300 degC", "'-300 degC' is below absolute zero (-273.15 degC)"),
    ("2500 degC", "'2500 degC' is 2500.00 degC: expected a temperature a battery bench sees"),
])
def test_a_temperature_no_bench_sees_is_refused_with_the_likely_slip(text, expected):
    assert message(parse, text, "temperature", "p.toml", "safety.abort_if[1]").startswith(expected)


@pytest.mark.parametrize("text, degc", [("298.15 K", 25.0), ("-40 degC", -40.0), ("1200 degC", 1200.0)])
def test_temperatures_a_bench_sees_are_read_in_any_unit(text, degc):
    assert parse(text, "temperature", "p.toml", "k") == pytest.approx(degc)
