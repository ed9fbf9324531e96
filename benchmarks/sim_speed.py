"""Speed of the simulated bench: how much simulated time a second of wall time buys.

Cases (with their targets, on one core):
- a 12-hour capacity test of the 10 000 mAh bank sampled every second, through the whole
  stack: bench.run.session.execute on the default simulated station (drivers, simulated
  instruments, runner, logbook writing a run folder in a temp dir); targets: at least
  25 000 x real time, and within 4 x the physics alone;
- the same test on the physics alone: World driven directly with the same steps, end
  conditions and readings (load, supply, three thermocouples) every second;
- the same test on the physics plus the five SCPI exchanges of the bench's Station.read with
  the twins of the default simulated station (sim://), replies neither parsed nor checked, no
  runner, no record: the floor under the whole stack while the real driver code talks to the
  twins. Its note says whether the stack's targets are within reach of the floor itself;
- a 300-cycle life test of the 10 000 mAh bank sampled every 10 s, the same three cases;
  targets: at least 80 000 x real time, and within 2 x the physics alone.
`ratio` is the case / physics alone for the same test (the median of rounds in which the three
ran in turn); x real time is simulated seconds per wall second (the median round). Each target
is printed "met" or "MISSED by" the measured miss.

"sim_speed cycle rate": whether a long run slows down as it goes (checkpoints that grow with
its history would). From the life test's whole-stack run: the wall time of its first 30 and its
last 30 cycles, `ratio` last / first. Target: cycles/s of the last 30 within 10 % of the first
30; judged too on simulated time per wall second, since the aged bank's last cycles are shorter
(they flatter cycles/s), and on the stack's own CPU time per sample (the run's CPU time less the
World's, timed in the same run), which neither ageing nor the machine's pace moves; the note adds
cycles/s in CPU time (less moved by a busy machine).
It gives checkpoint.json's size in cycle 30 and in cycle 300 (the largest written in that
cycle) and how much checkpoint-cycles.jsonl (closed cycles, each written once) holds then.

`python -m benchmarks.sim_speed` prints the rows; `--quick` (benchmarks.QUICK) shortens the
life test to 10 cycles (its rate and ratio are per cycle: compared with the same targets) and
compares its first and last cycle.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from functools import partial
from pathlib import Path
from typing import Any

import benchmarks
from bench.record import schema
from bench.record.records import Checkpoint, CycleEnd, RunStart, Sink
from benchmarks.harness import row

CAPACITY_TEST = """
name = "12 h capacity test"
period = "1 s"
steps = [
    "Charge at 5 V, 3 A limit until current < 100 mA for 60 s",
    "Rest for 1 h",
    { step = "Discharge at 0.85 A until 4.5 V", name = "discharge" },
    "Rest for 1 h",
]
[dut]
kind = "power bank"
rated_capacity = "10000 mAh"
nominal_voltage = "3.7 V"
[[criteria]]
name = "delivered capacity"
metric = "discharge capacity"
step = "discharge"
min = "5 Ah"
"""

LIFE_TEST = """
name = "{cycles}-cycle life test"
period = "10 s"
steps = [{{ repeat = {cycles}, steps = [
    "Charge at 5 V, 3 A limit until current < 100 mA for 60 s",
    "Rest for 10 min",
    {{ step = "Discharge at 2 A until 4.5 V", name = "discharge" }},
    "Rest for 10 min",
] }}]
[dut]
kind = "power bank"
rated_capacity = "10000 mAh"
nominal_voltage = "3.7 V"
[[criteria]]
name = "last discharge"
metric = "discharge capacity"
step = "discharge"
min = "4 Ah"
"""

# (side, level, current limit, end) per step; end(v, i, step time, quiet time) -> done
Step = tuple[str, float, float, Callable[[float, float, float, float], bool]]
CAPACITY_STEPS: list[Step] = [
    ("supply", 5.0, 3.0, lambda v, i, t, quiet: quiet >= 60.0),
    ("rest", 0.0, 0.0, lambda v, i, t, quiet: t >= 3600.0),
    ("load", 0.85, 0.0, lambda v, i, t, quiet: v < 4.5),
    ("rest", 0.0, 0.0, lambda v, i, t, quiet: t >= 3600.0),
]
LIFE_CYCLE: list[Step] = [
    ("supply", 5.0, 3.0, lambda v, i, t, quiet: quiet >= 60.0),
    ("rest", 0.0, 0.0, lambda v, i, t, quiet: t >= 600.0),
    ("load", 2.0, 0.0, lambda v, i, t, quiet: v < 4.5),
    ("rest", 0.0, 0.0, lambda v, i, t, quiet: t >= 600.0),
]


def physics_alone(steps: list[Step], period: float) -> float:
    """The profile on the World alone, read like the bench reads it; returns simulated seconds."""
    from drivers.sim.world import World

    world = World(dut="powerbank-10000", seed=1)
    return _drive(world, steps, period, lambda: [world.temperature(placement) for placement in world.placements])


def physics_and_exchanges(steps: list[Step], period: float) -> float:
    """The floor of the simulated path: the physics alone as above, plus at every sample the five
    SCPI exchanges of the bench's Station.read (load and supply volts and amps, the 34970A's
    READ? of three channels) with the twins of the default simulated station, over its sim://
    transports; the replies are not parsed or checked. Simulated seconds."""
    from bench.run.session import make_world
    from bench.station.config import default_station_path, load_station
    from bench.station.instruments import open_station

    config = load_station(default_station_path())
    world = make_world(config, 1, None)
    station = open_station(config, world)
    try:
        station.read()  # the 34970A's scan list selected, as the bench's first read does
        load, supply, thermo = station.load, station.supply, station.thermo
        exchanges = [(load.transport.query, load._format(load.MEASURE_VOLTAGE)),
                     (load.transport.query, load._format(load.MEASURE_CURRENT)),
                     *((supply.transport.query, template.format(ch=supply.channel))
                       for template in (supply.MEASURE_VOLTS, supply.MEASURE_AMPS)),
                     (thermo.transport.query, "READ?")]
        return _drive(world, steps, period, lambda: [query(message) for query, message in exchanges])
    finally:
        station.close()


def _drive(world: Any, steps: list[Step], period: float, read: Callable[[], object]) -> float:
    """The steps on `world`, set directly; at each sample the world advanced, its load and supply
    readings taken for the end conditions, and `read()` (the temperatures, or the exchanges that
    read everything as the bench does); simulated seconds."""
    now = 0.0
    for side, level, limit, done in steps:
        world.set_load_input(False)
        world.set_supply_output(False)
        if side == "supply":
            world.set_supply(level, limit)
            world.set_supply_output(True)
        elif side == "load":
            world.set_load("CC", level)
            world.set_load_input(True)
        start, quiet_since = now, None
        while True:
            world.advance_to(now)
            v_out, i_out = world.load_reading()
            v_in, i_in = world.supply_reading()
            read()
            v, i = (v_in, i_in) if side == "supply" else (v_out, i_out)
            if i < 0.1:
                quiet_since = now if quiet_since is None else quiet_since
            else:
                quiet_since = None
            if done(v, i, now - start, 0.0 if quiet_since is None else now - quiet_since):
                break
            now += period
    return now


# test: (whole stack / physics alone at most, x real time at least)
TARGETS = {"capacity": (4.0, 25_000.0), "life": (2.0, 80_000.0)}


class CycleWatch(Sink):
    """Wall time, CPU time, test time and the CPU time the World's physics took so far at the start
    of a run and at the end of each of its cycles, and the size of checkpoint.json and
    checkpoint-cycles.jsonl at its checkpoints, the largest in each cycle (an observer: it reads
    them after the checkpointer wrote them)."""

    def __init__(self) -> None:
        self.folder = Path()
        self.marks: list[tuple[float, float, float, float]] = []  # (wall s, CPU s, test time s, physics CPU s)
        self.sizes: dict[int, tuple[int, int]] = {}  # cycle -> (checkpoint.json, checkpoint-cycles.jsonl) bytes
        self.physics = 0.0  # CPU s in World.advance_to (timing())

    def follow(self, folder: Path) -> None:
        self.folder, self.marks, self.sizes, self.physics = folder, [], {}, 0.0

    @contextmanager
    def timing(self) -> Iterator[None]:
        """For the block: the CPU time of every World.advance_to added to `physics` (two clock
        reads a sample, about 1 us of some 200), so that the stack's own work per sample can be
        told from the physics' inside the same run."""
        from drivers.sim.world import World

        advance = World.advance_to

        def timed(world: Any, t: float) -> None:
            began = time.thread_time()
            advance(world, t)
            self.physics += time.thread_time() - began
        World.advance_to = timed  # type: ignore[method-assign]
        try:
            yield
        finally:
            World.advance_to = advance  # type: ignore[method-assign]

    def run_start(self, record: RunStart) -> None:
        self.marks.append((time.perf_counter(), time.process_time(), record.test_time, self.physics))

    def cycle_end(self, record: CycleEnd) -> None:
        self.marks.append((time.perf_counter(), time.process_time(), record.test_time, self.physics))

    def checkpoint(self, record: Checkpoint) -> None:
        closed = self.folder / schema.CHECKPOINT_CYCLES
        now = ((self.folder / schema.CHECKPOINT).stat().st_size, closed.stat().st_size if closed.exists() else 0)
        cycle = record.state.book.cycle
        self.sizes[cycle] = max(self.sizes.get(cycle, now), now)

    def rows(self, name: str, window: int, period: float) -> list[dict]:
        """The first and the last `window` cycles: wall time (ratio last / first), and their
        cycles/s and simulated time per wall second compared (an ageing bank's cycles get shorter:
        the second cancels that); and the stack's CPU time per sample besides the physics', which
        ageing does not move (it changes the physics' cost per sample too)."""
        cycles, case = len(self.marks) - 1, "sim_speed cycle rate"
        first = [b - a for a, b in zip(self.marks[0], self.marks[window])]  # wall, CPU, simulated, physics
        last = [b - a for a, b in zip(self.marks[cycles - window], self.marks[cycles])]
        rate, cpu_rate = first[0] / last[0] - 1, first[1] / last[1] - 1
        pace, length = (last[2] / last[0]) / (first[2] / first[0]) - 1, last[2] / first[2] - 1
        own_first, own_last = ((span[1] - span[3]) / (span[2] / period) * 1e6 for span in (first, last))  # us a sample
        own = own_last / own_first - 1
        compared = (f"against cycles 1-{window}: cycles/s {rate:+.1%} (CPU {cpu_rate:+.1%}), x real time "
                    f"{pace:+.1%} (simulated cycle length {length:+.1%}): target within 10 %: cycles/s "
                    f"{_within(rate)}, x real time {_within(pace)}, the stack's own CPU a sample {own:+.1%} "
                    f"{_within(-own)}; ratio = wall time of the last {window} / the first")
        return [row(case, f"{name}: cycles 1-{window}", first[0], 1.0,
                    f"{self._note(window, first, window)}; the stack's own CPU a sample (besides the physics' "
                    f"{first[3] / (first[2] / period) * 1e6:.1f} us) {own_first:.1f} us"),
                row(case, f"{name}: cycles {cycles - window + 1}-{cycles}", last[0], last[0] / first[0],
                    f"{self._note(window, last, cycles)}; the stack's own CPU a sample (besides the physics' "
                    f"{last[3] / (last[2] / period) * 1e6:.1f} us) {own_last:.1f} us; {compared}")]

    def _note(self, window: int, span: list[float], cycle: int) -> str:
        wall, cpu, simulated, _ = span
        ckpt, closed = self.sizes.get(cycle, (0, 0))
        return (f"{window / wall:.3f} cycles/s (CPU {window / cpu:.3f}), {simulated / wall:,.0f} x real time; in cycle "
                f"{cycle}: checkpoint.json {ckpt / 1024:.1f} KiB, checkpoint-cycles.jsonl {closed / 1024:.1f} KiB")


