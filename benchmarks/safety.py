"""Safety reaction: from the moment a temperature passes its limit to the moment the load is
told to switch its input off. Target: within one sample period plus one instrument round trip.

A real (non-simulated) station on loopback (benchmarks/loopback.py) runs a discharge step
through `bench.run.engine.Runner` with the real clock at a 100 ms period and the profile limit
"cell temperature > 45 degC". At a random moment (uniform over a sample period, so the
crossing falls anywhere between two samples) the thermocouple reader starts answering 80 degC;
the load timestamps the arrival of `:SOUR:INP:STAT OFF`. The round trip is the median of
the load driver's `input_on()` query, timed before the runs.
"""
from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import benchmarks
from benchmarks import loopback
from benchmarks.harness import Timings, new_logbook, rows, run_profile

PERIOD_S = 0.1
PROFILE = """
name = "safety reaction"
period = "100 ms"
steps = ["Discharge at 1 A for 60 s"]
[dut]
kind = "power bank"
[safety]
abort_if = ["cell temperature > 45 degC"]
"""
BUDGET, REACTION, LATENCY = ("budget: one period + one round trip", "limit passed -> load INP OFF received",
                             "tripping reading sent -> load INP OFF received")
INPUT_OFF = ":SOUR:INP:STAT OFF"


def _round_trip(load: Any, n: int = 50) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        load.input_on()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _first(instrument: loopback.Instrument, message: str, after: float) -> float:
    return next(t for t, m in instrument.received if t >= after and m == message)


def run(repeat: int = 5) -> list[dict]:
    from bench.run.clock import RealClock
    from bench.profile.reader import parse_profile
    from bench.station.config import load_station
    from bench.station.instruments import open_station

    trips = repeat if benchmarks.QUICK else 4 * repeat
    crossing = [float("inf")]  # time.monotonic() from which the cell reads 80 degC
    instruments = loopback.bench(lambda: 80.0 if time.monotonic() >= crossing[0] else 25.0)
    profile = parse_profile(PROFILE, "safety profile")
    chance = random.Random(7)
    timings = Timings({BUDGET: [], REACTION: [], LATENCY: []})
    with tempfile.TemporaryDirectory() as tmp:
        config = load_station(loopback.station_file(instruments, Path(tmp)))
        station = open_station(config)
        try:
            station.identify()
            budget = PERIOD_S + _round_trip(station.load)
            for _ in range(trips):
                crossing[0] = time.monotonic() + 0.3 + chance.uniform(0.0, PERIOD_S)
                log = new_logbook(Path(tmp), profile, tuple(config.channels))
                outcome = run_profile(profile, station, RealClock(), log)
                log.close()
                if outcome.verdict != "ABORTED":
                    raise RuntimeError(f"the run ended {outcome.verdict}, not ABORTED: {outcome.reason}")
                off = _first(instruments["load"], INPUT_OFF, crossing[0])
                reading = _first(instruments["thermo"], "READ?", crossing[0])
                timings.seconds[BUDGET].append(budget)
                timings.seconds[REACTION].append(off - crossing[0])
                timings.seconds[LATENCY].append(off - reading)
        finally:
            station.close()
            for instrument in instruments.values():
                instrument.close()
    worst = max(timings.seconds[REACTION])
    notes = {BUDGET: f"period {PERIOD_S * 1e3:.0f} ms + load round trip {(budget - PERIOD_S) * 1e3:.2f} ms (measured)",
             REACTION: f"{trips} trips, worst {worst * 1e3:.1f} ms = {worst / budget:.2f} x budget: "
                       f"target {'met' if worst <= budget else 'MISSED'}",
             LATENCY: "the runner's own reaction, after the reading that passed the limit"}
    return rows("safety", timings, BUDGET, notes)
