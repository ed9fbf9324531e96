"""The checkpointer sink: the run state, written atomically before the instruments are opened,
at every step start, pause and continue, and every few seconds; with it, on the simulated bench,
the simulated world.

One JSON file of plain data, replaced whole: the state and the world it belongs to can never be
of two different moments, and opening it executes nothing. Rows written after the checkpoint are
not lost: a resume cuts them and runs again on the simulated bench, or replays them on a real
one (bench.run.recovery). The file stays until run.json says the run has finished
(bench.record.runfile): a run stopped by the operator, or whose end could not be recorded, can
still be resumed.

The one part of the state that grows with the run, the records of its closed cycles (what cycle
criteria and a loop's stop_if read), is not in that file: a closed cycle never changes, so the
first checkpoint after it closed appends its record, one JSON line, to checkpoint-cycles.jsonl,
onto the disk before the checkpoint that counts those bytes is written. A checkpoint so costs
the same in the first cycle as in the thousandth. A resume reads the records back from the bytes
its checkpoint counts (`closed_cycles`) and cuts what follows them: a cycle closed after it, or
a line a crash tore, is saved again as the run goes on.
"""
from __future__ import annotations

import itertools
import json
import math
import os
from pathlib import Path
from typing import Any

from bench.errors import InputError
from bench.record import schema
from bench.record.logbook import describe, write_atomic
from bench.record.records import Checkpoint, RecordError, Sink

FILES = ("rows", "samples", "events", "cycles", "closed_cycles")


class Checkpointer(Sink):
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cycles = folder / schema.CHECKPOINT_CYCLES
        # an interrupted run's records, which its resume has cut back to what its checkpoint counts
        held = self._cycles.read_bytes() if self._cycles.exists() else b""
        self._saved, self._size = held.count(b"\n"), len(held)  # records and bytes on the disk

    def checkpoint(self, record: Checkpoint) -> None:
        self._save_closed(record.state.book.records)
        record.files["closed_cycles"] = self._size
        data: dict[str, Any] = {"test_time": record.test_time, "files": dict(record.files),
                                "state": record.state.to_plain(),
                                "world": None if record.world is None else record.world.state()}
        write_atomic(self.folder / schema.CHECKPOINT, json.dumps(data) + "\n")

    def _save_closed(self, records: dict[int, dict[str, Any]]) -> None:
        """Append the records of the cycles closed since the last checkpoint (in the order they
        closed), and sync them, so that no checkpoint counts bytes the disk does not hold."""
        if len(records) == self._saved:
            return
        text = "".join(json.dumps({"cycle": cycle, **kept}) + "\n"
                       for cycle, kept in itertools.islice(records.items(), self._saved, None))
        data = text.encode("utf-8")
        try:
            with open(self._cycles, "ab") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise RecordError(f"{self._cycles.name}: {describe(exc)}") from None
        self._saved, self._size = len(records), self._size + len(data)


def discard(folder: Path) -> None:
    """A finished run is not resumed: nothing to keep."""
    (folder / schema.CHECKPOINT).unlink(missing_ok=True)
    (folder / schema.CHECKPOINT_CYCLES).unlink(missing_ok=True)


def load(folder: Path) -> dict[str, Any] | None:
    """The checkpoint's data (test time, state, files, the simulated world's state), or None if
    the run left no checkpoint. Only its shape is checked here (InputError, naming the file and
    key, if it is not a checkpoint); whether the state fits the run is the resume's to check."""
    path = folder / schema.CHECKPOINT
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InputError(str(path), "", f"cannot be read ({exc})") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(str(path), "", f"damaged or cut short, not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(str(path), "", f"expected a JSON object, found {type(data).__name__}")
    for key, kinds, what in (("test_time", (int, float), "a number of seconds"), ("files", dict, "a table"),
                             ("state", dict, "a table"), ("world", (dict, type(None)), "a table or null")):
        if key not in data:
            raise InputError(str(path), key, "missing")
        if not isinstance(data[key], kinds) or isinstance(data[key], bool):
            raise InputError(str(path), key, f"expected {what}, found {type(data[key]).__name__}")
    if not math.isfinite(data["test_time"]) or data["test_time"] < 0:
        raise InputError(str(path), "test_time", f"expected a time >= 0, found {data['test_time']}")
    for key in FILES:
        value = data["files"].get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InputError(str(path), f"files.{key}", f"expected a whole number >= 0, found {value!r}")
    return data


def closed_cycles(folder: Path, size: int) -> dict[int, dict[str, Any]]:
    """The records of the cycles closed before the checkpoint (cycle number -> record, in the
    order they closed): the first `size` bytes of checkpoint-cycles.jsonl, the count the
    checkpoint's `files.closed_cycles` holds. InputError naming the file if they are not all
    there or are not records."""
    path = folder / schema.CHECKPOINT_CYCLES
    if not size:
        return {}
    try:
        with open(path, "rb") as fh:
            data = fh.read(size)
    except FileNotFoundError:
        data = b""
    except OSError as exc:
        raise InputError(str(path), "", f"cannot be read ({exc})") from None
    if len(data) < size:
        raise InputError(str(path), "", f"holds {len(data)} bytes where {schema.CHECKPOINT} counts {size}: "
                         "closed cycles are lost and the run cannot be continued exactly; start a new run")
    if not data.endswith(b"\n"):
        raise InputError(str(folder / schema.CHECKPOINT), "files.closed_cycles",
                         f"{size} is not the end of a line of {schema.CHECKPOINT_CYCLES}: not this run's checkpoint")
    records: dict[int, dict[str, Any]] = {}
    for n, line in enumerate(data.splitlines(), 1):
        try:
            kept = json.loads(line)
            cycle, totals, named = kept["cycle"], kept["totals"], kept["named"]
            if type(cycle) is not int or not isinstance(totals, dict) or not isinstance(named, dict):
                raise TypeError
        except (ValueError, TypeError, KeyError):
            raise InputError(str(path), f"line {n}", "not the record of a closed cycle") from None
        records[cycle] = {"totals": totals, "named": named}
    return records
