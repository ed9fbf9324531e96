"""The climatic chamber around the DUT: ambient temperature as a function of simulated time.

A chamber is a list of (time s, degC) points joined by straight lines and held flat before
the first and after the last: one point is a constant ambient, two points a ramp, two points
at the same time a step. Real chambers ramp at a few K/min, so a step is an idealisation.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence


class Chamber:
    """Ambient temperature (degC) over simulated time (s)."""

    __slots__ = ("_times", "_temps", "constant")

    def __init__(self, points: Sequence[tuple[float, float]]) -> None:
        if not points:
            raise ValueError("a chamber needs at least one (time, degC) point")
        times = [float(t) for t, _ in points]
        temps = [float(c) for _, c in points]
        if any(b < a for a, b in zip(times, times[1:])):
            raise ValueError("chamber points must be in time order")
        if not all(math.isfinite(v) for v in times + temps) or min(temps) <= -273.15:
            raise ValueError(f"chamber points must be finite times and temperatures above 0 K, got {points!r}")
        self._times, self._temps = times, temps
        self.constant = len(set(temps)) == 1

    @classmethod
    def step(cls, at: float, before: float, after: float) -> Chamber:
        """`before` degC until `at` s, then `after` degC."""
        return cls([(at, before), (at, after)])

    @classmethod
    def ramp(cls, start: float, end: float, before: float, after: float) -> Chamber:
        """`before` degC until `start` s, a straight ramp, then `after` degC from `end` s."""
        return cls([(start, before), (end, after)])

    def __call__(self, t: float) -> float:
        times, temps = self._times, self._temps
        i = bisect_right(times, t)
        if i == 0:
            return temps[0]
        if i == len(times):
            return temps[-1]
        t0, t1 = times[i - 1], times[i]
        return temps[i - 1] + (temps[i] - temps[i - 1]) * (t - t0) / (t1 - t0)

    def __repr__(self) -> str:
        return f"Chamber({list(zip(self._times, self._temps))!r})"
