"""Rebuilding an interrupted run's state: the last checkpoint, then every row written after
it replayed through the same integrators, so nothing on disk is lost or counted twice."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from bench.record import checkpoint
from bench.record.checkpoint import RunState
from bench.analysis.cycles import CycleBook
from bench.analysis.metrics import Totals
from bench.profile.reader import Profile


def cut_torn_line(path: Path) -> None:
    """Drop a last line that a crash left half-written (no newline at its end)."""
    if not path.exists():
        return
    with open(path, "rb+") as fh:
        data = fh.read()
        end = data.rfind(b"\n") + 1
        if end != len(data):
            fh.truncate(end)


def recover(folder: Path, profile: Profile, channels: tuple[str, ...]
            ) -> tuple[RunState, Any, list[tuple[int, dict]]]:
    """The run state at the last row on disk, the pickled world (None on a real bench), and
    the cycles that closed in the rows after the checkpoint (their cycles.csv rows are due)."""
    samples, events = folder / "samples.csv", folder / "events.jsonl"
    cut_torn_line(samples)
    cut_torn_line(events)
    state, world = checkpoint.load(folder)
    with open(samples, encoding="utf-8", newline="") as fh:
        header = fh.readline()
        if state is None:
            state = RunState(offset=len(header.encode("utf-8")))
        fh.seek(state.offset)
        closed = _replay(state, csv.reader(io.StringIO(fh.read())), profile, channels)
    position, ended = _step_events(events, state.step_count)
    state.position = position or state.position
    if not state.step_ended and ended:
        state.step_ended = True  # its end was logged, the checkpoint after it was not written
        name = _names(profile).get(state.last_index)
        if name and state.step_totals:
            state.named[name] = state.step_totals
            if state.cycles and state.cycles["live"]:
                state.cycles["live"]["named"][name] = state.step_totals
    return state, world, closed


def _names(profile: Profile) -> dict[int, str | None]:
    return {step.index: step.name for step in profile.steps()}


def _step_events(events: Path, count: int) -> tuple[int | None, bool]:
    """From the events of step `count`: its place in the execution order, and whether it ended."""
    position, ended = None, False
    with open(events, encoding="utf-8") as fh:
        for record in map(json.loads, fh):
            if record.get("count") != count:
                continue
            if record.get("event") in ("step_start", "step_continued"):
                position = record["position"]
            ended = ended or record.get("event") == "step_end"
    return position, ended


class _Row:
    """A samples.csv row seen as the live Readings the integrators are fed."""

    __slots__ = ("temps", "voltage", "i_in", "i_out")


def _replay(state: RunState, rows: Any, profile: Profile, channels: tuple[str, ...]) -> list[tuple[int, dict]]:
    """Feed the rows through the integrators; returns the cycles that closed on the way."""
    names = _names(profile)
    step, run, named = state.totals()
    book = CycleBook.from_state(state.cycles)
    closed: list[tuple[int, dict]] = []
    prev = tuple(state.prev) if state.prev else None
    action = None
    r = _Row()
    last: tuple[float, float] | None = None  # (voltage, net current) of the row before
    for row in rows:
        t = float(row[0])
        cycle, count, index, kind = int(row[5]), int(row[6]), int(row[7]), row[8]
        v_in, i_in, v_out, i_out = map(float, row[13:17])
        r.temps = dict(zip(channels, map(float, row[17:])))
        r.voltage, r.i_in, r.i_out = (v_in if kind in ("charge", "hold") else v_out), i_in, i_out
        if cycle != book.cycle:
            cycle_was, record = book.cycle, book.close()
            if record is not None:
                closed.append((cycle_was, record))
            book.cycle = cycle
        if count != state.step_count or step is None:
            if step is not None and names.get(state.last_index):
                named[names[state.last_index]] = book.named[names[state.last_index]] = step  # it has ended
            before = last if last is not None else (float("nan"), 0.0)
            state.step_count, state.cycle, state.step_start, state.step_ended = count, cycle, t, False
            state.last_index = index
            step, prev, action = Totals(t, r, *before), None, kind
            if run is None:
                run = Totals(t, r)
        if book.totals is None:
            book.totals = Totals(t, r)
        if action is not None and kind != action:  # into or out of a pause: so does the runner
            prev = None
        action = kind
        p_in, p_out = v_in * i_in, v_out * i_out
        if prev is not None:
            dt = t - prev[0]
            increments = (0.5 * (prev[1] + i_in) * dt, 0.5 * (prev[2] + i_out) * dt,
                          0.5 * (prev[3] + p_in) * dt, 0.5 * (prev[4] + p_out) * dt)
            for totals in (step, run, book.totals):
                totals.add(t, *increments, r)  # type: ignore[union-attr]
        prev = (t, i_in, i_out, p_in, p_out)
        last = (r.voltage, i_in - i_out)
        state.rows += 1
        state.test_time = t
    state.step_totals = step.state() if step else None
    state.run_totals = run.state() if run else None
    state.named = {name: totals.state() for name, totals in named.items()}
    state.cycles = book.state()
    state.prev = list(prev) if prev else None
    return closed
