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

# column names, shared by samples.csv and cycles.csv: readers use these, never the text
TEST_TIME = "Test Time / s"
UNIX_TIME = "Unix Time / s"
VOLTAGE = "Voltage / V"  # the DUT's: the input port's while it charges or holds, else the output port's
CURRENT = "Current / A"  # input minus output: positive when it charges the DUT
POWER = "Power / W"
CYCLE = "Cycle Count / 1"
STEP_COUNT = "Step Count / 1"  # the steps run so far: one number per step executed
STEP_INDEX = "Step Index / 1"  # the step's position in the profile
STEP_TYPE = "Step Type"  # charge, discharge, hold, rest
CHARGE_CAPACITY = "Charging Capacity / Ah"
DISCHARGE_CAPACITY = "Discharging Capacity / Ah"
CHARGE_ENERGY = "Charging Energy / Wh"
DISCHARGE_ENERGY = "Discharging Energy / Wh"
INPUT_VOLTAGE = "Input Voltage / V"
INPUT_CURRENT = "Input Current / A"
OUTPUT_VOLTAGE = "Output Voltage / V"
OUTPUT_CURRENT = "Output Current / A"
COULOMBIC_EFFICIENCY = "Coulombic Efficiency / %"
ENERGY_EFFICIENCY = "Energy Efficiency / %"
MAX_TEMPERATURE = "Max Temperature / degC"

SAMPLE_COLUMNS = (
    (TEST_TIME, "%.3f"), (UNIX_TIME, "%.3f"), (VOLTAGE, "%.5f"), (CURRENT, "%.5f"), (POWER, "%.5f"), (CYCLE, "%d"),
    (STEP_COUNT, "%d"), (STEP_INDEX, "%d"), (STEP_TYPE, "%s"), (CHARGE_CAPACITY, "%.6f"), (DISCHARGE_CAPACITY, "%.6f"),
    (CHARGE_ENERGY, "%.6f"), (DISCHARGE_ENERGY, "%.6f"), (INPUT_VOLTAGE, "%.5f"), (INPUT_CURRENT, "%.5f"),
    (OUTPUT_VOLTAGE, "%.5f"), (OUTPUT_CURRENT, "%.5f"),
)
CYCLE_COLUMNS = (
    (CYCLE, "%d"), (TEST_TIME, "%.3f"), (CHARGE_CAPACITY, "%.6f"), (DISCHARGE_CAPACITY, "%.6f"),
    (CHARGE_ENERGY, "%.6f"), (DISCHARGE_ENERGY, "%.6f"), (COULOMBIC_EFFICIENCY, "%.4f"), (ENERGY_EFFICIENCY, "%.4f"),
    (MAX_TEMPERATURE, "%.3f"),
)


def temperature_column(number: int) -> str:
    """The column of temperature channel `number` (1, 2...: run.json temperature_channels T1, T2...)."""
    return f"Temperature T{number} / degC"


def sample_columns(channels: int) -> tuple[tuple[str, str], ...]:
    """(name, printf format) of every samples.csv column for a station with `channels` temperatures."""
    return SAMPLE_COLUMNS + tuple((temperature_column(i), "%.3f") for i in range(1, channels + 1))


_NAMES = tuple(name for name, _ in SAMPLE_COLUMNS)
_AT = {name: _NAMES.index(name) for name in (
    TEST_TIME, STEP_COUNT, STEP_TYPE, INPUT_VOLTAGE, INPUT_CURRENT, OUTPUT_VOLTAGE, OUTPUT_CURRENT)}


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
    return Row(float(fields[at[TEST_TIME]]), int(fields[at[STEP_COUNT]]), fields[at[STEP_TYPE]],
               float(fields[at[INPUT_VOLTAGE]]), float(fields[at[INPUT_CURRENT]]),
               float(fields[at[OUTPUT_VOLTAGE]]), float(fields[at[OUTPUT_CURRENT]]),
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


def claim_run_folder(path: Path) -> Path:
    """`path` itself as the run folder: made (with its parents), or taken if it is an empty folder;
    anything else there is never reused (FileExistsError)."""
    try:
        path.mkdir(parents=True)
    except FileExistsError:
        if not path.is_dir() or any(path.iterdir()):
            raise
    return path
