"""Criteria: a value against its bounds and marginal band, each criterion on its own scope (the
run, a named step's last execution, each / the first / the last cycle, the trend over cycles),
and results shown to people in the units they read (Ah, %), not in SI."""
from __future__ import annotations

import math
from typing import Any

import pytest

from bench.analysis.criteria import Criterion, Result, evaluate, judge
from bench.analysis.integrator import Totals
from bench.analysis.metrics import METRICS
from bench.product.label import Ratings
from bench.run.readings import Readings

AH = 3600.0  # C
RATINGS = Ratings(kind="cell")
BASE = Totals(0.0, Readings(("cell", "case"), None)).state()


def approx_or_none(value: float | None) -> Any:
    return None if value is None else pytest.approx(value)


def totals(**fields: Any) -> Totals:
    return Totals.from_state({**BASE, **fields})


def criterion(metric: str = "discharge capacity", low: float | None = None, high: float | None = None,
              marginal: float = 0.0, *, name: str = "c", step: str | None = None, cycle: str | None = None,
              channel: str | None = None) -> Criterion:
    """A criterion as the profile reader makes it (bounds in SI, the kind of its metric)."""
    kind = METRICS[metric][0]
    if cycle == "trend" and kind == "temperature":
        kind = "temperature difference"
    return Criterion(name, metric, channel, step, low, high, marginal, kind, "criteria[1]", cycle)


# --- judge --------------------------------------------------------------------------------

BOTH = criterion("duration", low=10.0, high=20.0, marginal=1.0)


@pytest.mark.parametrize("c, value, outcome", [
    (BOTH, 15.0, "PASS"),
    (BOTH, 11.0, "PASS"),  # the band ends where PASS begins
    (BOTH, 19.0, "PASS"),
    (BOTH, 10.5, "MARGINAL"),  # min side
    (BOTH, 10.0, "MARGINAL"),  # on the bound itself
    (BOTH, 19.5, "MARGINAL"),  # max side
    (BOTH, 20.0, "MARGINAL"),
    (BOTH, 9.99, "FAIL"),
    (BOTH, 20.01, "FAIL"),
    (BOTH, None, "FAIL"),  # not measured
    (BOTH, math.nan, "FAIL"),  # measured on a faulted channel
    (criterion("duration", low=10.0), 10.0, "PASS"),  # no band: the bound itself passes
    (criterion("duration", low=10.0, marginal=1.0), 1e9, "PASS"),
    (criterion("duration", high=20.0, marginal=1.0), -1e9, "PASS"),
    (criterion("duration", high=20.0, marginal=1.0), 19.5, "MARGINAL"),
])
def test_judge(c: Criterion, value: float | None, outcome: str):
    assert judge(c, value) == outcome


# --- evaluate on the run and on a named step ----------------------------------------------

RUN = totals(q_in=6.0 * AH, q_out=5.4 * AH, t_max={"cell": 43.0, "case": 50.0})
STEPS = {"discharge": totals(q_out=4.9 * AH, t_max={"cell": 30.0, "case": math.nan})}


@pytest.mark.parametrize("c, value, outcome", [
    (criterion(low=5 * AH, marginal=0.3 * AH), 5.4 * AH, "PASS"),
    (criterion(low=5 * AH, step="discharge"), 4.9 * AH, "FAIL"),  # the step's (last) run, not the whole run
    (criterion(low=1 * AH, step="charge"), None, "FAIL"),  # a step that never ran
    (criterion("coulombic efficiency", low=0.85, high=1.0, marginal=0.1), 0.9, "MARGINAL"),
    (criterion("max temperature", high=45.0, marginal=3.0, channel="cell"), 43.0, "MARGINAL"),
    (criterion("max temperature", high=45.0, marginal=3.0), 50.0, "FAIL"),  # the hottest channel
    (criterion("max temperature", high=45.0, step="discharge"), 30.0, "PASS"),  # a faulted channel skipped
])
def test_evaluate_on_the_run_or_a_named_step(c: Criterion, value: float | None, outcome: str):
    (result,) = evaluate((c,), RUN, STEPS, RATINGS)
    assert result.value == approx_or_none(value)
    assert (result.outcome, result.cycle, result.criterion) == (outcome, None, c)


