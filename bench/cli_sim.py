"""`bench sim ...`: the simulated bench."""
from __future__ import annotations

import typer

from bench.console import console as _console

sim_app = typer.Typer(no_args_is_help=True, help="The simulated bench.")


@sim_app.command("list")
def sim_list() -> None:
    """Simulated DUT presets and their parameters (override them in a station's [world.overrides])."""
    from rich.table import Table

    from drivers.sim.presets import PRESETS

    console = _console()
    for name, preset in PRESETS.items():
        table = Table("parameter", "default", "unit", "meaning", title=f"{name}: {preset.description}",
                      title_justify="left")
        for p in preset.parameters():
            table.add_row(p.name, f"{p.value:g}", p.unit, p.doc)
        console.print(table)
