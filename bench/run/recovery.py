"""Taking an interrupted run's folder back to its last checkpoint, and reading its rows again.

A resume starts from the checkpoint's run state, its closed cycles read back from the bytes of
checkpoint-cycles.jsonl it counts. Events, cycles.csv rows and closed cycles' records written
after it are derived from the samples and are written again as the run goes on, so they are
cut. Sample rows after it are cut on the simulated bench (it runs again from the checkpoint's
world, to the same rows) and replayed on a real bench (measurements that cannot be taken
again), through the engine's own accounting (bench.run.engine.Runner.replay).

Everything here is data: a damaged or foreign folder is an InputError naming the file, never
code run, never a silent difference. Files shorter than the checkpoint says (a power cut took
what the disk had not kept) are a gap the resume records, never a hole nobody mentions; closed
cycles' records are synced before a checkpoint counts them, so fewer of them is a refusal.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.analysis.integrator import Integrator, Totals
from bench.errors import InputError
from bench.profile.reader import Profile
from bench.record import checkpoint, schema
from bench.record.schema import Layout, Row, rows_on_disk
from bench.run.engine import new_state
from bench.run.state import RunState

ENDS = ("fault", "operator_stop", "safety_trip")  # events whose reason ends a run


@dataclass
class Saved:
    """Where the last checkpoint left the run: its state, the simulated world's state (None on a
    real bench, or if the run was killed before its first checkpoint), its test time and how far
    each file went then (`checkpointed` False: no checkpoint, nothing had run yet)."""

    state: RunState
    world: Any
    test_time: float
    files: dict[str, int]
    checkpointed: bool


def cut_torn_line(path: Path) -> None:
    """Drop a last line that a crash left half-written (no newline at its end)."""
    if not path.exists():
        return
    with open(path, "rb+") as fh:
        data = fh.read()
        end = data.rfind(b"\n") + 1
        if end != len(data):
            fh.truncate(end)


def load(folder: Path, profile: Profile, layout: Layout) -> Saved:
    """The run as its last checkpoint saved it, the torn last lines a crash leaves cut.
    InputError if the checkpoint is damaged, is not this run's, or is missing although rows
    were taken (the run cannot be continued exactly), or if the samples have other columns than
    the run writes (`layout`)."""
    for name in (schema.SAMPLES, schema.EVENTS, schema.CYCLES):
        cut_torn_line(folder / name)
    state = new_state(profile, layout.channels)
    found = checkpoint.load(folder)
    path, samples = str(folder / schema.CHECKPOINT), folder / schema.SAMPLES
    header = samples.open(encoding="utf-8", errors="replace").readline() if samples.exists() else ""
    if header and header != layout.header:
        written, wanted = header.rstrip("\n").split(","), layout.names
        at = next((i for i, (a, b) in enumerate(zip(written, wanted)) if a != b), min(len(written), len(wanted)))
        found = f"{written[at]!r}" if at < len(written) else "nothing"
        expected = f"{wanted[at]!r}" if at < len(wanted) else "nothing"
        raise InputError(str(samples), "header", f"column {at + 1} is {found} where this run writes {expected}: "
                         "another run's or another version's samples")
    if found is None:
        rows, _ = rows_on_disk(samples)
        if rows:
            raise InputError(path, "", f"missing, but {schema.SAMPLES} holds {rows} rows: the run's state is "
                             "lost and it cannot be continued exactly; start a new run")
        # killed (or out of space) before the first checkpoint: nothing ran yet, start again
        return Saved(state, None, 0.0, {"rows": 0, "samples": len(header.encode()), "events": 0, "cycles": 0,
                                         "closed_cycles": 0}, False)
    records = checkpoint.closed_cycles(folder, found["files"]["closed_cycles"])
    try:
        state = RunState.from_plain(found["state"], state.readings, records)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise InputError(path, "state", f"not the state of this run's profile and station ({type(exc).__name__}: "
                         f"{exc})") from None
    return Saved(state, found["world"], float(found["test_time"]), found["files"], True)


def lost(folder: Path, saved: Saved) -> tuple[dict[str, Any], str]:
    """What the files lost of what the checkpoint had counted (a power cut before the disk kept
    it): the fields and message of a gap event, empty if nothing; `saved.files` then says what
    is on disk. InputError if the checkpoint says a file ends in the middle of a line."""
    files, short = saved.files, {}
    for name, key in ((schema.SAMPLES, "samples"), (schema.EVENTS, "events"), (schema.CYCLES, "cycles")):
        path = folder / name
        size = path.stat().st_size if path.exists() else 0
        if size < files[key]:
            short[name] = files[key] - size
            files[key] = size
        elif files[key]:
            with open(path, "rb") as fh:
                fh.seek(files[key] - 1)
                if fh.read(1) != b"\n":
                    raise InputError(str(path), "", f"changed since the run wrote it: the first {files[key]} bytes "
                                     f"the checkpoint counts end inside a line (a line edited, or "
                                     f"{schema.CHECKPOINT} not this run's); put the file back as the run left it")
    if not short:
        return {}, ""
    fields: dict[str, Any] = {"bytes_lost": short}
    message = f"shorter than the checkpoint says: {', '.join(short)}"
    if schema.SAMPLES in short:
        rows, last = rows_on_disk(folder / schema.SAMPLES)
        to = round(saved.state.test_time, 3)
        fields.update(rows_lost=files["rows"] - rows, from_s=last, to_s=to,
                      span_s=None if last is None else round(to - last, 3))
        files["rows"] = rows
        span = "all of them" if last is None else f"test time {last:g} s to {to:g} s"
        message = (f"{fields['rows_lost']} rows the checkpoint had counted are not in {schema.SAMPLES} ({span}): "
                   "a gap in the records")
    return fields, message


def run_end_unrecorded(events: list[dict[str, Any]]) -> str | None:
    """How a run ended whose run.json was not updated (a full disk at its very end), from the
    events written after its last checkpoint; None if they do not show an end (a crash)."""
    reasons = [e.get("reason") for e in events if e.get("event") in ENDS]
    if reasons:
        return f"the run ended: {reasons[-1]}"
    if any(e.get("event") == "safe_state" for e in events):
        return "the run ended after its last step"
    return None


def cut(folder: Path, files: dict[str, int], samples: bool) -> list[dict[str, Any]]:
    """Cut events.jsonl, cycles.csv and the closed cycles' records (and the samples if `samples`)
    back to the checkpoint; returns the events that were cut, so that what they said is kept."""
    events = folder / schema.EVENTS
    cut_events: list[dict[str, Any]] = []
    if events.exists():
        with open(events, "rb") as fh:
            fh.seek(files["events"])
            for line in fh.read().decode("utf-8", "replace").splitlines():
                try:
                    cut_events.append(json.loads(line))
                except ValueError:  # a line the crash damaged: kept as it reads
                    cut_events.append({"event": "unreadable", "text": line[:200]})
    targets = [(schema.EVENTS, files["events"]), (schema.CYCLES, files["cycles"]),
               (schema.CHECKPOINT_CYCLES, files["closed_cycles"])]
    if samples:
        targets.append((schema.SAMPLES, files["samples"]))
    for name, size in targets:
        path = folder / name
        if path.exists() and path.stat().st_size > size:
            with open(path, "rb+") as fh:
                fh.truncate(size)
    return cut_events


def rows_after(folder: Path, offset: int, layout: Layout) -> list[Row]:
    """The sample rows after byte `offset` (a real bench's rows since the checkpoint)."""
    path = folder / schema.SAMPLES
    with open(path, "rb") as fh:
        fh.seek(offset)
        text = fh.read().decode("utf-8", "replace")
    rows = []
    for n, fields in enumerate(csv.reader(io.StringIO(text)), 1):
        if not fields:
            continue
        try:
            rows.append(layout.parse(fields))
        except (ValueError, IndexError):
            text = ",".join(fields)[:80]
            raise InputError(str(path), f"row {n} after the checkpoint", f"not a row of samples: {text}") from None
    return rows


def recount(folder: Path) -> Totals | None:
    """The run totals of a run folder counted again from its samples with the run's own
    integrator: not bridged across a new step, a pause, or a resume after a gap."""
    layout = Layout.of_run(json.loads((folder / schema.RUN).read_text(encoding="utf-8")))
    gaps = []
    events = folder / schema.EVENTS
    if events.exists():
        with open(events, encoding="utf-8") as fh:
            gaps = [g for g in map(_gap, map(json.loads, fh)) if g is not None]
    with open(folder / schema.SAMPLES, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        integrator, totals, last = Integrator(), None, None
        point = _Point()
        for fields in reader:
            row = layout.parse(fields)
            if last is not None and (row.step_count != last.step_count or row.step_type != last.step_type
                                     or any(last.test_time <= g < row.test_time for g in gaps)):
                integrator.reset()
            point.take(row)
            if totals is None:
                totals = Totals(row.test_time, point)
            integrator.add(point, (totals,))
            last = row
    return totals


def _gap(event: dict[str, Any]) -> float | None:
    """The test time after which an event says the rows do not follow on: a resume after the
    bench stood still, or rows a power cut took."""
    if event["event"] == "resumed" and event.get("gap_s"):
        return float(event["test_time_s"])
    if event["event"] == "gap":
        return event.get("from_s")
    return None


class _Point:
    """A row seen as the live Readings the integrator and Totals are fed."""

    __slots__ = ("test_time", "voltage", "i_in", "i_out", "p_in", "p_out", "temps")

    def take(self, row: Row) -> None:
        self.test_time, self.i_in, self.i_out = row.test_time, row.i_in, row.i_out
        self.p_in, self.p_out = row.v_in * row.i_in, row.v_out * row.i_out
        self.voltage = row.v_in if row.step_type in ("charge", "hold") else row.v_out
        self.temps = {f"T{i}": v for i, v in enumerate(row.temps, 1)}
