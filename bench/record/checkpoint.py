"""The run state a resume needs, written atomically at every step start, pause and continue,
and every few seconds: step pointer, cycle, integrators, criteria accumulators, and (on the
simulated bench) the simulated world itself.

Rows written after the last checkpoint are not lost: a resume replays them (bench.run.recovery).
"""
from __future__ import annotations

import json
import pickle
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.record.logbook import write_atomic
from bench.analysis.metrics import Totals

CHECKPOINT = "checkpoint.json"
WORLD = "world.pickle"


@dataclass
class RunState:
    """Where a run stands. `step_count` is the step being run (0 before the first)."""

    step_count: int = 0
    position: int = 0  # its place in the execution order (a restarted step takes a new count, not a new place)
    last_index: int = 0  # the profile index of that step
    cycle: int = 1
    step_start: float = 0.0
    step_totals: dict[str, Any] | None = None
    run_totals: dict[str, Any] | None = None
    named: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows: int = 0
    offset: int = 0  # bytes of samples.csv holding those rows
    test_time: float = 0.0
    paused_s: float = 0.0
    step_ended: bool = False
    prev: list[float] | None = None  # the last sample integrated: (t, I in, I out, P in, P out)
    cycles: dict[str, Any] | None = None  # the CycleBook
    stopped: dict[str, int] = field(default_factory=dict)  # loops ended by stop_if: instance -> passes

    def totals(self) -> tuple[Totals | None, Totals | None, dict[str, Totals]]:
        """(current step, run, named steps) as live Totals."""
        step = Totals.from_state(self.step_totals) if self.step_totals else None
        run = Totals.from_state(self.run_totals) if self.run_totals else None
        return step, run, {name: Totals.from_state(s) for name, s in self.named.items()}


def save(folder: Path, state: RunState, world: Any = None) -> None:
    """World first, then the state that refers to it: a crash between the two leaves a world
    newer than the state, which the resume advances past anyway."""
    if world is not None:
        tmp = folder / (WORLD + ".tmp")
        tmp.write_bytes(pickle.dumps(world, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(folder / WORLD)
    write_atomic(folder / CHECKPOINT, json.dumps(asdict(state)) + "\n")


def load(folder: Path) -> tuple[RunState | None, Any]:
    """The last checkpoint and the pickled world (None, None before the first step)."""
    path = folder / CHECKPOINT
    if not path.exists():
        return None, None
    state = RunState(**json.loads(path.read_text(encoding="utf-8")))
    world_path = folder / WORLD
    world = pickle.loads(world_path.read_bytes()) if world_path.exists() else None
    return state, world
