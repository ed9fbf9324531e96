"""Nothing lost: a run killed at any moment, or stopped by the operator, is resumed from its
checkpoint and ends as an uninterrupted run would, with no duplicated rows; finished or running
runs are not resumed."""
from __future__ import annotations

import collections
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runfolders import cell_cycles, read_run
from typer.testing import CliRunner

from bench.cli.app import app
from bench.record import schema
from bench.record.records import Sink
from bench.run.recovery import recount
from bench.run.session import Request, execute, resume

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

CAPACITY = """
[[criteria]]
name = "capacity"
metric = "discharge capacity"
step = "discharge"
min = "4.5 Ah"
"""


def cycles(policy: str) -> str:
    return cell_cycles(head=f'on_resume = "{policy}"', criteria=CAPACITY)


BENCH = [sys.executable, "-c", "from bench.cli.app import main; main()"]


def discharges(folder: Path) -> list[tuple[int, float]]:
    """(cycle, Ah) of every discharge step that ended."""
    _, events, _ = read_run(folder)
    return [(e["cycle"], e["results"]["discharge_capacity_Ah"]) for e in events
            if e["event"] == "step_end" and e["step"].startswith("Discharge")]


def assert_no_duplicate_rows(rows: list[dict]) -> None:
    keys = collections.Counter((r["Test Time / s"], r["Step Count / 1"]) for r in rows)
    assert [k for k, n in keys.items() if n > 1] == []
    times = [float(r["Test Time / s"]) for r in rows]
    assert times == sorted(times)


