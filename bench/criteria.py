"""Judging criteria: a metric's value against its bounds gives PASS, MARGINAL or FAIL."""
from __future__ import annotations

from dataclasses import dataclass

from bench.metrics import DISPLAY, METRICS, Ratings, Totals, shown
from bench.profile import Criterion


@dataclass(frozen=True, slots=True)
class Result:
    criterion: Criterion
    value: float | None
    outcome: str  # PASS, MARGINAL or FAIL

    def to_json(self) -> dict[str, object]:
        c = self.criterion
        unit, scale = DISPLAY[c.kind]
        def show(x: float | None) -> float | None:
            return None if x is None else round(x * scale, 6)
        return {"name": c.name, "metric": f"{c.channel} {c.metric}" if c.channel else c.metric,
                "step": c.step, "value": show(self.value), "unit": unit, "min": show(c.low), "max": show(c.high),
                "marginal": show(c.marginal) if c.marginal else None, "outcome": self.outcome}

    def describe(self) -> str:
        """'delivered capacity: 6.52 Ah (min 5.5 Ah) PASS'."""
        c = self.criterion
        bounds = ", ".join(f"{w} {shown(c.kind, b)}" for w, b in (("min", c.low), ("max", c.high)) if b is not None)
        return f"{c.name}: {shown(c.kind, self.value)} ({bounds}) {self.outcome}"


def judge(criterion: Criterion, value: float | None) -> str:
    if value is None or value != value:
        return "FAIL"
    low, high, band = criterion.low, criterion.high, criterion.marginal
    if (low is not None and value < low) or (high is not None and value > high):
        return "FAIL"
    if (low is not None and value < low + band) or (high is not None and value > high - band):
        return "MARGINAL"
    return "PASS"


def evaluate(criteria: tuple[Criterion, ...], run: Totals, steps: dict[str, Totals], ratings: Ratings
             ) -> list[Result]:
    """Each criterion on its scope: the named step's last execution, else the whole run."""
    results = []
    for criterion in criteria:
        scope = run if criterion.step is None else steps.get(criterion.step)
        value = None if scope is None else METRICS[criterion.metric][1](scope, ratings, criterion.channel)
        results.append(Result(criterion, value, judge(criterion, value)))
    return results
