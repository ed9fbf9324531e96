"""Talking to a running run from another terminal: pause and continue through a control
file in the run folder, and a lock that says whether a process is running the folder."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

CONTROL = "control"
LOCK = "run.lock"
COMMANDS = ("pause", "continue")


class RunLock:
    """An exclusive lock on a run folder, held by the process running it (released on exit,
    even on kill -9, because the kernel drops flock locks with the process)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK
        self._fh: IO[str] | None = None

    def acquire(self) -> bool:
        fh = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._fh = fh
        return True

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def is_running(folder: Path) -> bool:
    lock = RunLock(folder)
    if lock.acquire():
        lock.release()
        return False
    return True


def request(folder: Path, command: str) -> None:
    """Ask the process running `folder` to pause or continue."""
    if command not in COMMANDS:
        raise ValueError(f"unknown control command {command!r}")
    tmp = folder / (CONTROL + ".tmp")
    tmp.write_text(command + "\n", encoding="utf-8")
    tmp.replace(folder / CONTROL)


class ControlFile:
    """Read by the runner a few times a second: what the operator last asked for."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / CONTROL
        self._seen: float | None = None

    def poll(self) -> str | None:
        """The new command since the last poll, if any."""
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        if stamp == self._seen:
            return None
        self._seen = stamp
        command = self.path.read_text(encoding="utf-8").strip()
        return command if command in COMMANDS else None
