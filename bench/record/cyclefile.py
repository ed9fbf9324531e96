"""cycles.csv read back: the per-cycle rows the logbook wrote, for the run index, the lot
screen and the reports (a torn or unreadable line skipped, as a crash may leave one)."""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from bench.record import schema

# key -> cycles.csv column
CYCLE_COLUMNS = {
    "cycle": schema.CYCLE_COUNT, "time": schema.TEST_TIME, "q_in": schema.CHARGING_CAPACITY,
    "q_out": schema.DISCHARGING_CAPACITY, "e_in": schema.CHARGING_ENERGY, "e_out": schema.DISCHARGING_ENERGY,
    "ce": schema.COULOMBIC_EFFICIENCY, "ee": schema.ENERGY_EFFICIENCY, "t_max": schema.MAX_TEMPERATURE,
}


def read_cycles(path: Path) -> list[dict[str, float]]:
    """The rows of a cycles.csv in cycle order, keyed as CYCLE_COLUMNS (a cell that is empty, NaN or
    unreadable is left out of its row; a torn last line is skipped; no file: no rows)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    rows: list[dict[str, float]] = []
    for raw in csv.DictReader(io.StringIO(text)):
        if None in raw.values() or None in raw:  # a torn (short) or garbled (long) line
            continue
        row = {}
        for key, column in CYCLE_COLUMNS.items():
            try:
                value = float(raw.get(column) or "nan")
            except ValueError:
                value = math.nan
            if math.isfinite(value):
                row[key] = value
        if "cycle" in row:
            rows.append(row)
    return sorted(rows, key=lambda r: r["cycle"])
