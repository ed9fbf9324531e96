"""Stop signals as a request the run looks at, never an exception thrown into whatever the main
thread happens to be doing.

Ctrl-C and SIGTERM (and `bench stop`) ask the run to stop: the handler only notes the first
request and wakes any wait, and the run ends at its next look (every sample, every retry, every
start-up stage) through the one path that switches the bench off and writes the records. So a
signal can never cut a checkpoint, a stop handler or the verdict print short, a second signal
never replaces the first reason, and none is lost. SIGHUP (a closed terminal, a dropped SSH
session) is not a stop: the run goes on and its view detaches.

Two exceptions: the watchdog's (a main thread stuck in Python code is interrupted with the
exception the watchdog chose: bench.run.watchdog), and a prompt the main thread waits in
(`interruptible`: a rack's serial prompt), which a stop ends with OperatorStop, since a terminal
read would not return for a request alone.
"""
from __future__ import annotations

import _thread
import signal
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

from bench.run.stops import OperatorStop, RunEnded

STOPS = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
HANGUP = getattr(signal, "SIGHUP", None)  # not on Windows


class _Requests:
    """The first stop asked for, an event that wakes waits, and what the watchdog throws."""

    def __init__(self) -> None:
        self.stop: str | None = None
        self.wake = threading.Event()
        self.throw: RunEnded | None = None
        self.on_hangup: Callable[[], None] | None = None
        self.hangups = 0
        self.prompting = False  # the main thread waits in a prompt that a stop ends (interruptible)


_requests = _Requests()


def request(name: str) -> None:
    """Ask the run to stop (a signal, `bench stop`); only the first request counts."""
    if _requests.stop is None:
        _requests.stop = name
    _requests.wake.set()


def requested() -> str | None:
    """The stop asked for, if any."""
    return _requests.stop


def check() -> None:
    """Raise OperatorStop if a stop was asked for: the run's look at the requests."""
    if _requests.stop is not None:
        raise OperatorStop(_requests.stop)


@contextmanager
def interruptible() -> Iterator[None]:
    """For a prompt the main thread waits in (a terminal read, which a request alone would not
    end): a stop asked for before or during it raises OperatorStop there."""
    check()
    _requests.prompting = True
    try:
        yield
    finally:
        _requests.prompting = False


def wait(seconds: float) -> None:
    """Sleep, but wake at once when a stop is asked for."""
    if seconds > 0 and _requests.stop is None:
        _requests.wake.wait(seconds)


class Interrupted(RunEnded):
    """What a rack channel's thread is interrupted with (its runner knows why: the watchdog's stall)."""


def interrupt(exc: RunEnded, thread: threading.Thread | None = None) -> None:
    """From another thread: raise `exc` in the main thread where it is (a stuck loop). A real
    SIGINT where the system has pthread_kill, so that a blocking call is cut short too;
    elsewhere (Windows) at the main thread's next bytecode. Another `thread` (a rack channel's)
    gets Interrupted at its next bytecode."""
    if thread is not None and thread is not threading.main_thread():
        import ctypes

        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident or 0), ctypes.py_object(Interrupted))
        return
    _requests.throw = exc
    if hasattr(signal, "pthread_kill"):
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)  # type: ignore[arg-type]
    else:
        _thread.interrupt_main(signal.SIGINT)


def hangups() -> int:
    """How many SIGHUPs arrived (the terminal went away)."""
    return _requests.hangups


def _on_stop(signum: int, _frame: object) -> None:
    throw, _requests.throw = _requests.throw, None
    if throw is not None:
        raise throw
    request(STOPS.get(signum, signal.Signals(signum).name))
    if _requests.prompting:
        _requests.prompting = False  # raised once, in the prompt
        raise OperatorStop(_requests.stop or "")


def _on_hangup(_signum: int, _frame: object) -> None:
    _requests.hangups += 1
    if _requests.on_hangup is not None:
        _requests.on_hangup()


@contextmanager
def handled(on_hangup: Callable[[], None] | None = None) -> Iterator[None]:
    """For the block (main thread only): stop signals become requests, SIGHUP calls `on_hangup`
    (the view detaches) and never stops anything; then the handlers that were there come back.
    Requests are forgotten on the way in and out: each block is one run's."""
    global _requests
    _requests = _Requests()
    _requests.on_hangup = on_hangup
    before = {signum: signal.signal(signum, _on_stop) for signum in STOPS}
    if HANGUP is not None:
        before[HANGUP] = signal.signal(HANGUP, _on_hangup)
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
        _requests = _Requests()  # a later run in this process starts with no request
