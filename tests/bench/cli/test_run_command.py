"""`bench run` as an operator or a CI job runs it: exit codes, output, signals."""
from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runfolders import ROOT, read_run
from typer.testing import CliRunner

from bench.record.verdict import Verdict
from bench.cli import exits
from bench.cli.app import app
from bench.record import schema
from bench.run.engine import Outcome

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
    assert {p.name for p in folder.iterdir()} == {schema.SAMPLES, schema.METADATA, schema.CYCLES, schema.EVENTS,
                                                  schema.RUN, schema.JUNIT}


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
    assert result.exit_code == 2 and "steps[1]" in result.output
    assert not (tmp_path / "logs").exists()
    assert bench("run", QUICK_CHECK, "--dut", "powerbank-3", "--log-dir", str(tmp_path)).exit_code == 2


@pytest.mark.slow  # a whole profile on the simulated bench
def test_simulated_options_select_the_preset_and_seed(tmp_path):
    result = bench("run", QUICK_CHECK, "--dut", "powerbank-20000", "--seed", "7", "--log-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    (folder,) = tmp_path.iterdir()
    meta = json.loads((folder / "run.json").read_text())
    assert (meta["dut"]["simulated_preset"], meta["station"]["seed"]) == ("powerbank-20000", 7)


@pytest.mark.parametrize("sig, reason", [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "Ctrl-C")])
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
    while not (folder / schema.SAMPLES).exists() or (folder / schema.SAMPLES).stat().st_size < 2000:
        assert time.monotonic() < deadline, "no samples written"
        time.sleep(0.05)
    proc.send_signal(sig)
    output = proc.communicate(timeout=30)[0]
    assert proc.returncode == 3, output
    meta = json.loads((folder / "run.json").read_text())
    assert meta["verdict"] == "ABORTED" and reason in meta["reason"]
    assert meta["safe_state_confirmed"] is True
    assert "Traceback" not in output


TWO_STEPS = """
name = "Two steps"
period = "1 s"
steps = ["Discharge at 1 A for 30 s", "Rest for 10 s"]
[dut]
kind = "power bank"
"""  # 31 + 11 rows; at --speed 25, under 2 s
TWO_STEPS_ROWS = 42
MAIN = [sys.executable, "-c", "from bench.cli.entry import main; main()"]  # what the `bench` script runs


def run_args(profile: Path, logs: Path, speed: str = "25") -> list[str]:
    return [*MAIN, "run", str(profile), "--speed", speed, "--log-dir", str(logs)]


def rows_so_far(logs: Path) -> int:
    """Sample rows the run has written (0 before its folder exists)."""
    samples = list(logs.glob(f"*/{schema.SAMPLES}"))
    return max(0, samples[0].read_text().count("\n") - 1) if samples else 0


def assert_ended(logs: Path, exit_code: int) -> tuple[dict, list[dict], list[dict]]:
    """The run folder holds a run that ended (finished, or stopped by the operator: resumable) with
    the exit code's verdict, the bench safe and every row counted."""
    (folder,) = logs.iterdir()
    meta, events, rows = read_run(folder)
    assert meta["status"] == ("stopped" if exit_code == exits.VERDICT[Verdict.ABORTED] else "finished"), meta
    assert exits.VERDICT[Verdict(meta["verdict"])] == exit_code, meta
    assert meta["safe_state_confirmed"] is True and len(rows) == meta["samples"]
    return meta, events, rows


