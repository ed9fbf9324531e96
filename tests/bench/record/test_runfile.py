"""run.json: written whole (a reader sees the old file or the new one), and at the run's end
filled with how it ended."""
from __future__ import annotations

import datetime as dt
import json

from bench.analysis.criteria import Criterion, Result
from bench.analysis.integrator import Totals
from bench.record.verdict import Verdict
from bench.record.records import RunEnd
from bench.record.runfile import RunFile
from bench.run.engine import Outcome
from bench.run.readings import Readings

CAPACITY = Criterion("delivered capacity", "discharge capacity", None, "discharge", 5.2 * 3600, None, 0.0,
                     "capacity", "criteria[1]")


def read(folder) -> dict:
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


def run_totals() -> Totals:
    """10 s to 3610.5 s of test time: 6.5 Ah and 24 Wh out, cell at most 31.5 degC."""
    readings = Readings(("cell",), None)
    readings.temps["cell"] = 31.5
    totals = Totals(10.0, readings)
    totals.end, totals.q_out, totals.e_out = 3610.5, 6.5 * 3600, 24.0 * 3600
    return totals


def test_write_replaces_run_json_whole_and_leaves_no_temporary_file(tmp_path):
    run = RunFile(tmp_path, {"id": "r1", "status": "running", "notes": "x" * 1000})
    run.write()
    run.meta = {"id": "r1", "status": "running"}
    run.write()
    assert read(tmp_path) == {"id": "r1", "status": "running"}
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_run_end_records_the_verdict_reason_criteria_totals_and_samples(tmp_path):
    result = Result(CAPACITY, 6.5 * 3600, "PASS")
    run = RunFile(tmp_path, {"id": "r1", "status": "running", "profile": {"name": "Quick check"}})
    run.run_end(RunEnd(Outcome(Verdict.PASS, "all criteria met", [result], run_totals()), {"rows": 3601}))
    meta = read(tmp_path)
    assert meta["id"] == "r1" and meta["profile"] == {"name": "Quick check"}  # what it had is kept
    assert meta["status"] == "finished"
    assert meta["verdict"] == "PASS" and meta["reason"] == "all criteria met"
    assert meta["criteria"] == [result.to_json()]
    assert meta["totals"] == run_totals().to_json()
    assert meta["test_time_s"] == 3600.5
    assert meta["samples"] == 3601
    assert meta["safe_state_confirmed"] is True
    assert dt.datetime.fromisoformat(meta["ended"]).tzinfo is not None


def test_a_run_that_ended_before_any_sample_has_no_totals_and_no_test_time(tmp_path):
    run = RunFile(tmp_path, {"id": "r1"})
    outcome = Outcome(Verdict.ERROR, "instrument fault: timeout", safe_problems=["load: no answer"])
    run.run_end(RunEnd(outcome))
    meta = read(tmp_path)
    assert (meta["verdict"], meta["reason"]) == ("ERROR", "instrument fault: timeout")
    assert meta["totals"] is None and meta["test_time_s"] == 0.0
    assert meta["criteria"] == [] and meta["samples"] is None
    assert meta["safe_state_confirmed"] is False
