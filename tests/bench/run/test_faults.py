"""Fault classes injected into a run on the simulated bench: each ends with the bench safe and
the records complete; transient faults are ridden through, lasting ones end the run."""
from __future__ import annotations

import threading
import time

import pytest
from runfolders import read_run

from bench.run import control
from bench.record.records import Sink
from bench.run.session import Request, execute, make_world, prepare

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

PROFILE = """
name = "Discharge"
period = "1 s"
steps = [{ step = "Discharge at 2 A for 20 min", name = "discharge" }]
[dut]
kind = "power bank"
[[criteria]]
name = "charge out"
metric = "discharge capacity"
step = "discharge"
min = "0.66 Ah"
max = "0.67 Ah"
"""


@pytest.fixture
def profile(write):
    return write("discharge.toml", PROFILE)


def run(tmp_path, profile, station=None, view=None, speed=None):
    request = Request(profile, station, tmp_path / "logs", speed=speed)
    world = make_world(prepare(request)[1], None, None)
    outcome, folder = execute(request, [view] if view else [], world=world)
    meta, events, rows = read_run(folder)
    assert world.load_input_on is False and world.supply_output_on is False
    assert meta["safe_state_confirmed"] is True and meta["status"] == "finished"
    assert len(rows) == meta["samples"]
    return outcome, events, rows


class Stall(Sink):
    def __init__(self, at: int) -> None:
        self.n = at
        self.waited_out = False

    def sample(self, record) -> None:
        self.n -= 1
        if self.n == 0:
            time.sleep(30)  # a hung call; the watchdog must not wait for it
            self.waited_out = True


def test_the_watchdog_makes_the_bench_safe_when_the_loop_stalls(tmp_path, profile, sim_station):
    station = sim_station(append='[faults]\nwatchdog = "0.3 s"\n')
    stall = Stall(50)
    outcome, events, _ = run(tmp_path, profile, station, view=stall)
    assert outcome.verdict == "ERROR" and "stalled" in outcome.reason and "watchdog" in outcome.reason
    assert "watchdog" in [e["event"] for e in events]
    assert not stall.waited_out  # the hung call was interrupted


def test_pause_makes_the_dut_safe_and_continue_carries_on(tmp_path, profile):
    request = Request(profile, None, tmp_path / "logs", speed=300)
    world = make_world(prepare(request)[1], None, None)
    result = {}
    thread = threading.Thread(target=lambda: result.update(zip(("outcome", "folder"),
                                                                execute(request, world=world))))
    thread.start()
    deadline = time.monotonic() + 30
    while not list((tmp_path / "logs").glob("*/checkpoint.json")):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    (folder,) = (tmp_path / "logs").iterdir()
    control.request(folder, "pause")
    while "paused" not in (folder / "events.jsonl").read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    assert world.load_input_on is False and world.supply_output_on is False  # DUT safe while paused
    control.request(folder, "continue")
    thread.join(timeout=60)
    assert result["outcome"].verdict == "PASS", result["outcome"].reason  # 2 A x 20 min, pause excluded
    _, events, rows = read_run(result["folder"])
    continued = next(e for e in events if e["event"] == "continued")
    assert continued["paused_s"] > 0
    pause_rows = [r for r in rows if r["Step Type"] == "pause"]
    assert pause_rows and all(float(r["Output Current / A"]) == 0 for r in pause_rows)


def test_continue_is_taken_within_a_second_of_wall_time_and_checkpointed(tmp_path, write):
    """A long sample period (60 s) runs in real time while paused: a continue is not held back
    to the next pause row, and the checkpoint after it counts it (a stop then resume keeps it)."""
    import json

    slow = write("slow.toml", PROFILE.replace('period = "1 s"', 'period = "60 s"'))
    request = Request(slow, None, tmp_path / "logs", speed=300)
    result = {}
    thread = threading.Thread(target=lambda: result.update(zip(("outcome", "folder"), execute(request))))
    thread.start()
    deadline = time.monotonic() + 30
    while not list((tmp_path / "logs").glob("*/checkpoint.json")):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    (folder,) = (tmp_path / "logs").iterdir()
    control.request(folder, "pause")
    while "paused" not in (folder / "events.jsonl").read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    control.request(folder, "continue")
    asked = time.monotonic()
    while '"continued"' not in (folder / "events.jsonl").read_text():
        assert time.monotonic() - asked < 5.0, "the continue waited for the pause's next 60 s sample"
        time.sleep(0.05)
    continued = (folder / "events.jsonl").read_bytes().index(b'"continued"')
    checkpointed = until(lambda: json.loads((folder / "checkpoint.json").read_text())["files"]["events"] > continued)
    control.request(folder, "stop")
    thread.join(timeout=60)
    assert result["outcome"].verdict == "ABORTED"
    assert checkpointed, "no checkpoint after the continue: a resume would cut it off and stay paused"


def until(check, timeout: float = 1.0) -> bool:
    """Whether `check()` comes true within `timeout` s of wall time (polled)."""
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True