@pytest.mark.slow  # a whole run at 25 x real time
def test_a_closed_terminal_detaches_the_view_and_the_run_goes_on_to_its_verdict(tmp_path, write):
    """The run on a pseudo-terminal whose master side closes mid-run, as a terminal window or an
    SSH session does: the kernel sends SIGHUP, then every write fails with EIO."""
    profile, logs = write("two-steps.toml", TWO_STEPS), tmp_path / "logs"
    pid, master = pty.fork()
    if pid == 0:  # the run, with the terminal as its controlling terminal, stdout and stderr
        try:
            os.execve(MAIN[0], run_args(profile, logs), {**os.environ, "COLUMNS": "100"})
        finally:
            os._exit(127)
    deadline = time.monotonic() + 30
    try:
        while rows_so_far(logs) < 5:  # mid-run, the live view drawing
            assert time.monotonic() < deadline, "the run did not start"
            if select.select([master], [], [], 0.05)[0]:
                os.read(master, 65536)
    finally:
        os.close(master)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0  # PASS, not ERROR, not a death by SIGHUP
    meta, events, rows = assert_ended(logs, 0)
    assert len(rows) == TWO_STEPS_ROWS
    (detached,) = [e for e in events if e["event"] == "view_detached"]
    assert detached["sink"] == "RichView" and detached["error"].startswith("ScreenGone: ")
    assert 0 < detached["test_time_s"] < meta["test_time_s"]  # mid-run


@pytest.mark.slow  # a whole run at 25 x real time
def test_a_pipe_whose_reader_quits_detaches_the_view_and_the_run_goes_on_to_its_verdict(tmp_path, write):
    """`bench run ... | head -1`: the run goes on, its exit code is its verdict's, and nothing is
    said about a broken pipe."""
    profile, logs = write("two-steps.toml", TWO_STEPS), tmp_path / "logs"
    proc = subprocess.Popen(run_args(profile, logs), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().startswith(b"run folder:")
    proc.stdout.close()  # head has its line
    errors = proc.stderr.read()
    assert proc.wait(timeout=30) == 0 and errors == b""
    meta, events, rows = assert_ended(logs, 0)
    assert len(rows) == TWO_STEPS_ROWS
    (detached,) = [e for e in events if e["event"] == "view_detached"]
    assert detached["error"] == "ScreenGone: [Errno 32] Broken pipe"


def stop_handler_installed(pid: int) -> bool:
    """Whether the process catches SIGTERM (Linux: the SigCgt mask of /proc/PID/status)."""
    with open(f"/proc/{pid}/status") as fh:
        caught = next(line for line in fh if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) >> (signal.SIGTERM - 1) & 1)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads /proc/PID/status")
@pytest.mark.parametrize("name, delay", [("SIGTERM", 0.0), ("SIGTERM", 0.05), ("SIGTERM", 0.2), ("SIGTERM", 0.5),
                                         ("SIGINT", 0.2)])
