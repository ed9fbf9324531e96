"""The run folder: samples.csv (BDF columns), events.jsonl, run.json, junit.xml.

Append-only and crash-safe: samples are flushed at least once a second of wall time and
fsynced at every step boundary; events are flushed as they happen; run.json is replaced
atomically. A reader must tolerate a torn last line.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

# BDF (Battery Data Format) names, units in the header; current positive = charging the DUT.
BASE_COLUMNS = (
    ("Test Time / s", "%.3f"), ("Unix Time / s", "%.3f"), ("Voltage / V", "%.5f"), ("Current / A", "%.5f"),
    ("Power / W", "%.5f"), ("Cycle Count / 1", "%d"), ("Step Count / 1", "%d"), ("Step Index / 1", "%d"),
    ("Step Type", "%s"), ("Charging Capacity / Ah", "%.6f"), ("Discharging Capacity / Ah", "%.6f"),
    ("Charging Energy / Wh", "%.6f"), ("Discharging Energy / Wh", "%.6f"),
    ("Input Voltage / V", "%.5f"), ("Input Current / A", "%.5f"),
    ("Output Voltage / V", "%.5f"), ("Output Current / A", "%.5f"),
)
FLUSH_INTERVAL = 1.0
CYCLE_COLUMNS = (
    ("Cycle Count / 1", "%d"), ("Test Time / s", "%.3f"), ("Charging Capacity / Ah", "%.6f"),
    ("Discharging Capacity / Ah", "%.6f"), ("Charging Energy / Wh", "%.6f"), ("Discharging Energy / Wh", "%.6f"),
    ("Coulombic Efficiency / %", "%.4f"), ("Energy Efficiency / %", "%.4f"), ("Max Temperature / degC", "%.3f"),
)


def new_run_folder(log_dir: Path, profile_stem: str, serial: str | None, now: dt.datetime) -> Path:
    """A fresh folder `<date>-<time>-<profile>[-<serial>]`; an existing folder is never reused."""
    parts = [now.strftime("%Y%m%d-%H%M%S"), profile_stem] + ([serial] if serial else [])
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(parts))
    log_dir.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        folder = log_dir / (stem if n == 1 else f"{stem}-{n}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise FileExistsError(f"no free run folder name under {log_dir} for {stem}")


def columns(channels: int) -> tuple[tuple[str, str], ...]:
    """(name, format) of every samples.csv column for a station with `channels` temperatures."""
    return BASE_COLUMNS + tuple((f"Temperature T{i} / degC", "%.3f") for i in range(1, channels + 1))


class Logbook:
    """Writes a run folder. `rows` > 0 reopens an interrupted run's files to append to them."""

    def __init__(self, folder: Path, channels: tuple[str, ...], unix_start: float, rows: int = 0) -> None:
        self.folder = folder
        self.unix_start = unix_start
        cols = columns(len(channels))
        self.columns = tuple(name for name, _ in cols)
        self._format = ",".join(fmt for _, fmt in cols) + "\n"
        mode = "a" if rows else "x"
        self._samples = open(folder / "samples.csv", mode, encoding="utf-8", newline="")
        if not rows:
            self._samples.write(",".join(self.columns) + "\n")
        self._events = open(folder / "events.jsonl", mode, encoding="utf-8")
        self._lock = threading.Lock()  # the watchdog thread writes events too
        self._last_flush = time.monotonic()
        self.rows = rows

    def sample(self, values: tuple[Any, ...]) -> None:
        """One row, values in column order (the Unix time is filled in here)."""
        self._samples.write(self._format % ((values[0], self.unix_start + values[0]) + values[1:]))
        self.rows += 1
        now = time.monotonic()
        if now - self._last_flush >= FLUSH_INTERVAL:
            self._samples.flush()
            self._last_flush = now

    def event(self, kind: str, test_time: float, **fields: Any) -> None:
        record = {"event": kind, "test_time_s": round(test_time, 3), "unix_time_s": round(self.unix_start + test_time, 3)}
        record.update(fields)
        with self._lock:
            self._events.write(json.dumps(record, default=str) + "\n")
            self._events.flush()

    def cycle(self, values: tuple[Any, ...]) -> None:
        """One row of cycles.csv: a cycle that has just completed."""
        path = self.folder / "cycles.csv"
        new = not path.exists()
        with open(path, "a", encoding="utf-8", newline="") as fh:
            if new:
                fh.write(",".join(name for name, _ in CYCLE_COLUMNS) + "\n")
            fh.write(",".join(fmt for _, fmt in CYCLE_COLUMNS) % values + "\n")

    def flush(self) -> None:
        self._samples.flush()
        self._last_flush = time.monotonic()

    def offset(self) -> int:
        """Bytes of samples.csv written so far (after flush: all on the file)."""
        return self._samples.tell()

    def sync(self) -> None:
        """Step boundary: everything so far is on disk."""
        for fh in (self._samples, self._events):
            fh.flush()
            os.fsync(fh.fileno())
        self._last_flush = time.monotonic()

    def write_json(self, name: str, data: dict[str, Any]) -> None:
        write_atomic(self.folder / name, json.dumps(data, indent=2, default=str) + "\n")

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
