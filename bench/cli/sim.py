"""`bench sim ...`: the simulated bench."""
from __future__ import annotations

import typer

from bench.cli.console import console as _console

sim_app = typer.Typer(no_args_is_help=True, help="The simulated bench.")


def _shown(value: object) -> str:
    """A default as an operator would write it back."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value)


@sim_app.command("list")
def sim_list() -> None:
    """Simulated DUT presets and defects with their parameters, units and defaults.

    Override a preset's parameters in a station's [world.overrides]; give a defect with
    `bench run --defect NAME[:param=value,...]` (values with their units, e.g. 'at=2 h').
    """
    from rich.table import Table

    from drivers.sim.defects import DEFECTS, parameters
    from drivers.sim.presets import PRESETS

    console = _console()
    for name, preset in PRESETS.items():
        table = Table("parameter", "default", "unit", "meaning", title=f"preset {name}: {preset.description}",
                      title_justify="left")
        for p in preset.parameters():
            table.add_row(p.name, _shown(p.value), p.unit, p.doc)
        console.print(table)
    for name, cls in DEFECTS.items():
        table = Table("parameter", "default", "unit", "meaning", title=f"defect {name}: {cls.summary}",
                      title_justify="left")
        for p in parameters(cls):
            table.add_row(p.name, _shown(p.value), p.unit, p.doc)
        console.print(table)
