"""`bench instruments ...`: the drivers the bench knows."""
from __future__ import annotations

import typer

from bench.console import console as _console

instruments_app = typer.Typer(no_args_is_help=True, help="Instrument drivers.")


@instruments_app.command("list")
def instruments_list() -> None:
    """Registered drivers, their roles and where their commands come from."""
    from rich.table import Table

    from drivers.registry import REGISTRY

    table = Table("driver", "roles", "models", "interface", "options", "commands from")
    for name, info in REGISTRY.items():
        table.add_row(name, ", ".join(info.roles), ", ".join(info.models), ", ".join(info.interfaces),
                      ", ".join(info.options), info.source)
    _console().print(table)
