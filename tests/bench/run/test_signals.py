"""Stop signals become a request the run looks at, never an exception thrown into whatever the
main thread is doing; SIGHUP is not a stop."""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from bench.run import signals
from bench.run.signals import handled
from bench.run.stops import OperatorStop, Stalled


@pytest.mark.parametrize("signum, name", [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "Ctrl-C")])
def test_a_stop_signal_is_a_request_the_run_takes_at_its_next_look(signum, name):
    with handled():
        os.kill(os.getpid(), signum)  # nothing raised here: a checkpoint being written goes on
        assert signals.requested() == name
        with pytest.raises(OperatorStop) as stop:
            signals.check()
    assert stop.value.reason == f"operator stop ({name})"


def test_a_second_signal_never_replaces_the_first_reason():
    with handled():
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
        assert signals.requested() == "SIGTERM"


@pytest.mark.skipif(signals.HANGUP is None, reason="no SIGHUP on this system")
def test_sighup_is_not_a_stop_it_tells_the_view_the_terminal_went_away():
    hangups = []
    with handled(on_hangup=lambda: hangups.append(1)):
        os.kill(os.getpid(), signal.SIGHUP)
        assert signals.requested() is None
        signals.check()  # goes on
    assert hangups == [1] and signals.hangups() == 0  # counted inside the block only


def test_a_request_cuts_a_wait_short():
    with handled():
        threading.Timer(0.1, signals.request, ("bench stop",)).start()
        began = time.monotonic()
        signals.wait(30.0)
        assert time.monotonic() - began < 20.0 and signals.requested() == "bench stop"


def test_handled_puts_back_the_handlers_and_forgets_its_requests():
    before = signal.getsignal(signal.SIGTERM)
    with handled():
        assert signal.getsignal(signal.SIGTERM) is not before
        os.kill(os.getpid(), signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) is before
    assert signals.requested() is None  # a later run in this process starts clean


def test_interrupt_raises_the_watchdogs_stop_in_the_main_thread():
    with handled(), pytest.raises(Stalled, match="stuck"):
        threading.Timer(0.05, signals.interrupt, (Stalled("stuck"),)).start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(0.01)


def test_a_stop_signal_ends_a_prompt_the_main_thread_waits_in():
    with handled():
        threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT)).start()
        began = time.monotonic()
        with pytest.raises(OperatorStop) as stop, signals.interruptible():
            time.sleep(30.0)  # a terminal read: a request alone would not end it
        assert time.monotonic() - began < 20.0 and stop.value.reason == "operator stop (Ctrl-C)"
        os.kill(os.getpid(), signal.SIGTERM)  # after the prompt: a request again, nothing raised
        assert signals.requested() == "Ctrl-C"


def test_a_stop_asked_for_before_a_prompt_ends_it_before_it_waits():
    with handled():
        signals.request("bench stop")
        with pytest.raises(OperatorStop), signals.interruptible():
            pytest.fail("the prompt was shown after the stop")
