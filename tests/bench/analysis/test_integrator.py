"""The one integrator: trapezoids between samples on both sides of the DUT, no bridge across a
reset, the same increments into every scope fed at once, and totals that survive a checkpoint."""
from __future__ import annotations

import json
import math

import pytest

from bench.analysis.integrator import Integrator, Totals
from bench.run.readings import Readings

NAN = math.nan
CHANNELS = ("cell", "case", "spare")

# test time, I in, I out, P in, P out, voltage; dt = 2, 0.5, 1.5 s
SAMPLES = [(0.0, 1.0, 0.0, 5.0, 0.0, 3.6), (2.0, 3.0, 1.0, 15.0, 4.0, 3.9), (2.5, 1.0, 3.0, 5.0, 12.0, 3.8),
           (4.0, 0.0, 4.0, 0.0, 16.0, 3.5)]
# trapezoids: 0.5 (a + b) dt for each pair of samples
Q_IN = 0.5 * (1 + 3) * 2 + 0.5 * (3 + 1) * 0.5 + 0.5 * (1 + 0) * 1.5  # 4 + 1 + 0.75
Q_OUT = 0.5 * (0 + 1) * 2 + 0.5 * (1 + 3) * 0.5 + 0.5 * (3 + 4) * 1.5  # 1 + 1 + 5.25
E_IN = 0.5 * (5 + 15) * 2 + 0.5 * (15 + 5) * 0.5 + 0.5 * (5 + 0) * 1.5  # 20 + 5 + 3.75
E_OUT = 0.5 * (0 + 4) * 2 + 0.5 * (4 + 12) * 0.5 + 0.5 * (12 + 16) * 1.5  # 4 + 4 + 21


def reading(t: float, i_in: float = 0.0, i_out: float = 0.0, p_in: float = 0.0, p_out: float = 0.0,
            voltage: float = 3.7, temps: tuple[float, ...] = (25.0, 25.0, 25.0)) -> Readings:
    """A live Readings at test time t (the integrator is fed these during a run)."""
    r = Readings(CHANNELS, None)
    r.test_time, r.i_in, r.i_out, r.p_in, r.p_out, r.voltage = t, i_in, i_out, p_in, p_out, voltage
    r.temps.update(zip(CHANNELS, temps))
    return r


def integrals(totals: Totals) -> tuple[float, float, float, float]:
    return totals.q_in, totals.q_out, totals.e_in, totals.e_out


def feed(samples: list[Readings], *scopes: Totals, integrator: Integrator | None = None) -> Integrator:
    integrator = Integrator() if integrator is None else integrator
    for r in samples:
        integrator.add(r, scopes)
    return integrator


def test_the_trapezoid_rule_on_both_sides_with_unequal_steps():
    samples = [reading(*s) for s in SAMPLES]
    totals = Totals(0.0, samples[0])
    feed(samples, totals)
    assert integrals(totals) == pytest.approx((Q_IN, Q_OUT, E_IN, E_OUT), rel=1e-12)
    assert (Q_IN, Q_OUT, E_IN, E_OUT) == (5.75, 7.25, 28.75, 29.0)  # the hand sums above, as a check on them
    assert (totals.start, totals.end, totals.v_first, totals.v_end) == (0.0, 4.0, 3.6, 3.5)
    assert totals.to_json()["discharge_capacity_Ah"] == pytest.approx(Q_OUT / 3600)


def test_after_a_reset_the_next_sample_is_not_bridged():
    """A pause or a new set-point: the gap from 2 s to 10 s counts nothing, on either side."""
    totals = Totals(0.0, reading(0.0))
    integrator = feed([reading(0.0, 1, 2, 4, 8), reading(2.0, 1, 2, 4, 8)], totals)
    integrator.reset()
    feed([reading(10.0, 3, 3, 9, 9), reading(11.0, 3, 3, 9, 9)], totals, integrator=integrator)
    assert integrals(totals) == pytest.approx((2 + 3, 4 + 3, 8 + 9, 16 + 9))
    assert totals.end == 11.0


