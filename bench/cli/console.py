"""One way to make a Rich console: rich is imported only when something is printed. And the screen
a run is watched on, which may go away while the run goes on."""
from __future__ import annotations

import os
from typing import Any, TextIO


def console(stderr: bool = False, file: TextIO | None = None) -> Any:
    from rich.console import Console

    out = Console(file=file, stderr=stderr, highlight=False)
    out.soft_wrap = not out.is_terminal  # a log keeps one line per line
    return out


def listing(headers: tuple[str, ...], rows: list[tuple[str, ...]], title: str) -> None:
    """A table in a terminal; in a pipe, one tab-separated line per row (Rich would expand the tabs
    a script splits on)."""
    out = console()
    if not out.is_terminal:
        import typer

        for row in rows:
            typer.echo("\t".join(row))
        return
    from rich.table import Table

    table = Table(*headers, title=title)
    for row in rows:
        table.add_row(*row)
    out.print(table, markup=False)


class ScreenGone(Exception):
    """Raised by a view called after its screen went away: the run's sinks detach it."""


class Screen:
    """Standard output and error of a run, which may go away while the run goes on: a closed
    terminal or a dropped SSH session (SIGHUP, then EIO), a pipe whose reader quit (`| head`,
    EPIPE). Then the screen detaches, once: fds 1 and 2 point to os.devnull, so that no later
    write (a view, the verdict, the interpreter's last flush) can fail or stop anything, and
    views stop drawing. The run folder's files remain the way to follow the run."""

    def __init__(self) -> None:
        self.gone: str | None = None  # why the screen went away

    def console(self, stderr: bool = False) -> Any:
        """A console on stdout (or stderr) whose failing writes detach the screen."""
        import sys

        return console(file=_Guarded(sys.stderr if stderr else sys.stdout, self))

    def hang_up(self) -> None:
        """SIGHUP: the terminal went away."""
        self.detach("SIGHUP: the terminal hung up")

    def detach(self, why: str) -> None:
        if self.gone is not None:
            return
        self.gone = why
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            for fd in (1, 2):
                os.dup2(null, fd)
        finally:
            os.close(null)

    def check(self) -> None:
        """For a view about to draw: raise ScreenGone if there is nothing to draw on."""
        if self.gone is not None:
            raise ScreenGone(self.gone)


class _Guarded:
    """A text stream whose write or flush failing (EPIPE, EIO) detaches the screen instead of
    raising; after that, writes are dropped."""

    def __init__(self, stream: TextIO, screen: Screen) -> None:
        self._stream = stream
        self._screen = screen

    def write(self, text: str) -> int:
        if self._screen.gone is None:
            try:
                return self._stream.write(text)
            except OSError as exc:
                self._screen.detach(str(exc))
        return len(text)

    def flush(self) -> None:
        if self._screen.gone is None:
            try:
                self._stream.flush()
            except OSError as exc:
                self._screen.detach(str(exc))

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding: the stream's
        return getattr(self._stream, name)
