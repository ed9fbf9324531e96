"""Fault classes injected into a run on the simulated bench: each ends with the bench safe and
the records complete; transient faults are ridden through, lasting ones end the run."""
from __future__ import annotations

import threading
import time

import pytest
from runfolders import read_run

from bench.run import control
from bench.station import instruments as station_module
from bench.record.logbook import Logbook
from bench.record.records import Sink
from bench.run.session import Request, execute, make_world, prepare
from drivers.roles import InstrumentError

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


def failing(method, role: str, fail_at: set[int]):
    """Wrap a Station method so that the calls numbered in `fail_at` raise like a lost link."""
    calls = {"n": 0}

    def wrapper(self, *args):
        calls["n"] += 1
        if calls["n"] in fail_at:
            raise station_module.InstrumentFault(role, InstrumentError("TCPIP::10.0.0.9::INSTR: timeout (2 s)"))
        return method(self, *args)
    return wrapper


def test_transient_instrument_errors_are_retried_and_the_run_passes(tmp_path, profile, monkeypatch):
    monkeypatch.setattr(station_module.Station, "read",
                        failing(station_module.Station.read, "load", {100, 101, 102, 500}))
    reopened = []
    real_reopen = station_module.Station.reopen
    monkeypatch.setattr(station_module.Station, "reopen",
                        lambda self, role: reopened.append(role) or real_reopen(self, role))
    outcome, events, _ = run(tmp_path, profile)
    assert outcome.verdict == "PASS", outcome.reason
    kinds = [e["event"] for e in events]
    assert kinds.count("retry") == 4 and kinds.count("recovered") == 2
    assert reopened == ["load", "load"]  # a link that fails twice in a row is opened again


def test_an_instrument_that_does_not_recover_within_the_grace_time_ends_the_run(
        tmp_path, profile, monkeypatch, sim_station):
    station = sim_station(append='[faults]\ngrace = "20 s"\n')
    monkeypatch.setattr(station_module.Station, "read",
                        failing(station_module.Station.read, "supply", set(range(60, 10_000))))
    outcome, events, _ = run(tmp_path, profile, station)
    assert outcome.verdict == "ERROR" and "not recovered within 20 s" in outcome.reason
    retries = [e for e in events if e["event"] == "retry"]
    assert retries and retries[-1]["test_time_s"] - retries[0]["test_time_s"] >= 20


def test_losing_the_thermometer_makes_the_bench_safe_at_once_while_it_retries(tmp_path, profile, monkeypatch):
    monkeypatch.setattr(station_module.Station, "read",
                        failing(station_module.Station.read, "thermo", {300}))
    safe_calls = []
    real_safe = station_module.Station.safe
    monkeypatch.setattr(station_module.Station, "safe", lambda self: safe_calls.append(1) or real_safe(self))
    outcome, events, _ = run(tmp_path, profile)
    kinds = [e["event"] for e in events]
    assert outcome.verdict == "PASS", outcome.reason
    lost = kinds.index("monitoring_lost")
    assert kinds[lost + 1:lost + 3] == ["retry", "recovered"]
    assert len(safe_calls) >= 3  # before the start, when blind, at the end


def test_a_frozen_critical_temperature_ends_the_run(tmp_path, profile, monkeypatch, sim_station):
    station = sim_station(append='[faults]\nfrozen = "30 s"\n')
    real_read = station_module.Station.read

    def stuck(self):
        reading = real_read(self)
        return reading._replace(temps={**reading.temps, 101: 25.25})  # the cell channel stopped updating
    monkeypatch.setattr(station_module.Station, "read", stuck)
    outcome, _, _ = run(tmp_path, profile, station)
    assert outcome.verdict == "ERROR" and "'cell' frozen at 25.25 degC" in outcome.reason


def test_a_failing_output_writer_ends_the_run_with_the_bench_safe(tmp_path, profile, monkeypatch):
    real_sample = Logbook.sample

    def disk_full(self, record):
        if self.rows >= 200:
            raise OSError(28, "No space left on device")
        real_sample(self, record)
    monkeypatch.setattr(Logbook, "sample", disk_full)
    outcome, events, rows = run(tmp_path, profile)
    assert outcome.verdict == "ERROR" and "No space left on device" in outcome.reason
    assert len(rows) == 200 and events[-1]["event"] == "safe_state"


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