def test_the_first_sample_after_a_reset_counts_in_every_scope_s_temperatures_and_ends():
    """The first reading of a step (its set-up reset the integrator) is the run's and the cycle's
    too: a peak there was missing from cycles.csv and run.json (29.647 where the rows held 29.681)."""
    run = Totals(0.0, reading(0.0))
    integrator = feed([reading(0.0), reading(2.0)], run)
    integrator.reset()
    feed([reading(10.0, i_out=2.0, voltage=3.9, temps=(29.681, 25.0, 25.0))], run, integrator=integrator)
    assert run.t_max["cell"] == 29.681 and (run.end, run.v_end, run.i_out_max) == (10.0, 3.9, 2.0)
    assert integrals(run) == (0.0, 0.0, 0.0, 0.0)  # and nothing bridged


def test_every_scope_fed_at_once_gets_the_same_increments():
    """Run, cycle and step totals come from one integrator: a scope opened later has only what came after."""
    samples = [reading(*s) for s in SAMPLES]
    run, cycle = Totals(0.0, samples[0]), Totals(0.0, samples[0])
    integrator = feed(samples[:2], run, cycle)
    step = Totals(2.0, samples[1])
    feed(samples[2:], run, cycle, step, integrator=integrator)
    assert integrals(run) == integrals(cycle) == pytest.approx((Q_IN, Q_OUT, E_IN, E_OUT))
    assert integrals(step) == pytest.approx((Q_IN - 4, Q_OUT - 1, E_IN - 20, E_OUT - 4))
    assert (step.start, step.end) == (2.0, 4.0)


def test_totals_track_peak_and_end_currents():
    currents = [(1.0, 0.5), (2.5, 0.2), (0.3, 1.5), (0.1, 0.4)]  # (in, out) at 0, 1, 2, 3 s
    samples = [reading(float(t), i_in, i_out) for t, (i_in, i_out) in enumerate(currents)]
    totals = Totals(0.0, samples[0])
    feed(samples, totals)
    assert (totals.i_in_max, totals.i_out_max, totals.i_in_end, totals.i_out_end) == (2.5, 1.5, 0.1, 0.4)


def test_temperatures_keep_max_min_and_start_and_skip_a_faulted_channel():
    """'case' has no valid reading at first (its start is its first valid one); 'spare' faults midway."""
    temps = [(25.0, NAN, 24.0), (27.0, NAN, 26.0), (26.0, 30.0, NAN), (24.5, 28.0, NAN), (25.5, 31.0, 25.0)]
    samples = [reading(float(t), temps=row) for t, row in enumerate(temps)]
    totals = Totals(0.0, samples[0])
    feed(samples, totals)
    assert totals.t_max == {"cell": 27.0, "case": 31.0, "spare": 26.0}
    assert totals.t_min == {"cell": 24.5, "case": 28.0, "spare": 24.0}
    assert totals.t_start == {"cell": 25.0, "case": 30.0, "spare": 24.0}
    assert totals.to_json()["max_temperature_degC"] == totals.t_max


def test_totals_state_round_trips_through_json():
    """A checkpoint saves Totals.state() as JSON; the restored totals carry on exactly as the original."""
    temps = [(25.0, NAN, 24.0), (26.0, NAN, NAN)]
    samples = [reading(*s[:5], voltage=s[5], temps=temps[min(k, 1)]) for k, s in enumerate(SAMPLES)]
    original = Totals(0.0, samples[0], v_before=3.55, i_before=-0.25)
    integrator = feed(samples[:3], original)
    restored = Totals.from_state(json.loads(json.dumps(original.state())))
    resumed = Integrator(json.loads(json.dumps(integrator.prev)))
    assert json.dumps(restored.state()) == json.dumps(original.state())  # NaN-aware: NaN is written as NaN
    assert all(type(getattr(restored, k)) is type(getattr(original, k)) for k in Totals.__slots__)
    assert restored.t_max is not original.t_max
    last = reading(6.0, 2.0, 1.0, 8.0, 4.0, temps=(28.0, 33.0, NAN))
    feed([last], original, integrator=integrator)
    feed([last], restored, integrator=resumed)
    assert json.dumps(restored.state()) == json.dumps(original.state())
    assert restored.t_max == {"cell": 28.0, "case": 33.0, "spare": 24.0}
