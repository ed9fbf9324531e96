"""The execution order a run follows: positions count every step run, each new pass of a loop is a
new cycle, a stop_if is asked after each pass it ends, and a resume plans exactly what the
interrupted run would have run, without judging again what was judged before."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bench.profile.reader import Item, Loop, parse_profile
from bench.run.sequencer import Sequencer

STOP_IF = 'stop_if = "duration > 1 s"'


def items(steps: str) -> tuple[Item, ...]:
    """The items of a profile whose steps list is `steps` (step index N is 'Rest for N s')."""
    text = f'name = "t"\nperiod = "1 s"\nsteps = [{steps}]\n[dut]\nkind = "cell"\n'
    return parse_profile(text, "sequencer.toml").items


def rest(n: int) -> str:
    """Step number n of a profile, written so that its text says its number too."""
    return f'"Rest for {n} s"'


def loop(repeat: int, *body: str, stop_if: bool = False) -> str:
    head = f"repeat = {repeat}, " + (f"{STOP_IF}, " if stop_if else "")
    return "{ " + head + f"steps = [{', '.join(body)}]" + " }"


@dataclass
class Judge:
    """The judge callback: stops a loop (by key) after the passes given, and logs every call."""

    stop_after: dict[str, int] = field(default_factory=dict)
    log: list[tuple] = field(default_factory=list)

    def __call__(self, item: Loop, passes: int, cycle: int) -> bool:
        self.log.append(("judge", item.key, passes, cycle))
        return self.stop_after.get(item.key) == passes

    @property
    def calls(self) -> list[tuple]:
        return [entry[1:] for entry in self.log if entry[0] == "judge"]


def walk(sequencer: Sequencer, judge: Judge, done: int = 0) -> list[tuple[int, int, int]]:
    """(position, cycle, step index) of every planned step; also logged, between the judge's calls."""
    planned = []
    for p in sequencer.plan(done):
        assert p.step.text == f"Rest for {p.step.index} s"
        planned.append((p.position, p.cycle, p.step.index))
        judge.log.append(planned[-1])
    return planned


def plan(steps: str, judge: Judge | None = None, stopped: dict[str, int] | None = None,
         done: int = 0) -> list[tuple[int, int, int]]:
    judge = Judge() if judge is None else judge
    return walk(Sequencer(items(steps), {} if stopped is None else stopped, judge), judge, done)


# --- order, positions and cycles ----------------------------------------------------------

def test_steps_run_in_order_with_a_position_for_every_step_run():
    """Positions count executions (1-based, no gaps); a step after a loop stays in its last cycle."""
    planned = plan(", ".join([rest(1), loop(2, rest(2), rest(3)), rest(4)]))
    assert planned == [(1, 1, 1), (2, 2, 2), (3, 2, 3), (4, 3, 2), (5, 3, 3), (6, 3, 4)]


@pytest.mark.parametrize("steps, cycles", [
    pytest.param(loop(3, rest(1)), [1, 2, 3], id="a loop at the very start begins at cycle 1"),
    pytest.param(f"{rest(1)}, {loop(2, rest(2))}", [1, 2, 3], id="a loop after a step begins a new cycle"),
    pytest.param(f"{loop(2, rest(1))}, {loop(2, rest(2))}", [1, 2, 3, 4], id="a second loop begins a new cycle"),
    pytest.param(loop(2, rest(1), loop(2, rest(2))), [1, 2, 3, 4, 5, 6],
                 id="every pass of a nested loop is a cycle of its own"),
    pytest.param(loop(2, loop(2, rest(1)), rest(2)), [1, 2, 2, 3, 4, 4],
                 id="a nested loop that opens its outer pass leaves no empty cycle"),
    pytest.param(f"{rest(1)}, {loop(2, loop(2, rest(2)))}", [1, 2, 3, 4, 5],
                 id="nested loops after a step number their cycles without gaps"),
])
def test_every_new_pass_of_a_loop_is_a_new_cycle(steps: str, cycles: list[int]):
    planned = plan(steps)
    assert [position for position, _, _ in planned] == list(range(1, len(planned) + 1))
    assert [cycle for _, cycle, _ in planned] == cycles


