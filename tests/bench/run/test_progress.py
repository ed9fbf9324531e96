"""The progress a view shows: the plan counted as the sequencer walks it (every pass of a loop,
each a cycle), the time left starting from the estimate bench validate prints, learning each
step's duration as it runs, and a loop that a stop_if ends taken off the plan."""
from __future__ import annotations

import pytest

from bench.profile.reader import parse_profile
from bench.run.progress import Progress

PROFILE = parse_profile("""
name = "Cycles"
period = "1 s"
steps = [
  "Rest for 1 min",
  { repeat = 3, stop_if = "discharge capacity of d < 1 mAh", steps = [
    "Charge at 5 V, 2 A limit until current < 100 mA",
    { step = "Discharge at 2 A until 4.5 V", name = "d" },
    "Rest for 5 min",
  ] },
  "Discharge at 1 A until 4.5 V",
]
[dut]
kind = "power bank"
rated_capacity = "10000 mAh"
nominal_voltage = "3.7 V"
rated_output_voltage = "5 V"
rated_input_current = "2 A"
""", "cycles.toml")
REST, CHARGE, D, PAUSE, LAST = 1, 2, 3, 4, 5  # step indices in the profile
RATED = {step.index: step.estimate(PROFILE.ratings) for step in PROFILE.steps()}


def test_the_plan_counts_every_pass_of_a_loop_and_starts_from_the_estimate_bench_validate_prints():
    progress = Progress(PROFILE)
    assert (progress.steps, progress.cycles) == (11, 4)  # the rest, 3 passes of 3 steps, the discharge
    assert progress.bounded  # the stop_if may end the loop early
    assert progress.left(0.0) == (pytest.approx(PROFILE.estimate()[0]), 0)


def test_a_step_that_ran_is_expected_to_take_what_it_took_and_the_others_of_its_kind_are_scaled():
    progress = Progress(PROFILE)
    progress.started(1, REST)
    progress.ended(REST, 60.0)
    progress.started(2, CHARGE)
    progress.ended(CHARGE, 3000.0)
    progress.started(3, D)
    progress.ended(D, RATED[D] / 2)  # the first discharge took half its rated estimate
    assert progress.expected(D) == RATED[D] / 2 and progress.expected(CHARGE) == 3000.0
    assert progress.expected(LAST) == pytest.approx(RATED[LAST] / 2)  # a discharge not run yet: scaled
    progress.started(4, PAUSE)
    seconds, unknown = progress.left(100.0)
    assert unknown == 0
    assert seconds == pytest.approx(200.0 + 2 * (3000.0 + RATED[D] / 2 + 300.0) + RATED[LAST] / 2)
    assert progress.step_left(100.0) == 200.0 and progress.step_left(400.0) == 0.0


def test_a_loop_that_its_stop_if_ends_takes_its_passes_left_off_the_plan():
    progress = Progress(PROFILE)
    for position, index in enumerate((REST, CHARGE, D, PAUSE), 1):
        progress.started(position, index)
        progress.ended(index, 100.0)
    progress.loop_stopped(PROFILE.items[1].key, 1)
    assert (progress.steps, progress.cycles) == (5, 2) and not progress.bounded
    progress.started(5, LAST)  # the step after the loop: the last one
    assert progress.left(0.0) == (pytest.approx(RATED[LAST] * 100.0 / RATED[D]), 0)
    assert sum(progress.todo.values()) == 0


def test_a_resumed_run_counts_what_is_left_from_the_position_of_its_step():
    progress = Progress(PROFILE, position=6)  # the second pass's discharge, interrupted
    progress.started(6, D)
    assert dict(progress.todo) == {PAUSE: 2, CHARGE: 1, D: 1, LAST: 1}
    assert progress.left(0.0)[0] == pytest.approx(2 * 300.0 + RATED[CHARGE] + 2 * RATED[D] + RATED[LAST])
