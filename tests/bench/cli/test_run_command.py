"""`bench run` as an operator or a CI job runs it: exit codes, output, signals."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runfolders import ROOT
from typer.testing import CliRunner

from bench.cli.app import app

QUICK_CHECK = str(ROOT / "profiles" / "quick-check.toml")
runner = CliRunner()


def bench(*args: str):
    return runner.invoke(app, list(args))


@pytest.mark.slow  # a whole profile on the simulated bench
def test_quick_check_passes_with_exit_0_and_plain_lines_in_a_log(tmp_path):
    result = bench("run", QUICK_CHECK, "--log-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "step 1 (cycle 1): Charge at 5 V, 3 A limit until current < 100 mA for 60 s" in result.output
    assert "PASS" in result.output and "Traceback" not in result.output
    (folder,) = tmp_path.iterdir()
    assert {p.name for p in folder.iterdir()} == {"samples.csv", "cycles.csv", "events.jsonl", "run.json", "junit.xml"}


@pytest.mark.slow  # a whole profile on the simulated bench
def test_a_failed_criterion_exits_1(tmp_path, sim_station):
    station = sim_station(append='[world.overrides]\ncapacity = "6000 mAh"\n')
    result = bench("run", QUICK_CHECK, "--station", str(station), "--log-dir", str(tmp_path / "logs"))
    assert result.exit_code == 1 and "FAIL" in result.output and "delivered capacity" in result.output


def test_a_safety_trip_exits_3(tmp_path, sim_station):
    station = sim_station({'max_temperature = "70 degC"': 'max_temperature = "26 degC"'})
    result = bench("run", QUICK_CHECK, "--station", str(station), "--log-dir", str(tmp_path / "logs"))
    assert result.exit_code == 3 and "ABORTED" in result.output


def test_an_instrument_that_cannot_be_opened_exits_4_with_a_record(tmp_path, sim_station):
    station = sim_station({'driver = "rigol-dl3000"\nresource = "sim://"':
                           'driver = "rigol-dl3000"\nresource = "serial:///dev/no-such-port?baudrate=9600"'})
    result = bench("run", QUICK_CHECK, "--station", str(station), "--log-dir", str(tmp_path / "logs"))
    assert result.exit_code == 4 and "ERROR" in result.output and "no-such-port" in result.output
    (folder,) = (tmp_path / "logs").iterdir()
    assert json.loads((folder / "run.json").read_text())["verdict"] == "ERROR"


def test_invalid_input_exits_2_before_anything_is_switched_on(tmp_path, write):
    bad = write("bad.toml", 'name = "x"\nperiod = "1 s"\nsteps = ["Discharge at 5 V, 2 A until 3 V"]\n'
                            '[dut]\nkind = "cell"\n')
    result = bench("run", str(bad), "--log-dir", str(tmp_path / "logs"))
    assert result.exit_code == 2 and "steps[0]" in result.output
    assert not (tmp_path / "logs").exists()
    assert bench("run", QUICK_CHECK, "--dut", "powerbank-3", "--log-dir", str(tmp_path)).exit_code == 2


@pytest.mark.slow  # a whole profile on the simulated bench
def test_simulated_options_select_the_preset_and_seed(tmp_path):
    result = bench("run", QUICK_CHECK, "--dut", "powerbank-20000", "--seed", "7", "--log-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    (folder,) = tmp_path.iterdir()
    meta = json.loads((folder / "run.json").read_text())
    assert (meta["dut"]["simulated_preset"], meta["station"]["seed"]) == ("powerbank-20000", 7)


@pytest.mark.parametrize("sig, reason", [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "Ctrl-C"),
                                         (signal.SIGHUP, "SIGHUP")])
def test_a_signal_stops_the_run_safely_with_exit_3(tmp_path, sig, reason):
    """A real process, paced at 200 x real time so that it is mid-step when the signal lands."""
    cmd = [sys.executable, "-c", "from bench.cli.app import main; main()", "run", QUICK_CHECK,
           "--speed", "200", "--log-dir", str(tmp_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "COLUMNS": "200"})
    first = proc.stdout.readline()
    assert first.startswith("run folder:"), first
    folder = Path(first.split(":", 1)[1].strip())
    deadline = time.monotonic() + 30
    while not (folder / "samples.csv").exists() or (folder / "samples.csv").stat().st_size < 2000:
        assert time.monotonic() < deadline, "no samples written"
        time.sleep(0.05)
    proc.send_signal(sig)
    output = proc.communicate(timeout=30)[0]
    assert proc.returncode == 3, output
    meta = json.loads((folder / "run.json").read_text())
    assert meta["verdict"] == "ABORTED" and reason in meta["reason"]
    assert meta["safe_state_confirmed"] is True
    assert "Traceback" not in output
