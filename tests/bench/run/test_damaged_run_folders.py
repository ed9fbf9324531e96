"""A run folder is data: `bench resume` of a damaged or foreign folder never executes anything
from it, refuses what it cannot continue exactly (one line naming the file, exit 2, no
traceback), shows a station that differs before switching anything on, and records rows a
power cut took as a gap, never as a silent hole."""
from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import shutil
from pathlib import Path

import pytest
from runfolders import read_run
from typer.testing import CliRunner

from bench.cli.app import app
from bench.errors import InputError
from bench.record import schema
from bench.record.logbook import Logbook
from bench.record.records import Sink
from bench.run.session import Request, execute, resume
from bench.station.config import default_station_path

PROFILE = """
name = "Two steps"
period = "1 s"
steps = ["Discharge at 1 A for 2 min", "Rest for 1 min"]
[dut]
kind = "power bank"
"""
CRASH_AT = 150  # rows: the rest step, 30 s after its checkpoint
ROWS = 121 + 61  # of the whole run


def _crashed_run(logs: Path, profile: Path, station: Path) -> None:
    real = Logbook.sample

    def sample(self, record):
        real(self, record)
        if self.rows == CRASH_AT:
            self.sync()
            os._exit(9)  # what kill -9 or a power cut leaves
    Logbook.sample = sample
    execute(Request(profile, station, logs, seed=5))


@pytest.fixture(scope="module")
def crashed(tmp_path_factory) -> Path:
    """A run folder left by a crash, with its station file beside it (copied by each test)."""
    where = tmp_path_factory.mktemp("crashed")
    (where / "profile.toml").write_text(PROFILE)
    (where / "station.toml").write_text(Path(default_station_path()).read_text())
    child = multiprocessing.get_context("fork").Process(
        target=_crashed_run, args=(where / "logs", where / "profile.toml", where / "station.toml"))
    child.start()
    child.join(60)
    assert child.exitcode == 9
    (folder,) = (where / "logs").iterdir()
    return folder


