"""`bench run` in a script or a CI job: --json (one object on stdout), --run-dir (the run folder
where the job wants it) and --junit (the report where the CI reads it)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli.app import app
from bench.record import schema

PROFILE = """
name = "Short discharge"
period = "1 s"
steps = [{ step = "Discharge at 1 A for 30 s", name = "discharge" }]
[dut]
kind = "power bank"
[[criteria]]
name = "delivered capacity"
metric = "discharge capacity"
step = "discharge"
min = "5 mAh"
"""  # 31 rows: a few tens of milliseconds


def bench(*args: object):
    return CliRunner().invoke(app, list(map(str, args)))


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("profile") / "short.toml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ci_run(profile, tmp_path_factory):
    """One run as a CI job starts it: its result, run folder and JUnit copy."""
    where = tmp_path_factory.mktemp("job")
    run_dir, report = where / "run", where / "reports" / "bench.xml"
    result = bench("run", profile, "--json", "--run-dir", run_dir, "--junit", report)
    return result, run_dir, report


def test_json_is_the_only_thing_on_stdout_and_says_the_verdict_folder_and_criteria(ci_run):
    result, run_dir, _ = ci_run
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)  # the whole of stdout is one JSON object
    assert (document["verdict"], document["exit_code"]) == ("PASS", 0)
    assert document["reason"] == "all criteria met" and document["run_folder"] == str(run_dir.absolute())
    (criterion,) = document["criteria"]
    assert (criterion["name"], criterion["unit"], criterion["min"], criterion["max"], criterion["outcome"]) == (
        "delivered capacity", "Ah", 0.005, None, "PASS")
    assert criterion["value"] == pytest.approx(30 / 3600, rel=0.01)
    assert f"run folder: {run_dir}" in result.stderr and "step 1 (cycle 1)" in result.stderr  # the view, on stderr


def test_the_run_folder_is_the_run_dir_and_junit_is_also_written_where_asked(ci_run):
    _, run_dir, report = ci_run
    assert {p.name for p in run_dir.iterdir()} == {schema.SAMPLES, schema.METADATA, schema.CYCLES, schema.EVENTS,
                                                  schema.RUN, schema.JUNIT}
    assert report.read_bytes() == (run_dir / "junit.xml").read_bytes()
    assert [p.name for p in report.parent.iterdir()] == ["bench.xml"]  # no temporary file left


def test_a_run_dir_that_holds_anything_is_refused_before_anything_runs(ci_run, profile):
    _, run_dir, _ = ci_run
    before = sorted((p.name, p.stat().st_mtime_ns) for p in run_dir.iterdir())
    result = bench("run", profile, "--run-dir", run_dir)
    assert result.exit_code == 2 and "--run-dir" in result.stderr and "not an empty folder" in result.stderr
    assert sorted((p.name, p.stat().st_mtime_ns) for p in run_dir.iterdir()) == before


def test_a_junit_path_that_is_a_folder_is_refused_before_anything_runs(profile, tmp_path):
    result = bench("run", profile, "--junit", tmp_path, "--log-dir", tmp_path / "logs")
    assert result.exit_code == 2 and f"--junit: {tmp_path}: is a folder" in result.stderr
    assert not (tmp_path / "logs").exists()


def test_a_junit_path_inside_a_file_is_refused_saying_so(profile, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    result = bench("run", profile, "--junit", tmp_path / "a-file" / "x.xml", "--log-dir", tmp_path / "logs")
    assert result.exit_code == 2 and "--junit" in result.stderr and "is inside a file" in result.stderr
    assert not (tmp_path / "logs").exists()


@pytest.mark.parametrize("option", ["--run-dir", "--junit"])
def test_one_run_s_folder_or_report_is_refused_for_a_lot(profile, tmp_path, option):
    result = bench("run", profile, "--lot", "3", option, tmp_path / "x", "--log-dir", tmp_path / "logs")
    assert result.exit_code == 2 and f"{option}: not with --lot" in result.stderr
    assert not (tmp_path / "logs").exists()


def test_json_of_a_lot_lists_every_unit_and_the_comparison(profile, tmp_path):
    result = bench("run", profile, "--lot", "3", "--json", "--log-dir", tmp_path)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["exit_code"] == 0 and document["lot"] == {"compared": True, "reason": None, "outliers": []}
    assert [unit["verdict"] for unit in document["units"]] == ["PASS"] * 3
    assert sorted(unit["run_folder"] for unit in document["units"]) == sorted(str(p) for p in tmp_path.iterdir())
