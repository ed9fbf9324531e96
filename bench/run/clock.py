"""Clocks: the runner asks the time and sleeps until the next sample, never calling time.* itself.

On the simulated bench, sleeping advances the simulated world instead, so a 12-hour test runs
in seconds; with a speed factor it runs at N x real time (for demos and training).
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import ContextManager, Iterator, Protocol

from bench.run import signals


class Clock(Protocol):
    simulated: bool

    def now(self) -> float:
        """Seconds since the clock started."""
        ...

    def sleep_until(self, t: float) -> None: ...

    def due_now(self, t: float) -> float:
        """The time on the way to `t` that is due at this moment of wall time (`t` itself when
        nothing paces the clock): where a wait cut short stops."""
        ...

    def wall_period(self, period: float) -> float:
        """How much wall time one sample period takes."""
        ...

    def wall_left(self, t: float) -> float:
        """Wall seconds from now until sleep_until(t) would return (0: at once)."""
        ...

    def real_time(self) -> ContextManager[None]:
        """Run at real time inside the block (a paused simulated bench must not race ahead)."""
        ...

    def notices(self) -> list[str]:
        """What the simulated DUT went through since the last call (drivers.sim.world), for the
        events; a real bench has nothing to say here."""
        ...


class RealClock:
    simulated = False

    def __init__(self, offset: float = 0.0) -> None:
        """`offset`: the clock reads this at start (a resumed run continues its test time)."""
        self._start = time.monotonic() - offset

    def now(self) -> float:
        return time.monotonic() - self._start

    def sleep_until(self, t: float) -> None:
        """Cut short by a stop request, which it raises (bench.run.signals)."""
        signals.wait(t - self.now())
        signals.check()

    def wall_period(self, period: float) -> float:
        return period

    def wall_left(self, t: float) -> float:
        return t - self.now()

    def due_now(self, t: float) -> float:
        return min(t, self.now())

    @contextmanager
    def real_time(self) -> Iterator[None]:
        yield

    def notices(self) -> list[str]:
        return []


class SimClock:
    """Simulated time: the world's own. `speed` None runs as fast as possible."""

    simulated = True

    def __init__(self, world: object, speed: float | None = None, origin: float | None = None) -> None:
        """`origin`: the world time that reads as 0 (default: now; a resumed run passes 0, so
        the test time goes on from the world's own)."""
        self._world = world
        self._sim0 = world.t if origin is None else origin  # type: ignore[attr-defined]
        self._pace(speed)

    def _pace(self, speed: float | None) -> None:
        self._speed = speed
        self._wall0 = time.monotonic()
        self._t0 = self.now()

    def now(self) -> float:
        return self._world.t - self._sim0  # type: ignore[attr-defined]

    def sleep_until(self, t: float) -> None:
        """The world advanced to `t` in one call, however long the wait: its integration, and so
        the data, is the same at any speed."""
        if self._speed:
            signals.wait(self.wall_left(t))
            signals.check()
        self._world.advance_to(self._sim0 + t)  # type: ignore[attr-defined]

    def wall_period(self, period: float) -> float:
        return period / self._speed if self._speed else 0.0

    def wall_left(self, t: float) -> float:
        return self._wall0 + (t - self._t0) / self._speed - time.monotonic() if self._speed else 0.0

    def due_now(self, t: float) -> float:
        return min(t, self._t0 + (time.monotonic() - self._wall0) * self._speed) if self._speed else t

    def notices(self) -> list[str]:
        return self._world.notices()  # type: ignore[attr-defined]

    @contextmanager
    def real_time(self) -> Iterator[None]:
        speed = self._speed
        self._pace(1.0)
        try:
            yield
        finally:
            self._pace(speed)
