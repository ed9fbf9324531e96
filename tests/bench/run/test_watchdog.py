"""The watchdog: quiet while the loop beats; after too long a silence it calls on_stall once and
interrupts the main thread (a real SIGINT, so a blocking call is cut short too)."""
from __future__ import annotations

import signal
import time

import pytest

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


def silent(seconds: float) -> bool:
    """Stay silent (no beat) for `seconds`; True if the main thread was interrupted meanwhile."""
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(0.01)
    except KeyboardInterrupt:
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


def test_a_silence_longer_than_the_limit_calls_on_stall_once_and_interrupts_the_main_thread(stalls):
    with Watchdog(LIMIT, stalls.append) as dog:
        assert silent(PATIENCE)
        assert not silent(2 * LIMIT)  # it fires once, then it is done
    assert dog.fired
    (quiet,) = stalls
    assert LIMIT < quiet < PATIENCE


def test_allow_widens_the_silence_allowed_by_one_period(stalls):
    period = 3 * LIMIT
    with Watchdog(LIMIT, stalls.append) as dog:
        dog.allow(period)
        assert not silent(2 * LIMIT)  # longer than the limit, shorter than limit + period
        assert stalls == []
        assert silent(PATIENCE)
    (quiet,) = stalls
    assert LIMIT + period < quiet < PATIENCE


def test_a_beat_with_the_callers_time_counts_from_that_time(stalls):
    with Watchdog(LIMIT, stalls.append) as dog:
        dog.beat(time.monotonic() + 3 * LIMIT)  # as if the loop had beaten later than now
        assert not silent(2 * LIMIT)
        assert silent(PATIENCE)
    assert len(stalls) == 1


def test_leaving_the_block_stops_the_watchdog(stalls):
    with Watchdog(LIMIT, stalls.append):
        pass
    assert not silent(2 * LIMIT)
    assert stalls == []
