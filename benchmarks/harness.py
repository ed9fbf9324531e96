"""What the benchmarks share: cases timed side by side (ABAB...) and the rows they report.

A case is a context manager factory: entering it sets the case up (untimed) and gives the
callable to time; leaving it tears the case down. Every round runs every case once, in the
same order, so slow drift of the machine hits all cases alike.
"""
from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Case = Callable[[], AbstractContextManager[Callable[[], object]]]
INSTALL = "pip install -r benchmarks/requirements.txt"


@dataclass
class Timings:
    """Seconds per run of each case, and the cases skipped with the reason."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def interleave(cases: dict[str, Case], repeat: int) -> Timings:
    """Time every case once per round for `repeat` rounds. A case whose set-up needs a
    package that is not installed is skipped (the peers live in the benchmark environment)."""
    out = Timings({name: [] for name in cases})
    for _ in range(repeat):
        for name, case in cases.items():
            if name in out.skipped:
                continue
            try:
                with case() as work:
                    gc.collect()
                    start = time.perf_counter()
                    work()
                    out.seconds[name].append(time.perf_counter() - start)
            except ImportError as exc:
                out.skipped[name] = f"skipped: {exc.name or exc} not installed ({INSTALL})"
    return out


def ratio(timings: Timings, case: str, base: str) -> float:
    """The median of `case`'s per-round ratios to `base` (paired rounds, so a slow moment of the
    machine cancels out)."""
    return statistics.median(s / b for s, b in zip(timings.seconds[case], timings.seconds[base]))


def rows(benchmark: str, timings: Timings, floor: str, notes: dict[str, str]) -> list[dict]:
    """One row per case: median seconds and its ratio to the floor."""
    out = []
    for name, seconds in timings.seconds.items():
        if name in timings.skipped:
            out.append(row(benchmark, name, None, None, timings.skipped[name]))
            continue
        out.append(row(benchmark, name, statistics.median(seconds), ratio(timings, name, floor), notes.get(name, "")))
    return out


def row(benchmark: str, case: str, median_s: float | None, ratio: float | None, note: str) -> dict:
    return {"benchmark": benchmark, "case": case, "median_s": median_s, "ratio": ratio, "note": note}


def new_logbook(folder: Path, profile: Any, channels: tuple[str, ...]) -> Any:
    """A powerbench run folder under `folder`, as `bench run` makes one for `profile`."""
    import datetime as dt

    from bench.record.logbook import Logbook
    from bench.record.schema import Layout, new_run_folder

    started = dt.datetime.now()
    layout = Layout(channels, profile.ratings.kind == "power bank")
    return Logbook(new_run_folder(folder, "benchmark", None, started), layout, started.timestamp())


def run_profile(profile: Any, station: Any, clock: Any, log: Any) -> Any:
    """`bench run`'s engine on an opened station, with the logbook and the checkpointer as sinks."""
    from bench.record.checkpoint import Checkpointer
    from bench.record.records import Sinks
    from bench.run.engine import Runner, new_state

    sinks = Sinks([log, Checkpointer(log.folder)])
    return Runner(profile, station.config, clock, sinks, new_state(profile, station.names)).run(station)
