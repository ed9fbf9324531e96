"""Talking to a running run from another terminal: pause, continue and stop through a control
file in the run folder, and a lock that says whether a process is running the folder."""
from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from bench.record.schema import CONTROL, LOCK

COMMANDS = ("pause", "continue", "stop")


class RunLock:
    """An exclusive lock on a run folder, held by the process running it and released on exit,
    even on kill -9 (the operating system drops the lock with the process). filelock gives the
    same on POSIX (flock) and Windows (msvcrt)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK
        self._lock = FileLock(self.path)

    def acquire(self) -> bool:
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()


def is_running(folder: Path) -> bool:
    lock = RunLock(folder)
    if lock.acquire():
        lock.release()
        return False
    return True


def asked(folder: Path) -> str | None:
    """What the operator last asked of the process running `folder` (None: nothing since it started)."""
    try:
        command = (folder / CONTROL).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return command if command in COMMANDS else None


def request(folder: Path, command: str) -> None:
    """Ask the process running `folder` to pause, continue or stop."""
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
