"""A watchdog thread: if the sample loop falls silent for longer than it should, `on_stall` runs
from this thread (it puts the bench in safe state through new connections, never waiting on the
stuck one), so a hung instrument call or a stuck loop can never leave a load sinking current
unattended. It fires once per silence (a beat re-arms it), unless `on_stall` returns True: then
it watches the same silence again, one limit later (a retry that the bench waits out safe must
not hang unwatched)."""
from __future__ import annotations

import threading
import time
from typing import Callable

from bench.run import signals
from bench.run.stops import RunEnded

ANSWER = 2.0  # s the main thread has to take up a stall before it is interrupted where it is


class Watchdog:
    def __init__(self, limit: float, on_stall: Callable[[float], bool | None]) -> None:
        self.limit = limit
        self._on_stall = on_stall
        self._allowed = self._silence = limit
        self._last = time.monotonic()
        self._stop = threading.Event()
        self._closing = threading.Lock()  # no interrupt once the main thread has left the block
        self._thread = threading.Thread(target=self._watch, name="watchdog", daemon=True)
        self.fired = False

    def __enter__(self) -> "Watchdog":
        self._target = threading.current_thread()  # the thread whose loop it watches
        self._last = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._closing:
            self._stop.set()
        self._thread.join(timeout=1.0)

    def allow(self, wall_period: float) -> None:
        """The loop may be quiet for one sample period (wall time) plus the limit."""
        self._allowed = self._silence = wall_period + self.limit

    def beat(self, now: float | None = None) -> None:
        self._last = time.monotonic() if now is None else now
        self._silence = self._allowed
        self.fired = False

    def quiet(self) -> float:
        """Seconds since the last beat."""
        return time.monotonic() - self._last

    def claim(self, mark: Callable[[], None]) -> bool:
        """From `on_stall`: if the main thread has not left the block, `mark` the stall (before it
        can leave) and return True; False if it has already left for a reason of its own."""
        with self._closing:
            if self._stop.is_set():
                return False
            mark()
            return True

    def interrupt(self, stop: RunEnded) -> None:
        """From `on_stall`: unless the main thread leaves the block within ANSWER seconds (a hung
        call it was in, once cut, returns an error it acts on), raise `stop` where it is (a loop
        stuck in Python code)."""
        if self._stop.wait(ANSWER):
            return
        with self._closing:
            if not self._stop.is_set():
                signals.interrupt(stop, self._target)

    def _watch(self) -> None:
        while not self._stop.wait(min(self.limit / 8, 0.25)):
            quiet = self.quiet()
            if quiet > self._silence and not self.fired:
                self.fired = True
                if self._on_stall(quiet):
                    self._silence = quiet + self.limit
                    self.fired = False
