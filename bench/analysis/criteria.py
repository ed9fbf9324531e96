"""Judging criteria: a metric's value against its bounds gives PASS, MARGINAL or FAIL."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.analysis.cycles import first_with, slope, value_in
from bench.analysis.metrics import DISPLAY, METRICS, Totals, shown
from bench.product.label import Ratings


@dataclass(frozen=True, slots=True)
class Criterion:
    """A metric judged against bounds; `marginal` is a band inside the bounds (OpenHTF style)."""

    name: str
    metric: str
    channel: str | None
    step: str | None
    low: float | None
    high: float | None
    marginal: float
    kind: str
    key: str
    cycle: str | None = None  # None: the run or the named step; else each, first, last or trend
    label: tuple[tuple[str, str], ...] = ()  # (min/max/marginal, as written) for bounds relative to the label


@dataclass(frozen=True, slots=True)
class Result:
    criterion: Criterion
    value: float | None
    outcome: str  # PASS, MARGINAL, FAIL, or NOT_MEASURED in a run that ended before it could be
    cycle: int | None = None  # the cycle the value is from (cycle criteria)

    def to_json(self) -> dict[str, object]:
        c = self.criterion
        unit, scale = DISPLAY[c.kind]
        unit += "/cycle" if c.cycle == "trend" else ""  # a trend is a slope: so much per cycle

        def show(x: float | None) -> float | None:
            return None if x is None else round(x * scale, 6)
        return {"name": c.name, "metric": f"{c.channel} {c.metric}" if c.channel else c.metric,
                "step": c.step, "cycle_scope": c.cycle, "cycle": self.cycle, "value": show(self.value), "unit": unit,
                "min": show(c.low), "max": show(c.high),
                "marginal": show(c.marginal) if c.marginal else None, "outcome": self.outcome,
                **({"label_bounds": dict(c.label)} if c.label else {})}

    def describe(self) -> str:
        """'delivered capacity: 6.52 Ah (min 5.5 Ah) PASS'."""
        c = self.criterion
        written = dict(c.label)
        per = " per cycle" if c.cycle == "trend" else ""
        bounds = ", ".join(f"{w} {shown(c.kind, b)}{per}" + (f" = {written[w]}" if w in written else "")
                           for w, b in (("min", c.low), ("max", c.high)) if b is not None)
        where = "" if self.cycle is None else f" in cycle {self.cycle}"
        return f"{c.name}: {shown(c.kind, self.value)}{per}{where} ({bounds}) {self.outcome}"


def judge(criterion: Criterion, value: float | None) -> str:
    if value is None or value != value:
        return "FAIL"
    low, high, band = criterion.low, criterion.high, criterion.marginal
    if (low is not None and value < low) or (high is not None and value > high):
        return "FAIL"
    if (low is not None and value < low + band) or (high is not None and value > high - band):
        return "MARGINAL"
    return "PASS"


RANK = {"PASS": 0, "MARGINAL": 1, "FAIL": 2}
# the outcome of a criterion that an aborted or failed run ended before measuring (a run that
# completed without measuring it FAILs it)
NOT_MEASURED = "NOT MEASURED"


def evaluate(criteria: tuple[Criterion, ...], run: Totals | None, steps: dict[str, Totals], ratings: Ratings,
             cycles: dict[int, dict[str, Any]] | None = None) -> list[Result]:
    """Each criterion on its scope: per cycle, the named step's last execution, or the whole run."""
    results = []
    for criterion in criteria:
        if criterion.cycle is not None:
            results.append(_per_cycle(criterion, cycles or {}, ratings))
            continue
        scope = run if criterion.step is None else steps.get(criterion.step)
        value = None if scope is None else METRICS[criterion.metric][1](scope, ratings, criterion.channel)
        results.append(Result(criterion, value, judge(criterion, value)))
    return results


def _per_cycle(c: Criterion, cycles: dict[int, dict[str, Any]], ratings: Ratings) -> Result:
    first = first_with(cycles, c.step)
    values = [(n, value_in(cycles[n], c.metric, c.channel, c.step, ratings, first)) for n in sorted(cycles)]
    values = [(n, v) for n, v in values if v is not None]
    if c.cycle == "trend":
        trend = slope(values)
        return Result(c, trend, judge(c, trend))
    if c.cycle in ("first", "last"):
        if not values:
            return Result(c, None, "FAIL")
        n, value = values[0] if c.cycle == "first" else values[-1]
        return Result(c, value, judge(c, value), n)
    if not values:
        return Result(c, None, "FAIL")
    judged = [(RANK[judge(c, v)], _toward_failure(c, v), n, v) for n, v in values]
    _, _, n, value = max(judged)
    return Result(c, value, judge(c, value), n)


def _toward_failure(c: Criterion, value: float) -> float:
    """How close a value is to breaking its bound (larger is worse), to pick the worst cycle."""
    if c.high is not None and (c.low is None or value > (c.low + c.high) / 2):
        return value - c.high
    return (c.low if c.low is not None else 0.0) - value