@pytest.fixture
def folder(crashed, tmp_path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(crashed, copy)
    shutil.copy(crashed.parents[1] / "station.toml", tmp_path / "station.toml")
    meta = json.loads((copy / "run.json").read_text())
    meta["station"]["path"] = str(tmp_path / "station.toml")  # as if the run had used this copy
    (copy / "run.json").write_text(json.dumps(meta))
    return copy


def refused(folder: Path, *args: str) -> str:
    """`bench resume` of the folder: exit 2 with one line of error, no traceback; that line."""
    result = CliRunner().invoke(app, ["resume", str(folder), *args])
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert result.exit_code == 2 and len(errors) == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    return errors[0]


def edit_json(path: Path, change) -> None:
    """Rewrite a JSON file with `change(data)`, the new document."""
    path.write_text(json.dumps(change(json.loads(path.read_text()))))


class Opens:
    """Pickles into a call that creates `marker`: what a crafted run folder could hold."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return open, (str(self.marker), "w")


def test_a_crafted_folder_executes_nothing_and_a_checkpoint_of_the_wrong_types_is_refused(folder, tmp_path):
    marker = tmp_path / "pwned"
    (folder / "world.pickle").write_bytes(pickle.dumps(Opens(marker)))
    (folder / "checkpoint.json").write_text(json.dumps(
        {"test_time": "30", "files": [], "state": pickle.dumps(Opens(marker)).hex(), "world": 7}))
    line = refused(folder)
    assert "checkpoint.json: test_time: expected a number of seconds, found str" in line
    assert not marker.exists()


@pytest.mark.parametrize("damage, says", [
    (lambda text: "\x00\xff garbage", "checkpoint.json: damaged or cut short"),
    (lambda text: text[: len(text) // 2], "checkpoint.json: damaged or cut short"),
    (lambda text: "[]", "checkpoint.json: expected a JSON object, found list"),
    (lambda text: text.replace('"rows": ', '"rows": -'), "checkpoint.json: files.rows: expected a whole number"),
    (lambda text: json.dumps({**json.loads(text), "state": {}}), "checkpoint.json: state: not the state of this run"),
    (lambda text: json.dumps({**json.loads(text), "world": None}), "checkpoint.json: world: empty"),
    (lambda text: json.dumps({**json.loads(text), "world": {}}), "checkpoint.json: world: empty"),
    (lambda text: json.dumps({**json.loads(text), "world": {"t": 1}}), "checkpoint.json: world: not the simulated world"),
], ids=["garbage", "truncated", "a list", "negative offset", "empty state", "no world", "empty world", "wrong world"])
def test_a_damaged_checkpoint_is_refused_in_one_line(folder, damage, says):
    path = folder / "checkpoint.json"
    path.write_text(damage(path.read_text()))
    assert says in refused(folder)


RECORD = '{"cycle": 1, "totals": {}, "named": {}}\n'


@pytest.mark.parametrize("kept, counted, says", [
    ("", 40, "checkpoint-cycles.jsonl: holds 0 bytes where checkpoint.json counts 40: closed cycles are lost"),
    ("not a record\n", 13, "checkpoint-cycles.jsonl: line 1: not the record of a closed cycle"),
    (RECORD, len(RECORD) - 3, f"checkpoint.json: files.closed_cycles: {len(RECORD) - 3} is not the end of a line"),
    (RECORD, len(RECORD), "checkpoint.json: state: not the state of this run's profile and station (ValueError: "
     "1 closed cycles saved where the state counts 0)"),
], ids=["lost", "not a record", "offset inside a line", "more than the state counts"])
def test_closed_cycles_that_are_not_all_there_are_refused_in_one_line(folder, kept, counted, says):
    (folder / schema.CHECKPOINT_CYCLES).write_text(kept)
    edit_json(folder / "checkpoint.json", lambda data: {**data, "files": {**data["files"], "closed_cycles": counted}})
    assert says in refused(folder)


def test_a_missing_checkpoint_after_rows_were_taken_is_refused_not_restarted_from_zero(folder):
    (folder / "checkpoint.json").unlink()
    line = refused(folder)
    assert f"checkpoint.json: missing, but {schema.SAMPLES} holds {CRASH_AT} rows" in line
    assert "cannot be continued exactly" in line


def test_samples_of_other_columns_are_refused_not_appended_to(folder):
    samples = folder / schema.SAMPLES
    samples.write_bytes(samples.read_bytes().replace(b"Step ID,", b"Step Index / 1,", 1))
    line = refused(folder)
    assert f"{schema.SAMPLES}: header: column 8 is 'Step Index / 1' where this run writes 'Step ID'" in line


@pytest.mark.parametrize("change, says", [
    (lambda meta: [meta], "run.json: expected a JSON object, found list"),
    (lambda meta: {**meta, "profile": {"path": "p.toml"}}, "run.json: profile.text: missing"),
    (lambda meta: {**meta, "station": "sim"}, "run.json: station: expected dict, found str"),
    (lambda meta: {**meta, "unix_start": None}, "run.json: unix_start: expected int or float, found NoneType"),
    (lambda meta: {**meta, "status": "exploded"}, "run.json: status: expected running, stopped or finished"),
    (lambda meta: {**meta, "dut": {**meta["dut"], "spread": {"sigmas": {"capacity": 9.0}}}},
     "run.json: dut.spread: damaged"),
], ids=["a list", "no profile text", "station not a table", "no start time", "unknown status", "a spread out of range"])
def test_a_damaged_run_json_is_refused_in_one_line(folder, change, says):
    edit_json(folder / "run.json", change)
    assert says in refused(folder)


class Events(Sink):
    """The events a resume emits, in order."""

    def __init__(self) -> None:
        self.kinds: list[str] = []
        self.seen: list = []

    def event(self, record) -> None:
        self.kinds.append(record.kind)
        self.seen.append(record)


def test_a_station_file_changed_since_the_run_started_is_shown_and_the_recorded_one_used(folder, tmp_path):
    station = tmp_path / "station.toml"
    station.write_text(station.read_text().replace('name = "', 'name = "edited '))
    events = Events()
    outcome, _ = resume(folder, sinks=[events])
    shown = events.seen[events.kinds.index("station_changed")]
    assert events.kinds.index("station_changed") < events.kinds.index("resumed")  # before anything is switched on
    assert shown.message.startswith("station: using the one recorded in run.json")
    assert '+name = "edited ' in shown.message and shown.fields["diff"] in shown.message
    meta, written, _ = read_run(folder)
    assert "edited" not in meta["station"]["text"] and "station_changed" in [e["event"] for e in written]
    assert outcome.verdict == "PASS"


def test_a_station_given_to_resume_is_used_and_its_difference_shown(folder, tmp_path):
    other = tmp_path / "other.toml"
    other.write_text((tmp_path / "station.toml").read_text().replace('name = "', 'name = "other '))
    events = Events()
    outcome, _ = resume(folder, sinks=[events], station=other)
    shown = events.seen[events.kinds.index("station_changed")]
    assert shown.message.startswith(f"station: using {other} (--station)")
    assert shown.fields["station"] == str(other)
    meta, _, _ = read_run(folder)
    assert meta["station"]["text"] == other.read_text() and outcome.verdict == "PASS"


def test_a_station_with_other_temperature_channels_cannot_carry_on_the_run(folder, tmp_path):
    other = tmp_path / "other.toml"
    text = (tmp_path / "station.toml").read_text()
    other.write_text(text.replace("[thermo.channels]\n", "[thermo.channels]\nextra = 104\n"))
    assert other.read_text() != text
    assert f"{other}: thermo.channels: the run records" in refused(folder, "--station", str(other))


def test_rows_a_power_cut_took_from_the_checkpoint_are_a_gap_event_and_run_json_counts_the_rows_on_disk(folder):
    checkpoint = json.loads((folder / "checkpoint.json").read_text())
    samples = folder / schema.SAMPLES
    lines = samples.read_bytes().splitlines(keepends=True)
    kept = b"".join(lines[: checkpoint["files"]["rows"] - 20 + 1])  # 20 rows the checkpoint had counted: gone
    samples.write_bytes(kept)
    last_kept = float(lines[checkpoint["files"]["rows"] - 20].split(b",")[0])
    outcome, _ = resume(folder)
    meta, events, rows = read_run(folder)
    (gap,) = [e for e in events if e["event"] == "gap"]
    assert gap["rows_lost"] == 20 and gap["from_s"] == last_kept
    assert gap["to_s"] == pytest.approx(checkpoint["state"]["test_time"], abs=1e-3)
    assert gap["span_s"] == pytest.approx(20.0, abs=1e-3)
    assert meta["samples"] == len(rows) and outcome.verdict == "PASS"
    times = [float(r["Test Time / s"]) for r in rows]
    assert times == sorted(times) and len(rows) == ROWS - 20


def test_a_torn_row_a_full_disk_left_is_cut_by_the_resume(folder):
    with open(folder / schema.SAMPLES, "ab") as fh:
        fh.write(b"150.000,17000")
    outcome, _ = resume(folder)
    _, _, rows = read_run(folder)
    assert all(None not in r.values() and len(r) == len(rows[0]) for r in rows) and len(rows) == ROWS
    assert outcome.verdict == "PASS"


def test_a_folder_with_no_checkpoint_and_no_rows_starts_again_with_its_header(folder):
    """Killed (or out of space) before its first checkpoint: nothing ran, the run starts afresh."""
    (folder / "checkpoint.json").unlink()
    (folder / schema.SAMPLES).write_bytes(b"Test Time / s,Unix Ti")  # the header, torn
    (folder / "events.jsonl").write_bytes(b"")
    outcome, _ = resume(folder)
    _, _, rows = read_run(folder)
    assert outcome.verdict == "PASS" and len(rows) == ROWS and "Voltage / V" in rows[0]


def test_resume_is_an_input_error_not_a_traceback_in_process_too(folder):
    (folder / "run.json").write_text("[1, 2]")
    with pytest.raises(InputError, match="expected a JSON object"):
        resume(folder)


def test_a_checkpoint_whose_offset_falls_inside_a_row_is_refused(folder):
    edit_json(folder / "checkpoint.json", lambda data: {**data, "files": {**data["files"],
                                                                            "samples": data["files"]["samples"] - 3}})
    assert "samples.bdf.csv: changed since the run wrote it: the first " in refused(folder)


def test_a_samples_line_edited_after_the_run_wrote_it_is_named_not_the_checkpoint(folder):
    path = folder / "samples.bdf.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = "edited," + lines[3]
    path.write_text("".join(lines), encoding="utf-8")
    said = refused(folder)
    assert said.startswith(f"error: {path}: changed since the run wrote it") and "a line edited" in said
