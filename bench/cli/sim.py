"""`bench sim ...`: the simulated bench."""
# annotations evaluated as the module loads, not from strings: see bench.cli.group

import typer

from bench.cli.console import console as _console
from bench.cli.group import BenchGroup

sim_app = typer.Typer(cls=BenchGroup, no_args_is_help=True, help="The simulated bench.")


def _shown(name: str, value: object, unit: str) -> tuple[str, str]:
    """A default and its unit as an operator would write them back in an override: capacities in
    mAh (not the model's coulombs), states of charge in %."""
    if isinstance(value, bool):
        return "yes" if value else "no", unit
    if not isinstance(value, float):
        return str(value), unit
    if unit == "coulomb":
        return f"{value / 3.6:g}", "mAh"
    if unit == "dimensionless" and name.endswith("soc"):
        return f"{value * 100:g}", "%"
    return f"{value:g}", unit


@sim_app.command("list")
def sim_list() -> None:
    """Simulated DUT presets and defects with their parameters, units and defaults.

    Override a preset's parameters in a station's [world.overrides]; give a defect with
    `bench run --defect NAME[:param=value,...]` (values with their units, e.g. 'at=2 h').
    A cell simulated by PyBaMM is named pybamm:<parameter set>[:<model>] (the pybamm extra).
    """
    from bench.cli.console import listing
    from drivers.sim import pybamm_cell
    from drivers.sim.defects import DEFECTS, parameters
    from drivers.sim.presets import PRESETS

    console = _console()
    headers = ("parameter", "default", "unit", "meaning")
    for name, preset in PRESETS.items():
        rows = [(p.name, *_shown(p.name, p.value, p.unit), p.doc) for p in preset.parameters()]
        listing(console, headers, rows, f"preset {name}: {preset.description}")
    sets = ", ".join(f"{name} (label {label})" if label else name for name, label in pybamm_cell.PARAMETER_SETS.items())
    console.print(f"PyBaMM cells, {pybamm_cell.PREFIX}<parameter set>[:<model>] ({pybamm_cell.INSTALL}): a bare cell, "
                  f"lumped thermal; parameter sets {sets}; models "
                  f"{', '.join(pybamm_cell.MODELS)} (default {pybamm_cell.DEFAULT_MODEL}); parameter initial_soc "
                  "(100 %); no defect of the cell, no spread (--seed)", markup=False)
    for name, cls in DEFECTS.items():
        rows = [(p.name, *_shown(p.name, p.value, p.unit), p.doc) for p in parameters(cls)]
        if not rows:
            console.print(f"defect {name}: {cls.summary} (no parameters)", markup=False, highlight=False)
            continue
        listing(console, headers, rows, f"defect {name}: {cls.summary}")
