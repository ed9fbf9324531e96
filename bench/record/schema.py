"""The run folder's layout: file names and the columns of its CSV files, in one place.

samples.csv uses Battery Data Format (BDF) names with units in the header; current is positive
when it charges the DUT. Readers (bench.run.recovery, bench.analysis.lot, tests) take the
columns from here, never by position alone.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import NamedTuple

SAMPLES = "samples.csv"
EVENTS = "events.jsonl"
CYCLES = "cycles.csv"
RUN = "run.json"
JUNIT = "junit.xml"
CHECKPOINT = "checkpoint.json"
CONTROL = "control"
LOCK = "run.lock"

SAMPLE_COLUMNS = (
    ("Test Time / s", "%.3f"), ("Unix Time / s", "%.3f"), ("Voltage / V", "%.5f"), ("Current / A", "%.5f"),
    ("Power / W", "%.5f"), ("Cycle Count / 1", "%d"), ("Step Count / 1", "%d"), ("Step Index / 1", "%d"),
    ("Step Type", "%s"), ("Charging Capacity / Ah", "%.6f"), ("Discharging Capacity / Ah", "%.6f"),
    ("Charging Energy / Wh", "%.6f"), ("Discharging Energy / Wh", "%.6f"),
    ("Input Voltage / V", "%.5f"), ("Input Current / A", "%.5f"),
    ("Output Voltage / V", "%.5f"), ("Output Current / A", "%.5f"),
)
CYCLE_COLUMNS = (
    ("Cycle Count / 1", "%d"), ("Test Time / s", "%.3f"), ("Charging Capacity / Ah", "%.6f"),
    ("Discharging Capacity / Ah", "%.6f"), ("Charging Energy / Wh", "%.6f"), ("Discharging Energy / Wh", "%.6f"),
    ("Coulombic Efficiency / %", "%.4f"), ("Energy Efficiency / %", "%.4f"), ("Max Temperature / degC", "%.3f"),
)


def sample_columns(channels: int) -> tuple[tuple[str, str], ...]:
    """(name, printf format) of every samples.csv column for a station with `channels` temperatures."""
    return SAMPLE_COLUMNS + tuple((f"Temperature T{i} / degC", "%.3f") for i in range(1, channels + 1))


_NAMES = tuple(name for name, _ in SAMPLE_COLUMNS)
_AT = {name: _NAMES.index(name) for name in (
    "Test Time / s", "Step Count / 1", "Step Type", "Input Voltage / V", "Input Current / A", "Output Voltage / V",
    "Output Current / A")}


class Row(NamedTuple):
    """The measured part of a samples.csv row, read back (a resume's replay, a re-count of totals)."""

    test_time: float
    step_count: int
    step_type: str
    v_in: float
    i_in: float
    v_out: float
    i_out: float
    temps: tuple[float, ...]  # T1, T2... in the station's channel order


def parse_row(fields: list[str]) -> Row:
    at = _AT
    return Row(float(fields[at["Test Time / s"]]), int(fields[at["Step Count / 1"]]), fields[at["Step Type"]],
               float(fields[at["Input Voltage / V"]]), float(fields[at["Input Current / A"]]),
               float(fields[at["Output Voltage / V"]]), float(fields[at["Output Current / A"]]),
               tuple(map(float, fields[len(SAMPLE_COLUMNS):])))


def rows_on_disk(path: Path) -> tuple[int, float | None]:
    """The complete rows of a samples.csv (neither its header nor a torn last line counted) and
    the test time of the last one (None if there is none); read in chunks, a week of rows is large."""
    header = SAMPLE_COLUMNS[0][0].encode()
    if not path.exists():
        return 0, None
    with open(path, "rb") as fh:
        lines, last, rest, first = 0, b"", b"", None
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            first = chunk if first is None else first
            lines += chunk.count(b"\n")
            data = rest + chunk
            end = data.rfind(b"\n")
            if end >= 0:
                last, rest = data[data.rfind(b"\n", 0, end) + 1:end], data[end + 1:]
            else:
                rest = data
    headed = first is not None and first.startswith(header) and b"\n" in first
    if headed and lines == 1:
        return 0, None
    try:
        return lines - headed, float(last.split(b",", 1)[0]) if lines else None
    except ValueError:
        return lines - headed, None


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
