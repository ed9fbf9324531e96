"""The run index's sink (bench.record.index_sink): the estimated end it gives the index is the
time left as the live view reckons it, corrected as the steps run, not the profile's first guess."""
from __future__ import annotations

from types import SimpleNamespace

from bench.analysis.integrator import Totals
from bench.profile.reader import parse_profile
from bench.record import index_sink
from bench.record.index_sink import IndexSink
from bench.record.records import RunInfo, RunStart, StepEnd, StepStart
from bench.run.engine import hard_limit_conditions, new_state
from bench.run.progress import Tracker
from bench.run.readings import Readings
from bench.station.config import HardLimits

LIFE = parse_profile("""
name = "Two discharges"
period = "10 s"
steps = [{ repeat = 2, steps = ["Discharge at 2 A until 4.5 V", "Rest for 10 min"] }]
[dut]
kind = "power bank"
rated_capacity = "10000 mAh"
nominal_voltage = "3.7 V"
""", "two-discharges.toml")  # rated: some 5 h a discharge; this bank's take 1 h
DISCHARGE, REST = (next(step for step in LIFE.steps() if step.index == i) for i in (1, 2))


def test_the_estimated_end_is_corrected_by_the_steps_that_ran(monkeypatch, tmp_path):
    wall = SimpleNamespace(t=1000.0)
    monkeypatch.setattr(index_sink, "time", SimpleNamespace(time=lambda: wall.t, monotonic=lambda: wall.t))
    monkeypatch.setattr(IndexSink, "_start", lambda self: None)  # what it would write is read off its queue
    sink = IndexSink("sqlite:///unused.db", tmp_path, 10.0, Tracker())
    totals = Totals(0.0, Readings(("cell",), None))
    sink.run_info(RunInfo(0.0, {}, LIFE, hard_limit_conditions(HardLimits(21.0, 8.0, 60.0, 70.0)),
                          new_state(LIFE, ("cell",))))
    sink.run_start(RunStart(0.0, "two-discharges.toml"))
    at = 0.0
    for count, (step, took) in enumerate([(DISCHARGE, 3600.0), (REST, 600.0)], start=1):
        sink.step_start(StepStart(at, step, count, count, 1))
        at += took
        wall.t = 1000.0 + at / 100  # 100 x real time
        sink.step_end(StepEnd(at, step, count, 1, "ended", totals))
    sink.step_start(StepStart(at, DISCHARGE, 3, 3, 2))
    *_, (_, live) = drained(sink)
    assert abs(live["eta"] - (wall.t + (3600.0 + 600.0) / 100)) < 1e-6  # the second pass as long as the first


def drained(sink: IndexSink) -> list:
    out = []
    while not sink._queue.empty():
        out.append(sink._queue.get_nowait())
    return out
