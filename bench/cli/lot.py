"""`bench lot RUN_DIR...`: the units of one lot compared, outliers flagged (see bench.analysis.lot)."""
# annotations evaluated as the module loads, not from strings: see bench.cli.group

from pathlib import Path
from typing import Any, Optional

import typer

from bench.cli import exits
from bench.cli.console import console as _console



def lot(
    run_dirs: list[Path] = typer.Argument(..., metavar="RUN_DIR", show_default=False,
                                          help="Run folders of the units, or a folder holding them."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="FILE", help="Write the table as CSV (units in the column names).",
                                       show_default=False),
    threshold: float = typer.Option(3.5, "--threshold", metavar="Z", help="A unit is an outlier on a metric when |z| is above."),
    mixed: bool = typer.Option(False, "--mixed", help="Compare runs of different profiles anyway."),
) -> None:
    """Compare the units of one lot on every metric and flag the outliers: exit 0 none, 1 outlier(s) or a unit a
    safety limit stopped, 2 invalid input.

    Robust statistics per metric: median and MAD (median absolute deviation), and for each unit
    the modified z-score of Iglewicz and Hoaglin, z = 0.6745 (x - median) / MAD, with the MAD
    never below a floor (the bench's resolution: 1 mV, 1 mAh, 0.2 K...; and 1 % of the median
    for capacities, energies, times, 3 % for resistances). Runs that did not finish or ended
    ERROR/ABORTED are listed but not counted; at least 3 units must count, all of one profile. A unit
    that a safety limit stopped is not counted either, and is named at the end as what needs a look first.
    """
    from bench.errors import InputError
    from bench.analysis.lot import collect, screen, write_csv

    try:
        result = screen(collect(run_dirs), threshold, mixed)
        if out is not None:
            write_csv(result, out)
    except InputError as exc:
        _console(stderr=True).print(f"[bold red]error:[/] {_escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(exits.INVALID) from None
    show(result, _console(), out)
    raise typer.Exit(exits.OUTLIER if result.outliers or any(u.tripped for u in result.units) else exits.OK)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _value(value: float | None) -> str:
    return "" if value is None else f"{value:.5g}"


def show(result: Any, console: Any, out: Path | None = None) -> None:
    """The lot table (units as rows, flagged cells highlighted) and what it means, in words."""
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

    from bench.analysis.lot import Z_FACTOR

    counted = result.counted
    stats = [result.stats[m] for m in result.metrics]
    profiles = sorted({u.profile or "?" for u in result.units})
    title = (f"Lot of {len(result.units)} units, {len(counted)} compared "
             f"(profile{'s' if len(profiles) > 1 else ''} {', '.join(profiles)})")
    rows: list[list[Text]] = []
    for index, unit in enumerate(result.units):
        row = [Text(unit.label), Text(unit.verdict or unit.status or "?")]
        for metric in result.metrics:
            text = _value(unit.values.get(metric))
            row.append(Text(text, style="bold white on red") if result.flagged(index, metric) else Text(text))
        if unit.left_out is not None:
            row.append(Text(f"left out: {unit.left_out}", style="italic"))
        else:
            row.append(Text(", ".join(m.name for m in result.outliers.get(index, [])), style="bold red"))
        rows.append(row)
    footer = [[Text("median", style="italic"), Text("")] + [Text(_value(s.median)) for s in stats] + [Text("")],
              [Text("MAD used", style="italic"), Text("")]
              + [Text("" if not s.judged else f"{s.spread:.3g}" + ("*" if s.floored else "")) for s in stats]
              + [Text("")]]
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("unit", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    for column, metric in enumerate(result.metrics, start=2):
        # as wide as its longest value (never cut), the name wrapping word by word above it
        width = max([len(r[column]) for r in rows + footer] + [len(w) for w in metric.name.split()]
                    + [len(metric.unit)])
        table.add_column(f"{metric.name}\n{metric.unit}", justify="right", width=width, overflow="fold")
    table.add_column("outlier on", min_width=24, max_width=48)
    for row, unit in zip(rows, result.units):
        table.add_row(*row, style="dim" if unit.left_out is not None else None)
    table.add_section()
    for row in footer:
        table.add_row(*row)
    # the whole table, as wide as it needs (in a log, its lines are long): a value is never cut; on a
    # terminal too narrow for it, where to read it instead (its rows wrapped there into a maze)
    needed = Measurement.get(console, console.options.update(max_width=100_000), table).maximum
    narrow = console.width
    if console.is_terminal and needed > narrow:
        where = "" if out is not None else ": bench lot --out FILE writes it as CSV"  # else: 'table written to'
        console.print(f"{title}: its table needs {needed} columns, this terminal has {narrow}{where}",
                      soft_wrap=True, markup=False, highlight=False)
    else:
        console.width = max(narrow, needed)
        try:
            console.print(table, crop=False)
        finally:
            console.width = narrow

    judged = [s for s in stats if s.judged]
    console.print(f"modified z-score z = {Z_FACTOR} (x - median) / MAD (Iglewicz and Hoaglin, 1993) on "
                  f"{len(judged)} metric(s); outlier when |z| > {result.threshold:g}", soft_wrap=True)
    floored = [s.metric.name for s in judged if s.floored]
    if floored:
        console.print(f"* MAD below the floor (the bench's resolution or the lot's normal tolerance), "
                      f"judged against the floor: {', '.join(floored)}",
                      soft_wrap=True, markup=False)
    unjudged = [s.metric.name for s in stats if not s.judged]
    if unjudged:
        console.print(f"not judged (fewer than 3 compared units with a value): {', '.join(unjudged)}",
                      soft_wrap=True, markup=False)
    if result.mixed and len({u.sha256 for u in result.units}) > 1:
        console.print("runs of different profiles compared (--mixed)", style="yellow")
    for unit in result.units:
        if unit.left_out is not None:
            console.print(f"left out of the statistics: {unit.label}: {unit.left_out}", soft_wrap=True,
                          markup=False)
    if out is not None:
        console.print(f"table written to {out}", soft_wrap=True, markup=False)
    if result.outliers:
        for index, metrics in result.outliers.items():
            unit = result.units[index]
            console.print(Text(f"OUTLIER {unit.label}: " + ", ".join(
                f"{m.header} = {_value(unit.values[m])} (z {result.z[index, m]:+.1f})" for m in metrics),
                style="bold red"), soft_wrap=True)
    tripped = [unit for unit in result.units if unit.tripped]
    for unit in tripped:
        limit = (unit.reason or "").removeprefix("safety limit: ")  # run.json's reason, as the run words it
        console.print(Text(f"SAFETY LIMIT {unit.label}: {limit} (not compared: its run was stopped)",
                           style="bold red"), soft_wrap=True)
    if not result.outliers:
        compared = f" among the {len(result.counted)} compared units" if tripped else ""
        console.print(Text(f"no outlier{compared}", style="bold yellow" if tripped else "bold green"))
