"""Errors that reach the operator as one or two lines, never as a traceback."""
from __future__ import annotations


class InputError(Exception):
    """A profile or station file (or a command-line value) is not what it should be.

    Carries where (file and key path) and what was expected, so the message alone lets the
    operator fix the file.
    """

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source = source
        self.key = key
        self.message = message
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {message}")

