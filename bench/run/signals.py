"""Ctrl-C, SIGTERM and SIGHUP become OperatorStop, except inside `deferred()`: switching the
bench to safe state and closing the records must not be cut short by a second Ctrl-C."""
from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Iterator

from bench.run.stops import OperatorStop

_state = {"depth": 0, "pending": None}
NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
if hasattr(signal, "SIGHUP"):
    NAMES[signal.SIGHUP] = "SIGHUP"


def _handler(signum: int, _frame: object) -> None:
    name = NAMES.get(signum, signal.Signals(signum).name)
    if _state["depth"]:
        _state["pending"] = name
        return
    raise OperatorStop(name)


@contextmanager
def handled() -> Iterator[None]:
    """Route the stop signals through OperatorStop for the block (main thread only), then put
    back what was there before."""
    before = {signum: signal.signal(signum, _handler) for signum in NAMES}
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


@contextmanager
def deferred(reraise: bool = True) -> Iterator[None]:
    """Hold stop signals for the block; with `reraise`, one that came in is raised after it."""
    _state["depth"] += 1
    try:
        yield
    finally:
        _state["depth"] -= 1
        if not _state["depth"]:  # a signal held in a nested block waits for the outermost one
            pending, _state["pending"] = _state["pending"], None
            if pending and reraise:
                raise OperatorStop(pending)
