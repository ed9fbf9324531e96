"""The console of every command: in a log (not a terminal) a long line stays one line; on a
terminal Rich wraps it to the width. Lines without Rich: plain in a log, styled on a terminal.
The screen of a run: when it goes away, it detaches."""
from __future__ import annotations

import io
import os
import sys
from types import SimpleNamespace

import pytest

from bench.cli import console as console_module
from bench.cli.console import Lines, Screen, ScreenGone, console

LONG = " ".join(f"word{i}" for i in range(40))  # ~280 characters


@pytest.fixture
def narrow(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.delenv("FORCE_COLOR", raising=False)


@pytest.mark.parametrize("stderr", [False, True])
def test_off_a_terminal_a_long_line_is_printed_as_one_line(narrow, monkeypatch, capsys, stderr):
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    out = console(stderr=stderr)
    assert out.soft_wrap
    out.print(LONG)
    captured = capsys.readouterr()
    assert (captured.err if stderr else captured.out) == LONG + "\n"


def test_on_a_terminal_a_long_line_is_wrapped_to_the_width(narrow, monkeypatch, capsys):
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    out = console()
    assert not out.soft_wrap
    out.print(LONG, highlight=False)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 1 and all(len(line) <= 60 for line in lines)


class ReaderQuit:
    """Standard output piped to a reader that quit (`| head -1`)."""

    def __init__(self) -> None:
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None: ...

    def isatty(self) -> bool:
        return False


@pytest.fixture
def dup2(monkeypatch):
    """The fds the screen points at os.devnull (recorded, not done: they are pytest's)."""
    targets: list[int] = []
    monkeypatch.setattr(console_module, "os", SimpleNamespace(
        open=os.open, close=os.close, devnull=os.devnull, O_WRONLY=os.O_WRONLY,
        dup2=lambda fd, target: targets.append(target)))
    return targets


def test_a_write_that_fails_detaches_the_screen_once_and_later_writes_are_dropped(monkeypatch, dup2):
    stdout = ReaderQuit()
    monkeypatch.setattr(sys, "stdout", stdout)
    screen = Screen()
    out = screen.console()
    out.print("run folder: logs/x")
    out.print("PASS")
    assert stdout.writes == 1 and dup2 == [1, 2] and screen.gone == "[Errno 32] Broken pipe"
    with pytest.raises(ScreenGone, match="Broken pipe"):
        screen.check()


def test_a_hangup_detaches_the_screen(dup2):
    screen = Screen()
    screen.check()  # a screen that is there: nothing to say
    screen.hang_up()
    screen.detach("[Errno 5] Input/output error")  # the writes that fail after it change nothing
    assert dup2 == [1, 2] and screen.gone == "SIGHUP: the terminal hung up"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("stream", "env", "written"), [
    (io.StringIO(), {}, "valid [discharge]\n"),
    (Terminal(), {}, "\x1b[1;32mvalid\x1b[0m [discharge]\n"),
    (Terminal(), {"NO_COLOR": "1"}, "valid [discharge]\n"),
    (Terminal(), {"TERM": "dumb"}, "valid [discharge]\n"),
    (io.StringIO(), {"FORCE_COLOR": "1"}, "\x1b[1;32mvalid\x1b[0m [discharge]\n"),
], ids=["log", "terminal", "NO_COLOR", "dumb terminal", "FORCE_COLOR"])
def test_lines_are_styled_where_rich_would_colour_and_never_read_as_markup(monkeypatch, stream, env, written):
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdout", stream)
    Lines().line(("valid", "bold green"), " [discharge]")
    assert stream.getvalue() == written