# --- stop_if ------------------------------------------------------------------------------

@pytest.mark.parametrize("passes", [1, 2, 4])
def test_stop_if_is_judged_after_each_pass_and_ends_the_loop_after_pass_n(passes: int):
    """The judge is asked once the pass's last step has been planned (run), with that pass's cycle."""
    judge = Judge(stop_after={"steps[2]": passes})
    stopped: dict[str, int] = {}
    plan(", ".join([rest(1), loop(4, rest(2), rest(3), stop_if=True), rest(4)]), judge, stopped)
    expected: list[tuple] = [(1, 1, 1)]
    for n in range(1, passes + 1):
        expected += [(2 * n, n + 1, 2), (2 * n + 1, n + 1, 3), ("judge", "steps[2]", n, n + 1)]
    expected.append((2 * passes + 2, passes + 1, 4))
    assert judge.log == expected
    assert stopped == {"steps[2]@1": passes}


def test_a_loop_without_stop_if_is_never_judged():
    judge = Judge()
    assert len(plan(loop(3, rest(1), loop(2, rest(2))), judge)) == 9
    assert judge.calls == []


def test_nested_stop_ifs_are_judged_per_instance_inner_pass_first():
    """Each pass of the outer loop runs a new instance of the inner loop, stopped on its own."""
    judge = Judge(stop_after={"steps[1].steps[2]": 2})
    stopped: dict[str, int] = {}
    planned = plan(loop(2, rest(1), loop(3, rest(2), stop_if=True), stop_if=True), judge, stopped)
    assert planned == [(1, 1, 1), (2, 2, 2), (3, 3, 2), (4, 4, 1), (5, 5, 2), (6, 6, 2)]
    assert judge.calls == [("steps[1].steps[2]", 1, 2), ("steps[1].steps[2]", 2, 3), ("steps[1]", 1, 3),
                           ("steps[1].steps[2]", 1, 5), ("steps[1].steps[2]", 2, 6), ("steps[1]", 2, 6)]
    assert stopped == {"steps[1].steps[2]@1": 2, "steps[1].steps[2]@4": 2}


# --- resume -------------------------------------------------------------------------------

RESUMED = ", ".join([loop(4, rest(1), rest(2), stop_if=True), rest(3)])  # pass n ends at position 2n


@pytest.mark.parametrize("done, judged", [(0, [1, 2, 3, 4]), (2, [1, 2, 3, 4]), (3, [2, 3, 4]), (5, [3, 4]),
                                          (8, [4]), (9, [])])
def test_a_resume_does_not_judge_passes_that_ended_before_its_position(done: int, judged: list[int]):
    """Their outcome is in `stopped` already; the pass of the step being resumed is judged."""
    judge = Judge()
    planned = plan(RESUMED, judge, done=done)
    assert planned == plan(RESUMED)  # the plan itself does not depend on `done`
    assert [passes for _, passes, _ in judge.calls] == judged


@pytest.mark.parametrize("done", [0, 2, 4, 5])
def test_a_resumed_loop_that_a_stop_if_ended_runs_only_its_recorded_passes(done: int):
    """The plan is the interrupted run's, step for step, and the judge is not asked again."""
    original = Judge(stop_after={"steps[1]": 2})
    stopped: dict[str, int] = {}
    sequencer = Sequencer(items(RESUMED), stopped, original)
    before = walk(sequencer, original)
    assert before == [(1, 1, 1), (2, 1, 2), (3, 2, 1), (4, 2, 2), (5, 2, 3)] and stopped == {"steps[1]@0": 2}
    again = Judge()
    assert plan(RESUMED, again, dict(stopped), done) == before
    assert walk(sequencer, original, done) == before  # the same sequencer planned again starts over
    assert again.calls == [] and len(original.calls) == 2
