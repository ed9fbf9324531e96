"""A resume on a real bench (instruments on TCP sockets through pyvisa-py, real time): the rows
written after the last checkpoint are measurements, replayed through the run's own accounting,
never lost or counted twice; the time the bench stood still is a gap, never bridged."""
from __future__ import annotations

import csv
import json
import multiprocessing
import os
import time

import pytest

from benchmarks import loopback
from bench.record import schema
from bench.record.logbook import Logbook
from bench.run.recovery import recount
from bench.run.session import Request, execute, resume

pytestmark = pytest.mark.slow  # real time on loopback instruments

PROFILE = """
name = "Real-time discharge"
period = "100 ms"
steps = [{ step = "Discharge at 1.5 A for 6 s", name = "discharge" }]
[dut]
kind = "power bank"
[[criteria]]
name = "delivered"
metric = "discharge capacity"
step = "discharge"
min = "1 mAh"
"""
KILLED_AFTER = 30  # samples: 3 s in, after the step-start checkpoint and before the next (every 5 s)


def _killed_run(logs, profile, station) -> None:
    real = Logbook.sample

    def sample(self, record):
        real(self, record)
        if self.rows == KILLED_AFTER:
            self.sync()  # what the disk holds when the power goes: these rows, after the checkpoint
            os._exit(9)
    Logbook.sample = sample
    execute(Request(profile, station, logs))


def test_rows_after_the_checkpoint_are_replayed_and_the_gap_is_not_bridged(tmp_path, write):
    instruments = loopback.bench()
    try:
        station = loopback.station_file(instruments, tmp_path)
        profile = write("discharge.toml", PROFILE)
        child = multiprocessing.get_context("fork").Process(target=_killed_run,
                                                             args=(tmp_path / "logs", profile, station))
        child.start()
        child.join(60)
        assert child.exitcode == 9
        (folder,) = (tmp_path / "logs").iterdir()
        assert instruments["load"].on  # what a crash leaves on a real bench
        time.sleep(1.0)  # the bench stands still
        outcome, _ = resume(folder)
        assert not instruments["load"].on and not instruments["supply"].on
    finally:
        for instrument in instruments.values():
            instrument.close()
    meta = json.loads((folder / "run.json").read_text())
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    with open(folder / schema.SAMPLES, newline="") as fh:
        rows = list(csv.DictReader(fh))
    times = [float(r["Test Time / s"]) for r in rows]
    (resumed,) = [e for e in events if e["event"] == "resumed"]
    assert outcome.verdict == "PASS" and meta["samples"] == len(rows)
    assert times == sorted(times) and len(set(times)) == len(times)  # nothing counted twice
    assert resumed["rows"] == KILLED_AFTER and resumed["gap_s"] >= 1.0  # every row kept, the gap measured
    assert resumed["step_count"] == 1 and not resumed["step_ended"]
    # the step went on in test time across the gap, and the charge counts only sampled time
    gap = next(b - a for a, b in zip(times, times[1:]) if b - a > 0.5)
    assert gap == pytest.approx(resumed["gap_s"], abs=0.3)
    sampled = times[-1] - times[0] - gap  # the time integrated: every interval but the gap
    rounding = 1.50012 * 0.003 / 3600  # the samples keep times to 1 ms: 3 segment ends at 1.5 A
    assert meta["totals"]["discharge_capacity_Ah"] == pytest.approx(1.50012 * sampled / 3600, abs=rounding)
    again = recount(folder)
    assert again.q_out / 3600 == pytest.approx(meta["totals"]["discharge_capacity_Ah"], abs=rounding)
