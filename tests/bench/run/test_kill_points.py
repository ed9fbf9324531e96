"""A run killed (os._exit, as kill -9 or a power cut leaves it) at each kind of awkward moment,
then resumed, ends with the very run folder an uninterrupted run writes: the same rows, the
same cycles, the same events in order, the same verdict and criterion values."""
from __future__ import annotations

import csv
import json
import multiprocessing
import os
from pathlib import Path

import pytest

from bench.record import checkpoint, schema
from bench.record.checkpoint import Checkpointer
from bench.record.logbook import Logbook
from bench.run.session import Request, drive, execute, resume, take_up

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

# Three cycles of: a charge, a short rest, a DCIR pulse straight after the rest (its value needs the
# voltage before the step), and a step that ends on a condition held for 40 s.
PROFILE = """
name = "Kill points"
period = "1 s"
steps = [
  { repeat = 3, steps = [
    "Charge at 5 V, 2 A limit for 2 min",
    "Rest for 20 s",                    # shorter than the bank's 30 s light-load auto-off
    { step = "Discharge at 2 A for 10 s", name = "pulse" },
    { step = "Discharge at 1 A until voltage > 4 V for 40 s", name = "hold" },
  ] },
]
[dut]
kind = "power bank"

[[criteria]]
name = "pulse resistance"
metric = "dcir"
step = "pulse"
max = "2 ohm"

[[criteria]]
name = "held discharge"
metric = "discharge capacity"
step = "hold"
min = "1 mAh"

[[criteria]]
name = "heating per cycle"
metric = "max temperature"
cycle = "trend"
max = "5 K"

[[criteria]]
name = "pulse charge each cycle"
metric = "discharge capacity"
step = "pulse"
cycle = "each"
min = "1 mAh"
"""
STEPS = 12
SEED = 7

_fork = multiprocessing.get_context("fork")


def crash_at(sink: type, method: str, nth: int, *, before: bool = False, step: str | None = None):
    """Make `sink.method` end the process (os._exit) at its n-th call (counting only records of
    the step named `step`, if given), just before or just after it did its work."""
    real = getattr(sink, method)
    calls = {"n": 0}

    def hooked(self, *args):
        record = args[0] if args else None
        counted = step is None or getattr(getattr(record, "step", None), "name", None) == step
        calls["n"] += counted
        if before and counted and calls["n"] == nth:
            os._exit(9)
        real(self, *args)
        if not before and counted and calls["n"] == nth:
            os._exit(9)
    setattr(sink, method, hooked)


def in_child(target, *args) -> int:
    """Run `target(*args)` in a forked process; its exit code."""
    child = _fork.Process(target=target, args=args)
    child.start()
    child.join(120)
    assert child.exitcode is not None, "the child hung"
    return child.exitcode


def _run_killed(logs: Path, profile: Path, hook: tuple) -> None:
    crash_at(*hook[:3], **hook[3] if len(hook) > 3 else {})
    execute(Request(profile, None, logs, seed=SEED))
    os._exit(0)


def _resume_killed(folder: Path, hook: tuple) -> None:
    crash_at(*hook[:3], **hook[3] if len(hook) > 3 else {})
    resume(folder)
    os._exit(0)


def snapshot(folder: Path) -> dict:
    """What must not differ between a resumed and an uninterrupted run folder."""
    with open(folder / schema.SAMPLES, newline="") as fh:
        rows = [row[:1] + row[2:] for row in csv.reader(fh)]  # all but Unix Time
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    times = [e["test_time_s"] for e in events]
    assert times == sorted(times), "time went back in events.jsonl"
    kinds = [{k: v for k, v in e.items() if k not in ("unix_time_s", "identity")} for e in events
             if e["event"] not in ("resumed", "step_continued")]
    meta = json.loads((folder / "run.json").read_text())
    return {"rows": rows, "cycles": (folder / "cycles.csv").read_text(), "events": kinds,
            "verdict": meta["verdict"], "criteria": meta["criteria"], "totals": meta["totals"],
            "samples": meta["samples"], "status": meta["status"]}


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("profile") / "kill-points.toml"
    path.write_text(PROFILE)
    return path


