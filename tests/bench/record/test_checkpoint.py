"""A checkpoint is the size of the live run state, not of the run's history: each closed cycle's
record is saved once, beside it, and a finished run keeps neither."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench.record.verdict import Verdict
from bench.record import schema
from bench.record.records import Checkpoint, Sink
from bench.run.session import Request, execute

CYCLES = 40
PROFILE = f"""
name = "Short cycles"
period = "10 s"
steps = [{{ repeat = {CYCLES}, steps = ["Discharge at 1 A for 20 s", "Rest for 10 s"] }}]
[dut]
kind = "power bank"

[[criteria]]
name = "discharge each cycle"
metric = "discharge capacity"
cycle = "each"
min = "1 mAh"
"""


class Sizes(Sink):
    """checkpoint.json's size and the cycles saved beside it, at the last checkpoint of each cycle."""

    def __init__(self) -> None:
        self.folder = Path()
        self.seen: dict[int, tuple[int, list[int]]] = {}

    def checkpoint(self, record: Checkpoint) -> None:
        closed = self.folder / schema.CHECKPOINT_CYCLES
        lines = closed.read_text().splitlines() if closed.exists() else []
        self.seen[record.state.book.cycle] = ((self.folder / schema.CHECKPOINT).stat().st_size,
                                              [json.loads(line)["cycle"] for line in lines])


@pytest.fixture(scope="module")
def cycled(tmp_path_factory) -> tuple[Sizes, Path, Verdict]:
    """One run of 40 short cycles, followed; without fsync (the disk's time, not what is tested
    here: half the run's)."""
    tmp = tmp_path_factory.mktemp("cycles")
    (tmp / "cycles.toml").write_text(PROFILE)
    sizes = Sizes()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "fsync", lambda fd: None)
        outcome, folder = execute(Request(tmp / "cycles.toml", None, tmp / "logs"), [sizes],
                                  on_folder=lambda f: setattr(sizes, "folder", f))
    return sizes, folder, outcome.verdict


def test_the_checkpoint_is_as_large_after_40_cycles_as_after_5(cycled):
    sizes, _, verdict = cycled
    after_5, after_40 = sizes.seen[6][0], sizes.seen[CYCLES][0]  # in cycle 6: 5 cycles closed
    assert verdict is Verdict.PASS
    assert abs(after_40 - after_5) <= 0.01 * after_5, f"{after_5} bytes after 5 cycles, {after_40} after 40"


def test_each_closed_cycle_is_saved_once_and_a_finished_run_keeps_none(cycled):
    sizes, folder, _ = cycled
    assert sizes.seen[6][1] == [1, 2, 3, 4, 5]
    assert sizes.seen[CYCLES][1] == list(range(1, CYCLES))
    assert not (folder / schema.CHECKPOINT).exists() and not (folder / schema.CHECKPOINT_CYCLES).exists()
    assert len((folder / schema.CYCLES).read_text().splitlines()) == 1 + CYCLES