def test_temperature_over_ambient_is_the_hottest_reading_above_the_ambient_channel_s():
    """A shorted cell resting 3 K above the chamber; without an ambient reading, not measured."""
    rest = {"k value": totals(t_max={"cell": 28.2, "surface": 27.9, "ambient": 25.2})}
    over = criterion("temperature over ambient", high=1.0, step="k value")
    cell = criterion("temperature over ambient", high=1.0, step="k value", channel="surface")
    assert [(r.value, r.outcome) for r in evaluate((over, cell), RUN, rest, RATINGS)] == [
        (pytest.approx(3.0), "FAIL"), (pytest.approx(2.7), "FAIL")]
    blind = {"k value": totals(t_max={"cell": 28.2, "ambient": math.nan})}
    assert evaluate((over,), RUN, blind, RATINGS)[0].value is None


def test_evaluate_keeps_the_order_of_the_criteria():
    criteria = (criterion(low=5 * AH, name="a"), criterion(low=5 * AH, step="discharge", name="b"))
    assert [(r.criterion.name, r.outcome) for r in evaluate(criteria, RUN, STEPS, RATINGS)] == [("a", "PASS"),
                                                                                               ("b", "FAIL")]


# --- per cycle ----------------------------------------------------------------------------

def cycles(*capacities: float | None, **whole: list[Any]) -> dict[int, dict[str, Any]]:
    """Cycle records numbered from 1: the discharge step's capacity in Ah (None: the step did not
    run in that cycle) and whole-cycle totals fields given as lists (one value per cycle)."""
    records = {}
    for n, ah in enumerate(capacities, start=1):
        cycle_fields = {"q_out": 99 * AH, **{k: v[n - 1] for k, v in whole.items()}}
        named = {} if ah is None else {"discharge": totals(q_out=ah * AH).state()}
        records[n] = {"totals": totals(**cycle_fields).state(), "named": named}
    return records


CAPACITY = {"low": 5 * AH, "marginal": 0.2 * AH, "step": "discharge"}


@pytest.mark.parametrize("c, records, value, outcome, cycle", [
    pytest.param(criterion(**CAPACITY, cycle="each"), cycles(5.5, 5.1, 5.6), 5.1 * AH, "MARGINAL", 2,
                 id="each: a MARGINAL cycle among PASSes"),
    pytest.param(criterion(**CAPACITY, cycle="each"), cycles(5.5, 5.1, 4.9, 5.05), 4.9 * AH, "FAIL", 3,
                 id="each: a FAIL beats a MARGINAL"),
    pytest.param(criterion(**CAPACITY, cycle="each"), cycles(5.5, 5.3, 5.6), 5.3 * AH, "PASS", 2,
                 id="each: all pass, the one closest to its bound is shown"),
    pytest.param(criterion("max temperature", high=45.0, marginal=3.0, cycle="each"),
                 cycles(1, 1, 1, t_max=[{"cell": 40.0}, {"cell": 43.0}, {"cell": 41.0}]), 43.0, "MARGINAL", 2,
                 id="each: MARGINAL on the max side"),
    pytest.param(criterion("coulombic efficiency", low=0.9, high=1.0, marginal=0.02, cycle="each"),
                 cycles(1, 1, 1, q_in=[100.0] * 3, q_out=[95.0, 97.0, 92.5]), 0.925, "PASS", 3,
                 id="each: two bounds, all pass, the value nearest either bound is shown"),
    pytest.param(criterion(**CAPACITY, cycle="each"), {}, None, "FAIL", None, id="each: no cycle"),
    pytest.param(criterion(**CAPACITY, cycle="first"), cycles(None, 5.1, 5.5, 4.8), 5.1 * AH, "MARGINAL", 2,
                 id="first: the first cycle that ran the step"),
    pytest.param(criterion(**CAPACITY, cycle="last"), cycles(5.1, 5.5, 4.8, None), 4.8 * AH, "FAIL", 3,
                 id="last: the last cycle that ran the step"),
    pytest.param(criterion(**CAPACITY, cycle="last"), cycles(None), None, "FAIL", None, id="last: no value"),
    pytest.param(criterion("capacity retention", low=0.85, step="discharge", cycle="last"),
                 cycles(None, 5.0, 4.5, 4.0), 0.8, "FAIL", 4, id="retention: against the first cycle with the step"),
])
def test_cycle_criteria_pick_their_cycle(c: Criterion, records: dict, value: float | None, outcome: str,
                                         cycle: int | None):
    (result,) = evaluate((c,), RUN, STEPS, RATINGS, records)
    assert result.value == approx_or_none(value)
    assert (result.outcome, result.cycle) == (outcome, cycle)


