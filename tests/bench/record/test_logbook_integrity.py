"""Nothing the records hold is lost without a word: a data file deleted, replaced or cut under
the running run, or a disk that fills, is a RecordError naming the file; rows reach the disk
within one sample period + 1 s of wall time; no writer leaves a temporary file behind."""
from __future__ import annotations

import errno
import json
import os
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench.record.verdict import Verdict
from bench.record import logbook, schema
from bench.record.checkpoint import Checkpointer
from bench.record.logbook import Logbook, write_atomic
from bench.record.records import Checkpoint, Event, RecordError, RunEnd, Sample
from bench.record.runfile import RunFile
from bench.run.engine import Outcome

STEP = SimpleNamespace(index=1, text="Rest for 1 h")
TOTALS = SimpleNamespace(q_in=0.0, q_out=0.0, e_in=0.0, e_out=0.0)
SAMPLES = schema.SAMPLES
ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class Wall:
    """The logbook's wall clock, moved by hand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.t = 1000.0
        monkeypatch.setattr(logbook.time, "monotonic", lambda: self.t)


def sample(t: float) -> Sample:
    readings = SimpleNamespace(test_time=t, step_time=t, voltage=4.0, i_in=0.0, i_out=1.0, p_in=0.0, p_out=4.0,
                               v_in=0.0, v_out=4.0, temps={"cell": 25.0})
    return Sample(readings, STEP, 1, 1, TOTALS, "rest", TOTALS)


def rows_on_disk(folder: Path) -> int:
    return (folder / SAMPLES).read_text().count("\n") - 1


@pytest.fixture
def wall(monkeypatch) -> Wall:
    return Wall(monkeypatch)


@pytest.fixture
def log(tmp_path, wall) -> Logbook:
    book = Logbook(tmp_path, schema.Layout(("cell",), bank=False), 0.0)
    yield book
    book.close()


def test_slow_rows_are_on_disk_as_they_are_taken(tmp_path, wall, log):
    for n in range(1, 6):
        wall.t += 0.25  # 4 rows a second of wall time
        log.sample(sample(n))
        assert rows_on_disk(tmp_path) == n


def test_fast_rows_wait_at_most_a_second_and_a_sample_period_of_wall_time(tmp_path, wall, log):
    period, held = 0.05, []
    for n in range(1, 60):
        wall.t += period
        log.sample(sample(n * period))
        held += [n - rows_on_disk(tmp_path)]
    assert 0 in held and (max(held) - 1) * period <= 1.0 + period  # the oldest row held, taken that long ago


@pytest.mark.parametrize("name", [SAMPLES, "events.jsonl"])
@pytest.mark.parametrize("damage", ["deleted", "replaced", "cut short"])
def test_a_data_file_damaged_under_the_run_is_a_record_error_at_the_next_flush(tmp_path, wall, log, name, damage):
    log.event(Event("note", 0.0))
    wall.t += 1
    log.sample(sample(0.0))
    path = tmp_path / name
    if damage == "deleted":
        path.unlink()
    elif damage == "replaced":
        path.rename(tmp_path / "old")
        path.write_text(path.with_name("old").read_text())
    else:
        os.truncate(path, path.stat().st_size - 5)
    wall.t += 1
    with pytest.raises(RecordError, match=f"^{name}: {damage}"):
        log.sample(sample(1.0))


def test_a_full_disk_is_one_record_error_naming_the_file_then_the_logbook_keeps_quiet(tmp_path, wall, log,
                                                                                      monkeypatch):
    wall.t += 1
    log.sample(sample(0.0))
    monkeypatch.setattr(logbook.os, "write", lambda fd, data: (_ for _ in ()).throw(ENOSPC))
    wall.t += 1
    with pytest.raises(RecordError) as caught:
        log.sample(sample(1.0))
    assert str(caught.value) == f"{SAMPLES}: disk full (No space left on device)"
    wall.t += 1
    log.sample(sample(2.0))  # the run's stop path goes on: said once is enough
    log.event(Event("fault", 2.0, {"reason": f"records: {caught.value}"}))
    with pytest.raises(RecordError):  # no checkpoint for rows that are not on disk
        log.checkpoint(Checkpoint(2.0, None))


def test_a_failure_in_the_watchdog_thread_is_raised_in_the_run_thread_at_its_next_flush(tmp_path, wall, log):
    (tmp_path / "events.jsonl").unlink()
    watchdog = threading.Thread(target=log.event, args=(Event("watchdog", 0.0),))
    watchdog.start()
    watchdog.join()
    wall.t += 1
    with pytest.raises(RecordError, match="^events.jsonl: deleted"):
        log.sample(sample(0.0))


def test_records_that_failed_make_the_outcome_error_and_resumable_with_the_rows_on_disk(tmp_path, wall, log):
    for n in range(3):
        wall.t += 1
        log.sample(sample(n))
    os.truncate(tmp_path / SAMPLES, (tmp_path / SAMPLES).stat().st_size - 10)  # the end of the third row gone
    outcome = Outcome(Verdict.PASS, "all criteria met")
    record = RunEnd(outcome)
    log.run_end(record)
    assert outcome.verdict is Verdict.ERROR and outcome.resumable
    assert outcome.reason.startswith(f"records: {SAMPLES}: cut short under the running run")
    assert outcome.reason.endswith("(the run: PASS: all criteria met)")
    assert record.files["rows"] == 2  # the torn third row is not one


def test_an_error_already_told_is_not_repeated_in_the_reason(tmp_path, wall, log):
    (tmp_path / SAMPLES).unlink()
    wall.t += 1
    with pytest.raises(RecordError) as caught:
        log.sample(sample(0.0))
    outcome = Outcome(Verdict.ERROR, f"records: {caught.value}")
    log.run_end(RunEnd(outcome))
    assert outcome.reason == f"records: {caught.value}" and outcome.resumable


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_write_atomic_that_fails_is_a_record_error_and_leaves_no_temporary_file(tmp_path, monkeypatch, failing):
    (tmp_path / "run.json").write_text("{}")
    if failing == "write":
        monkeypatch.setattr("builtins.open", lambda *a, **k: (_ for _ in ()).throw(ENOSPC))
    else:
        monkeypatch.setattr(logbook.os, failing, lambda *a: (_ for _ in ()).throw(ENOSPC))
    with pytest.raises(RecordError, match=r"^run\.json: disk full \(No space left on device\)$"):
        write_atomic(tmp_path / "run.json", "{}\n")
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]


@pytest.mark.parametrize("closed, failing", [({}, "checkpoint.json"), ({1: {"totals": {}, "named": {}}},
                                                                          "checkpoint-cycles.jsonl")])
def test_a_checkpoint_on_a_full_disk_is_a_record_error(tmp_path, monkeypatch, closed, failing):
    """A closed cycle's record that the disk does not take is never counted by a checkpoint."""
    monkeypatch.setattr(logbook.os, "fsync", lambda fd: (_ for _ in ()).throw(ENOSPC))
    state = SimpleNamespace(to_plain=dict, book=SimpleNamespace(records=closed))
    with pytest.raises(RecordError, match=f"^{failing}: disk full"):
        Checkpointer(tmp_path).checkpoint(Checkpoint(1.0, state, None, {"rows": 0}))
    assert not (tmp_path / "checkpoint.json").exists() and not list(tmp_path.glob("*.tmp"))


