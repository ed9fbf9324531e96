"""Stop signals become OperatorStop, except while records or the safe state are being written:
then they wait for the block to end, and are never lost on the way."""
from __future__ import annotations

import os
import signal

import pytest

from bench.run.signals import deferred, handled
from bench.run.stops import OperatorStop


@pytest.mark.parametrize("signum, name", [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "Ctrl-C"),
                                          (signal.SIGHUP, "SIGHUP")])
def test_a_stop_signal_is_an_operator_stop_naming_it(signum, name):
    with handled(), pytest.raises(OperatorStop) as stop:
        os.kill(os.getpid(), signum)
    assert str(stop.value) == name and stop.value.reason == f"operator stop ({name})"


def test_a_signal_inside_a_deferred_block_is_raised_when_the_block_ends():
    done = []
    with handled(), pytest.raises(OperatorStop, match="SIGTERM"):
        with deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            done.append("records written")
    assert done == ["records written"]


def test_a_signal_held_in_a_nested_block_is_not_lost_at_its_end():
    """A checkpoint (deferred) inside a step's end (deferred): the stop comes after both."""
    done = []
    with handled(), pytest.raises(OperatorStop, match="SIGTERM"):
        with deferred():
            with deferred():
                os.kill(os.getpid(), signal.SIGTERM)
            done.append("after the inner block")
    assert done == ["after the inner block"]


def test_handled_puts_back_the_handlers_that_were_there():
    before = signal.getsignal(signal.SIGTERM)
    with handled():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before
