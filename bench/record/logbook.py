"""The logbook sink: samples.csv, events.jsonl and cycles.csv of a run folder (bench.record.schema).

Append-only and crash-safe: samples are flushed at least once a second of wall time and fsynced
at every step boundary; events are flushed as they happen. At a checkpoint it says how far each
file goes, so a resume can cut what came after (bench.run.recovery). A reader must tolerate a
torn last line.
"""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from bench.record import schema
from bench.record.records import Checkpoint, CycleEnd, Event, RunEnd, RunStart, Sample, Sink, StepEnd, StepStart

FLUSH_INTERVAL = 1.0  # s of wall time


class Logbook(Sink):
    """Writes a run folder's data files, appending to an interrupted run's (already cut back to
    the checkpoint by the resume, which says how many `rows` they hold)."""

    def __init__(self, folder: Path, channels: tuple[str, ...], unix_start: float, rows: int = 0) -> None:
        self.folder = folder
        self.unix_start = unix_start
        cols = schema.sample_columns(len(channels))
        self.columns = tuple(name for name, _ in cols)
        self._format = ",".join(fmt for _, fmt in cols) + "\n"
        self._samples = open(folder / schema.SAMPLES, "a", encoding="utf-8", newline="")
        if self._samples.tell() == 0:  # a new run, or one a resume cut back to nothing
            self._samples.write(",".join(self.columns) + "\n")
        self._events = open(folder / schema.EVENTS, "a", encoding="utf-8")
        self._lock = threading.Lock()  # the watchdog thread writes events too
        self._last_flush = time.monotonic()
        self.rows = rows

    # -- records ---------------------------------------------------------------------------
    def run_start(self, record: RunStart) -> None:
        self._event("run_start", record.test_time, profile=record.profile)

    def step_start(self, record: StepStart) -> None:
        step = record.step
        fields: dict[str, Any] = dict(step=step.text, index=step.index, count=record.count,
                                      position=record.position, cycle=record.cycle)
        if record.continued:
            fields["step_time_s"] = round(record.step_time, 3)
        self._event("step_continued" if record.continued else "step_start", record.test_time, **fields)

    def sample(self, record: Sample) -> None:
        r, t = record.readings, record.totals
        self._samples.write(self._format % (
            r.test_time, self.unix_start + r.test_time, r.voltage, r.i_in - r.i_out, r.p_in - r.p_out, record.cycle,
            record.count, record.step.index, record.action, t.q_in / 3600, t.q_out / 3600, t.e_in / 3600,
            t.e_out / 3600, r.v_in, r.i_in, r.v_out, r.i_out, *r.temps.values()))
        self.rows += 1
        now = time.monotonic()
        if now - self._last_flush >= FLUSH_INTERVAL:
            self._samples.flush()
            self._last_flush = now

    def step_end(self, record: StepEnd) -> None:
        self._samples.flush()  # the step's rows are on the file before the event that ends it
        step = record.step
        self._event("step_end", record.test_time, step=step.text, index=step.index, count=record.count,
                    cycle=record.cycle, ended_by=record.ended_by, results=record.totals.to_json())

    def cycle_end(self, record: CycleEnd) -> None:
        s = record.summary
        path = self.folder / schema.CYCLES
        with open(path, "a", encoding="utf-8", newline="") as fh:
            if fh.tell() == 0:  # a new file, or one a resume cut back to nothing
                fh.write(",".join(name for name, _ in schema.CYCLE_COLUMNS) + "\n")
            fh.write(",".join(fmt for _, fmt in schema.CYCLE_COLUMNS) % (
                s.cycle, s.test_time, s.charge_capacity / 3600, s.discharge_capacity / 3600, s.charge_energy / 3600,
                s.discharge_energy / 3600, 100 * s.coulombic_efficiency, 100 * s.energy_efficiency,
                s.max_temperature) + "\n")
        self._event("cycle_end", record.test_time, cycle=s.cycle, charge_capacity_Ah=s.charge_capacity / 3600,
                    discharge_capacity_Ah=s.discharge_capacity / 3600, charge_energy_Wh=s.charge_energy / 3600,
                    discharge_energy_Wh=s.discharge_energy / 3600)

    def event(self, record: Event) -> None:
        self._event(record.kind, record.test_time, **record.fields)

    def checkpoint(self, record: Checkpoint) -> None:
        self._samples.flush()
        self._last_flush = time.monotonic()
        record.files.update(self.files())

    def sync(self) -> None:
        for fh in (self._samples, self._events):
            fh.flush()
            os.fsync(fh.fileno())
        self._last_flush = time.monotonic()

    def run_end(self, record: RunEnd) -> None:
        self.close()
        record.files["rows"] = self.rows

    # -- files -----------------------------------------------------------------------------
    def files(self) -> dict[str, int]:
        """How far each file goes (after a flush): what a checkpoint stands for."""
        with self._lock:
            self._events.flush()
            events = self._events.tell()
        cycles = self.folder / schema.CYCLES
        return {"rows": self.rows, "samples": self._samples.tell(), "events": events,
                "cycles": cycles.stat().st_size if cycles.exists() else 0}

    def _event(self, kind: str, test_time: float, **fields: Any) -> None:
        record = {"event": kind, "test_time_s": round(test_time, 3),
                  "unix_time_s": round(self.unix_start + test_time, 3)}
        record.update(fields)
        with self._lock:
            self._events.write(json.dumps(record, default=str) + "\n")
            self._events.flush()

    def close(self) -> None:
        for fh in (self._samples, self._events):
            if not fh.closed:
                fh.flush()
                os.fsync(fh.fileno())
                fh.close()


def write_atomic(path: Path, text: str) -> None:
    """Write a whole file so that a reader sees the old or the new one, never half of it."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
