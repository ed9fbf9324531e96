"""What a run emits, as typed records, and the Sink that subscribes to them.

The engine knows nothing of files, screens or databases: it hands each record to its sinks
(the pattern of Bluesky's RunEngine.subscribe and OpenHTF's output callbacks). The logbook, the
checkpointer, run.json, junit.xml and the live view are sinks; a new output format is one more
sink module. A sink overrides only the records it wants; slow or remote sinks never belong in
the sample path (they take `run_end`, or queue work for a thread of their own).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True, slots=True)
class RunStart:
    test_time: float
    profile: str
    product: str = ""  # what the DUT is judged against: its label's name and figures


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What the run is and where it stands, each time it starts or is resumed: its run.json as
    then written (`meta`: DUT, serial, product, station, simulated...), the profile it runs, the
    station's hard limits (as the conditions the run checks) and its state (bench.run.state.RunState:
    cycles done, loops ended, the step it is in). For views, which draw their header and the
    progress from it; no file records it again (run.json holds it)."""

    test_time: float
    meta: dict[str, Any]
    profile: Any  # bench.profile.reader.Profile
    hard_limits: tuple[Any, ...]  # bench.profile.conditions.Condition
    state: Any


@dataclass(frozen=True, slots=True)
class StepStart:
    """A step begins (or, `continued`, goes on after a resume)."""

    test_time: float
    step: Any  # bench.profile.steps.Step
    count: int  # BDF step count: executions so far
    position: int  # place in the execution order
    cycle: int
    continued: bool = False
    step_time: float = 0.0


class Sample:
    """One tick. The engine reuses the object and `readings` is the live Readings: read them in
    `sample()`, never keep them. `totals` are the step's, `run` the run's (since its start)."""

    __slots__ = ("readings", "step", "cycle", "count", "totals", "action", "run")

    def __init__(self, readings: Any, step: Any, cycle: int, count: int, totals: Any, action: str,
                 run: Any = None) -> None:
        self.readings, self.step, self.cycle, self.count, self.totals, self.action, self.run = (
            readings, step, cycle, count, totals, action, run)


@dataclass(frozen=True, slots=True)
class StepEnd:
    test_time: float
    step: Any
    count: int
    cycle: int
    ended_by: str
    totals: Any  # bench.analysis.integrator.Totals of the step


@dataclass(frozen=True, slots=True)
class CycleEnd:
    test_time: float
    summary: Any  # bench.analysis.cycles.CycleSummary


@dataclass(frozen=True, slots=True)
class Event:
    """Anything else worth keeping: a safety trip, a retry, a pause... `message` is for people."""

    kind: str
    test_time: float
    fields: dict[str, Any] = field(default_factory=dict)
    message: str | None = None


@dataclass(slots=True)
class Checkpoint:
    """A point a resume can start from. Sinks that hold files add what they hold to `files`
    (the logbook: rows and byte offsets) before the checkpointer writes it all down."""

    test_time: float
    state: Any  # bench.run.state.RunState
    world: Any = None
    files: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class RunEnd:
    """The outcome (bench.run.engine.Outcome); `files` as in Checkpoint."""

    outcome: Any
    files: dict[str, int] = field(default_factory=dict)


class RecordError(Exception):
    """The run's records can no longer be kept (a full disk, a data file deleted or cut under the
    running run): the run ends ERROR, the bench safe, and the message says which file and why."""


class Sink:
    """Subscribe to a run's records by overriding the methods for them."""

    def run_info(self, record: RunInfo) -> None: ...
    def run_start(self, record: RunStart) -> None: ...
    def step_start(self, record: StepStart) -> None: ...
    def sample(self, record: Sample) -> None: ...
    def step_end(self, record: StepEnd) -> None: ...
    def cycle_end(self, record: CycleEnd) -> None: ...
    def event(self, record: Event) -> None: ...
    def checkpoint(self, record: Checkpoint) -> None: ...
    def sync(self) -> None:
        """A step boundary: what the sink holds goes to disk now."""

    def run_end(self, record: RunEnd) -> None: ...


KINDS = ("run_info", "run_start", "step_start", "sample", "step_end", "cycle_end", "event", "checkpoint", "sync",
         "run_end")


class Sinks:
    """The sinks of one run, in order: the run folder's own (the logbook first: later sinks read
    what it adds to a checkpoint), then the observers (the live view, any sink a caller adds).
    For each kind of record, only the sinks that override it are called.

    An own sink that raises ends the run (the engine handles it: the records are at stake). An
    observer that raises (a screen that went away, a broken extra output) is detached, never
    called again, and the run goes on with one `view_detached` event through the other sinks
    (none at the run's end: the files are closed by then)."""

    def __init__(self, own: list[Sink] | tuple[Sink, ...], observers: list[Sink] | tuple[Sink, ...] = ()) -> None:
        self.own = list(own)
        self.observers = list(observers)
        self._time = 0.0  # the latest test time a record carried: when an observer failed
        self._calls = self._takers(self.own)
        self._samples = self._calls["sample"]
        self._watching = self._takers(self.observers)

    @property
    def sinks(self) -> list[Sink]:
        return self.own + self.observers

    @staticmethod
    def _takers(sinks: list[Sink]) -> dict[str, tuple[Callable[..., None], ...]]:
        """For each kind of record, the methods of the sinks that override it."""
        calls: dict[str, tuple[Callable[..., None], ...]] = {}
        for kind in KINDS:
            base = getattr(Sink, kind)
            calls[kind] = tuple(getattr(s, kind) for s in sinks if getattr(type(s), kind, base) is not base)
        return calls

    def emit(self, kind: str, record: Any = None) -> None:
        args = () if record is None else (record,)
        self._time = getattr(record, "test_time", self._time)
        for call in self._calls[kind]:
            call(*args)
        if self._watching[kind]:
            self._observe(kind, args)

    def sample(self, record: Sample) -> None:
        for call in self._samples:
            call(record)
        if self._watching["sample"]:
            self._observe("sample", (record,))

    def _observe(self, kind: str, args: tuple[Any, ...]) -> None:
        failed = []
        for call in self._watching[kind]:
            try:
                call(*args)
            except Exception as exc:
                failed.append((call.__self__, exc))  # type: ignore[attr-defined]
        if not failed:
            return
        for sink, _ in failed:
            self.observers.remove(sink)
        self._watching = self._takers(self.observers)
        if kind == "run_end":
            return
        if kind == "sample":
            self._time = args[0].readings.test_time
        for sink, exc in failed:
            name, error = type(sink).__name__, f"{type(exc).__name__}: {exc}"
            self.emit("event", Event("view_detached", self._time, {"sink": name, "error": error},
                                     f"{name} detached ({error}); the run goes on"))
