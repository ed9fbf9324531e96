"""What every `bench` command shares and the options a user gets wrong: --version, `python -m
bench`, -v / --log-level (PyVISA's logger too), messages that keep bracketed names, pause and
continue that say what was already asked, --speed refused on a real bench and kept by a resume,
and a --log-dir that is a file."""
from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest
from runfolders import ROOT
from typer.testing import CliRunner

import bench
from bench.cli.app import app
from bench.record.records import Sink
from bench.run import control, session, signals
from bench.run.session import Request, execute

runner = CliRunner(env={"COLUMNS": "400"})
LAB = str(ROOT / "stations" / "example-lab.toml")


def test_version_prints_the_package_version():
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.output) == (0, f"powerbench {bench.__version__}\n")


def test_python_dash_m_bench_is_the_bench_command():
    done = subprocess.run([sys.executable, "-m", "bench", "--version"], capture_output=True, text=True, timeout=60,
                          cwd=ROOT)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"powerbench {bench.__version__}\n", "")


@pytest.fixture
def levels():
    """The root and PyVISA logger levels, put back after the test."""
    root, pyvisa = logging.getLogger(), logging.getLogger("pyvisa")
    before = root.level, pyvisa.level
    yield root, pyvisa
    root.setLevel(before[0])
    pyvisa.setLevel(before[1])


@pytest.mark.parametrize("options, level", [([], logging.WARNING), (["-v"], logging.INFO), (["-vv"], logging.DEBUG),
                                            (["--log-level", "error"], logging.ERROR)])
def test_verbose_and_log_level_set_the_level_of_the_bench_and_of_pyvisa(levels, options, level):
    result = runner.invoke(app, [*options, "products"])
    assert result.exit_code == 0, result.output
    assert [logger.level for logger in levels] == [level, level]


def test_an_unknown_log_level_is_refused(levels):
    result = runner.invoke(app, ["--log-level", "loud", "products"])
    assert (result.exit_code, result.output) == (
        2, "error: --log-level: expected one of DEBUG, INFO, WARNING, ERROR, got 'loud'\n")


def test_messages_keep_the_bracketed_names_a_user_must_write(write):
    station = write("station.toml", 'name = "Half a bench"\n[limits]\nmax_voltage = "21 V"\n')
    result = runner.invoke(app, ["validate", "quick-check", "--station", str(station)])
    assert result.exit_code == 2
    assert result.output == f"error: {station}: load: missing; expected a [load] table with driver and resource\n"
    profile = write("p.toml", 'name = "Check [A]"\nperiod = "1 s"\nsteps = [{ step = "Rest for 1 s", name = "r" }]\n'
                              '[dut]\nkind = "cell"\n')
    shown = runner.invoke(app, ["validate", str(profile)]).output
    assert shown.startswith(f"Check [A] ({profile})") and " 1. Rest for 1 s [r]  ~0:00:01" in shown


def test_pause_continue_and_stop_say_so_when_it_was_already_asked(tmp_path):
    (tmp_path / "run.json").write_text("{}")
    lock = control.RunLock(tmp_path)
    assert lock.acquire()  # as the process running the folder holds it
    try:
        said = [runner.invoke(app, [command, str(tmp_path)]).output.strip()
                for command in ("continue", "pause", "pause", "continue", "continue", "stop", "stop")]
    finally:
        lock.release()
    assert said == [f"{tmp_path}: not paused: nothing to continue", f"pause requested for {tmp_path}",
                    f"{tmp_path}: already paused (bench continue carries on)", f"continue requested for {tmp_path}",
                    f"{tmp_path}: not paused: nothing to continue", f"stop requested for {tmp_path}",
                    f"{tmp_path}: a stop is already requested"]


def test_speed_is_refused_on_a_real_station_as_seed_and_dut_are(tmp_path):
    result = runner.invoke(app, ["run", "quick-check", "--station", LAB, "--speed", "10", "--log-dir",
                                 str(tmp_path / "logs")])
    assert result.exit_code == 2 and not (tmp_path / "logs").exists()
    assert result.output == f"error: {LAB}: world: --speed, --seed, --lot, --dut and --defect apply to a simulated station only\n"


def test_lot_is_named_among_what_a_real_station_refuses_and_a_seed_below_1_is_refused(tmp_path):
    lot = runner.invoke(app, ["run", "quick-check", "--station", LAB, "--lot", "3", "--log-dir", str(tmp_path)])
    assert lot.exit_code == 2 and "--lot" in lot.output and "simulated station only" in lot.output
    for seed in ("0", "-1"):  # units of a lot are numbered from 1
        refused = runner.invoke(app, ["run", "quick-check", "--seed", seed, "--log-dir", str(tmp_path / "logs")])
        assert refused.exit_code == 2 and "--seed" in refused.output and not (tmp_path / "logs").exists()


def test_a_log_dir_that_is_a_file_says_so(tmp_path):
    (tmp_path / "logs").write_text("not a folder")
    result = runner.invoke(app, ["run", "quick-check", "--log-dir", str(tmp_path / "logs")])
    assert result.exit_code == 2
    assert result.output == (f"error: --log-dir: {tmp_path / 'logs'}: is a file, or inside one: give a folder (made "
                             "if missing) to create run folders in\n")


class StopAtStep(Sink):
    """Asks the run to stop (as `bench stop` does) when its second step starts."""

    def step_start(self, record) -> None:
        if record.count == 2:
            signals.request("bench stop")


def test_resume_goes_on_at_the_speed_the_run_was_started_at(tmp_path, write, monkeypatch):
    profile = write("two.toml", 'name = "Two"\nperiod = "1 s"\nsteps = ["Rest for 10 s", "Rest for 10 s"]\n'
                                '[dut]\nkind = "power bank"\n')
    with signals.handled():
        outcome, folder = execute(Request(profile, log_dir=tmp_path / "logs", speed=1000.0), [StopAtStep()])
    assert outcome.verdict == "ABORTED"
    paces = []
    real = session.SimClock
    monkeypatch.setattr(session, "SimClock", lambda world, speed, **kw: paces.append(speed) or real(world, speed, **kw))
    result = runner.invoke(app, ["resume", str(folder)])
    assert result.exit_code == 0, result.output
    assert paces == [1000.0] and json.loads((folder / "run.json").read_text())["speed"] == 1000.0
