"""The checkpointer sink: the run state, written atomically at every step start and end, pause
and continue, and every few seconds; with it, on the simulated bench, the simulated world.

One file, replaced whole: the state and the world it belongs to can never be of two different
moments. Rows written after the checkpoint are not lost: a resume cuts them and runs again on
the simulated bench, or replays them on a real one (bench.run.recovery).
"""
from __future__ import annotations

import base64
import json
import pickle
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
                                "state": record.state.to_plain(), "world": None}
        if record.world is not None:
            data["world"] = base64.b64encode(pickle.dumps(record.world, protocol=pickle.HIGHEST_PROTOCOL)).decode()
        write_atomic(self.folder / schema.CHECKPOINT, json.dumps(data) + "\n")

    def run_end(self, record: RunEnd) -> None:
        """A finished run is not resumed: nothing to keep."""
        (self.folder / schema.CHECKPOINT).unlink(missing_ok=True)


def load(folder: Path) -> tuple[dict[str, Any], Any] | None:
    """(checkpoint data, simulated world or None), or None if the run left no checkpoint."""
    path = folder / schema.CHECKPOINT
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    world = pickle.loads(base64.b64decode(data["world"])) if data["world"] is not None else None
    return data, world