def test_a_cycle_row_on_a_full_disk_is_a_record_error(tmp_path, wall, log, monkeypatch):
    from bench.analysis.cycles import CycleSummary
    from bench.record.records import CycleEnd

    monkeypatch.setattr("builtins.open", lambda *a, **k: (_ for _ in ()).throw(ENOSPC))
    with pytest.raises(RecordError, match="^cycles.csv: disk full"):
        log.cycle_end(CycleEnd(10.0, CycleSummary(1, 10.0, 3600.0, 3600.0, 0.0, 0.0, 1.0, 1.0, 25.0)))


def run_end(tmp_path: Path, outcome: Outcome) -> dict:
    (tmp_path / "checkpoint.json").write_text("{}")
    RunFile(tmp_path, {"id": "r1", "status": "running"}).run_end(RunEnd(outcome, {"rows": 5}))
    return json.loads((tmp_path / "run.json").read_text())


def test_an_operator_stop_leaves_a_stopped_run_with_its_checkpoint(tmp_path):
    outcome = Outcome(Verdict.ABORTED, "operator stop (SIGTERM)", resumable=True)
    meta = run_end(tmp_path, outcome)
    assert (meta["status"], meta["verdict"], meta["reason"]) == ("stopped", "ABORTED", "operator stop (SIGTERM)")
    assert meta["samples"] == 5 and (tmp_path / "checkpoint.json").exists()


def test_a_finished_run_has_no_checkpoint_left(tmp_path):
    meta = run_end(tmp_path, Outcome(Verdict.PASS, "all criteria met"))
    assert meta["status"] == "finished" and not (tmp_path / "checkpoint.json").exists()


def test_a_run_json_that_cannot_be_written_at_the_end_turns_the_outcome_to_error_and_keeps_the_checkpoint(
        tmp_path, monkeypatch):
    RunFile(tmp_path, {"id": "r1", "status": "running"}).write()
    monkeypatch.setattr(logbook.os, "replace", lambda *a: (_ for _ in ()).throw(ENOSPC))
    outcome = Outcome(Verdict.PASS, "all criteria met")
    run_end(tmp_path, outcome)  # reads the run.json left: the one that says running
    assert outcome.verdict is Verdict.ERROR and outcome.resumable
    assert outcome.reason.startswith("records: run.json: disk full")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.json", "run.json"]
