"""Simulated time: as fast as possible by default, N x real time with a speed factor."""
from __future__ import annotations

from bench.run import clock as clock_module
from bench.run.clock import SimClock


class FakeWorld:
    def __init__(self) -> None:
        self.t = 0.0

    def advance_to(self, t: float) -> None:
        self.t = t


def test_simulated_clock_advances_the_world_without_sleeping(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(clock_module.signals, "wait", slept.append)
    world = FakeWorld()
    clock = SimClock(world)
    clock.sleep_until(3600.0)
    assert (clock.now(), world.t, slept) == (3600.0, 3600.0, [])


def test_speed_factor_paces_simulated_time_against_the_wall_clock(monkeypatch):
    wall = [100.0]
    slept: list[float] = []
    monkeypatch.setattr(clock_module.time, "monotonic", lambda: wall[0])
    def sleep(seconds: float) -> None:
        slept.append(seconds)
        wall[0] += seconds
    monkeypatch.setattr(clock_module.signals, "wait", sleep)
    clock = SimClock(FakeWorld(), speed=10.0)
    clock.sleep_until(50.0)
    clock.sleep_until(60.0)
    assert slept == [5.0, 1.0]  # 60 s of simulated time in 6 s of wall time
    assert clock.now() == 60.0
