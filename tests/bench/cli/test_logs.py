"""The bench's log records on stderr: one line each, a library's traceback cut to its last line."""
from __future__ import annotations

import logging

import pytest

from bench.cli.logs import log_to_stderr


@pytest.fixture
def stderr_log(capsys):
    """capsys, and the loggers log_to_stderr sets up put back as they were afterwards."""
    root, pyvisa = logging.getLogger(), logging.getLogger("pyvisa")
    kept = root.level, list(root.handlers), pyvisa.level
    yield capsys
    root.setLevel(kept[0])
    root.handlers[:] = kept[1]
    pyvisa.setLevel(kept[2])


def _failed_connect() -> None:
    try:
        raise ConnectionRefusedError("can't connect to server")
    except ConnectionRefusedError:
        logging.getLogger("pyvisa").exception("Failed to open VX11 connection to 192.0.2.99")


def test_an_exception_a_library_logs_is_one_line_with_its_type_and_message(stderr_log):
    log_to_stderr("WARNING")
    _failed_connect()
    (line,) = stderr_log.readouterr().err.splitlines()
    assert line.endswith("ERROR pyvisa: Failed to open VX11 connection to 192.0.2.99 "
                         "(ConnectionRefusedError: can't connect to server)")


def test_debug_keeps_the_traceback(stderr_log):
    log_to_stderr("DEBUG")
    _failed_connect()
    err = stderr_log.readouterr().err
    assert "Traceback (most recent call last)" in err and "in _failed_connect" in err
