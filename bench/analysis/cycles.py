"""Per-cycle bookkeeping: totals of each cycle and of each named step within it, for cycle
criteria ("each", "first", "last", "trend"), a loop's stop_if, and cycles.csv."""
from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

from bench.analysis.metrics import METRICS, Totals
from bench.product.label import Ratings

OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}


@dataclass(frozen=True, slots=True)
class CycleCondition:
    """`<metric> [of <step>] op value`, judged on a cycle that has just completed."""

    metric: str
    channel: str | None
    step: str | None
    op: str
    value: float
    text: str


class CycleBook:
    """The cycle being run (live Totals) and the closed ones (as plain states, in the order they
    closed). A closed cycle never changes: a checkpoint saves it once (bench.record.checkpoint),
    and the book's own state is the live cycle alone, the same size in the first cycle as in
    the thousandth."""

    def __init__(self) -> None:
        self.records: dict[int, dict[str, Any]] = {}
        self.cycle = 0
        self.totals: Totals | None = None
        self.named: dict[str, Totals] = {}

    def close(self) -> dict[str, Any] | None:
        """Close the current cycle; its record, or None if nothing was measured in it."""
        if self.totals is None:
            return None
        record = {"totals": self.totals.state(), "named": {n: t.state() for n, t in self.named.items()}}
        self.records[self.cycle] = record
        self.totals, self.named = None, {}
        return record

    def live(self) -> dict[str, Any] | None:
        """The current cycle as a record (not closed)."""
        if self.totals is None:
            return None
        return {"totals": self.totals.state(), "named": {n: t.state() for n, t in self.named.items()}}

    def state(self) -> dict[str, Any]:
        """The live part; `closed` counts the records kept apart, so a resume can tell they all came back."""
        return {"cycle": self.cycle, "closed": len(self.records), "live": self.live()}

    @classmethod
    def from_state(cls, state: dict[str, Any] | None, records: dict[int, dict[str, Any]]) -> "CycleBook":
        """The book `state()` described, with its closed cycles' `records` (ValueError if they are
        not as many as it counted)."""
        book = cls()
        if not state:
            return book
        if len(records) != state["closed"]:
            raise ValueError(f"{len(records)} closed cycles saved where the state counts {state['closed']}")
        book.records = records
        book.cycle = state["cycle"]
        if state["live"]:
            book.totals = Totals.from_state(state["live"]["totals"])
            book.named = {n: Totals.from_state(s) for n, s in state["live"]["named"].items()}
        return book


def value_in(record: dict[str, Any], metric: str, channel: str | None, step: str | None, ratings: Ratings,
             first: dict[str, Any] | None) -> float | None:
    """A metric over one cycle record (or over its named step); retention against `first`."""
    scope = record["totals"] if step is None else record["named"].get(step)
    if scope is None:
        return None
    totals = Totals.from_state(scope)
    if metric == "capacity retention":
        base = None if first is None else first["named"].get(step)  # type: ignore[index]
        if base is None or not base["q_out"]:
            return None
        return totals.q_out / base["q_out"]
    return METRICS[metric][1](totals, ratings, channel)


def met(condition: CycleCondition, record: dict[str, Any], first: dict[str, Any] | None, ratings: Ratings) -> bool:
    value = value_in(record, condition.metric, condition.channel, condition.step, ratings, first)
    return value is not None and OPS[condition.op](value, condition.value)


def first_with(records: dict[int, dict[str, Any]], step: str | None) -> dict[str, Any] | None:
    """The earliest cycle record that has the step (the base of a retention)."""
    for cycle in sorted(records):
        if step is None or step in records[cycle]["named"]:
            return records[cycle]
    return None


def slope(points: list[tuple[float, float]], minimum: int = 3) -> float | None:
    """Least-squares slope of value against cycle number (None below `minimum` cycles)."""
    if len(points) < minimum:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else None


# Why a cycle's efficiency is above 100 %: it ended emptier than it started (a first cycle that
# charges a DUT delivered half full, then empties it), said wherever the figure is shown.
MORE_OUT = "more out than in: it started fuller than it ended"


@dataclass(frozen=True, slots=True)
class CycleSummary:
    """What one completed cycle amounted to: a row of cycles.csv and a cycle_end event (SI)."""

    cycle: int
    test_time: float  # s at the cycle's end
    charge_capacity: float  # C
    discharge_capacity: float
    charge_energy: float  # J
    discharge_energy: float
    coulombic_efficiency: float  # ratio, NaN for a cycle that took almost nothing in
    energy_efficiency: float
    max_temperature: float  # degC, hottest channel

    @classmethod
    def of(cls, cycle: int, record: dict[str, Any]) -> "CycleSummary":
        t = Totals.from_state(record["totals"])
        temps = [v for v in t.t_max.values() if v == v]
        return cls(cycle, t.end, t.q_in, t.q_out, t.e_in, t.e_out, _ratio(t.q_out, t.q_in), _ratio(t.e_out, t.e_in),
                   max(temps) if temps else float("nan"))


def _ratio(out: float, into: float) -> float:
    """An efficiency, or NaN for a cycle that took almost nothing in (a cycle that only discharges)."""
    return out / into if into > 0.01 * out and into > 0 else float("nan")
