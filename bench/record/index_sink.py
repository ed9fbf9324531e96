"""The run index's sink: a run registered in the lab's index as it starts, kept up to date while it
goes (step, cycle, heartbeat, estimated end) and completed as it ends.

Never in the safety loop: the sink takes no sample, and the records it takes (run start, step
start and end, cycle end, pause and continue, and a checkpoint every HEARTBEAT s at most) only
put a few numbers on a queue. A thread of its own writes them (bench.record.index), so a
database that is slow, down or hung never slows or stops the run. What it writes comes from the
run folder (run.json, cycles.csv, events.jsonl) as `bench index` reads it, plus what only the
running process knows (the step being run, its heartbeat and estimated end). What could not be
written when the run ended is said in one line, and `bench index RUN_DIR` writes it later: the
run folder stays the source of truth.
"""
from __future__ import annotations

import queue
import threading
import time
from pathlib import Path
from typing import Any, Callable

from bench.record.records import Checkpoint, CycleEnd, Event, RunEnd, RunInfo, RunStart, Sink, StepEnd, StepStart

HEARTBEAT = 15.0  # s of wall time between two heartbeats of a running run (at its checkpoints)
SPACING = 1.0  # s of wall time at least between two writes (a simulated run's steps can be ms apart)
RETRY = 10.0  # s of wall time before trying a database that failed again (the run's end is always tried)
FINISH_WAIT = 5.0  # s of wall time the run's end waits for the index to take it


class IndexSink(Sink):
    """Keeps the run of `folder` in the index at `url` (checked beforehand: bench.record.index.parse_url).
    `period` is the profile's longest sample period. The estimated end is the time left as `plan`
    (bench.run.progress.Tracker) and the live view reckon it (each step's estimate, corrected as
    the steps run) at the pace the run goes; `warn` is told when a write to the index first fails (from the sink's thread: a
    line on the stream of the moment), and at the run's end if the index could not be brought up to
    date."""

    def __init__(self, url: str, folder: Path, period: float, plan: Any, warn: Callable[[str], None] | None = None,
                 finish_wait: float | None = None) -> None:
        self.url = url
        self.folder = folder
        self.period = period
        self.warn = warn
        self.finish_wait = FINISH_WAIT if finish_wait is None else finish_wait
        self.error: str | None = None  # why the last write failed (None: the index is up to date)
        self._queue: queue.SimpleQueue[tuple[str, dict[str, Any]]] = queue.SimpleQueue()
        self._ending = threading.Event()  # the run ended: no more spacing between writes
        self._done = threading.Event()  # the run's end is written (or could not be)
        self._thread: threading.Thread | None = None
        self._next_heartbeat = 0.0
        self._first: tuple[float, float] | None = None  # (wall, test time) of the first record: the run's pace
        self._live: dict[str, Any] = {"paused": 0}
        self._plan = plan  # bench.run.progress.Tracker: fed the records below, asked the time left

    # -- records (the run's thread: a few numbers onto a queue) --------------------------------
    def run_info(self, record: RunInfo) -> None:
        self._plan.run_info(record)

    def run_start(self, record: RunStart) -> None:
        self._put(record.test_time, sync=True)

    def step_start(self, record: StepStart) -> None:
        self._plan.step_start(record)
        self._live.update(step=record.step.text, step_count=record.count, cycle=record.cycle)
        self._put(record.test_time)

    def step_end(self, record: StepEnd) -> None:
        self._plan.step_end(record)
        self._put(record.test_time)

    def cycle_end(self, record: CycleEnd) -> None:
        self._live["cycle"] = record.summary.cycle
        self._put(record.test_time, sync=True)  # cycles.csv has a new row

    def event(self, record: Event) -> None:
        self._plan.event(record)
        if record.kind in ("paused", "continued"):
            self._live["paused"] = int(record.kind == "paused")
            self._put(record.test_time)

    def checkpoint(self, record: Checkpoint) -> None:
        if time.monotonic() >= self._next_heartbeat:
            self._put(record.test_time)

    def run_end(self, record: RunEnd) -> None:
        """run.json has the end by now: the index takes it within `finish_wait`, or the operator is told."""
        self._queue.put(("end", {"eta": None}))
        self._ending.set()
        self._start()
        if not self._done.wait(self.finish_wait):
            problem = f"not written within {self.finish_wait:g} s" + (f" ({self.error})" if self.error else "")
        elif self.error is not None:
            problem = self.error
        else:
            return
        if self.warn is not None:
            self.warn(f"index: {problem}; `bench index {self.folder}` brings it up to date")

    def _put(self, test_time: float, sync: bool = False) -> None:
        wall = time.time()
        self._next_heartbeat = time.monotonic() + HEARTBEAT
        first = self._first = self._first or (wall, test_time)
        live = dict(self._live, progress_s=test_time, heartbeat=wall, eta=None, period_s=self.period)
        pace = (test_time - first[1]) / (wall - first[0]) if wall > first[0] else 0.0
        left = self._plan.left(test_time)
        if left is not None and not left[1] and pace > 0:  # no step of unknown length to come
            live["eta"] = wall + left[0] / pace
        self._queue.put(("sync" if sync else "progress", live))
        self._start()

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="run-index", daemon=True)
            self._thread.start()

    # -- the writer (its own thread) ------------------------------------------------------------
    def _work(self) -> None:
        from bench.errors import InputError
        from bench.record.index import IndexUnavailable, RunIndex, read_folder

        index = key = None
        behind = True  # the index lacks what the folder has: the next write is a whole one
        failed_at = None
        told = False  # the operator was told, while the run goes, that the index cannot be written
        while True:
            batch = [self._queue.get()]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            end = any(kind == "end" for kind, _ in batch)
            live: dict[str, Any] = {}
            for kind, fields in batch:
                live.update(fields)
                behind |= kind in ("sync", "end")
            if failed_at is not None and not end and time.monotonic() - failed_at < RETRY:
                continue  # what was queued is in the folder: the next write takes it all
            try:
                index = index or RunIndex(self.url)
                if behind or key is None or not index.progress(key, _times(live)):
                    run = read_folder(self.folder)
                    index.register(run, _times(live))
                    key, behind = run.key, False
                self.error, failed_at = None, None
            except (IndexUnavailable, InputError) as exc:
                self.error, failed_at, behind = str(exc), time.monotonic(), True
            except Exception as exc:  # noqa: BLE001 - whatever it is, the run goes on; the folder has it all
                self.error, failed_at, behind = f"{type(exc).__name__}: {exc}", time.monotonic(), True
            if self.error is not None and not told and not self._ending.is_set() and self.warn is not None:
                told = True  # once: an overnight run's operator learns it as the run starts, not in the morning
                self.warn(f"index: {self.error}; the run goes on (its folder keeps everything) and the index "
                          f"is tried again every {RETRY:g} s")
            if end:
                self._done.set()
                return
            self._ending.wait(SPACING)


def _times(live: dict[str, Any]) -> dict[str, Any]:
    """Wall times (s since the epoch) as the timestamps the index holds."""
    import datetime as dt

    return {key: dt.datetime.fromtimestamp(value, dt.timezone.utc) if key in ("heartbeat", "eta") and value is not None
            else value for key, value in live.items()}
