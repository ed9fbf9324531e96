"""The LG M50 equivalent-circuit cell against PyBaMM's DFN reference, and the bare-cell DUT."""
from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from drivers.sim.cell import AH, LG_M50, OCV_CHEN2020, Cell, load_ocv
from drivers.sim.world import World

REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference"


@pytest.fixture
def reference() -> Path:
    if not (REFERENCE / "pybamm_chen2020_1C_dfn_soc100.csv").is_file():
        pytest.skip(f"PyBaMM reference data not found at {REFERENCE} (the shared folder beside the repo)")
    return REFERENCE


def _rows(path: Path) -> list[dict[str, float]]:
    with path.open(newline="") as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


def m50() -> Cell:
    p = LG_M50
    return Cell(load_ocv(OCV_CHEN2020), p.capacity, p.r0, p.r1, p.tau1, soc=1.0)


def test_shipped_ocv_table_matches_the_pybamm_ocv_points(reference: Path) -> None:
    ocv = load_ocv(OCV_CHEN2020)
    for row in _rows(reference / "pybamm_chen2020_ocv_soc.csv"):
        assert ocv(row["soc"]) == pytest.approx(row["ocv_V"], abs=1e-3)


def test_ocv_extends_the_end_segments_beyond_the_table() -> None:
    ocv = load_ocv(OCV_CHEN2020)
    assert ocv(-0.01) < ocv(0.0) < ocv(0.5) < ocv(1.0) < ocv(1.01)


def test_m50_1c_discharge_follows_pybamm_dfn_within_25_mv_and_2_percent_capacity(reference: Path) -> None:
    ref = _rows(reference / "pybamm_chen2020_1C_dfn_soc100.csv")
    ref_v = {round(r["time_s"]): r["voltage_V"] for r in ref if r["time_s"] == round(r["time_s"])}
    cell, current = m50(), 5.0
    errors: list[float] = []
    t, v_prev = 0, cell.emf() - cell.r0 * current
    while True:
        v = cell.emf() - cell.r0 * current
        if t in ref_v:
            errors.append(v - ref_v[t])
        if v <= 2.5:
            break
        v_prev = v
        cell.step(current, 1.0)
        t += 1
    t_cut = t - 1 + (v_prev - 2.5) / (v_prev - v)  # interpolate the 2.5 V crossing
    rmse = math.sqrt(sum(e * e for e in errors) / len(errors))
    delivered_ah = current * t_cut / AH
    assert len(errors) > 0.95 * len(ref_v)
    assert rmse < 0.025
    assert delivered_ah == pytest.approx(ref[-1]["discharged_capacity_Ah"], rel=0.02)


def test_bare_cell_charges_at_the_supply_current_limit_then_tapers_in_cv() -> None:
    world = World(dut="lg-m50", overrides={"initial_soc": 0.3}, thermocouple_noise=0.0)
    world.set_supply(4.2, 2.5)
    world.set_supply_output(True)
    v, i = world.supply_reading()
    assert i == pytest.approx(2.5) and v < 4.2  # CC: the limit binds, the terminal sits below Vset
    world.advance_to(4 * 3600)
    cell = world.model.cell
    v, i = world.supply_reading()
    assert v == pytest.approx(4.2)
    assert i == pytest.approx((4.2 - cell.emf()) / cell.r0)  # CV: (Vset - OCV + V_rc) / R0
    assert i < 0.25


def test_bare_cell_supply_below_the_cell_voltage_sources_nothing() -> None:
    world = World(dut="lg-m50")  # full cell, ~4.2 V
    world.set_supply(3.7, 1.0)
    world.set_supply_output(True)
    v, i = world.supply_reading()
    assert i == 0.0 and v == pytest.approx(world.model.cell.emf())


def test_bare_cell_load_and_supply_share_the_node() -> None:
    world = World(dut="lg-m50", overrides={"initial_soc": 0.5})
    world.set_supply(4.0, 1.0)
    world.set_supply_output(True)
    world.set_load("CC", 3.0)
    world.set_load_input(True)
    (v_load, i_load), (v_sup, i_sup) = world.load_reading(), world.supply_reading()
    assert i_load == 3.0 and i_sup == 1.0  # the supply current-limits, the cell gives the rest
    assert v_load == v_sup == pytest.approx(world.model.cell.emf() - LG_M50.r0 * 2.0)


def test_bare_cell_warms_under_a_1c_discharge() -> None:
    world = World(dut="lg-m50", thermocouple_noise=0.0)
    world.set_load("CC", 5.0)
    world.set_load_input(True)
    world.advance_to(1800)
    assert 5.0 < world.temperature("cell") - world.temperature("ambient") < 25.0
