"""A call that hangs mid-reply on a real link (pyserial on a pty, pyvisa-py on a TCP socket)
never keeps the bench on: the watchdog (or, for a blind critical thermometer, the run itself)
switches every output off through new connections, without waiting on the hung call, and the
run ends ERROR with complete records."""
from __future__ import annotations

import threading

import pytest

from benchmarks import loopback
from bench.run.session import Request, execute
from runfolders import read_run

pytestmark = pytest.mark.slow  # real time on loopback instruments

WATCHDOG = 1.0  # s
HANG_AFTER = 1.0  # s into the run (the step is running by then)
PROFILE = """
name = "Pass-through under load"
period = "100 ms"
steps = [{ step = "Charge at 5 V, 3 A limit for 60 s", with = "Discharge at 1.5 A", name = "through" }]
[dut]
kind = "power bank"
"""
FAULTS = f"""
[faults]
watchdog = "{WATCHDOG} s"
grace = "2 s"
"""
HANGS = {"load": ":MEAS", "supply": "MEAS", "thermo": "READ?"}  # the queries that hang mid-reply


def _hung_run(tmp_path, link: str, role: str, trickle: bool = False):
    instruments = loopback.bench()
    try:
        resources = None if link == "tcp" else {r: f"serial://{i.serve_pty()}" for r, i in instruments.items()}
        station = loopback.station_file(instruments, tmp_path, resources, FAULTS)
        station.write_text(station.read_text().replace("resource = ", 'timeout = "0.5 s"\nresource = '))
        profile = tmp_path / "through.toml"
        profile.write_text(PROFILE, encoding="utf-8")
        hung = instruments[role]
        hung.trickle = trickle
        threading.Timer(HANG_AFTER, setattr, (hung, "hang", HANGS[role])).start()
        outcome, folder = execute(Request(profile, station, tmp_path / "logs"))
        return outcome, folder, instruments
    finally:
        for instrument in instruments.values():
            instrument.close()


def _bench_went_off_in_time(instruments, role: str) -> None:
    hung_at = instruments[role].hung_at
    assert hung_at is not None, "the instrument never hung: the test did not test anything"
    for switched in ("load", "supply"):
        instrument = instruments[switched]
        off = instrument.switched_off_after(hung_at)
        assert off is not None and not instrument.on, f"{switched} left on"
        assert off - hung_at <= WATCHDOG + 2.0, f"{switched} off {off - hung_at:.1f} s after the hang"
        assert not instrument.switched_on_after(off), f"{switched} switched on again while the hang lasted"


def _records_complete(outcome, folder) -> dict:
    run, events, rows = read_run(folder)
    assert outcome.verdict == "ERROR" and run["verdict"] == "ERROR" and run["status"] == "finished"
    assert run["safe_state_confirmed"] is True and run["totals"] is not None
    assert run["samples"] == len(rows) > 0
    assert events[-1]["event"] == "safe_state" and events[-1]["confirmed"] is True
    return {e["event"]: e for e in events}


@pytest.mark.parametrize("link", ["tcp", "pty"])
@pytest.mark.parametrize("role", ["load", "supply"])
def test_a_switching_instrument_hung_mid_reply_is_switched_off_through_a_new_connection(tmp_path, link, role):
    outcome, folder, instruments = _hung_run(tmp_path, link, role)
    _bench_went_off_in_time(instruments, role)
    events = _records_complete(outcome, folder)
    assert "watchdog" in events and events["watchdog"]["safe_problems"] == []
    assert "not recovered within 2 s" in outcome.reason


@pytest.mark.parametrize("link", ["tcp", "pty"])
def test_a_thermometer_hung_mid_reply_puts_the_bench_off_at_once(tmp_path, link):
    outcome, folder, instruments = _hung_run(tmp_path, link, "thermo")
    _bench_went_off_in_time(instruments, "thermo")
    events = _records_complete(outcome, folder)
    assert "monitoring_lost" in events
    assert "not recovered within 2 s" in outcome.reason


def test_a_reply_that_never_ends_is_cut_by_the_watchdog(tmp_path):
    """pyvisa-py restarts its wait at every byte: a reply trickling in for ever would hold the
    call, and its connection's lock, for good."""
    outcome, folder, instruments = _hung_run(tmp_path, "tcp", "load", trickle=True)
    _bench_went_off_in_time(instruments, "load")
    events = _records_complete(outcome, folder)
    assert events["watchdog"]["ending"] is True and events["watchdog"]["hung"] == ["load"]
    assert outcome.reason.startswith("load call did not return for ") and outcome.reason.endswith(" s (watchdog)")
