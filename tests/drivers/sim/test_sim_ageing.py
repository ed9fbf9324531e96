"""Ageing of the LG MJ1 against the measured cycling data (SimSES, Schindler et al. 2021), and
proof that a simulated cycling run applies that law.

Full 300-cycle simulations take minutes, so the data are compared with the ageing law
(drivers.sim.cell.cycle_fade) directly, and one short cycling run (10 cycles) shows that the
model counts cycles from throughput and ages by the same law.
"""
from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path

import pytest

from drivers.sim.cell import AH, LG_MJ1, OCV_LG_MJ1, Cell, cycle_fade, load_ocv
from drivers.sim.world import World

REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference"
AGEING = REFERENCE / "LG_INR18650MJ1_closs_cycling_aging.csv"


@pytest.fixture(scope="module")
def measured() -> dict[int, list[list[tuple[float, float]]]]:
    """SOH (%) vs EFC per cell, by temperature (degC); each cell's data end at 80 % SOH."""
    if not AGEING.is_file():
        pytest.skip(f"MJ1 ageing reference data not found at {AGEING} (the shared folder beside the repo)")
    with AGEING.open(newline="") as fh:
        rows = list(csv.reader(fh))
    cells: dict[int, list[list[tuple[float, float]]]] = {}
    for col in range(0, len(rows[0]), 2):
        kelvin = float(rows[0][col].split("=")[1].rstrip("K)"))
        points: list[tuple[float, float]] = []
        for row in rows[1:]:
            if col + 1 < len(row) and row[col] and row[col + 1]:
                efc, soh = float(row[col]), float(row[col + 1])
                if points and efc == 0.0:
                    break  # zero padding after the cell's end of test
                points.append((efc, soh))
        cells.setdefault(round(kelvin - 273.15), []).append(points)
    return cells


def curve(cells: list[list[tuple[float, float]]], efc: float) -> float:
    """The measured curve: the mean SOH of the cells tested that far (linear between points)."""
    values = []
    for points in cells:
        for (e0, s0), (e1, s1) in zip(points, points[1:]):
            if e0 <= efc <= e1 and e1 > e0:
                values.append(s0 + (s1 - s0) * (efc - e0) / (e1 - e0))
                break
    assert values, f"no cell measured at {efc} EFC"
    return sum(values) / len(values)


@pytest.mark.parametrize("efc", [100.0, 200.0, 300.0])
def test_mj1_ageing_law_at_25_degc_is_within_2_points_of_the_measured_soh(measured, efc: float) -> None:
    # at 300 EFC only one of the three cells is still on test (the others reached 80 % at 282 and 259)
    assert 100.0 * (1.0 - cycle_fade(LG_MJ1, efc)) == pytest.approx(curve(measured[25], efc), abs=2.0)


@pytest.mark.parametrize("temp, efc", [(10, 50.0), (10, 90.0), (0, 40.0), (0, 70.0)])
def test_mj1_ages_faster_in_the_cold_within_4_points_of_the_measured_soh(measured, temp: int, efc: float) -> None:
    counted = efc * math.exp(LG_MJ1.cold_cycling_slope * (25.0 - temp))
    assert 100.0 * (1.0 - cycle_fade(LG_MJ1, counted)) == pytest.approx(curve(measured[temp], efc), abs=4.0)


def test_cycling_counts_efc_from_throughput_and_applies_the_ageing_law() -> None:
    """10 cycles of a bare MJ1 (0.5C CC-CV charge to 100 mA, 1C discharge to 2.5 V) from 190 EFC:
    the counted cycles are the throughput / (2 x capacity), the capacity is the law's, and the
    delivered capacity falls from cycle 2 to cycle 10 by the law's fade over those cycles."""
    world = World(dut="lg-mj1", overrides={"initial_efc": 190.0, "calendar_fade": 0.0}, thermocouple_noise=0.0)
    cell = world.model.cell
    delivered, efc_at_start, throughput, t = [], [], 0.0, 0.0
    for _ in range(10):
        world.set_supply(4.2, 1.75)
        world.set_supply_output(True)
        while world.supply_reading()[1] > 0.1:
            t += 10.0
            world.advance_to(t)
            throughput += world.supply_reading()[1] * 10.0
        world.set_supply_output(False)
        efc_at_start.append(cell.efc)
        world.set_load("CC", 3.45)
        world.set_load_input(True)
        seconds = 0
        while world.load_reading()[0] > 2.5:
            seconds += 1
            world.advance_to(t + seconds)
        t += seconds
        world.set_load_input(False)
        delivered.append(3.45 * seconds / AH)
        throughput += 3.45 * seconds
    assert cell.efc - 190.0 == pytest.approx(throughput / (2 * LG_MJ1.capacity), rel=0.01)
    assert cell.capacity == pytest.approx(LG_MJ1.capacity * (1 - cycle_fade(LG_MJ1, cell.efc)), rel=1e-9)
    law_drop = (cycle_fade(LG_MJ1, efc_at_start[-1]) - cycle_fade(LG_MJ1, efc_at_start[1])) / (
        1 - cycle_fade(LG_MJ1, efc_at_start[1]))  # cycle 1 starts from the initial 100 % SOC: skipped
    assert 1 - delivered[-1] / delivered[1] == pytest.approx(law_drop, abs=0.001)


def test_calendar_ageing_is_faster_stored_full_than_half_full_and_grows_resistance() -> None:
    """A year on the shelf at 25 degC, in day steps (exact for a cell at rest: no current, no leak)."""
    shelf = dataclasses.replace(LG_MJ1, self_discharge_resistance=1e15)
    full, half = Cell(load_ocv(OCV_LG_MJ1), shelf, soc=1.0), Cell(load_ocv(OCV_LG_MJ1), shelf, soc=0.5)
    for _ in range(365):
        full.step(0.0, 86400.0, 25.0)
        half.step(0.0, 86400.0, 25.0)
    assert full.fade == pytest.approx(0.03, rel=0.01)  # the calendar_fade default: 3 % a year stored full
    assert half.fade == pytest.approx(0.03 * math.exp(-0.75), rel=0.01)
    assert full.r_ohm == pytest.approx(LG_MJ1.r0 * (1 + 2.5 * 0.03), rel=1e-3)
    assert full.b == pytest.approx(LG_MJ1.charge_transfer_voltage * (1 + 2.5 * 0.03), rel=1e-3)