def test_a_stop_signal_during_start_up_ends_the_run_aborted_never_with_a_traceback(tmp_path, write, name, delay):
    """From the moment `bench run` catches stop signals (before importing the run session or
    reading the profile), a signal at any point of the start-up is a stop: exit 3 with complete
    records, or the verdict of a run that had already ended; never exit 4, a traceback or a death
    by the signal."""
    profile, logs = write("two-steps.toml", TWO_STEPS), tmp_path / "logs"
    proc = subprocess.Popen(run_args(profile, logs), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 10
    while not stop_handler_installed(proc.pid):
        assert proc.poll() is None and time.monotonic() < deadline, "no stop handler"
        time.sleep(0.001)
    time.sleep(delay)
    proc.send_signal(getattr(signal, name))
    output = proc.communicate(timeout=30)[0]
    assert proc.returncode in (0, 1, 3), output
    assert "Traceback" not in output and "internal error" not in output
    if logs.exists() and any(logs.iterdir()):
        meta, _, _ = assert_ended(logs, proc.returncode)
        if proc.returncode == 3:
            assert meta["reason"] == f"operator stop ({'Ctrl-C' if name == 'SIGINT' else name})"
    else:  # stopped while the command was still loading
        assert proc.returncode == 3 and output == f"stopped ({name}) while starting: nothing was opened or switched on\n"


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads /proc/PID/status")
@pytest.mark.parametrize("delay", [0.0, 0.3])
def test_with_json_a_stop_signal_during_start_up_still_prints_one_object(tmp_path, write, delay):
    """--json promises one object on stdout for every exit but 2: also when the signal lands
    while `bench` is still loading."""
    profile, logs = write("two-steps.toml", TWO_STEPS), tmp_path / "logs"
    argv = [*MAIN, "--log-level", "WARNING", *run_args(profile, logs)[len(MAIN):], "--json"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while not stop_handler_installed(proc.pid):
        assert proc.poll() is None and time.monotonic() < deadline, "no stop handler"
        time.sleep(0.001)
    time.sleep(delay)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    result = json.loads(out)
    assert result["exit_code"] == proc.returncode and "Traceback" not in err
    if proc.returncode == 3 and result["run_folder"] is None:  # stopped while loading
        assert result["reason"] == "stopped (SIGTERM) while starting: nothing was opened or switched on"


def test_stop_signals_while_the_verdict_prints_change_nothing(tmp_path, write):
    """The run is over: Ctrl-C and SIGTERM, again and again from the verdict to the exit, leave
    the output whole and the exit code the verdict's."""
    profile = write("rest.toml", TWO_STEPS.replace('"Discharge at 1 A for 30 s", "Rest for 10 s"', '"Rest for 2 s"'))
    logs = tmp_path / "logs"
    proc = subprocess.Popen([*MAIN, "run", str(profile), "--log-dir", str(logs)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    output = ""
    while "╭" not in output:  # the verdict panel
        line = proc.stdout.readline()
        assert line, output
        output += line
    sent = 0
    while proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal((signal.SIGTERM, signal.SIGINT)[sent % 2])
            sent += 1
        time.sleep(0.002)
    output += proc.stdout.read()
    assert proc.returncode == 0 and sent > 0, output
    assert "PASS" in output and f"data: {next(logs.iterdir())}" in output and "Traceback" not in output
    assert_ended(logs, 0)


def test_stop_asks_only_a_running_run_folder(tmp_path):
    assert bench("stop", str(tmp_path)).exit_code == 2  # no run.json
    (tmp_path / "run.json").write_text("{}")
    result = bench("stop", str(tmp_path))
    assert result.exit_code == 2 and f"no process is running this run (bench resume {tmp_path} takes it up)" \
        in " ".join(result.output.split())
    (tmp_path / "run.json").write_text('{"status": "finished", "verdict": "PASS"}')
    result = bench("continue", str(tmp_path))  # not a pointer to bench resume, which would refuse it
    assert result.exit_code == 2 and "no process is running this run (it has finished: PASS)" in result.output


def test_stop_help_says_how_the_run_ends_and_how_it_goes_on():
    text = " ".join(bench("stop", "--help").output.split())
    assert "ends ABORTED" in text and "bench safe" in text and "bench resume RUN_DIR continues it" in text


@pytest.mark.slow  # a run at 5 x real time, stopped within its first seconds, then resumed
def test_bench_stop_ends_the_run_aborted_and_bench_resume_continues_it(tmp_path, write):
    profile, logs = write("two-steps.toml", TWO_STEPS), tmp_path / "logs"
    proc = subprocess.Popen(run_args(profile, logs, speed="5"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while rows_so_far(logs) < 5:
        assert proc.poll() is None and time.monotonic() < deadline, "the run did not start"
        time.sleep(0.01)
    (folder,) = logs.iterdir()
    result = bench("stop", str(folder))
    assert result.exit_code == 0 and f"stop requested for {folder}" in result.output
    assert proc.wait(timeout=30) == 3
    meta, _, rows = assert_ended(logs, 3)
    assert len(rows) < TWO_STEPS_ROWS
    result = bench("resume", str(folder))
    assert result.exit_code == 0, result.output
    meta, _, rows = assert_ended(logs, 0)
    assert len(rows) == TWO_STEPS_ROWS


def test_resume_uses_the_station_file_given(tmp_path, monkeypatch):
    from bench.run import session

    asked = {}

    def resume(folder, speed, sinks, station=None, junit=None, **index):
        asked.update(folder=folder, station=station)
        return Outcome(Verdict.PASS, "all criteria met"), folder
    monkeypatch.setattr(session, "resume", resume)
    (tmp_path / "run.json").write_text("{}")
    result = bench("resume", str(tmp_path), "--station", "stations/bench-2.toml")
    assert result.exit_code == 0, result.output
    assert asked == {"folder": tmp_path, "station": Path("stations/bench-2.toml")}


@pytest.mark.parametrize("safe, resumable, lines", [
    (True, True, ["bench safe: every load input and supply output read back off",
                  "bench resume logs/run-7 takes the run up from its last checkpoint", "data: logs/run-7"]),
    (False, False, ["data: logs/run-7"]),  # the reason says SAFE STATE NOT CONFIRMED
])
def test_the_verdict_says_the_bench_is_safe_and_how_a_stopped_run_goes_on(safe, resumable, lines):
    import io

    from rich.console import Console

    from bench.cli.app import _show_verdict

    out = io.StringIO()
    _show_verdict(Console(file=out, width=80), "ABORTED", "operator stop (Ctrl-C)", [], Path("logs/run-7"),
                  safe=safe, resumable=resumable)
    assert out.getvalue().splitlines()[-len(lines) - 1:] == ["operator stop (Ctrl-C)", *lines]


@pytest.mark.parametrize("option, value", [("--serial", "PB-tab\tx"), ("--operator", "ana\nbob"),
                                           ("--lot-id", "L\x017")])
def test_a_serial_operator_or_lot_with_a_control_character_is_refused_before_anything_runs(tmp_path, option, value):
    result = bench("run", "quick-check", option, value, "--log-dir", str(tmp_path / "logs"))
    assert result.exit_code == 2 and "expected printable text: no tab, new line" in result.output
    assert not (tmp_path / "logs").exists()


def test_a_resume_is_indexed_where_the_run_was_beside_its_folder_whatever_the_working_folder(
        tmp_path, write, monkeypatch):
    """bench run --log-dir DIR keeps DIR/bench.db; bench resume DIR/<run> from another folder went
    to ./logs/bench.db, and DIR/bench.db showed the run stopped (or STALLED) for good."""
    monkeypatch.setenv("BENCH_DB", "")  # the default index: bench.db in the log folder
    profile, logs = write("two-steps.toml", TWO_STEPS), tmp_path / "logs"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    proc = subprocess.Popen(run_args(profile, logs, speed="5"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while rows_so_far(logs) < 5:
        assert proc.poll() is None and time.monotonic() < deadline, "the run did not start"
        time.sleep(0.01)
    (folder,) = [p for p in logs.iterdir() if p.is_dir()]
    assert bench("stop", str(folder)).exit_code == 0 and proc.wait(timeout=30) == 3
    assert bench("resume", str(folder)).exit_code == 0
    (run,) = json.loads(bench("runs", "--log-dir", str(logs), "--json").output)
    assert (run["status"], run["verdict"]) == ("finished", "PASS")
    assert not (elsewhere / "logs").exists()


def test_a_lot_stopped_in_its_first_unit_names_the_units_it_did_not_run(tmp_path, write, monkeypatch):
    from bench.record.records import Sink
    from bench.run import session, signals

    class StopsAtOnce(Sink):
        def sample(self, record) -> None:
            signals.request("SIGINT")
    execute = session.execute
    monkeypatch.setattr(session, "execute", lambda request, sinks, *rest, **options:
                        execute(request, [*sinks, StopsAtOnce()], *rest, **options))
    result = bench("run", str(write("two-steps.toml", TWO_STEPS)), "--lot", "3", "--seed", "4",
                   "--log-dir", str(tmp_path / "logs"))
    assert result.exit_code == 3, result.output
    assert "lot stopped: unit-5, unit-6 not run (a unit named ...-N is bench run --seed N alone)" in result.output
