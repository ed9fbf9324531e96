"""Racks: one simulated rack of 1, 4, 16 and 64 powerbank-10000 channels against the same banks
run one at a time.

A rack station of N channels is written for each N on the instruments a real rack of that size
would have: N3300A mainframes (6 load slots each), Rigol DP832 triple outputs, 34970A readers
(three 34901A multiplexers, 101-120, 201-220, 301-320: two thermocouples per bank, 30 banks a
reader), all sim://. Every channel runs the same short bank profile (1 A discharge for 2 h, then
a 5 V / 2.5 A charge for 1 h, a sample every 10 s: 1 082 samples a run) and must PASS.

- **per sample**: the rack's wall time (bench.run.rack.execute: pre-flight, lot folder, every
  channel's thread, the rack opened and closed) over the samples its channels wrote; ratio: over
  the 1-channel rack's. Near 1 means that a rack costs no worse than linear in its channels.
- **against single runs**: for each N, the same N banks (units 1 .. N of the lot, as the rack's
  channels hold them) run by bench.run.session.execute one after the other on the default
  simulated station (`bench run --seed n`): the floor; the rack's ratio is its wall time over
  theirs. For N = 64 also 64 `python -m bench run PROFILE --seed n` processes, at most two at a
  time (this machine's two cores).
The single runs' station is not the rack's channel: a DL3021 load, an E36312A supply and three
thermocouples (an ambient one too) against an N3300A slot, a DP832 output and two thermocouples.

The 64-channel cases take two minutes a round on a 2-core machine at a load average of 3 to 5
(four at 5 to 9): they run one round whatever `repeat` says. `--quick` runs 1, 4 and 16
channels only. `python -m benchmarks.rack` prints the rows.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import benchmarks
from benchmarks.harness import Case, Timings, interleave, row
from benchmarks.harness import rows as harness_rows

REPO = Path(__file__).resolve().parent.parent
CHANNELS = (1, 4, 16, 64)
ONE_ROUND = 64  # channels from which the cases run one round only (minutes each)
PROCESSES_AT_ONCE = 2  # this machine's cores
LOADS_PER_MAINFRAME, OUTPUTS_PER_SUPPLY = 6, 3  # N3300A slots, DP832 outputs
THERMOCOUPLES_PER_READER, SLOT_CHANNELS = 60, 20  # 34970A: 3 x 34901A of 20 channels
VERDICTS = {0: "PASS", 1: "FAIL", 3: "ABORTED", 4: "ERROR"}  # `bench run` exit codes

PROFILE = """
name = "Rack benchmark bank run"
period = "10 s"
steps = [
    { step = "Discharge at 1 A for 2 h", name = "discharge" },
    "Charge at 5 V, 2.5 A limit for 1 h",
]
[dut]
kind = "power bank"
[[criteria]]
name = "delivered"
metric = "discharge capacity"
step = "discharge"
min = "1.9 Ah"
"""

STATION_HEAD = """name = "Simulated rack of {n}"
description = "{n} powerbank-10000 on {loads} N3300A, {supplies} DP832, {readers} 34970A"
"""
STATION_TAIL = """
# as stations/sim-rack.toml
[limits]
max_voltage = "21 V"
max_current = "8 A"
max_power = "60 W"
max_temperature = "70 degC"

