"""One way to make a Rich console: rich is imported only when something is printed."""
from __future__ import annotations

from typing import Any


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    out = Console(stderr=stderr, highlight=False)
    out.soft_wrap = not out.is_terminal  # a log keeps one line per line
    return out