def _within(change: float) -> str:
    """Whether a change is within the target's 10 %, or which way it misses."""
    return "met" if abs(change) <= 0.10 else f"MISSED ({change:+.1%}, {'faster' if change > 0 else 'slower'})"


def whole_stack(profile_text: str, watch: CycleWatch | None = None) -> float:
    """The profile through bench.run.session.execute on the default simulated station (`watch`
    following it); simulated seconds."""
    from bench.run.session import Request, execute

    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile.toml"
        profile.write_text(profile_text, encoding="utf-8")
        with watch.timing() if watch else nullcontext():
            outcome, _ = execute(Request(profile, log_dir=Path(tmp) / "logs"), sinks=[watch] if watch else [],
                                 on_folder=watch.follow if watch else None)
        if outcome.verdict != "PASS":
            raise RuntimeError(f"the benchmark profile ended {outcome.verdict}: {outcome.reason}")
        assert outcome.run_totals is not None
        return outcome.run_totals.end - outcome.run_totals.start


def _timed(work: Callable[[], float]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds of this process (less sensitive to a busy machine), simulated seconds."""
    start, cpu = time.perf_counter(), time.process_time()
    simulated = work()
    return time.perf_counter() - start, time.process_time() - cpu, simulated


def verdict(measured: float, target: float, at_most: bool) -> str:
    """'met', or 'MISSED by' how far the measured figure is from the target (a share of it)."""
    if (measured <= target) if at_most else (measured >= target):
        return "met"
    return f"MISSED by {measured / target - 1.0:+.0%}"


def run(repeat: int = 3) -> list[dict]:
    cycles = 10 if benchmarks.QUICK else 300
    watch = CycleWatch()
    cases = {  # name: (sample period, steps, whole stack profile, targets, rounds)
        "12 h capacity test, 1 s samples": (1.0, CAPACITY_STEPS, CAPACITY_TEST, TARGETS["capacity"], repeat, None),
        f"{cycles}-cycle life test of a 10 000 mAh bank, 10 s samples": (
            10.0, LIFE_CYCLE * cycles, LIFE_TEST.format(cycles=cycles), TARGETS["life"], 1, watch),  # minutes: one round
    }
    out = []
    for name, (period, steps, profile, (max_ratio, min_speed), rounds, watching) in cases.items():
        cases_in_turn = {"physics": partial(physics_alone, steps, period),
                         "floor": partial(physics_and_exchanges, steps, period),
                         "stack": partial(whole_stack, profile, watching)}
        wall: dict[str, list[float]] = {case: [] for case in cases_in_turn}
        cpu: dict[str, list[float]] = {case: [] for case in cases_in_turn}
        ratios: dict[str, list[float]] = {case: [] for case in cases_in_turn}
        sim_s = 0.0
        for _ in range(rounds):
            for case, work in cases_in_turn.items():
                w, c, simulated = _timed(work)
                wall[case].append(w)
                cpu[case].append(c)
                sim_s = simulated if case == "stack" else sim_s
            for case in cases_in_turn:
                ratios[case].append(wall[case][-1] / wall["physics"][-1])
        median = {case: statistics.median(times) for case, times in wall.items()}
        speed = {case: sim_s / median[case] for case in median}
        ratio = {case: statistics.median(ratios[case]) for case in ratios}
        cpu_s = {case: statistics.median(times) for case, times in cpu.items()}
        budget, floor = period / min_speed * 1e6, period / speed["floor"] * 1e6  # us a sample
        out.append(row("sim_speed", f"{name}: physics alone", median["physics"], 1.0,
                       f"{sim_s / 3600:.1f} h simulated, {speed['physics']:,.0f} x real time; "
                       f"CPU {cpu_s['physics']:.2f} s"))
        out.append(row("sim_speed", f"{name}: physics + the five SCPI exchanges (the stack's floor)",
                       median["floor"], ratio["floor"],
                       f"{speed['floor']:,.0f} x real time ({floor:.1f} us a sample; the target "
                       f"{min_speed:,.0f} x allows {budget:.1f} us): the physics with Station.read's five "
                       f"queries to the twins, nothing parsed, checked, run or recorded; the stack's targets on "
                       f"this floor: >= {min_speed:,.0f} x {verdict(speed['floor'], min_speed, at_most=False)}, "
                       f"<= {max_ratio:g} x physics {verdict(ratio['floor'], max_ratio, at_most=True)}; "
                       f"CPU {cpu_s['floor']:.2f} s"))
        out.append(row("sim_speed", f"{name}: whole stack", median["stack"], ratio["stack"],
                       f"{sim_s / 3600:.1f} h simulated, {speed['stack']:,.0f} x real time: target >= "
                       f"{min_speed:,.0f} x {verdict(speed['stack'], min_speed, at_most=False)}; ratio = whole "
                       f"stack / physics alone {ratio['stack']:.2f}: target <= {max_ratio:g} "
                       f"{verdict(ratio['stack'], max_ratio, at_most=True)}; {median['stack'] / median['floor']:.2f} x "
                       f"the floor; CPU {cpu_s['stack']:.2f} s"))
    return out + watch.rows(f"{cycles}-cycle life test", max(1, cycles // 10), 10.0)

if __name__ == "__main__":
    benchmarks.QUICK = "--quick" in sys.argv[1:]
    for r in run(1 if benchmarks.QUICK else 3):
        shown = "-" if r["median_s"] is None else f"{r['median_s']:.2f} s"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        print(f"{r['case']:<70} {shown:>10} {ratio:>6}  {r['note']}")
