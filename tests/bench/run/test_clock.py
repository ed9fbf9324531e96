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



def test_a_run_paced_slower_than_its_looks_advances_the_world_once_a_sample(tmp_path, monkeypatch):
    """At 2 x real time a 1 s sample period is 0.5 s of wall time, waited in slices between looks
    at the operator's requests: the world is still advanced only to each sample time, so its
    integration, and the data, are those of a run at any other speed (a resume may take another).
    Advanced in the slices too, a 60 s discharge differed in 16 of 60 rows from one at full speed."""
    from drivers.sim.world import World

    from bench.run.session import Request, execute

    advanced: list[float] = []
    advance = World.advance_to
    monkeypatch.setattr(World, "advance_to", lambda world, t: (advanced.append(t), advance(world, t))[1])
    profile = tmp_path / "p.toml"
    profile.write_text('name = "paced"\nperiod = "1 s"\nsteps = ["Discharge at 1 A for 4 s"]\n'
                       '[dut]\nkind = "power bank"\nrated_capacity = "10000 mAh"\nnominal_voltage = "3.7 V"\n')
    outcome, _ = execute(Request(profile, None, tmp_path / "logs", speed=2.0))
    assert outcome.verdict == "PASS"
    start = advanced[0]  # the world's time when the run began
    assert [round(t - start, 9) for t in advanced if t > start] == [1.0, 2.0, 3.0, 4.0]