@pytest.fixture(scope="module")
def uninterrupted(profile, tmp_path_factory) -> dict:
    outcome, folder = execute(Request(profile, None, tmp_path_factory.mktemp("whole"), seed=SEED))
    whole = snapshot(folder)
    assert outcome.verdict == "PASS", outcome.reason
    assert {c["name"]: c["value"] for c in whole["criteria"]}["pulse resistance"] is not None
    return whole


KILL_POINTS = (
    [pytest.param((Logbook, "step_start", n), id=f"step {n} started, before its checkpoint")
     for n in range(1, STEPS + 1)]
    + [pytest.param((Logbook, "step_end", n), id=f"step {n} ended, before the next one starts")
       for n in range(1, STEPS + 1)]
    + [pytest.param((Logbook, "sample", 25, {"step": "hold"}), id="inside a for hold"),
       pytest.param((Logbook, "sample", 5, {"step": "pulse"}), id="inside the pulse after the rest"),
       pytest.param((Logbook, "cycle_end", 1), id="after a cycle row, before the next checkpoint"),
       pytest.param((Logbook, "cycle_end", 2, {"before": True}), id="as a cycle row is due"),
       pytest.param((Checkpointer, "checkpoint", 1, {"before": True}), id="before the first checkpoint"),
       pytest.param((Checkpointer, "checkpoint", 2, {"before": True}), id="before the first step checkpoint"),
       pytest.param((Checkpointer, "checkpoint", 9), id="right after a checkpoint")]
)


@pytest.mark.parametrize("hook", KILL_POINTS)
def test_a_run_killed_here_and_resumed_equals_the_uninterrupted_run(tmp_path, profile, uninterrupted, hook):
    assert in_child(_run_killed, tmp_path, profile, hook) == 9
    (folder,) = tmp_path.iterdir()
    assert json.loads((folder / "run.json").read_text())["status"] == "running"
    checkpoint = folder / "checkpoint.json"
    if checkpoint.exists():  # plain data, the simulated world's state included
        assert isinstance(json.loads(checkpoint.read_text())["world"], dict)
    outcome, _ = resume(folder)
    assert snapshot(folder) == uninterrupted
    assert outcome.verdict == "PASS"


def test_a_resume_killed_in_turn_is_resumed_again_to_the_same_end(tmp_path, profile, uninterrupted):
    assert in_child(_run_killed, tmp_path, profile, (Logbook, "step_start", 3)) == 9
    (folder,) = tmp_path.iterdir()
    assert in_child(_resume_killed, folder, (Logbook, "sample", 40)) == 9
    assert in_child(_resume_killed, folder, (Logbook, "step_end", 2)) == 9
    resume(folder)
    assert snapshot(folder) == uninterrupted
    events = [json.loads(line)["event"] for line in (folder / "events.jsonl").read_text().splitlines()]
    assert events.count("resumed") == 3


def _killed_as_cycle_begins(logs: Path, profile: Path, cycle: int) -> None:
    """Killed in the first checkpoint of `cycle`: after the cycle before it was saved to
    checkpoint-cycles.jsonl, before the checkpoint.json that counts it was written."""
    real = checkpoint.write_atomic

    def write(path: Path, text: str) -> None:
        if json.loads(text)["state"]["book"]["cycle"] == cycle:
            os._exit(9)
        real(path, text)
    checkpoint.write_atomic = write
    execute(Request(profile, None, logs, seed=SEED))
    os._exit(0)


@pytest.mark.parametrize("torn", [False, True], ids=["its record whole", "its record torn"])
def test_a_run_killed_as_a_closed_cycle_is_saved_resumes_to_the_same_end(tmp_path, profile, uninterrupted, torn):
    """The resume rebuilds cycle 1 from the saved records and cuts the record of cycle 2 that no
    checkpoint counts (whole, or torn by the crash): the cycle criteria see every cycle once."""
    assert in_child(_killed_as_cycle_begins, tmp_path, profile, 3) == 9
    (folder,) = tmp_path.iterdir()
    closed = folder / schema.CHECKPOINT_CYCLES
    lines = closed.read_bytes().splitlines(keepends=True)
    assert [json.loads(line)["cycle"] for line in lines] == [1, 2]
    if torn:
        closed.write_bytes(lines[0] + lines[1][: len(lines[1]) // 2])
    started = take_up(folder)
    assert closed.read_bytes() == lines[0]
    outcome = drive(started)
    assert snapshot(folder) == uninterrupted
    assert outcome.verdict == "PASS"
