"""Cycles: per-cycle records and cycles.csv, criteria on each/first/last cycle or on a trend,
a loop that stops early on its stop_if, and the metrics of pulse and rest steps."""
from __future__ import annotations

import csv

import pytest
from runfolders import cell_cycles, read_run

from bench.run.session import Request, execute

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

def run(tmp_path, write, dut="lg-m50", defects=(), **fields):
    profile = write("p.toml", cell_cycles(**fields))
    outcome, folder = execute(Request(profile, None, tmp_path / "logs", dut=dut, defects=tuple(defects)))
    return outcome, folder


def test_every_cycle_gets_a_row_in_cycles_csv_and_an_event(tmp_path, write):
    outcome, folder = run(tmp_path, write)
    with open(folder / "cycles.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["Cycle Count / 1"] for r in rows] == ["1", "2", "3"]
    assert all(4.8 < float(r["Discharging Capacity / Ah"]) < 5.1 for r in rows)
    assert all(90 < float(r["Coulombic Efficiency / %"]) <= 100.5 for r in rows[1:])  # cycle 1 starts full
    _, events, _ = read_run(folder)
    assert [e["cycle"] for e in events if e["event"] == "cycle_end"] == [1, 2, 3]


def test_each_cycle_criterion_reports_the_worst_cycle(tmp_path, write):
    criteria = """
[[criteria]]
name = "capacity every cycle"
metric = "discharge capacity"
step = "discharge"
cycle = "each"
min = "4.98 Ah"
"""
    outcome, folder = run(tmp_path, write, criteria=criteria)
    meta, _, _ = read_run(folder)
    (result,) = meta["criteria"]
    assert outcome.verdict == "FAIL" and result["outcome"] == "FAIL"
    assert result["cycle"] in (2, 3) and result["value"] < 4.98  # cycle 1 starts from a full cell: 5.0 Ah


def test_retention_stops_the_loop_early_and_is_judged_on_the_last_cycle(tmp_path, write):
    criteria = """
[[criteria]]
name = "retention"
metric = "capacity retention"
step = "discharge"
cycle = "last"
min = "80 %"
"""
    outcome, folder = run(tmp_path, write, repeat=50, stop_if="capacity retention of discharge < 99.9 %",
                          criteria=criteria)
    meta, events, _ = read_run(folder)
    stopped = [e for e in events if e["event"] == "loop_stopped"]
    assert len(stopped) == 1 and stopped[0]["passes"] < 50
    assert meta["criteria"][0]["cycle"] == stopped[0]["passes"]
    assert 80 < meta["criteria"][0]["value"] < 99.9 and outcome.verdict == "PASS"


def test_a_trend_criterion_judges_the_slope_per_cycle(tmp_path, write):
    criteria = """
[[criteria]]
name = "fade per cycle"
metric = "discharge capacity"
step = "discharge"
cycle = "trend"
min = "-0.05 Ah"
max = "0 Ah"
"""
    outcome, folder = run(tmp_path, write, repeat=4, criteria=criteria)
    result = read_run(folder)[0]["criteria"][0]
    assert outcome.verdict == "PASS" and -0.05 < result["value"] < 0 and result["cycle_scope"] == "trend"


PULSE = """
name = "Pulse and rest"
period = "1 s"
steps = [
  "Rest for 10 min",
  { step = "Discharge at 5 A for 10 s", name = "pulse" },
  { step = "Rest for 2 h (60 s period)", name = "rest" },
  { step = "Discharge ramp from 1 A to 4 A over 30 s for 40 s", name = "ramp" },
]
[dut]
kind = "cell"
[[criteria]]
name = "dcir"
metric = "dcir"
step = "pulse"
max = "80 mOhm"
[[criteria]]
name = "k value"
metric = "voltage decay"
step = "rest"
max = "10 mV/h"
[[criteria]]
name = "ramp top"
metric = "peak output current"
step = "ramp"
min = "3.99 A"
max = "4.01 A"
[[criteria]]
name = "stable temperature"
metric = "cell temperature span"
step = "rest"
max = "5 K"
"""


@pytest.mark.parametrize("defects, worse", [((), None), (("high-resistance:factor=3",), "dcir")])
def test_pulse_rest_and_ramp_metrics(tmp_path, write, defects, worse):
    profile = write("pulse.toml", PULSE)
    outcome, folder = execute(Request(profile, None, tmp_path / "logs", dut="lg-m50", defects=defects))
    values = {c["name"]: c for c in read_run(folder)[0]["criteria"]}
    assert values["ramp top"]["outcome"] == "PASS"  # the ramp reached its end level
    assert values["stable temperature"]["outcome"] == "PASS"
    if worse is None:
        assert outcome.verdict == "PASS", outcome.reason
        assert 30 < values["dcir"]["value"] < 60  # R0 + part of R1 of the 37 + 9 mOhm model after 10 s
    else:
        assert values[worse]["outcome"] == "FAIL" and values[worse]["value"] > 80
