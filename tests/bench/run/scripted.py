"""A scripted bench for engine tests: a fake station whose readings are a function of time and
of what the instruments were told, a clock that jumps, and a sink that keeps every record."""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable

from bench.profile.reader import parse_profile
from bench.record.records import Sink, Sinks
from bench.run.engine import Runner, new_state
from bench.station.config import load_station
from bench.station.instruments import InstrumentFault, Reading
from drivers.roles import InstrumentError

CHANNELS = {"cell": 101, "surface": 102, "ambient": 103}


@dataclass
class Instruments:
    """What the load and the supply were last told, and every call, in order."""

    calls: list[tuple] = field(default_factory=list)
    load_on: bool = False
    supply_on: bool = False
    mode: tuple[str, float] = ("CC", 0.0)
    supply: tuple[float, float] = (0.0, 0.0)

    # load
    def set_mode(self, mode: str, level: float) -> None:
        self.calls.append(("set_mode", mode, level))
        self.mode = (mode, level)

    def set_input(self, on: bool) -> None:
        self.calls.append(("set_input", on))
        self.load_on = on

    def input_on(self) -> bool:
        return self.load_on

    # supply
    def configure(self, voltage: float, current_limit: float) -> None:
        self.calls.append(("configure", voltage, current_limit))
        self.supply = (voltage, current_limit)

    def set_output(self, on: bool) -> None:
        self.calls.append(("set_output", on))
        self.supply_on = on

    def output_on(self) -> bool:
        return self.supply_on


Script = Callable[[float, Instruments], Reading]


def battery(t: float, bench: Instruments) -> Reading:
    """A 4 V source with 50 mOhm inside, on whichever side is switched on; 25 degC everywhere."""
    i_out = bench.mode[1] if bench.load_on and bench.mode[0] == "CC" else 0.0
    i_in = bench.supply[1] if bench.supply_on else 0.0
    v = 4.0 - 0.05 * i_out + 0.05 * i_in
    return Reading(v if bench.supply_on else 0.0, i_in, v, i_out, dict.fromkeys(CHANNELS.values(), 25.0))


Failures = dict[int, "str | Exception"]


class FakeStation:
    """The engine's view of a station, answering from a script. `fail` maps a read number (1-based)
    to the role whose instrument times out on that read, or to the exception the read raises."""

    def __init__(self, config: Any, script: Script, clock: "JumpClock", fail: Failures | None = None) -> None:
        self.config, self.script, self.clock = config, script, clock
        self.names = tuple(config.channels)
        self.numbers = tuple(config.channels[n] for n in self.names)
        self.bench = Instruments()
        self.load = self.supply = self.bench
        self.world = None
        self.reads = 0
        self.safe_calls = 0
        self.reopened: list[str] = []
        self.fail = fail or {}

    def read(self) -> Reading:
        self.reads += 1
        failure = self.fail.get(self.reads)
        if isinstance(failure, Exception):
            raise failure
        if failure is not None:
            raise InstrumentFault(failure, InstrumentError("timeout (2 s)"))
        return self.script(self.clock.now(), self.bench)

    def safe(self) -> list[str]:
        self.safe_calls += 1
        self.bench.set_input(False)
        self.bench.set_output(False)
        return []

    def reopen(self, role: str) -> str:
        self.reopened.append(role)
        return "FAKE,1,0,0"


class JumpClock:
    """Simulated time that jumps to each sample; wall time is not waited for."""

    simulated = True

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep_until(self, t: float) -> None:
        self.t = max(self.t, t)

    def wall_period(self, period: float) -> float:
        return 0.0

    def wall_left(self, t: float) -> float:
        return 0.0

    def real_time(self) -> Any:
        return nullcontext()

    def notices(self) -> list[str]:
        return []


class Kept(Sink):
    """Every record, by kind, in the order the engine emitted them (samples as plain rows)."""

    def __init__(self) -> None:
        self.records: list[tuple[str, Any]] = []
        self.rows: list[dict[str, Any]] = []

    def _keep(self, kind: str, record: Any) -> None:
        self.records.append((kind, record))

    def run_start(self, record: Any) -> None:
        self._keep("run_start", record)

    def step_start(self, record: Any) -> None:
        self._keep("step_start", record)

    def sample(self, record: Any) -> None:
        r = record.readings
        self._keep("sample", None)
        self.rows.append({"t": r.test_time, "v": r.voltage, "i_out": r.i_out, "i_in": r.i_in, "action": record.action,
                          "step": record.step.index, "q_out": record.totals.q_out})

    def step_end(self, record: Any) -> None:
        self._keep("step_end", record)

    def cycle_end(self, record: Any) -> None:
        self._keep("cycle_end", record)

    def event(self, record: Any) -> None:
        self._keep("event", record)

    def checkpoint(self, record: Any) -> None:
        self._keep("checkpoint", record)

    def kinds(self, kind: str) -> list[Any]:
        return [record for k, record in self.records if k == kind]


def run_scripted(profile_text: str, script: Script = battery, fail: Failures | None = None,
                 station: Any = None, sinks: tuple[Sink, ...] = ()) -> tuple[Any, FakeStation, Kept]:
    """Run a profile on the scripted bench (with the limits and fault policy of the station file
    `station`, default the simulated one); (outcome, station, kept records)."""
    config = load_station(station)
    profile = parse_profile(profile_text, "scripted.toml")
    clock = JumpClock()
    bench = FakeStation(config, script, clock, fail)
    kept = Kept()
    runner = Runner(profile, config, clock, Sinks([kept, *sinks]), new_state(profile, bench.names))
    return runner.run(bench), bench, kept