@pytest.mark.parametrize("capacities, slope, outcome", [
    ((5.0, 4.9, 4.8, 4.7), -0.1 * AH, "FAIL"),
    ((5.0, 5.02, 4.98), -0.01 * AH, "PASS"),  # least squares, not last minus first
    ((5.0, 4.0), None, "FAIL"),  # fewer than 3 cycles: no trend
])
def test_a_trend_criterion_judges_the_slope_per_cycle(capacities: tuple[float, ...], slope: float | None,
                                                     outcome: str):
    c = criterion(low=-0.05 * AH, high=0.0, step="discharge", cycle="trend")
    (result,) = evaluate((c,), RUN, STEPS, RATINGS, cycles(*capacities))
    assert result.value == approx_or_none(slope)
    assert (result.outcome, result.cycle) == (outcome, None)


# --- shown to people ----------------------------------------------------------------------

DESCRIBED = [
    (Result(criterion(low=5 * AH, marginal=0.3 * AH, name="delivered capacity"), 6.52 * AH, "PASS"),
     "delivered capacity: 6.52 Ah (min 5 Ah) PASS",
     {"value": 6.52, "unit": "Ah", "min": 5.0, "max": None, "marginal": 0.3, "cycle": None}),
    (Result(criterion("energy efficiency", low=0.8, high=1.0, name="efficiency", cycle="each"), 0.913, "PASS", 7),
     "efficiency: 91.3 % in cycle 7 (min 80 %, max 100 %) PASS",
     {"value": 91.3, "unit": "%", "min": 80.0, "max": 100.0, "marginal": None, "cycle": 7, "cycle_scope": "each"}),
    (Result(criterion(low=-0.05 * AH, step="discharge", name="fade", cycle="trend"), -0.1 * AH, "FAIL"),
     "fade: -0.1 Ah per cycle (min -0.05 Ah per cycle) FAIL",
     {"value": -0.1, "unit": "Ah/cycle", "min": -0.05, "step": "discharge", "cycle_scope": "trend"}),
    (Result(criterion("end input current", high=0.01, name="leakage"), 0.000517, "PASS"),
     "leakage: 0.517 mA (max 10 mA) PASS",
     {"value": 0.000517, "unit": "A", "max": 0.01}),
    (Result(criterion("max temperature", high=45.0, channel="cell", name="hot"), None, "FAIL"),
     "hot: not measured (max 45 degC) FAIL",
     {"value": None, "unit": "degC", "max": 45.0, "metric": "cell max temperature"}),
]


@pytest.mark.parametrize("result, text, shown", DESCRIBED, ids=[d[1].split(":")[0] for d in DESCRIBED])
def test_results_are_described_and_written_in_display_units(result: Result, text: str, shown: dict[str, Any]):
    assert result.describe() == text
    written = result.to_json()
    assert {k: written[k] for k in shown} == shown
    assert (written["name"], written["outcome"]) == (result.criterion.name, result.outcome)
