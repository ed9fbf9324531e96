"""The checkpointer sink: the run state, written atomically before the instruments are opened,
at every step start, pause and continue, and every few seconds; with it, on the simulated bench,
the simulated world.

One JSON file of plain data, replaced whole: the state and the world it belongs to can never be
of two different moments, and opening it executes nothing. Rows written after the checkpoint are
not lost: a resume cuts them and runs again on the simulated bench, or replays them on a real
one (bench.run.recovery).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.record import schema
from bench.record.logbook import write_atomic
from bench.record.records import Checkpoint, RunEnd, Sink


class Checkpointer(Sink):
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def checkpoint(self, record: Checkpoint) -> None:
        data: dict[str, Any] = {"test_time": record.test_time, "files": dict(record.files),
                                "state": record.state.to_plain(),
                                "world": None if record.world is None else record.world.state()}
        write_atomic(self.folder / schema.CHECKPOINT, json.dumps(data) + "\n")

    def run_end(self, record: RunEnd) -> None:
        """A finished run is not resumed: nothing to keep."""
        (self.folder / schema.CHECKPOINT).unlink(missing_ok=True)


def load(folder: Path) -> dict[str, Any] | None:
    """The checkpoint's data (state, files, the simulated world's state), or None if the run
    left no checkpoint."""
    path = folder / schema.CHECKPOINT
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
