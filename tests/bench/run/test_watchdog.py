"""The watchdog: quiet while the loop beats; after too long a silence it calls on_stall once (a
beat re-arms it), and on_stall may interrupt a main thread that does not take the stall up."""
from __future__ import annotations

import signal
import time

import pytest

from bench.run import watchdog
from bench.run.stops import Stalled
from bench.run.watchdog import Watchdog

LIMIT = 0.2
PATIENCE = 5.0  # s: generous, so a loaded machine never fails a test


@pytest.fixture(autouse=True)
def sigint_raises_keyboard_interrupt():
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.fixture
def stalls() -> list[float]:
    """The quiet times on_stall was called with."""
    return []


def silent(seconds: float, until: list | None = None) -> bool:
    """Stay silent (no beat) for `seconds`, or until `until` fills; True if the main thread was
    interrupted meanwhile."""
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not until:
            time.sleep(0.01)
    except (KeyboardInterrupt, Stalled):
        return True
    return False


def test_beats_keep_the_watchdog_quiet(stalls):
    with Watchdog(LIMIT, stalls.append) as dog:
        try:
            deadline = time.monotonic() + 3 * LIMIT
            while time.monotonic() < deadline:
                dog.beat()
                time.sleep(LIMIT / 10)
        except KeyboardInterrupt:
            pytest.fail("the watchdog fired although the loop kept beating")
    assert stalls == [] and not dog.fired


def test_a_silence_longer_than_the_limit_calls_on_stall_once_until_a_beat_rearms_it(stalls):
    with Watchdog(LIMIT, stalls.append) as dog:
        assert not silent(PATIENCE, until=stalls)
        assert not silent(2 * LIMIT)  # it fires once per silence
        assert len(stalls) == 1 and dog.fired
        dog.beat()
        deadline = time.monotonic() + PATIENCE
        while len(stalls) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert len(stalls) == 2
    assert all(LIMIT < quiet < PATIENCE for quiet in stalls)


def test_on_stall_interrupts_a_main_thread_that_does_not_leave_the_block(stalls, monkeypatch):
    monkeypatch.setattr(watchdog, "ANSWER", 0.1)
    dog = Watchdog(LIMIT, lambda quiet: (stalls.append(quiet), dog.interrupt(Stalled("stuck"))))
    with dog:
        assert silent(PATIENCE)  # a loop stuck in Python code is interrupted where it is
    assert len(stalls) == 1


def test_no_interrupt_once_the_main_thread_has_left_the_block(stalls, monkeypatch):
    monkeypatch.setattr(watchdog, "ANSWER", 0.5)
    dog = Watchdog(LIMIT, lambda quiet: (stalls.append(quiet), dog.interrupt(Stalled("stuck"))))
    with dog:
        silent(PATIENCE, until=stalls)  # the stall is taken up: the block is left
    assert not silent(1.0)


def test_allow_widens_the_silence_allowed_by_one_period(stalls):
    period = 3 * LIMIT
    with Watchdog(LIMIT, stalls.append) as dog:
        dog.allow(period)
        assert not silent(2 * LIMIT)  # longer than the limit, shorter than limit + period
        assert stalls == []
        silent(PATIENCE, until=stalls)
    (quiet,) = stalls
    assert LIMIT + period < quiet < PATIENCE


def test_a_beat_with_the_callers_time_counts_from_that_time(stalls):
    with Watchdog(LIMIT, stalls.append) as dog:
        dog.beat(time.monotonic() + 3 * LIMIT)  # as if the loop had beaten later than now
        assert not silent(2 * LIMIT) and stalls == []
        silent(PATIENCE, until=stalls)
    assert len(stalls) == 1


def test_leaving_the_block_stops_the_watchdog(stalls):
    with Watchdog(LIMIT, stalls.append):
        pass
    assert not silent(2 * LIMIT)
    assert stalls == []
