"""How far a run has got and how long it has left, for the people watching it.

The plan is the execution order the run follows (bench.run.sequencer: loops expanded, each new
pass a cycle), counted once: how many steps and cycles, and how often each step of the profile
is still to run. The time left starts from the estimate `bench validate` prints (each step's,
from the DUT ratings) and is corrected as the run goes: a step that has run once is expected to
take what it took last time (a cycle test learns its cycle in the first pass), and a step not
run yet its rated estimate scaled by how the steps of its kind (charge, discharge...) run so far
compared with theirs.

A loop with a stop_if may end early: until it does, the counts and the time left are those of
every pass (`bounded`), and a `loop_stopped` takes the passes it leaves out off them.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterator

from bench.profile.reader import Item, Loop, Profile
from bench.record.records import Event, RunInfo, Sink, StepEnd, StepStart
from bench.run.sequencer import Sequencer


@dataclass(frozen=True, slots=True)
class Count:
    """What a part of the plan holds: steps run (positions), cycles, executions of each step index."""

    positions: int
    cycles: int
    runs: Counter[int]


def count(items: tuple[Item, ...], stopped: dict[str, int] | None = None, after: int = 0) -> Count:
    """The plan of `items` as the sequencer walks it (`stopped`: loops a stop_if ended, as the run
    state records them), with the executions after position `after` in `runs`."""
    runs: Counter[int] = Counter()
    positions, cycle = 0, 1
    for planned in Sequencer(items, dict(stopped or {}), lambda *_: False).plan():
        positions, cycle = planned.position, planned.cycle
        if planned.position > after:
            runs[planned.step.index] += 1
    return Count(positions, cycle, runs)


def loops(items: tuple[Item, ...]) -> Iterator[Loop]:
    """Every loop of `items`, nested ones included, in file order."""
    for item in items:
        if isinstance(item, Loop):
            yield item
            yield from loops(item.body)


class Progress:
    """The plan of a run and where the run stands in it; fed the run's steps as they start and
    end (`started`, `ended`, `loop_stopped`), asked for the time `left`."""

    def __init__(self, profile: Profile, stopped: dict[str, int] | None = None, position: int = 0) -> None:
        """`stopped` and `position`: where a resumed run stands (its state's loops ended by a
        stop_if, and the position of its step); a new run starts at 0."""
        self.profile = profile
        plan = count(profile.items, stopped, position)
        self.steps, self.cycles = plan.positions, plan.cycles  # in all (every pass of a stop_if loop)
        self.todo = plan.runs  # step index -> executions still to start
        self.position = position
        self.index: int | None = None  # the profile index of the step running
        steps = {step.index: step for step in profile.steps()}
        self._rated = {i: step.estimate(profile.ratings) for i, step in steps.items()}
        self._kind = {i: step.action for i, step in steps.items()}
        self._fixed = {i: step.duration for i, step in steps.items() if step.duration is not None and not step.until}
        self._loops = {loop.key: loop for loop in loops(profile.items)}
        self._top: dict[str, int] = {}  # loop key -> the top-level item that holds it
        self._ends: dict[int, int] = {}  # top-level item holding a stop_if -> its last position in the plan
        for at, item in enumerate(profile.items):
            inside = list(loops((item,)))
            self._top.update((loop.key, at) for loop in inside)
            if any(loop.stop_if is not None for loop in inside):
                self._ends[at] = count(profile.items[:at + 1], stopped).positions
        self.learned: dict[int, float] = {}  # step index -> how long its last execution took (s)
        self._took: Counter[str] = Counter()  # of the steps run that have a rated estimate, by kind: s taken
        self._rated_took: Counter[str] = Counter()  # and s estimated

    @property
    def bounded(self) -> bool:
        """Whether the counts are upper bounds: a loop with a stop_if is still to run or running."""
        return any(end > self.position for end in self._ends.values())

    def started(self, position: int, index: int) -> None:
        """A step starts at `position` (or goes on after a resume: the same position again)."""
        if position > self.position:
            self.todo[index] -= 1
            self.position = position
        self.index = index

    def ended(self, index: int, took: float) -> None:
        """The step of profile index `index` ended after `took` s of step time (pauses left out)."""
        self.learned[index] = took
        rated = self._rated.get(index)
        if rated and index not in self._fixed:
            self._took[self._kind[index]] += took
            self._rated_took[self._kind[index]] += rated

    def loop_stopped(self, key: str, passes: int) -> None:
        """A stop_if ended the loop `key` after `passes` passes: the passes left are not run."""
        loop = self._loops.get(key)
        if loop is None:
            return
        skipped = loop.repeat - passes
        one = count(loop.body)
        self.steps -= skipped * one.positions
        self.cycles -= skipped * one.cycles
        for index, runs in one.runs.items():
            self.todo[index] = max(0, self.todo[index] - skipped * runs)
        top = self._top[key]
        for at in self._ends:
            if at >= top:
                self._ends[at] -= skipped * one.positions
        if self.profile.items[top] is loop:  # a top-level loop stopped is over
            del self._ends[top]

    def expected(self, index: int) -> float | None:
        """How long a step of profile index `index` is expected to take (None: no idea)."""
        if index in self._fixed:
            return self._fixed[index]
        if index in self.learned:
            return self.learned[index]
        rated = self._rated.get(index)
        if rated is None:
            return None
        kind = self._kind[index]
        return rated * (self._took[kind] / self._rated_took[kind] if self._rated_took[kind] else 1.0)

    def step_left(self, step_time: float) -> float | None:
        """Time left in the running step, from `step_time` into it (None: no idea; 0 once it has
        run longer than expected)."""
        if self.index is None:
            return None
        expected = self.expected(self.index)
        return None if expected is None else max(0.0, expected - step_time)

    def left(self, step_time: float) -> tuple[float, int]:
        """Time left in the run from `step_time` into the running step, and how many steps that
        leaves out (nothing known of how long they take)."""
        current = self.step_left(step_time)
        seconds, unknown = (0.0, 1) if current is None else (current, 0)
        if self.index is None:
            seconds, unknown = 0.0, 0
        for index, runs in self.todo.items():
            if runs <= 0:
                continue
            expected = self.expected(index)
            if expected is None:
                unknown += runs
            else:
                seconds += runs * expected
        return seconds, unknown


class Tracker(Sink):
    """A run's Progress and its step clock (pauses left out), kept from the run's records: what a
    view shows of the time left and what the run index gives as the estimated end, reckoned once."""

    def __init__(self) -> None:
        self.progress: Progress | None = None  # once the run_info is in
        self.step_from = 0.0  # test time the step started, moved on by the time it spent paused
        self.paused_from: float | None = None  # test time the pause began
        self.into = 0.0  # step time into the step a resume takes up

    def run_info(self, record: RunInfo) -> None:
        profile, state = record.profile, record.state
        self.progress = Progress(profile, state.stopped, state.step.position if state.step is not None else 0)
        self.into = 0.0  # none, or the step starts again
        interrupted = state.step
        if interrupted is not None and interrupted.ended_by is None:  # its time left is part of the plan
            self.progress.started(interrupted.position, interrupted.index)
            if profile.on_resume == "continue":
                self.into = state.test_time - interrupted.start
        self.paused_from = None

    def step_start(self, record: StepStart) -> None:
        self.step_from = record.test_time - record.step_time
        if self.progress is not None:
            self.progress.started(record.position, record.step.index)

    def step_end(self, record: StepEnd) -> None:
        if self.progress is not None:
            self.progress.ended(record.step.index, self.took(record.test_time))

    def event(self, record: Event) -> None:
        if record.kind == "paused":
            self.paused_from = record.test_time
        elif record.kind == "continued":
            self.step_from += float(record.fields.get("paused_s", 0.0))
            self.paused_from = None
        elif record.kind == "loop_stopped" and self.progress is not None:
            self.progress.loop_stopped(str(record.fields.get("loop")), int(record.fields.get("passes", 0)))

    def took(self, test_time: float) -> float:
        """Step time at `test_time`: since the step started, pauses left out (held while paused:
        the rows then count the pause)."""
        return max(0.0, (self.paused_from if self.paused_from is not None else test_time) - self.step_from)

    def left(self, test_time: float) -> tuple[float, int] | None:
        """The time left (s) and the steps it leaves out (no estimate), once a step has started."""
        if self.progress is None or self.progress.index is None:
            return None
        return self.progress.left(self.took(test_time))
