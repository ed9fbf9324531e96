"""Helper of the tests of paced drivers (Korad, Siglent): a clock that only sleeping advances."""
from __future__ import annotations

import pytest

from drivers import pacing


class FakeClock:
    """Monotonic time that only sleeping advances: what the pause costs, without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 9))
        self.now += seconds


def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A FakeClock in place of drivers.pacing's for the rest of the test."""
    clock = FakeClock()
    monkeypatch.setattr(pacing, "monotonic", clock.monotonic)
    monkeypatch.setattr(pacing, "sleep", clock.sleep)
    return clock
