"""Incremental capacity analysis (ICA): dQ/dV of a cell's charge and discharge steps.

dQ/dV taken sample by sample is noise: on a plateau the voltage moves by a fraction of a
millivolt per sample, about the bench's resolution, and dividing by that amplifies every
reading error. So the charge is binned by voltage: each interval between two samples carries
the charge that passed in it (the current integrated over time by the trapezoid rule, as the
run's integrator does) and spreads it evenly over the voltage range it crossed; a bin's dQ/dV
is the charge that fell in it divided by its width (BIN_WIDTH, 10 mV: above the sample-to-sample
noise of a bench, well below the ~50-100 mV width of the graphite and NMC peaks an ICA looks
for). A light Gaussian (SMOOTHING, 10 mV) then takes out the bin-to-bin ripple. Both steps keep
the area: the curve integrates over voltage to the step's capacity, and a voltage that wavers
back and forth (noise, relaxation) adds no charge; only a monotonic voltage is not required.

The charge is counted from the step's start by integrating its current, not read from the
capacity columns, so it holds whether those count per step or since the test's start.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.analysis.samples import Samples, Step

BIN_WIDTH = 0.010  # V
SMOOTHING = 0.010  # V, the Gaussian's standard deviation
MIN_SPAN = 0.1  # V a step's voltage must cross to have a curve (a CV hold, a pulse do not)
MIN_SAMPLES = 10


@dataclass(frozen=True)
class Curve:
    """dQ/dV of one step: bin centres (V) and dQ/dV (Ah/V, positive for charge and discharge)."""

    step: Step
    voltage: np.ndarray
    dqdv: np.ndarray
    capacity: float  # Ah passed in the step

    @property
    def area(self) -> float:
        """The curve integrated over voltage (Ah): the step's capacity."""
        return float(self.dqdv.sum() * BIN_WIDTH)


def step_charge(time: np.ndarray, current: np.ndarray) -> np.ndarray:
    """The charge (Ah) that passed in each interval between consecutive samples (trapezoid rule),
    with the sign of the current (positive into the DUT)."""
    return 0.5 * (current[1:] + current[:-1]) * np.diff(time) / 3600.0


def curve(samples: Samples, step: Step) -> Curve | None:
    """The step's dQ/dV, or None for a step that is not a charge or discharge crossing MIN_SPAN."""
    if step.kind not in ("charge", "discharge") or step.last - step.first + 1 < MIN_SAMPLES:
        return None
    rows = slice(step.first, step.last + 1)
    v = samples.voltage[rows]
    if v.max() - v.min() < MIN_SPAN:
        return None
    dq = step_charge(samples.time[rows], samples.current[rows])
    if step.kind == "discharge":
        dq = -dq
    edges = np.arange(np.floor(v.min() / BIN_WIDTH), np.ceil(v.max() / BIN_WIDTH) + 1) * BIN_WIDTH
    per_bin = np.diff(_charge_below(edges, v, dq))
    return Curve(step, 0.5 * (edges[1:] + edges[:-1]), _smooth(per_bin) / BIN_WIDTH, float(dq.sum()))


def _charge_below(edges: np.ndarray, v: np.ndarray, dq: np.ndarray) -> np.ndarray:
    """At each edge, the charge that passed below it: each interval's dq spread evenly over the
    voltages it crossed (all of it at its voltage when it crossed none). A sum of ramps, each
    rising by dq from the interval's low to its high voltage: evaluated through the cumulative
    sums of the ramps' slope changes at their corners, in O(n log n)."""
    lo, hi = np.minimum(v[1:], v[:-1]), np.maximum(v[1:], v[:-1])
    width = hi - lo
    flat = width <= 0
    slope = np.where(flat, 0.0, dq / np.where(flat, 1.0, width))
    corners = np.concatenate((lo, hi))
    turns = np.concatenate((slope, -slope))
    order = np.argsort(corners, kind="stable")
    corners, turns = corners[order], turns[order]
    slopes, offsets = np.cumsum(turns), np.cumsum(turns * corners)
    n = np.searchsorted(corners, edges, side="right")  # corners at or below each edge
    ramps = np.where(n > 0, edges * slopes[n - 1] - offsets[n - 1], 0.0)
    steps_at, steps = lo[flat], dq[flat]
    order = np.argsort(steps_at)
    jumps = np.concatenate(([0.0], np.cumsum(steps[order])))[np.searchsorted(steps_at[order], edges, side="right")]
    return ramps + jumps


def _smooth(values: np.ndarray) -> np.ndarray:
    """A Gaussian of SMOOTHING over the bins; what it would spread past either end is folded back,
    so the sum stays the same."""
    sigma = SMOOTHING / BIN_WIDTH
    reach = int(np.ceil(3 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-reach, reach + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    return np.convolve(np.pad(values, reach, mode="symmetric"), kernel, mode="valid")


def curves(samples: Samples) -> list[Curve]:
    """dQ/dV of every charge and discharge step of the run that has one."""
    return [c for step in samples.steps() if (c := curve(samples, step)) is not None]
