"""A bench that does not give the DUT what the step commands, on the simulated bench (a load that
draws nothing, an open lead, reversed leads, an output that trips) and on fake instruments over a
real link: each run ends ERROR naming the deviation, with nothing left on, before anything is
switched on when the wiring check sees it; a run killed mid-step and resumed ends at the very same
sample."""
from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from runfolders import read_run

from bench.record.checkpoint import Checkpointer
from bench.run.session import Request, execute, make_world, prepare, resume
from bench.station.config import default_station_path

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

BANK = """
name = "Bank discharge"
period = "1 s"
steps = [{ step = "Discharge at 2 A for 30 s", name = "d" }]
[dut]
kind = "power bank"
rated_output_voltage = "5 V"
"""
CELL = """
name = "Cell discharge and charge"
period = "10 s"
steps = ["Discharge at 5 A for 10 min", "Charge at 1 A for 1 min or until 4.2 V (1 s period)"]
[dut]
kind = "cell"
nominal_voltage = "3.63 V"
"""
TRIPPING = '\n[world.overrides]\nocp_current = "1.5 A"\n'  # the bank's output trips below the step's 2 A


def run(tmp: Path, profile: str, *defects: str, station: str = ""):
    (tmp / "profile.toml").write_text(profile, encoding="utf-8")
    (tmp / "station.toml").write_text(Path(default_station_path()).read_text(encoding="utf-8") + station,
                                      encoding="utf-8")
    request = Request(tmp / "profile.toml", tmp / "station.toml", tmp / "logs", defects=defects)
    world = make_world(prepare(request)[1], None, None, defects)
    outcome, folder = execute(request, world=world)
    assert world.load_input_on is False and world.supply_output_on is False
    return outcome, folder


@pytest.mark.parametrize("profile, defect, station, reason", [
    (BANK, "dead-load", "", "step 1 (Discharge at 2 A for 30 s): load drew 0.000 A for 5 s while the step commands "
                            "2.000 A (CC)"),
    (BANK, "open-lead", "", "step 1 (Discharge at 2 A for 30 s): load drew 0.000 A for 5 s while the step commands "
                            "2.000 A (CC)"),
    (BANK, None, TRIPPING, "step 1 (Discharge at 2 A for 30 s): load drew 0.000 A for 5 s while the step commands "
                           "2.000 A (CC)"),
    (BANK, "reversed-load", "", "step 1 (Discharge at 2 A for 30 s): load reads -5.100 V: its leads are reversed "
                                "(polarity)"),  # asleep before: 0 V, no sign to read
    (CELL, "reversed-load", "", "wiring: the load reads -4.200 V: its leads are reversed (polarity)"),
    (CELL, "open-lead", "", "wiring: the load reads 0.000 V across the cell: expected 1.81 to 4.54 V for its nominal "
                            "3.63 V (dut.nominal_voltage): an open lead, or a cell discharged too deep to test"),
    (CELL, "open-lead:instrument=supply", "", "step 2 (Charge at 1 A for 1 min or until 4.2 V (1 s period)): supply "
                                              "read 4.200 V at 0.000 A while the load reads 3.987 V across the same "
                                              "cell (an open supply lead?), and the step ended (4.2 V) without ever "
                                              "getting it"),
], ids=["dead-load", "open-load-lead", "output-trips", "reversed-load-bank", "reversed-load-cell",
        "open-load-lead-cell", "open-supply-lead-cell"])
def test_a_bench_that_does_not_give_the_step_ends_error_naming_it_with_nothing_on(tmp_path, profile, defect, station,
                                                                                  reason):
    outcome, folder = run(tmp_path, profile, *([defect] if defect else []), station=station)
    meta, events, rows = read_run(folder)
    assert outcome.verdict == meta["verdict"] == "ERROR" and meta["reason"] == outcome.reason == reason
    assert meta["safe_state_confirmed"] is True and events[-1]["event"] == "safe_state"
    if reason.startswith("wiring: "):
        assert rows == [] and [e["event"] for e in events] == ["run_start", "wiring", "safe_state"]  # no step ran


def test_healthy_bank_and_cell_pass_the_same_profiles(tmp_path):
    for name, profile in (("bank", BANK), ("cell", CELL)):
        (tmp_path / name).mkdir()
        outcome, _ = run(tmp_path / name, profile)
        assert outcome.verdict == "PASS", outcome.reason


_fork = multiprocessing.get_context("fork")


def _killed_at_the_step_start(logs: Path, profile: Path) -> None:
    real, calls = Checkpointer.checkpoint, {"n": 0}

    def checkpoint(self, record):
        real(self, record)
        calls["n"] += 1
        if calls["n"] == 2:  # the first before the instruments open, the second at the step's start
            os._exit(9)
    Checkpointer.checkpoint = checkpoint
    execute(Request(profile, None, logs, defects=("dead-load",)))
    os._exit(0)


def test_a_run_killed_before_its_deviation_is_resumed_to_the_same_fault_at_the_same_sample(tmp_path):
    profile = tmp_path / "bank.toml"
    profile.write_text(BANK, encoding="utf-8")
    whole, folder = execute(Request(profile, None, tmp_path / "whole", defects=("dead-load",)))
    child = _fork.Process(target=_killed_at_the_step_start, args=(tmp_path / "killed", profile))
    child.start()
    child.join(60)
    assert child.exitcode == 9
    (killed,) = (tmp_path / "killed").iterdir()
    resumed, _ = resume(killed)
    assert resumed.verdict == whole.verdict == "ERROR" and resumed.reason == whole.reason
    rows = [[r["Test Time / s"], r["Current / A"]] for r in read_run(killed)[2]]
    assert rows == [[r["Test Time / s"], r["Current / A"]] for r in read_run(folder)[2]]


def test_a_load_that_draws_nothing_on_a_real_link_ends_error(tmp_path, write):
    """Fake SCPI instruments on TCP sockets (benchmarks/loopback.py) through pyvisa-py, real time."""
    from benchmarks import loopback

    instruments = loopback.bench()
    instruments["load"].replies[":MEAS:CURR?"] = lambda: "+0.00000000E+00"
    try:
        faults = '[faults]\nsettle = "0.2 s"\ndeviation = "0.5 s"\n'
        station = loopback.station_file(instruments, tmp_path, extra=faults)
        profile = write("discharge.toml", BANK.replace('period = "1 s"', 'period = "100 ms"'))
        outcome, folder = execute(Request(profile, station, tmp_path / "logs"))
    finally:
        for instrument in instruments.values():
            instrument.close()
    assert outcome.verdict == "ERROR" and not instruments["load"].on and not instruments["supply"].on
    assert outcome.reason.startswith("step 1 (Discharge at 2 A for 30 s): load drew 0.000 A for ")
    assert outcome.reason.endswith(" s while the step commands 2.000 A (CC)")
    assert read_run(folder)[0]["test_time_s"] < 3.0
