"""Plausibility warnings at `bench validate` and `bench run`: one line each, exit 0; with
--strict (CI) exit 2, nothing switched on, no run folder; the errors among them exit 2 always."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli.app import app

ROOT = Path(__file__).resolve().parents[3]
STATION = ROOT / "stations" / "sim.toml"
CAPACITY = (ROOT / "profiles" / "capacity.toml").read_text(encoding="utf-8")
WARNED = CAPACITY.replace('"Discharge at 1 A until 4.5 V"', '"Discharge at 1 A until 40 V"').replace(
    '"cell temperature > 60 degC"', '"cell temperature > 90 degC"')
SHORT = '''name = "Short"
period = "1 s"
steps = ["Discharge at 1 A for 1 min or until current > 3 A"]
[dut]
kind = "power bank"
rated_capacity = "10000 mAh"
nominal_voltage = "3.7 V"
rated_output_voltage = "5 V"
'''


@pytest.fixture
def cli():
    runner = CliRunner(env={"COLUMNS": "200"})  # no wrapping: the assertions read whole lines
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def profile(tmp_path: Path, text: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def logged(command: str, tmp_path: Path) -> list[object]:
    """The options that put a run's folder under tmp_path (none for validate)."""
    return ["--log-dir", tmp_path / "logs"] if command == "run" else []


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_validate_prints_each_warning_on_one_line_and_exits_0(cli, tmp_path):
    path = profile(tmp_path, WARNED)
    result = cli("validate", path, "--station", STATION)
    assert result.exit_code == 0, result.output
    warned = [line for line in lines(result.stdout) if line.startswith("warning: ")]
    assert warned == [
        (f"warning: {path}: safety.abort_if[1]: 'cell temperature > 90 degC' never trips: the station's hard limit "
         f"70 degC ({STATION}) stops the run first"),
        (f"warning: {path}: steps[1]: '40 V' (voltage <= 40 V) is met from the first sample (the bank's output is "
         "regulated at its rated 5 V): the step ends at once"),
    ]
    assert lines(result.stdout)[-1] == "valid, with 2 warnings (--strict makes them an error)"


def test_validate_strict_prints_the_warnings_and_exits_2(cli, tmp_path):
    path = profile(tmp_path, WARNED)
    result = cli("validate", path, "--station", STATION, "--strict")
    assert result.exit_code == 2
    out = lines(result.stderr)
    assert [line.split(": ")[0] for line in out] == ["warning", "warning", "error"]
    assert out[2].startswith(f"error: {path}: safety.abort_if[1]: 'cell temperature > 90 degC' never trips")
    assert out[2].endswith("(--strict: a warning is an error; 1 more warning)")
    assert "valid" not in result.stdout and "Traceback" not in result.output


def test_validate_strict_of_a_plausible_profile_is_valid(cli):
    result = cli("validate", ROOT / "profiles" / "quick-check.toml", "--station", STATION, "--strict")
    assert result.exit_code == 0 and lines(result.stdout)[-1] == "valid" and "warning" not in result.output


def test_run_prints_the_warnings_on_stderr_and_runs(cli, tmp_path):
    path = profile(tmp_path, SHORT)
    result = cli("run", path, "--station", STATION, "--log-dir", tmp_path / "logs")
    assert result.exit_code == 0, result.output
    assert lines(result.stderr) == [(f"warning: {path}: steps[1]: 'current > 3 A' is never met (the load draws at "
                                     "most 1 A): the step ends only after 1 min")]
    assert len(list((tmp_path / "logs").iterdir())) == 1


def test_run_strict_on_a_warned_profile_exits_2_with_no_run_folder(cli, tmp_path):
    path = profile(tmp_path, WARNED)
    result = cli("run", path, "--station", STATION, "--log-dir", tmp_path, "--strict")
    assert result.exit_code == 2, result.output
    assert [line.split(": ")[0] for line in lines(result.stderr)] == ["warning", "warning", "error"]
    assert "run folder" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.toml"]


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_billion_cycles_exit_2_naming_the_repeat_key(cli, tmp_path, command):
    text = (ROOT / "profiles" / "cycle-life.toml").read_text(encoding="utf-8")
    assert "repeat = 300," in text
    path = profile(tmp_path, text.replace("repeat = 300,", "repeat = 1000000000,"))
    result = cli(command, path, "--station", STATION, *logged(command, tmp_path))
    assert result.exit_code == 2, result.output
    (line,) = lines(result.output)
    assert line.startswith(f"error: {path}: steps[1].repeat: repeat = 1000000000 runs ~")
    assert "expected at most 1000 days" in line
    assert not (tmp_path / "logs").exists()


@pytest.mark.parametrize("rests", [False, True], ids=["as shipped", "rests with their own period"])
def test_a_day_long_period_on_the_capacity_profile_exits_2(cli, tmp_path, rests):
    text = CAPACITY.replace('period = "1 s"', 'period = "1 day"', 1)
    if rests:  # past the reader's own bound (a timed step's duration): the period against the estimates
        text = text.replace('"Rest for 30 min"', '"Rest for 30 min (1 s period)"').replace(
            '"Rest for 1 h"', '"Rest for 1 h (1 s period)"')
    path = profile(tmp_path, text)
    for command in ("validate", "run"):
        result = cli(command, path, "--station", STATION, *logged(command, tmp_path))
        assert result.exit_code == 2, result.output
        (line,) = lines(result.output)
        assert line.startswith(f"error: {path}: period: ")
    if rests:
        assert "a sample period of 1 day is longer than steps[1] ('Discharge at 1 A until 4.5 V')" in line
    assert not (tmp_path / "logs").exists()
