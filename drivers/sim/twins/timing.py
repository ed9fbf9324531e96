"""Time as a slow instrument keeps it, for the twins of supplies that lose what comes too soon.

Some supplies process one command at a time and silently drop the next one if it arrives before
they are done (the Korad KA3005P family, the Siglent SPD3303X), and some also need time before
the reply to a query can be read (the SPD3303X). A twin given a clock (a monotonic clock in
seconds: in tests, the fake clock the drivers' pauses advance) keeps that time; without one (the
simulated bench, whose drivers do not pause, drivers/pacing.py) every command is taken and every
reply is ready at once.
"""
from __future__ import annotations

from collections.abc import Callable

Clock = Callable[[], float]
SLACK = 1e-9  # s: the float noise of a clock advanced by sums of pauses


class CommandTiming:
    """When a twin with a clock takes a command and has a reply ready."""

    def __init__(self, clock: Clock | None) -> None:
        self.clock = clock
        self._busy_until = float("-inf")  # clock time until which a new command is lost
        self._taken_at = float("-inf")  # clock time of the last command taken

    def take(self, busy_for: float) -> bool:
        """Whether a command arriving now is taken: not while the instrument is still busy with
        the last one taken (lost: not executed, not answered). A command taken keeps it busy
        for `busy_for` seconds; a lost one does not."""
        if self.clock is None:
            return True
        now = self.clock()
        if now < self._busy_until - SLACK:
            return False
        self._busy_until = now + busy_for
        self._taken_at = now
        return True

    def waited(self, seconds: float) -> bool:
        """Whether `seconds` have passed since the last command was taken (so the reply to a
        query that needs that long is ready)."""
        return self.clock is None or self.clock() >= self._taken_at + seconds - SLACK
