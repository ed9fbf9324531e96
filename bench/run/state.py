"""The one live run state. The engine works on these objects and a checkpoint saves exactly
them, as plain data: what a resume needs is here by construction, never copied by hand.

It holds where the run is (the step, its samples and hold timers, the cycle), every accumulator
a criterion or a loop's stop_if reads (run, step, named-step and cycle totals, the value before
a step for DCIR), the integrator's last point, the dT/dt and dV/dt windows, the safety hold
timers and the monitoring state of the temperature channels (the checkpoint adds how far each
file went). Closed cycles are the one part that grows with the run: their records are saved
apart, once each (bench.record.checkpoint), and handed back to `from_plain`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from bench.analysis.cycles import CycleBook
from bench.analysis.integrator import Integrator, Totals
from bench.run.readings import Readings

NAN = float("nan")


@dataclass
class StepState:
    """The step being run: its place, when it started, what it has measured."""

    position: int  # place in the execution order (1-based)
    count: int  # BDF step count: executions so far, this one included
    index: int  # the step's number in the profile
    cycle: int
    start: float  # test time it started (moved on by the time spent paused)
    samples: int = 0  # samples taken; the next is due at start + samples x period
    totals: Totals | None = None
    until: list[float | None] = field(default_factory=list)  # since when each end condition holds
    before: list[float] = field(default_factory=lambda: [NAN, 0.0])  # DUT voltage and net current just before
    ended_by: str | None = None
    judged_from: float = 0.0  # test time the regulation check starts (the last set-up, settled)
    off_since: float | None = None  # test time since when the readings are off the set-points
    regulated: bool = False  # whether a sample judged has met them


@dataclass
class RunState:
    readings: Readings
    step: StepState | None = None
    run: Totals | None = None
    named: dict[str, Totals] = field(default_factory=dict)  # last execution of each named step
    book: CycleBook = field(default_factory=CycleBook)
    stopped: dict[str, int] = field(default_factory=dict)  # loops ended by stop_if: instance -> passes run
    integrator: Integrator = field(default_factory=Integrator)
    safety: list[float | None] = field(default_factory=list)  # since when each safety condition holds
    sampled: bool = False  # whether the bench has been read (the values before a step are known)
    frozen: dict[str, list[float]] = field(default_factory=dict)  # critical channel -> [value, since]
    faulted: list[str] = field(default_factory=list)  # non-critical channels without a valid reading
    paused_s: float = 0.0
    test_time: float = 0.0
    started: bool = False  # run_start recorded

    def to_plain(self) -> dict[str, Any]:
        """Plain JSON-able data (lists, dicts, numbers, text), closed cycles' records left out."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_plain(cls, data: dict[str, Any], readings: Readings, records: dict[int, dict[str, Any]]) -> "RunState":
        """The state `to_plain` wrote; `readings` is a fresh Readings for the station's channels,
        `records` the closed cycles' records (cycle number -> record) as the book closed them."""
        readings.restore(data["readings"])
        step = data["step"]
        if step is not None:
            step = StepState(**{**step, "totals": _totals(step["totals"])})
        plain = {k: v for k, v in data.items() if k not in ("readings", "step", "run", "named", "book", "integrator")}
        return cls(readings=readings, step=step, run=_totals(data["run"]),
                   named={name: Totals.from_state(s) for name, s in data["named"].items()},
                   book=CycleBook.from_state(data["book"], records), integrator=Integrator(data["integrator"]), **plain)


def _totals(state: dict[str, Any] | None) -> Totals | None:
    return None if state is None else Totals.from_state(state)


def _plain(value: Any) -> Any:
    if hasattr(value, "state"):
        return value.state()
    if isinstance(value, Integrator):
        return value.prev
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