def start_killable(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(BENCH + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def written(logs: Path) -> int:
    """Bytes of samples written so far under a log folder."""
    return sum(p.stat().st_size for p in logs.glob(f"*/{schema.SAMPLES}"))


def kill_after(proc: subprocess.Popen, seconds: float, logs: Path) -> bool:
    """kill -9 `seconds` after the process has written new rows (so that every run or resume
    makes progress), unless it ended first; True if it was killed."""
    before = written(logs) if logs.exists() else 0
    deadline = time.monotonic() + 60
    while (not logs.exists() or written(logs) <= before + 2000) and proc.poll() is None:
        assert time.monotonic() < deadline, "the run makes no progress"
        time.sleep(0.02)
    try:
        proc.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return True


@pytest.mark.parametrize("seed", [11, 29])
def test_kill_9_at_random_moments_then_resume_ends_like_an_uninterrupted_run(tmp_path, write, seed):
    profile = write("cycles.toml", cycles("continue"))
    # unit 5 of the lot (its own spread), which every resume must build again the same
    whole, whole_folder = execute(Request(profile, None, tmp_path / "whole", dut="lg-m50", seed=5))
    rng = random.Random(seed)
    proc = start_killable(["run", str(profile), "--dut", "lg-m50", "--seed", "5", "--speed", "20000",
                           "--log-dir", str(tmp_path / "killed")])
    kills = 0
    while kill_after(proc, rng.uniform(0.1, 0.8), tmp_path / "killed"):
        (folder,) = (tmp_path / "killed").iterdir()
        if json.loads((folder / "run.json").read_text())["status"] == "finished":
            break  # killed while exiting, after the run had ended: nothing to resume
        kills += 1
        proc = start_killable(["resume", str(folder), "--speed", "20000"])
    else:
        assert proc.returncode == 0, proc.stdout.read()
    assert kills >= 1, "the run ended before it could be killed: slow it down"
    meta, events, rows = read_run(folder)
    assert meta["verdict"] == whole.verdict == "PASS"
    assert 1 <= meta["resumes"] <= [e["event"] for e in events].count("resumed") <= kills  # a kill may land
    # before a resume has got as far as recording itself
    assert_no_duplicate_rows(rows)
    got, expected = discharges(folder), discharges(whole_folder)
    assert [c for c, _ in got] == [c for c, _ in expected] == [1, 2, 3]
    for (_, ah), (_, want) in zip(got, expected):
        assert ah == pytest.approx(want, abs=5 * 10 / 3600)  # one sample of 5 A at 10 s
    assert meta["samples"] == pytest.approx(len(read_run(whole_folder)[2]), abs=2 * kills)
    assert not (folder / "checkpoint.json").exists() and not (folder / "run.lock").exists()


def test_restart_policy_runs_the_interrupted_step_again_as_a_new_step(tmp_path, write):
    profile = write("cycles.toml", cycles("restart"))
    proc = start_killable(["run", str(profile), "--dut", "lg-m50", "--speed", "20000",
                           "--log-dir", str(tmp_path / "logs")])
    assert kill_after(proc, 0.4, tmp_path / "logs")
    (folder,) = (tmp_path / "logs").iterdir()
    _, before, _ = read_run(folder)
    interrupted = [e for e in before if e["event"] == "step_start"][-1]
    result = CliRunner().invoke(app, ["resume", str(folder)])
    assert result.exit_code == 0, result.output
    _, events, rows = read_run(folder)
    after = events[len(before):]
    restarted = next(e for e in after if e["event"] == "step_start")
    assert (restarted["index"], restarted["count"]) == (interrupted["index"], interrupted["count"] + 1)
    assert "step_continued" not in [e["event"] for e in after]
    assert_no_duplicate_rows(rows)


def test_recounting_a_finished_run_folder_gives_back_its_run_json_totals(tmp_path, write):
    """The rows alone, through the run's own integrator, give back what the live run measured."""
    profile_path = write("cycles.toml", cycles("continue"))
    _, folder = execute(Request(profile_path, None, tmp_path, dut="lg-m50"))
    meta = json.loads((folder / "run.json").read_text())
    run = recount(folder)
    for key, value in (("discharge_capacity_Ah", run.q_out / 3600), ("charge_capacity_Ah", run.q_in / 3600),
                       ("charge_energy_Wh", run.e_in / 3600), ("discharge_energy_Wh", run.e_out / 3600),
                       ("duration_s", run.end - run.start)):
        assert value == pytest.approx(meta["totals"][key], rel=1e-5), key  # rows hold 6 digits


def test_a_torn_last_line_is_dropped_before_resuming(tmp_path, write):
    profile = write("cycles.toml", cycles("continue"))
    proc = start_killable(["run", str(profile), "--dut", "lg-m50", "--speed", "20000",
                           "--log-dir", str(tmp_path / "logs")])
    assert kill_after(proc, 0.3, tmp_path / "logs")
    (folder,) = (tmp_path / "logs").iterdir()
    with open(folder / schema.SAMPLES, "a") as fh:
        fh.write("9999.000,17958")  # what a power cut leaves: half a row
    with open(folder / "events.jsonl", "a") as fh:
        fh.write('{"event": "step_st')
    result = CliRunner().invoke(app, ["resume", str(folder)])
    assert result.exit_code == 0, result.output
    assert re.search(r"resuming the interrupted run from its last checkpoint \(at \d+:\d\d:\d\d\)", result.output)
    meta, events, rows = read_run(folder)
    assert all(len(r) == len(rows[0]) and None not in r.values() for r in rows)
    assert_no_duplicate_rows(rows)


def test_a_finished_run_is_not_resumed(tmp_path, write):
    profile = write("rest.toml", 'name = "r"\nperiod = "1 s"\nsteps = ["Rest for 5 s"]\n[dut]\nkind = "cell"\n')
    _, folder = execute(Request(profile, None, tmp_path))
    result = CliRunner().invoke(app, ["resume", str(folder)])
    assert result.exit_code == 2 and "finished (PASS)" in result.output


def test_a_run_held_by_a_live_process_is_not_resumed_or_resumed_twice(tmp_path, write):
    profile = write("cycles.toml", cycles("continue"))
    proc = start_killable(["run", str(profile), "--dut", "lg-m50", "--speed", "2000",
                           "--log-dir", str(tmp_path / "logs")])
    try:
        deadline = time.monotonic() + 20
        while not list(tmp_path.glob("logs/*/run.lock")):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        (folder,) = (tmp_path / "logs").iterdir()
        result = CliRunner().invoke(app, ["resume", str(folder)])
        assert result.exit_code == 2 and "running this run right now" in result.output
    finally:
        proc.kill()
        proc.wait()


def test_resume_of_something_that_is_not_a_run_folder_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["resume", str(tmp_path)])
    assert result.exit_code == 2 and result.output.strip() == f"error: {tmp_path}: not a run folder (no run.json)"
    missing = CliRunner().invoke(app, ["resume", str(tmp_path / "nonexist")])
    assert missing.exit_code == 2 and missing.output.strip() == f"error: {tmp_path / 'nonexist'}: no such folder"


STOPPED = """
name = "Discharge"
period = "1 s"
steps = ["Discharge at 1 A for 20 min", "Rest for 1 min"]
[dut]
kind = "power bank"
"""


class StopAt(Sink):
    """Writes what `bench stop` writes into the run folder at the `at`-th sample."""

    def __init__(self, at: int) -> None:
        self.at, self.samples, self.folder = at, 0, None

    def sample(self, record) -> None:
        self.samples += 1
        if self.samples == self.at:
            (self.folder / "control").write_text("stop\n")


def measured(folder: Path) -> list[dict]:
    """The rows of a run folder but for their wall-clock time."""
    return [{k: v for k, v in row.items() if k != "Unix Time / s"} for row in read_run(folder)[2]]


def test_a_run_the_operator_stopped_is_resumed_to_the_end_of_an_uninterrupted_run(tmp_path, write):
    profile = write("discharge.toml", STOPPED)
    _, whole = execute(Request(profile, None, tmp_path / "whole"))
    stop = StopAt(300)
    outcome, folder = execute(Request(profile, None, tmp_path / "logs", speed=1000), [stop],  # the stop is seen
                              on_folder=lambda f: setattr(stop, "folder", f))            # within the step
    assert (outcome.verdict, outcome.reason) == ("ABORTED", "operator stop (bench stop)")
    meta, _, _ = read_run(folder)
    assert (meta["status"], meta["verdict"], meta["reason"]) == ("stopped", "ABORTED", "operator stop (bench stop)")
    assert meta["totals"] is not None and (folder / "checkpoint.json").exists()
    outcome, _ = resume(folder)
    meta, events, _ = read_run(folder)
    (resumed,) = [e for e in events if e["event"] == "resumed"]
    assert resumed["stopped"] == "operator stop (bench stop)"
    assert outcome.verdict == "PASS" and (meta["status"], meta["verdict"]) == ("finished", "PASS")
    assert measured(folder) == measured(whole) and not (folder / "checkpoint.json").exists()
    result = CliRunner().invoke(app, ["resume", str(folder)])  # finished now: refused
    assert result.exit_code == 2 and "finished (PASS)" in result.output
