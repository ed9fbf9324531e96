"""The console of every command: in a log (not a terminal) a long line stays one line; on a
terminal Rich wraps it to the width."""
from __future__ import annotations

import pytest

from bench.cli.console import console

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
