"""The execution order of a profile: steps in order, loops expanded pass by pass, every new
pass of a loop a new cycle, a loop's stop_if judged after each pass it completes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from bench.profile.reader import Item, Loop
from bench.profile.steps import Step


@dataclass(frozen=True, slots=True)
class Planned:
    position: int  # 1-based place in the execution order
    cycle: int
    step: Step


class Sequencer:
    """Walks the profile lazily, so a stop_if can end a loop on what its last pass measured.

    `stopped` (loop instance -> passes run) is the run state's own record of loops a stop_if
    ended; `judge(loop, passes, cycle)` says whether to stop after `passes` passes.
    """

    def __init__(self, items: tuple[Item, ...], stopped: dict[str, int],
                 judge: Callable[[Loop, int, int], bool]) -> None:
        self.items = items
        self.stopped = stopped
        self.judge = judge
        self._position = 0
        self._cycle = 1
        self._cycle_from = 0  # the position the current cycle started after

    def plan(self, done: int = 0) -> Iterator[Planned]:
        """Every step in execution order. Passes that end before position `done` (already run,
        before a resume) are not judged again: their outcome is in `stopped`."""
        self._position, self._cycle, self._cycle_from = 0, 1, 0
        yield from self._walk(self.items, done)

    def _walk(self, items: tuple[Item, ...], done: int) -> Iterator[Planned]:
        for item in items:
            if not isinstance(item, Loop):
                self._position += 1
                yield Planned(self._position, self._cycle, item)
                continue
            instance = f"{item.key}@{self._position}"
            passes = self.stopped.get(instance, item.repeat)
            for n in range(passes):
                if self._position > self._cycle_from:  # a pass after any step is a cycle of its own
                    self._cycle += 1
                    self._cycle_from = self._position
                yield from self._walk(item.body, done)
                if (item.stop_if is not None and self._position >= done and instance not in self.stopped
                        and self.judge(item, n + 1, self._cycle)):
                    self.stopped[instance] = n + 1
                    break
