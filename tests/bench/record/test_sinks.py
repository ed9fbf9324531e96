"""Outputs are sinks: a new format subscribes to the run's records without touching the engine,
and each sink is called only for the records it takes."""
from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from runfolders import read_run

from bench.record.verdict import Verdict
from bench.record import schema
from bench.record.junit import JUnitWriter
from bench.record.logbook import Logbook
from bench.record.records import CycleEnd, RunEnd, Sample, Sink, Sinks, StepEnd, StepStart
from bench.run.engine import Outcome
from bench.run.session import Request, execute

PROFILE = """
name = "Two steps"
period = "1 s"
steps = ["Discharge at 1 A for 30 s", "Rest for 10 s"]
[dut]
kind = "power bank"
"""


class StepTable(Sink):
    """An output format written for this test: one JSON line per step, at its end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.samples = 0

    def sample(self, record: Sample) -> None:
        self.samples += 1

    def step_end(self, record: StepEnd) -> None:
        with open(self.path, "a") as fh:
            fh.write(json.dumps({"step": record.step.text, "ended_by": record.ended_by,
                                 "Ah out": record.totals.q_out / 3600, "samples so far": self.samples}) + "\n")


def test_a_new_output_format_is_one_sink_handed_to_the_run(tmp_path, write):
    table = StepTable(tmp_path / "steps.jsonl")
    outcome, folder = execute(Request(write("p.toml", PROFILE), None, tmp_path / "logs"), [table])
    lines = [json.loads(line) for line in table.path.read_text().splitlines()]
    with open(folder / schema.SAMPLES, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert outcome.verdict is Verdict.PASS
    assert [line["step"] for line in lines] == ["Discharge at 1 A for 30 s", "Rest for 10 s"]
    assert lines[-1]["samples so far"] == len(rows) == 31 + 11
    assert lines[0]["Ah out"] == json.loads((folder / "run.json").read_text())["totals"]["discharge_capacity_Ah"]


class OnlyTheEnd(Sink):
    def __init__(self) -> None:
        self.ended = []

    def run_end(self, record: RunEnd) -> None:
        self.ended.append(record.outcome.verdict)


def test_a_sink_is_called_only_for_the_records_it_takes():
    sink = OnlyTheEnd()
    sinks = Sinks([sink])
    assert sinks._samples == () and sinks._calls["run_end"] == (sink.run_end,)
    sinks.sample(None)  # nobody takes samples: nothing is called
    sinks.emit("run_end", RunEnd(Outcome(Verdict.PASS, "all criteria met")))
    assert sink.ended == [Verdict.PASS]


def test_the_junit_writer_is_a_sink_that_needs_nothing_but_the_run_end(tmp_path):
    JUnitWriter(tmp_path, "suite").run_end(RunEnd(Outcome(Verdict.ERROR, "instrument fault: timeout")))
    (case,) = ET.parse(tmp_path / "junit.xml").getroot().iter("testcase")
    assert case.get("name") == "run" and case.find("error").get("message") == "ERROR: instrument fault: timeout"


def test_the_logbook_writes_the_cycles_header_into_an_empty_file(tmp_path):
    """A resume may cut cycles.csv back to nothing (a disk that filled before its header)."""
    from bench.analysis.cycles import CycleSummary

    (tmp_path / "cycles.csv").write_text("")
    log = Logbook(tmp_path, schema.Layout(("cell",), bank=False), 0.0)
    log.cycle_end(CycleEnd(10.0, CycleSummary(1, 10.0, 3600.0, 3600.0, 0.0, 0.0, 1.0, 1.0, 25.0)))
    log.close()
    with open(tmp_path / "cycles.csv", newline="") as fh:
        (row,) = csv.DictReader(fh)
    assert row["Cycle Count / 1"] == "1" and row["Coulombic Efficiency / %"] == "100.0000"


def test_a_bank_row_is_the_layout_format_of_its_output_port_with_nothing_ever_charged(tmp_path):
    from bench.analysis.integrator import Totals
    from bench.run.readings import Readings

    r = Readings(("cell", "ambient"), None)
    r.test_time, r.step_time, r.v_in, r.i_in, r.p_in = 12.0, 2.0, 5.01, 1.2, 6.012
    r.v_out, r.i_out, r.p_out, r.temps["cell"], r.temps["ambient"] = 4.98765, 1.5, 7.481475, 31.25, 25.0
    run, step = Totals(0.0, r), Totals(10.0, r)
    run.q_in, run.q_out, run.e_in, run.e_out, step.q_out, step.e_out = 36.0, 18.0, 180.0, 90.0, 3.0, 15.0
    layout = schema.Layout(("cell", "ambient"), bank=True)
    log = Logbook(tmp_path, layout, 1000.0)
    log.sample(Sample(r, type("S", (), {"index": 2})(), 1, 3, step, "discharge", run))
    log.close()
    row = (tmp_path / schema.SAMPLES).read_text().splitlines(keepends=True)[1]
    assert row == layout.format % (12.0, 1012.0, 4.98765, -1.5, -7.481475, 1, 3, 2, "discharge", 2.0,
                                   0.0, 0.005, 0.0, 0.025, 0.0, 3.0 / 3600, 0.0, 15.0 / 3600,
                                   5.01, 1.2, 4.98765, 1.5, 0.01, 0.05, 31.25, 25.0)


def test_the_logbook_says_how_far_each_file_goes_at_a_checkpoint(tmp_path):
    from bench.record.records import Checkpoint

    log = Logbook(tmp_path, schema.Layout(("cell",), bank=False), 0.0)
    log.step_start(StepStart(0.0, type("S", (), {"text": "Rest for 1 s", "index": 1})(), 1, 1, 1))
    record = Checkpoint(0.0, None)
    log.checkpoint(record)
    assert record.files == {"rows": 0, "samples": (tmp_path / schema.SAMPLES).stat().st_size,
                            "events": (tmp_path / "events.jsonl").stat().st_size, "cycles": 0}
    log.close()


class Kept(Sink):
    """An own sink that keeps every sample count and event it is handed."""

    def __init__(self) -> None:
        self.samples, self.events = 0, []

    def sample(self, record: Sample) -> None:
        self.samples += 1

    def event(self, record) -> None:
        self.events.append(record)


class Broken(Sink):
    """An observer whose output went away after `ok` samples."""

    def __init__(self, ok: int = 0) -> None:
        self.ok, self.calls = ok, 0

    def sample(self, record: Sample) -> None:
        self.calls += 1
        if self.calls > self.ok:
            raise BrokenPipeError(32, "Broken pipe")

    def run_end(self, record: RunEnd) -> None:
        raise OSError(5, "Input/output error")


def a_sample(test_time: float) -> Sample:
    return Sample(type("R", (), {"test_time": test_time})(), None, 1, 1, None, "rest")


def test_an_observer_that_raises_is_detached_with_one_event_and_the_others_go_on():
    kept, broken, watcher = Kept(), Broken(ok=2), Kept()
    sinks = Sinks([kept], observers=[broken, watcher])
    for t in range(5):
        sinks.sample(a_sample(float(t)))
    assert (kept.samples, broken.calls, watcher.samples) == (5, 3, 5)  # never called after its failure
    (event,) = kept.events
    assert (event.kind, event.test_time) == ("view_detached", 2.0)
    assert event.fields == {"sink": "Broken", "error": "BrokenPipeError: [Errno 32] Broken pipe"}
    assert watcher.events == [event] and sinks.sinks == [kept, watcher]


def test_an_own_sink_that_raises_still_raises():
    """The run folder's records are at stake: the engine ends the run."""
    sinks = Sinks([Broken()], observers=[Kept()])
    with pytest.raises(BrokenPipeError):
        sinks.sample(a_sample(0.0))


def test_an_observer_failing_at_the_run_end_is_detached_without_an_event_after_the_files_closed():
    kept = Kept()
    sinks = Sinks([kept], observers=[Broken()])
    sinks.emit("run_end", RunEnd(Outcome(Verdict.PASS, "all criteria met")))
    assert kept.events == [] and sinks.observers == []


def test_a_sink_handed_to_the_run_that_raises_is_detached_and_the_run_passes(tmp_path, write):
    outcome, folder = execute(Request(write("p.toml", PROFILE), None, tmp_path / "logs"), [Broken(ok=10)])
    meta, events, rows = read_run(folder)
    assert outcome.verdict is Verdict.PASS and meta["verdict"] == "PASS" and len(rows) == meta["samples"] == 42
    (detached,) = [e for e in events if e["event"] == "view_detached"]
    assert detached["error"] == "BrokenPipeError: [Errno 32] Broken pipe"
