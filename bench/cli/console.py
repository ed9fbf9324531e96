"""One way to make a Rich console: rich is imported only when something is printed; and lines
printed without Rich, for the commands that must answer at once. The screen a run is watched on,
which may go away while the run goes on."""
from __future__ import annotations

import os
import sys
from typing import Any, TextIO

# how a verdict is shown wherever it is the news: `bench run`'s banner, a rack's status column and counts
VERDICT_STYLES = {"PASS": "bold white on green", "FAIL": "bold white on red", "ABORTED": "bold black on yellow",
                  "ERROR": "bold white on magenta"}
SGR = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33"}  # the styles Lines writes


class Lines:
    """Output without Rich, for what must answer at once (`bench validate`, the one line of an
    error or a warning before a run starts): Rich's import costs more than such a command. Text
    is written as it is, never read as markup; styles are SGR codes where Rich would colour (a
    terminal, or FORCE_COLOR; not under NO_COLOR or TERM=dumb). Each line goes to the stream of
    the moment, as Rich's consoles do (the live view's, once a run has one), flushed at once as
    Rich does, so that stdout and stderr keep their order in a log."""

    def __init__(self, stderr: bool = False) -> None:
        self.stderr = stderr

    def line(self, *parts: str | tuple[str, str]) -> None:
        """One line of `parts`: text, or (text, style) with a style of SGR's words ('bold red')."""
        stream = sys.stderr if self.stderr else sys.stdout
        styled = _colours(stream)
        stream.write("".join(part if isinstance(part, str) else _sgr(*part) if styled else part[0]
                             for part in parts) + "\n")
        stream.flush()


def _colours(stream: TextIO) -> bool:
    """Whether styles go to `stream`, as Rich decides it."""
    env = os.environ
    wanted = env.get("FORCE_COLOR") or getattr(stream, "isatty", lambda: False)()
    return bool(wanted) and not env.get("NO_COLOR") and env.get("TERM") not in ("dumb", "unknown")


def _sgr(text: str, style: str) -> str:
    return f"\x1b[{';'.join(SGR[word] for word in style.split())}m{text}\x1b[0m"


def console(stderr: bool = False, file: TextIO | None = None) -> Any:
    from rich.console import Console

    out = Console(file=file, stderr=stderr, highlight=False)
    out.soft_wrap = not out.is_terminal  # a log keeps one line per line
    return out


def tabulate(headers: tuple[str, ...], rows: list[tuple[str, ...]], title: str, whole: int = 1) -> None:
    """In a terminal, the rows as `listing` shows them (its first `whole` columns never cut); in a
    pipe, one tab-separated line per row (Rich would expand the tabs a script splits on)."""
    out = console()
    if not out.is_terminal:
        import typer

        for row in rows:
            typer.echo("\t".join(row))
        return
    listing(out, headers, rows, title, whole)


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


NARROWEST = 12  # characters a column of text may be narrowed to in a table before it becomes a list


def listing(out: Any, headers: tuple[str, ...], rows: list[tuple[str, ...]], title: str = "",
            whole: int = 1) -> None:
    """Rows as a table when their first `whole` columns (the names a user types or copies: drivers,
    profiles, run ids) fit whole and the others keep NARROWEST characters; else, on a narrow
    terminal, as a list: each name on a line of its own, the other columns under it as `header:
    value`. Either way a name is never cut, and nothing is read as markup."""
    from rich.table import Table
    from rich.text import Text

    widths = [max([len(header), *(len(row[i]) for row in rows)]) for i, header in enumerate(headers)]
    if sum(widths[:whole]) + sum(min(w, NARROWEST) for w in widths[whole:]) + 3 * len(headers) + 1 <= out.width:
        table = Table(title=title or None, title_justify="left")
        for i, header in enumerate(headers):
            if i < whole:
                table.add_column(header, no_wrap=True, min_width=widths[i])
            else:
                table.add_column(header, overflow="fold")
        for row in rows:
            table.add_row(*(Text(cell) for cell in row))
        out.print(table)
        return
    if title:
        out.print(Text(title, style="bold"))
    for name, *cells in rows:
        out.print(Text(name, style="bold"), crop=False, soft_wrap=True)
        for header, cell in zip(headers[1:], cells):
            if cell:
                out.print(Text(f"  {header}: {cell}"))
