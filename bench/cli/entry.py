"""The `bench` executable. From the moment it starts until a command takes the signals over
(`bench run` and `bench resume`: stop requests, bench.run.signals; the other commands: Python's
defaults, see `bench.cli.app.options`), a Ctrl-C or SIGTERM ends it at once with one
line and exit 3 (stopped), never a traceback or a death by the signal: nothing has been opened
or switched on yet. Loading the command (Typer, and what the command needs) takes a tenth of a
second or more."""
from __future__ import annotations

import signal
import sys

STOPPED = 3  # bench.cli.exits.VERDICT["ABORTED"], not imported: this module must load at once


def stopped_while_starting(signum: int, _frame: object) -> None:
    reason = f"stopped ({signal.Signals(signum).name}) while starting: nothing was opened or switched on"
    sys.stderr.write(reason + "\n")
    if _command(sys.argv[1:]) in ("run", "resume") and "--json" in sys.argv:  # the object --json promises
        sys.stdout.write(f'{{"verdict": "ABORTED", "exit_code": {STOPPED}, "reason": "{reason}", '
                         '"run_folder": null, "criteria": []}\n')  # written out: nothing is imported now
    raise SystemExit(STOPPED)


def _command(args: list[str]) -> str | None:
    """The command of a `bench` command line: its first word that is not an option of `bench`
    itself (--log-level takes a value)."""
    words = iter(args)
    for word in words:
        if word == "--log-level":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stopped_while_starting)
    from bench.cli.app import main as command

    command()
