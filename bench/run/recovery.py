"""Taking an interrupted run's folder back to its last checkpoint, and reading its rows again.

A resume starts from the checkpoint's run state. Events and cycles.csv rows written after it
are derived from the samples and are written again as the run goes on, so they are cut. Sample
rows after it are cut on the simulated bench (it runs again from the checkpoint's world, to the
same rows) and replayed on a real bench (measurements that cannot be taken again), through
the engine's own accounting (bench.run.engine.Runner.replay).
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from bench.analysis.integrator import Integrator, Totals
from bench.profile.reader import Profile
from bench.record import checkpoint, schema
from bench.record.schema import Row, parse_row
from bench.run.engine import new_state
from bench.run.state import RunState


def cut_torn_line(path: Path) -> None:
    """Drop a last line that a crash left half-written (no newline at its end)."""
    if not path.exists():
        return
    with open(path, "rb+") as fh:
        data = fh.read()
        end = data.rfind(b"\n") + 1
        if end != len(data):
            fh.truncate(end)


def load(folder: Path, profile: Profile, channels: tuple[str, ...]) -> tuple[RunState, Any, dict[str, int]]:
    """The run state at the last checkpoint, its simulated world's state (None on a real bench, or
    if the run was killed before its first checkpoint) and how far each file went then."""
    for name in (schema.SAMPLES, schema.EVENTS):
        cut_torn_line(folder / name)
    state = new_state(profile, channels)
    found = checkpoint.load(folder)
    if found is None:  # killed before the first checkpoint: nothing ran yet, start again
        samples = folder / schema.SAMPLES
        header = len(samples.open("rb").readline()) if samples.exists() else 0
        return state, None, {"rows": 0, "samples": header, "events": 0, "cycles": 0}
    return RunState.from_plain(found["state"], state.readings), found["world"], found["files"]


def cut(folder: Path, files: dict[str, int], samples: bool) -> list[dict[str, Any]]:
    """Cut events.jsonl and cycles.csv (and samples.csv if `samples`) back to the checkpoint;
    returns the events that were cut, so that what they said is kept."""
    events = folder / schema.EVENTS
    cut_events: list[dict[str, Any]] = []
    if events.exists():
        with open(events, "rb") as fh:
            fh.seek(files["events"])
            cut_events = [json.loads(line) for line in fh.read().decode("utf-8").splitlines() if line.strip()]
    targets = [(schema.EVENTS, files["events"]), (schema.CYCLES, files["cycles"])]
    if samples:
        targets.append((schema.SAMPLES, files["samples"]))
    for name, size in targets:
        path = folder / name
        if path.exists() and path.stat().st_size > size:
            with open(path, "rb+") as fh:
                fh.truncate(size)
    return cut_events


def rows_after(folder: Path, offset: int) -> list[Row]:
    """The samples.csv rows after byte `offset` (a real bench's rows since the checkpoint)."""
    with open(folder / schema.SAMPLES, "rb") as fh:
        fh.seek(offset)
        text = fh.read().decode("utf-8")
    return [parse_row(fields) for fields in csv.reader(io.StringIO(text)) if fields]


def recount(folder: Path) -> Totals | None:
    """The run totals of a run folder counted again from its samples.csv with the run's own
    integrator: not bridged across a new step, a pause, or a resume after a gap."""
    gaps = []
    events = folder / schema.EVENTS
    if events.exists():
        with open(events, encoding="utf-8") as fh:
            gaps = [e["test_time_s"] for e in map(json.loads, fh) if e["event"] == "resumed" and e.get("gap_s")]
    with open(folder / schema.SAMPLES, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        integrator, totals, last = Integrator(), None, None
        point = _Point()
        for fields in reader:
            row = parse_row(fields)
            if last is not None and (row.step_count != last.step_count or row.step_type != last.step_type
                                     or any(last.test_time <= g < row.test_time for g in gaps)):
                integrator.reset()
            point.take(row)
            if totals is None:
                totals = Totals(row.test_time, point)
            integrator.add(point, (totals,))
            last = row
    return totals


class _Point:
    """A row seen as the live Readings the integrator and Totals are fed."""

    __slots__ = ("test_time", "voltage", "i_in", "i_out", "p_in", "p_out", "temps")

    def take(self, row: Row) -> None:
        self.test_time, self.i_in, self.i_out = row.test_time, row.i_in, row.i_out
        self.p_in, self.p_out = row.v_in * row.i_in, row.v_out * row.i_out
        self.voltage = row.v_in if row.step_type in ("charge", "hold") else row.v_out
        self.temps = {f"T{i}": v for i, v in enumerate(row.temps, 1)}
