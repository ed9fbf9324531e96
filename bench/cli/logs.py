"""Where the bench's log records go: stderr, one line each (`-v`, `--log-level`). A module of its
own, imported once a command runs (the group's callback), so that `bench --help` loads no
`logging`."""
from __future__ import annotations

import logging
import sys
import traceback
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


class _OneLine(logging.Formatter):
    """A record on one line: an exception a library logs with it (PyVISA does, for an instrument
    it cannot reach) as its type and message after the text, its traceback only at DEBUG."""

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info is None or logging.getLogger().level <= logging.DEBUG:
            return super().format(record)
        kind, error, _ = record.exc_info
        summary = " ".join("".join(traceback.format_exception_only(kind, error)).split())
        kept = record.exc_info, record.exc_text
        record.exc_info = record.exc_text = None  # other handlers see the record whole
        try:
            return f"{super().format(record)} ({summary})"
        finally:
            record.exc_info, record.exc_text = kept


_handler = _Stderr()
_handler.setFormatter(_OneLine(LOG_FORMAT, "%H:%M:%S"))


def log_to_stderr(level: str) -> None:
    """The bench's log records (and PyVISA's, under the 'pyvisa' logger) at `level` and above on
    stderr, one line each: `-v` / `--log-level`."""
    root = logging.getLogger()
    if _handler not in root.handlers:
        root.addHandler(_handler)
    root.setLevel(level)
    logging.getLogger("pyvisa").setLevel(level)
