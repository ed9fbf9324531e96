"""A watchdog thread: if the sample loop falls silent for longer than it should, the bench is
put in safe state from this thread and the main thread is interrupted, so a hung instrument
call or a stuck loop can never leave a load sinking current unattended."""
from __future__ import annotations

import _thread
import signal
import threading
import time
from typing import Callable


class Watchdog:
    def __init__(self, limit: float, on_stall: Callable[[float], None]) -> None:
        self.limit = limit
        self._on_stall = on_stall
        self._silence = limit
        self._last = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="watchdog", daemon=True)
        self.fired = False

    def __enter__(self) -> "Watchdog":
        self._last = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)

    def allow(self, wall_period: float) -> None:
        """The loop may be quiet for one sample period (wall time) plus the limit."""
        self._silence = wall_period + self.limit

    def beat(self, now: float | None = None) -> None:
        self._last = time.monotonic() if now is None else now

    def _watch(self) -> None:
        while not self._stop.wait(min(self.limit / 4, 1.0)):
            quiet = time.monotonic() - self._last
            if quiet > self._silence and not self.fired:
                self.fired = True
                self._on_stall(quiet)
                _interrupt_main()
                return


def _interrupt_main() -> None:
    """A real SIGINT where the system has pthread_kill, so that even a blocking call in the main
    thread is interrupted; elsewhere (Windows) the same exception at the main thread's next step."""
    if hasattr(signal, "pthread_kill"):
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)  # type: ignore[arg-type]
    else:
        _thread.interrupt_main()
