"""The wiring check: before the first step, with nothing switched on, the load and the supply read
the DUT as one of its kind, wired right, shows; `bench run` ends ERROR (exit 4) and `bench
instruments check` fails before anything is switched on, naming what disagrees.

- No negative voltage at either: reversed leads (any DUT, or none).
- A cell is across both instruments: the load reads a cell's voltage (from half its nominal
  voltage to CELL_HIGH times it; 0 V is an open lead), and a supply that reads a voltage with its
  output off (many do, some disconnect) reads the same.
- A power bank has them on two ports: its output reads 0 V while it sleeps (until a load wakes
  it, so a healthy bank is never refused for it) or its rated output voltage, within the USB
  tolerance plausibility allows.
"""
from __future__ import annotations

from bench.product.label import Product
from bench.run.plausibility import OUTPUT_TOLERANCE
from bench.run.regulation import Tolerances, reversed_lead

CELL_LOW = 0.5  # x nominal voltage: below, a lithium cell is discharged too deep to test (or not there)
CELL_HIGH = 1.25  # x nominal voltage: above any charge voltage (4.2 V of 3.6 V, 3.65 V of 3.2 V LFP)

Reading = tuple[float, float]  # volts, amps


def problems(load: Reading, supply: Reading, product: Product | None, tol: Tolerances) -> list[str]:
    """What is wrong with the wiring of `product` (None: no DUT known, polarity only), given what
    the load and the supply read; empty when nothing is."""
    found = []
    for role, (volts, _) in (("load", load), ("supply", supply)):
        if reversed_lead(role, volts, tol) is not None:
            found.append(f"the {role} reads {volts:.3f} V: its leads are reversed (polarity)")
    if found or product is None:
        return found
    if product.kind == "cell":
        return _cell(load[0], supply[0], product, tol)
    return _bank(load[0], product, tol)


def _cell(volts: float, supply: float, product: Product, tol: Tolerances) -> list[str]:
    nominal = product.ratings.nominal_voltage
    if nominal is None:
        if volts <= tol.volts("load", 0.0):
            return [f"the load reads {volts:.3f} V across the cell: an open lead, or no cell"]
    elif not CELL_LOW * nominal <= volts <= CELL_HIGH * nominal:
        return [f"the load reads {volts:.3f} V across the cell: expected {CELL_LOW * nominal:.2f} to "
                f"{CELL_HIGH * nominal:.2f} V for its nominal {nominal:g} V (dut.nominal_voltage): an open lead, "
                "or a cell discharged too deep to test"]
    allowed = tol.volts("supply", supply) + tol.volts("load", volts)
    if supply > tol.volts("supply", 0.0) and abs(supply - volts) > allowed:
        return [f"the load reads {volts:.3f} V and the supply {supply:.3f} V across the same cell: "
                f"{abs(supply - volts) * 1000:.0f} mV apart, {allowed * 1000:.0f} mV allowed"]
    return []


def _bank(volts: float, product: Product, tol: Tolerances) -> list[str]:
    rated = product.ratings.rated_output_voltage
    if rated is None or volts <= tol.volts("load", 0.0):
        return []  # asleep: off until a load wakes it
    low, high = (1 - OUTPUT_TOLERANCE) * rated, (1 + OUTPUT_TOLERANCE) * rated
    if low <= volts <= high:
        return []
    return [f"the load reads {volts:.3f} V at the bank's output: expected 0 V (off until a load wakes it) or "
            f"{low:.2f} to {high:.2f} V (rated output {rated:g} V, dut.rated_output_voltage)"]
