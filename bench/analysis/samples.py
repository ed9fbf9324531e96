"""A run folder's samples read back for reports and plots, as numpy arrays.

Columns are found by the names in bench.record.schema, never by position or by a name written
here, so a renamed column or file needs no change in this module. The step a row belongs to is
its step count (one number per step executed), so a step repeated in a loop is a step of its own.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.errors import InputError
from bench.record import schema

_NUMBERS = {  # attribute of Samples -> column
    "time": schema.TEST_TIME, "voltage": schema.VOLTAGE, "current": schema.CURRENT, "power": schema.POWER,
    "cycle": schema.CYCLE_COUNT, "step": schema.STEP_COUNT, "index": schema.STEP_ID, "v_in": schema.INPUT_VOLTAGE,
    "i_in": schema.INPUT_CURRENT, "v_out": schema.OUTPUT_VOLTAGE, "i_out": schema.OUTPUT_CURRENT,
}


@dataclass(frozen=True)
class Step:
    """One step as executed: rows [first, last] of the samples; it spans `start` to `end` (the next
    step's first sample, or its own last one)."""

    count: int
    index: int  # position in the profile
    kind: str  # charge, discharge, hold, rest
    cycle: int
    first: int
    last: int
    start: float
    end: float


@dataclass(frozen=True)
class Samples:
    """Every column a report plots, one array each (SI units as in the file: s, V, A, W, degC)."""

    time: np.ndarray
    voltage: np.ndarray  # the DUT's
    current: np.ndarray  # positive when it charges the DUT
    power: np.ndarray
    cycle: np.ndarray
    step: np.ndarray  # step count
    index: np.ndarray  # step index in the profile
    kind: np.ndarray  # step type
    v_in: np.ndarray
    i_in: np.ndarray
    v_out: np.ndarray
    i_out: np.ndarray
    temperatures: dict[str, np.ndarray]  # channel name (run.json temperature_channels) -> degC

    def __len__(self) -> int:
        return len(self.time)

    def rows(self, first: int, last: int) -> Samples:
        """Rows first to last (included): a part of the run, one cycle say."""
        part = slice(first, last + 1)
        return Samples(**{name: getattr(self, name)[part] for name in (*_NUMBERS, "kind")},
                       temperatures={name: values[part] for name, values in self.temperatures.items()})

    def cycles(self) -> list[tuple[int, int, int]]:
        """(cycle, first row, last row) of each cycle, in order."""
        if not len(self):
            return []
        starts = np.flatnonzero(np.diff(self.cycle)) + 1
        firsts, lasts = np.concatenate(([0], starts)), np.concatenate((starts - 1, [len(self) - 1]))
        return [(int(self.cycle[a]), int(a), int(b)) for a, b in zip(firsts, lasts)]

    def steps(self) -> list[Step]:
        """The steps executed, in order."""
        if not len(self):
            return []
        starts = np.flatnonzero(np.diff(self.step)) + 1
        firsts = np.concatenate(([0], starts))
        lasts = np.concatenate((starts - 1, [len(self) - 1]))
        ends = np.concatenate((self.time[starts], [self.time[-1]]))
        return [Step(int(self.step[a]), int(self.index[a]), str(self.kind[a]), int(self.cycle[a]), int(a), int(b),
                     float(self.time[a]), float(end)) for a, b, end in zip(firsts, lasts, ends)]


_NUMPY_AT = re.compile(r"could not convert string (?P<text>'.*') to \w+ at row (?P<row>\d+), column (?P<column>\d+)")


def _bad_row(path: str, header: list[str], exc: ValueError) -> InputError:
    """numpy's complaint about a row, told as the file's line (1-based, the header line 1) and
    column name."""
    found = _NUMPY_AT.search(str(exc))
    if found is None:
        return InputError(path, "", f"not a table of samples ({exc})")
    column = int(found["column"])
    name = header[column - 1] if 0 < column <= len(header) else f"column {column}"
    return InputError(path, f"line {int(found['row']) + 2}", f"{name}: {found['text']} is not a number")


def read_samples(folder: Path, meta: dict[str, Any]) -> Samples:
    """The samples file of a run folder (`meta`: its run.json, for the temperature channel names).
    A torn last line (a run still going, or cut by a crash) is left out; a missing column or a bad
    row elsewhere is an InputError naming the file. Parsed by numpy, column by column: a week of
    one-second rows is read in seconds and held as floats, not as text."""
    path = folder / schema.SAMPLES
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), "", f"cannot read the samples ({exc})") from None
    text = text[:text.rfind("\n") + 1]  # the lines written out whole
    header = next(csv.reader([text.partition("\n")[0]]), [])
    channels = meta.get("temperature_channels") or {}
    temperature_columns = {name: column for name, column in channels.items()
                           if isinstance(name, str) and isinstance(column, str)}  # channel name -> its column
    at = {}
    for column in (*_NUMBERS.values(), schema.STEP_TYPE, *temperature_columns.values()):
        if column not in header:
            raise InputError(str(path), column, "column missing: not the samples file of a bench run")
        at[column] = header.index(column)

    def columns(names: list[str], kind: type) -> np.ndarray:
        if text.count("\n") < 2:  # a header alone
            return np.empty((len(names), 0), dtype=kind)
        try:
            return np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1, usecols=[at[n] for n in names],
                              dtype=kind, ndmin=2, comments=None).T
        except ValueError as exc:
            raise _bad_row(str(path), header, exc) from None
    names = [*_NUMBERS.values(), *temperature_columns.values()]
    numbers = dict(zip([*_NUMBERS, *temperature_columns], columns(names, float)))
    for attribute in ("cycle", "step", "index"):
        numbers[attribute] = numbers[attribute].astype(int)
    return Samples(**{attribute: numbers[attribute] for attribute in _NUMBERS}, kind=columns([schema.STEP_TYPE], str)[0],
                   temperatures={name: numbers[name] for name in temperature_columns})
