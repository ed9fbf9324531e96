"""Concurrent polling: a load, a supply and a thermocouple reader on loopback
(benchmarks/loopback.py), each taking 20 ms to answer a reading. powerbench's
`Station.read` on this real (non-simulated) station, opened from a station file by
`bench.station.instruments.open_station`, polls the three connections at once: a sample should take
about 20 ms, where reading the instruments one after the other takes about 60 ms.

A reading is what the driver asks for one sample (the load and the supply two queries,
the thermocouple reader one READ?); each instrument spreads its 20 ms over those queries.
"""
from __future__ import annotations

import statistics
import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import benchmarks
from benchmarks import loopback
from benchmarks.harness import interleave, rows

ANSWER_S = 0.020  # each instrument's time to answer one reading
READS = 50
SEQUENTIAL, CONCURRENT = "sequential: load, supply, thermo in turn", "powerbench Station.read (concurrent)"


def _pace(instruments: dict[str, loopback.Instrument], station: Any) -> None:
    """Count the queries of one reading of each instrument and spread its answer time over them."""
    station.read()  # the first reading also configures the thermocouple scan
    before = {role: i.queries() for role, i in instruments.items()}
    station.read()
    for role, instrument in instruments.items():
        instrument.delay = ANSWER_S / (instrument.queries() - before[role])


def run(repeat: int = 5) -> list[dict]:
    from bench.station.config import load_station
    from bench.station.instruments import open_station

    reads = READS // 5 if benchmarks.QUICK else READS
    instruments = loopback.bench()
    with tempfile.TemporaryDirectory() as tmp:
        station = open_station(load_station(loopback.station_file(instruments, Path(tmp))))
        try:
            station.identify()
            _pace(instruments, station)

            def sequential() -> None:
                for _ in range(reads):
                    station.load.measure()
                    station.supply.measure()
                    station.thermo.read(station.numbers)

            def concurrent() -> None:
                for _ in range(reads):
                    station.read()

            timings = interleave({SEQUENTIAL: lambda: nullcontext(sequential),
                                  CONCURRENT: lambda: nullcontext(concurrent)}, repeat)
        finally:
            station.close()
            for instrument in instruments.values():
                instrument.close()
    for seconds in timings.seconds.values():
        seconds[:] = [s / reads for s in seconds]
    period_ms = 1e3 * statistics.median(timings.seconds[CONCURRENT])
    notes = {SEQUENTIAL: f"per sample, {reads} samples; 3 instruments x {ANSWER_S * 1e3:.0f} ms",
             CONCURRENT: f"sample period {period_ms:.1f} ms: target about {ANSWER_S * 1e3:.0f} ms, "
                         f"not {3 * ANSWER_S * 1e3:.0f} ms"}
    return rows("concurrent", timings, SEQUENTIAL, notes)