[world]
dut = "powerbank-10000"
seed = 1
ambient = "25 degC"
"""


def _count(n: int, per: int) -> int:
    return -(-n // per)


def rack_station(n: int) -> str:
    """A rack station file of `n` powerbank-10000 channels on as few shared instruments as hold them."""
    loads, supplies, readers = (_count(n, LOADS_PER_MAINFRAME), _count(n, OUTPUTS_PER_SUPPLY),
                                _count(2 * n, THERMOCOUPLES_PER_READER))
    parts = [STATION_HEAD.format(n=n, loads=loads, supplies=supplies, readers=readers)]
    for name, driver, extra, count in (("loads", "keysight-n3300a", 'model = "N3300A"', loads),
                                       ("psu", "rigol-dp800", 'model = "DP832"', supplies),
                                       ("tc", "keysight-34970a", 'tc_type = "K"', readers)):
        parts += [f'\n[instruments.{name}-{k}]\ndriver = "{driver}"\nresource = "sim://"\n{extra}\n'
                  for k in range(1, count + 1)]
    for i in range(n):
        first = 2 * i % THERMOCOUPLES_PER_READER  # the bank's two thermocouples: first, first + 1 of its reader
        cell, surface = (100 * (1 + k // SLOT_CHANNELS) + 1 + k % SLOT_CHANNELS for k in (first, first + 1))
        reader = f"tc-{1 + 2 * i // THERMOCOUPLES_PER_READER}"
        parts.append(f'\n[[channels]]\nname = "{i + 1}"\n'
                     f'load = "loads-{1 + i // LOADS_PER_MAINFRAME}:{1 + i % LOADS_PER_MAINFRAME}"\n'
                     f'supply = "psu-{1 + i // OUTPUTS_PER_SUPPLY}:{1 + i % OUTPUTS_PER_SUPPLY}"\n'
                     f'temperatures = {{ cell = "{reader}:{cell}", surface = "{reader}:{surface}" }}\n')
    parts.append(STATION_TAIL)
    return "".join(parts)


def samples_under(logs: Path) -> int:
    """The sample rows of every run folder under `logs` (a rack's sit in its lot folder): each
    samples file's lines but its header."""
    from bench.record.schema import SAMPLES

    total = 0
    for path in logs.rglob(SAMPLES):
        with open(path, "rb") as fh:
            total += sum(1 for _ in fh) - 1
    return total


Runs = Callable[[Path], list[str]]  # runs the banks into a log folder; returns their verdicts


@dataclass
class Work:
    """One case: how many banks it runs and how; what its rounds wrote and used besides their wall time."""

    banks: int
    runs: Runs
    samples: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # s of this process and the children it waited for

    def case(self, folder: Path) -> Case:
        """A harness case: the runs into a fresh log folder (timed); then every bank must have
        PASSed, and the samples are counted (untimed)."""
        @contextmanager
        def case() -> Iterator[Callable[[], None]]:
            with tempfile.TemporaryDirectory(dir=folder) as tmp:
                logs, verdicts = Path(tmp), []

                def work() -> None:
                    start = _cpu()
                    verdicts.extend(self.runs(logs))
                    self.cpu.append(_cpu() - start)
                yield work
                if verdicts != ["PASS"] * self.banks:
                    raise RuntimeError(f"the benchmark's {self.banks} runs ended {verdicts}, not all PASS")
                self.samples.append(samples_under(logs))
        return case


def _cpu() -> float:
    """CPU seconds of this process and of the children it waited for (the `bench run` processes)."""
    import resource  # POSIX only: imported when measuring, not when the runner lists the benchmarks

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def on_rack(profile: Path, station: Path) -> Runs:
    """Every channel of the rack at once: bench.run.rack.execute."""
    from bench.run import rack
    from bench.run.session import Request

    def runs(logs: Path) -> list[str]:
        _, channels = rack.execute(Request(profile, station, logs))
        return [str(channel.outcome.verdict) for channel in channels]
    return runs


def one_after_another(profile: Path, banks: int) -> Runs:
    """Units 1 .. banks of the lot on the default simulated station, in turn, in this process."""
    from bench.run.session import Request, execute

    def runs(logs: Path) -> list[str]:
        return [str(execute(Request(profile, log_dir=logs, seed=seed))[0].verdict) for seed in range(1, banks + 1)]
    return runs


def as_processes(profile: Path, banks: int) -> Runs:
    """Units 1 .. banks of the lot, each a `python -m bench run` process, PROCESSES_AT_ONCE at a time."""
    env = dict(os.environ, BENCH_DB="off")

    def one(logs: Path, seed: int) -> str:
        done = subprocess.run([sys.executable, "-m", "bench", "run", str(profile), "--seed", str(seed),
                               "--log-dir", str(logs)], check=False, cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode not in VERDICTS:
            raise RuntimeError(f"bench run --seed {seed} exited {done.returncode}: {done.stderr.strip()}")
        return VERDICTS[done.returncode]

    def runs(logs: Path) -> list[str]:
        with ThreadPoolExecutor(PROCESSES_AT_ONCE) as pool:
            return list(pool.map(lambda seed: one(logs, seed), range(1, banks + 1)))
    return runs


def _names(n: int) -> tuple[str, str, str]:
    """The cases of n banks: single runs in turn (the floor), processes, the rack."""
    return (f"{n} x session.execute in turn, one process",
            f"{n} x `python -m bench run`, {PROCESSES_AT_ONCE} at a time", f"rack.execute, {n} channel thread(s)")


def run(repeat: int = 5) -> list[dict]:
    sizes = [n for n in CHANNELS if not benchmarks.QUICK or n < ONE_ROUND]
    works: dict[int, dict[str, Work]] = {}
    seconds: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        profile = folder / "profile.toml"
        profile.write_text(PROFILE, encoding="utf-8")
        one_after_another(profile, 1)(folder / "warm-up")  # warm-up: imports, the unit registry, first calls
        for n in sizes:
            station = folder / f"rack-{n}.toml"
            station.write_text(rack_station(n), encoding="utf-8")
            single, processes, racked = _names(n)
            works[n] = {single: Work(n, one_after_another(profile, n))}
            if n >= ONE_ROUND:
                works[n][processes] = Work(n, as_processes(profile, n))
            works[n][racked] = Work(n, on_rack(profile, station))
        for group, rounds in (([n for n in sizes if n < ONE_ROUND], repeat), ([n for n in sizes if n >= ONE_ROUND], 1)):
            cases = {name: work.case(folder) for n in group for name, work in works[n].items()}
            seconds.update(interleave(cases, rounds).seconds)  # the small racks side by side, round after round
    return _rows(works, seconds)


def _rows(works: dict[int, dict[str, Work]], seconds: dict[str, list[float]]) -> list[dict]:
    """Per sample: each rack against the 1-channel one. Then for each N: the single runs (the
    floor), the processes, the rack, each with its wall time."""
    def per_sample(name: str, work: Work) -> list[float]:
        return [wall / samples for wall, samples in zip(seconds[name], work.samples)]

    def note(name: str, work: Work, shown: str) -> str:
        cpu, wall = statistics.median(work.cpu), statistics.median(seconds[name])
        return (f"{shown}, {statistics.median(work.samples):,.0f} samples; CPU {cpu:.1f} s = {cpu / wall:.2f} x the "
                f"wall; {len(seconds[name])} round(s)")

    out = []
    first = next(iter(works))
    base_name = _names(first)[2]
    base = per_sample(base_name, works[first][base_name])
    for n, cases in works.items():
        name = _names(n)[2]
        mine = per_sample(name, cases[name])
        paired = len(mine) == len(base)
        ratio = (statistics.median(m / b for m, b in zip(mine, base)) if paired  # rounds side by side, as harness.rows
                 else statistics.median(mine) / statistics.median(base))
        out.append(row("rack per sample", f"rack of {n}: wall / samples", statistics.median(mine), ratio,
                       note(name, cases[name], f"{statistics.median(seconds[name]):.2f} s wall")
                       + ("" if paired else f"; ratio of medians (one round against {len(base)})")))
    for n, cases in works.items():
        single, processes, racked = _names(n)
        floor_cpu = statistics.median(cases[single].cpu)
        notes = {name: note(name, work, f"{1e6 * statistics.median(per_sample(name, work)):.0f} us a sample")
                 + ("" if name == single else f"; CPU {statistics.median(work.cpu) / floor_cpu:.2f}x the floor's")
                 for name, work in cases.items()}
        if processes in cases:  # the rack's wall over the processes' too
            over = statistics.median(seconds[racked]) / statistics.median(seconds[processes])
            notes[racked] += f"; wall {over:.2f}x the processes'"
        out += harness_rows(f"rack, N = {n}", Timings({name: seconds[name] for name in cases}), single, notes)
    return out


if __name__ == "__main__":
    benchmarks.QUICK = "--quick" in sys.argv[1:]
    for r in run(1 if benchmarks.QUICK else 3):
        print(f"{r['benchmark']:<18} {r['case']:<55} {r['median_s']:>10.4g} {r['ratio']:>6.2f}  {r['note']}")
