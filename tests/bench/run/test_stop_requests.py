"""A stop signal at any moment of a run (a step boundary, a checkpoint, the stop path of a safety
trip) ends it ABORTED with complete records and the bench safe; a second one never loses the
records or the first reason."""
from __future__ import annotations

import os
import signal

import pytest
from runfolders import read_run

from bench.record.records import Sink
from bench.run import signals
from bench.run.session import Request, execute, make_world, prepare

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

PROFILE = """
name = "Two steps"
period = "1 s"
steps = ["Discharge at 2 A for 10 min", "Rest for 5 min", "Discharge at 1 A for 10 min"]
[dut]
kind = "power bank"
[safety]
abort_if = [{trip}]
[[criteria]]
name = "delivered"
metric = "discharge capacity"
min = "0.1 Ah"
"""


class SignalAt(Sink):
    """Sends the signals given when the run hands it the record `kind` for the `nth` time (for
    "event": the nth safety trip)."""

    def __init__(self, kind: str, nth: int, *signums: int) -> None:
        self.kind, self.left, self.signums = kind, nth, signums

    def _seen(self, kind: str) -> None:
        if kind == self.kind:
            self.left -= 1
            if self.left == 0:
                for signum in self.signums:
                    os.kill(os.getpid(), signum)

    def step_start(self, record) -> None:
        self._seen("step_start")

    def step_end(self, record) -> None:
        self._seen("step_end")

    def sync(self) -> None:
        self._seen("sync")

    def checkpoint(self, record) -> None:
        self._seen("checkpoint")

    def event(self, record) -> None:
        if record.kind == "safety_trip":
            self._seen("event")


def _run(tmp_path, write, sink, trip: str = ""):
    profile = write("two.toml", PROFILE.format(trip=trip))
    request = Request(profile, None, tmp_path / "logs")
    world = make_world(prepare(request)[1], None, None)
    with signals.handled():
        outcome, folder = execute(request, [sink], world=world)
    meta, events, rows = read_run(folder)
    assert world.load_input_on is False and world.supply_output_on is False
    assert meta["safe_state_confirmed"] is True and meta["samples"] == len(rows) > 0
    assert meta["totals"] is not None and meta["test_time_s"] > 0 and meta["criteria"]
    return outcome, meta, events


@pytest.mark.parametrize("kind, nth", [("step_start", 2), ("step_end", 1), ("sync", 2), ("checkpoint", 3)])
@pytest.mark.parametrize("signums", [(signal.SIGTERM,), (signal.SIGINT, signal.SIGTERM)], ids=["one", "two"])
def test_a_stop_signal_at_a_step_boundary_or_a_checkpoint_ends_the_run_aborted(tmp_path, write, kind, nth, signums):
    outcome, meta, events = _run(tmp_path, write, SignalAt(kind, nth, *signums))
    first = "SIGTERM" if signums[0] == signal.SIGTERM else "Ctrl-C"
    assert outcome.verdict == "ABORTED" and meta["reason"] == f"operator stop ({first})"
    assert meta["status"] == "stopped"  # `bench resume` continues it
    assert [e["event"] for e in events][-2:] == ["cycle_end", "safe_state"] or events[-1]["event"] == "safe_state"


def test_signals_in_the_stop_path_of_a_safety_trip_keep_the_trip_as_the_reason(tmp_path, write):
    outcome, meta, events = _run(tmp_path, write, SignalAt("event", 1, signal.SIGTERM, signal.SIGINT),
                                 trip='"step capacity > 50 mAh"')
    assert outcome.verdict == "ABORTED" and meta["reason"].startswith("safety limit: step capacity > 50 mAh")
    assert meta["status"] == "finished"  # a safety trip is not resumed
    assert [e["event"] for e in events].count("safety_trip") == 1
