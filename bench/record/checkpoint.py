"""The checkpointer sink: the run state, written atomically before the instruments are opened,
at every step start, pause and continue, and every few seconds; with it, on the simulated bench,
the simulated world.

One JSON file of plain data, replaced whole: the state and the world it belongs to can never be
of two different moments, and opening it executes nothing. Rows written after the checkpoint are
not lost: a resume cuts them and runs again on the simulated bench, or replays them on a real
one (bench.run.recovery). The file stays until run.json says the run has finished
(bench.record.runfile): a run stopped by the operator, or whose end could not be recorded, can
still be resumed.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from bench.errors import InputError
from bench.record import schema
from bench.record.logbook import write_atomic
from bench.record.records import Checkpoint, Sink

FILES = ("rows", "samples", "events", "cycles")


class Checkpointer(Sink):
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def checkpoint(self, record: Checkpoint) -> None:
        data: dict[str, Any] = {"test_time": record.test_time, "files": dict(record.files),
                                "state": record.state.to_plain(),
                                "world": None if record.world is None else record.world.state()}
        write_atomic(self.folder / schema.CHECKPOINT, json.dumps(data) + "\n")


def discard(folder: Path) -> None:
    """A finished run is not resumed: nothing to keep."""
    (folder / schema.CHECKPOINT).unlink(missing_ok=True)


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
