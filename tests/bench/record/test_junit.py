"""junit.xml as CI systems read it: valid against the Ant and Jenkins JUnit schemas (copies in
schemas/, see its README) for a run that passes, one that fails and one that was aborted, with
wall-clock time, unique test cases, unmeasured criteria skipped, and any profile name escaped."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bench.run.session import Request, execute

SCHEMAS = Path(__file__).parent / "schemas"

# a control character, an escape sequence, quotes and markup: none may break the file
NASTY = r"Nasty \u0001\u001b[31m \"double\" 'single' <tag> & ]]> name"
PROFILE = r"""
name = "{name}"
period = "1 s"
steps = [{{ step = "Discharge at 1 A for 30 s", name = "discharge" }}, {{ step = "Rest for 10 s", name = "rest" }}]
[dut]
kind = "power bank"
[safety]
abort_if = [{abort}]
[[criteria]]
name = "delivered capacity"
metric = "discharge capacity"
step = "discharge"
min = "{least}"
[[criteria]]
name = "rest voltage"
metric = "end voltage"
step = "rest"
min = "1 V"
[[criteria]]
name = "rest  voltage"
metric = "end voltage"
step = "rest"
max = "10 V"
[[criteria]]
name = "run"
metric = "max temperature"
max = "60 degC"
"""
# 30 s at 1 A deliver ~8.3 mAh; "time > 20 s" aborts in the discharge, before the rest
RUNS = {"PASS": dict(name=NASTY, least="5 mAh", abort=""), "FAIL": dict(name="Short", least="1 Ah", abort=""),
        "ABORTED": dict(name="Short", least="5 mAh", abort='"time > 20 s"')}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """One short simulated run per verdict: its run folder."""
    folders = {}
    for verdict, fields in RUNS.items():
        where = tmp_path_factory.mktemp(verdict.lower())
        profile = where / "short.toml"
        profile.write_text(PROFILE.format(**fields), encoding="utf-8")
        outcome, folders[verdict] = execute(Request(profile, log_dir=where / "logs"))
        assert outcome.verdict == verdict, outcome.reason
    return folders


def suite_of(folder: Path) -> ET.Element:
    return ET.parse(folder / "junit.xml").getroot().find("testsuite")


def outcomes(suite: ET.Element) -> dict[str, str]:
    """Test case name -> passed, failure, error or skipped."""
    return {case.get("name"): next((child.tag for child in case), "passed") for case in suite.iter("testcase")}


@pytest.mark.parametrize("xsd", ["JUnit.xsd", "jenkins-junit.xsd"])
def test_junit_xml_is_valid_against_the_ant_and_the_jenkins_schema(runs, xsd):
    import xmlschema

    schema = xmlschema.XMLSchema(SCHEMAS / xsd)
    for folder in runs.values():
        schema.validate(str(folder / "junit.xml"))


def test_a_passing_run_takes_wall_clock_time_and_keeps_the_test_time_as_a_property(runs):
    folder = runs["PASS"]
    suite = suite_of(folder)
    assert outcomes(suite) == {"delivered capacity": "passed", "rest voltage": "passed", "rest voltage (2)": "passed",
                               "run (2)": "passed"}  # unique names: "run" is the case of a run that ended early
    assert {case.get("classname") for case in suite.iter("testcase")} == {folder.name}  # unique across runs
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["test_time_s"] == "40.000" and float(suite.get("time")) < 5  # 40 s simulated in far less
    assert properties["verdict"] == "PASS" and properties["run_folder"] == str(folder.absolute())
    started = dt.datetime.strptime(suite.get("timestamp"), "%Y-%m-%dT%H:%M:%S")
    assert abs(dt.datetime.now() - started) < dt.timedelta(minutes=5) and suite.get("hostname")
    assert "delivered capacity: " in suite.find("system-out").text


def test_a_profile_name_with_control_characters_quotes_and_markup_is_kept_readable(runs):
    assert suite_of(runs["PASS"]).get("name") == "Nasty \ufffd\ufffd[31m \"double\" 'single' <tag> & ]]> name"


def test_a_missed_criterion_is_a_failure_that_says_what_was_measured(runs):
    suite = suite_of(runs["FAIL"])
    assert outcomes(suite)["delivered capacity"] == "failure"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("4", "1", "0", "0")
    failure = suite.find("testcase[@name='delivered capacity']/failure")
    assert failure.get("message").startswith("delivered capacity: 0.00833") and "(min 1 Ah) FAIL" in failure.text


def test_an_aborted_run_skips_the_criteria_it_did_not_reach_and_fails_its_run_case(runs):
    suite = suite_of(runs["ABORTED"])
    assert outcomes(suite) == {"delivered capacity": "skipped", "rest voltage": "skipped",
                               "rest voltage (2)": "skipped", "run (2)": "passed", "run": "failure"}
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("5", "1", "3")
    assert suite.find("testcase[@name='rest voltage']/skipped").text == (
        "not measured: the run ended ABORTED before it could be")
    assert suite.find("testcase[@name='run']/failure").get("message").startswith("ABORTED: ")


def test_a_run_without_criteria_is_one_passing_run_case_never_an_empty_report(tmp_path):
    """Jenkins' junit step fails a build on a report without test cases."""
    import xmlschema

    profile = tmp_path / "plain.toml"
    profile.write_text('name = "Plain"\nperiod = "1 s"\nsteps = ["Discharge at 1 A for 5 s"]\n[dut]\n'
                       'kind = "power bank"\n', encoding="utf-8")
    outcome, folder = execute(Request(profile, log_dir=tmp_path / "logs"))
    assert outcome.verdict == "PASS", outcome.reason
    suite = suite_of(folder)
    assert outcomes(suite) == {"run": "passed"} and suite.get("tests") == "1"
    for xsd in ("JUnit.xsd", "jenkins-junit.xsd"):
        xmlschema.XMLSchema(SCHEMAS / xsd).validate(str(folder / "junit.xml"))
