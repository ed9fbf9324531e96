"""Clocks: the runner asks the time and sleeps until the next sample, never calling time.* itself.

On the simulated bench, sleeping advances the simulated world instead, so a 12-hour test runs
in seconds; with a speed factor it runs at N x real time (for demos and training).
"""
from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    simulated: bool

    def now(self) -> float:
        """Seconds since the clock started."""
        ...

    def sleep_until(self, t: float) -> None: ...


class RealClock:
    simulated = False

    def __init__(self) -> None:
        self._start = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self._start

    def sleep_until(self, t: float) -> None:
        delay = t - self.now()
        if delay > 0:
            time.sleep(delay)


class SimClock:
    """Simulated time: the world's own. `speed` None runs as fast as possible."""

    simulated = True

    def __init__(self, world: object, speed: float | None = None) -> None:
        self._world = world
        self._speed = speed
        self._wall0 = time.monotonic()
        self._sim0 = world.t  # type: ignore[attr-defined]

    def now(self) -> float:
        return self._world.t - self._sim0  # type: ignore[attr-defined]

    def sleep_until(self, t: float) -> None:
        if self._speed:
            delay = self._wall0 + t / self._speed - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        self._world.advance_to(self._sim0 + t)  # type: ignore[attr-defined]
