"""Where the bench's log records go: stderr, one line each (`-v`, `--log-level`). A module of its
own, imported once a command runs (the group's callback), so that `bench --help` loads no
`logging`."""
from __future__ import annotations

import logging
import sys
from typing import TextIO

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Log records to the standard error of the moment: the live view's (which prints them above
    its panel), or /dev/null once the screen has gone."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


_handler = _Stderr()
_handler.setFormatter(logging.Formatter(LOG_FORMAT, "%H:%M:%S"))


def log_to_stderr(level: str) -> None:
    """The bench's log records (and PyVISA's, under the 'pyvisa' logger) at `level` and above on
    stderr, one line each: `-v` / `--log-level`."""
    root = logging.getLogger()
    if _handler not in root.handlers:
        root.addHandler(_handler)
    root.setLevel(level)
    logging.getLogger("pyvisa").setLevel(level)
