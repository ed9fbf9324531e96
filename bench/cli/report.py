"""`bench report RUN_DIR...`: the HTML report of a run, or of a lot (see bench.analysis.report)."""
# annotations evaluated as the module loads, not from strings: see bench.cli.group

from pathlib import Path
from typing import Any, Optional

import typer

from bench.cli import exits
from bench.cli.console import console as _console


def report(
    run_dirs: list[Path] = typer.Argument(..., metavar="RUN_DIR", show_default=False,
                                          help="Run folder(s); several, or a folder holding them, make a lot report."),
    out: Optional[Path] = typer.Option(
        None, "--out", metavar="FILE", show_default=False,
        help="The HTML file to write (default: RUN_DIR/report.html; for several run folders, lot-report.html in "
             "the folder that holds them)."),
) -> None:
    """Write the HTML report of a run, or of a lot: verdict, criteria, traceability and plots (needs matplotlib).

    One self-contained file: the verdict, every criterion with its margin, what was tested with
    what, V/I/P/T against time with the steps shaded, per-cycle capacity and efficiencies, dQ/dV
    of a cell's steps; for several run folders, the lot compared unit by unit as bench lot does.
    Exit 0 written, 2 invalid input."""
    from bench.analysis.report import write_report
    from bench.errors import InputError

    try:
        path = write_report(run_dirs, out)
    except InputError as exc:
        from rich.text import Text

        _console(stderr=True).print(Text.assemble(("error:", "bold red"), f" {exc}"), soft_wrap=True)
        raise typer.Exit(exits.INVALID) from None
    _console().print(f"report: {path}", soft_wrap=True, markup=False, highlight=False)


def after_run(folders: list[Path], console: Any) -> None:
    """`bench run --report`: the report, once the verdict is out; whatever goes wrong is one line,
    and never changes the verdict or the exit code."""
    from bench.analysis.report import write_report

    try:
        path = write_report(folders)
    except Exception as exc:  # noqa: BLE001 - the run is over; a report cannot change how it ended
        console.print(f"report not written: {exc}", soft_wrap=True, markup=False, highlight=False)
        return
    console.print(f"report: {path}", soft_wrap=True, markup=False, highlight=False)
