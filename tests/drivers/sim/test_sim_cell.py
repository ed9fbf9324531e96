"""The LG M50 equivalent-circuit cell against PyBaMM's DFN reference, and the bare-cell DUT."""
from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path

import pytest

from drivers.sim.cell import AH, LG_M50, OCV_CHEN2020, OCV_LG_MJ1, Cell, exchange_factor, load_ocv
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
    """A fresh LG M50, full, that does not age: these tests pin its electrical behaviour."""
    return Cell(load_ocv(OCV_CHEN2020), dataclasses.replace(LG_M50, cycle_fade=0.0, plating_fade=0.0,
                                                            calendar_fade=0.0), soc=1.0)


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
    t, v_prev = 0, cell.voltage(current)
    while True:
        v = cell.voltage(current)
        if t in ref_v:
            errors.append(v - ref_v[t])
        if v <= 2.5:
            break
        v_prev = v
        cell.step(current, 1.0, 25.0)  # the DFN reference is isothermal
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
    cell = world.model.cell  # r0: the chord resistance at the 2 A the cell carries (ohmic + charge transfer)
    assert cell.r0 == pytest.approx(cell.r_ohm + cell.b * math.asinh(2.0 / cell.i0) / 2.0)
    assert v_load == v_sup == pytest.approx(cell.emf() - cell.r0 * 2.0)


def test_bare_cell_warms_under_a_1c_discharge() -> None:
    world = World(dut="lg-m50", thermocouple_noise=0.0)
    world.set_load("CC", 5.0)
    world.set_load_input(True)
    world.advance_to(1800)
    assert 5.0 < world.temperature("cell") - world.temperature("ambient") < 25.0


def discharge(current: float, temp: float = 25.0) -> tuple[float, list[float]]:
    """Isothermal CC discharge of a full LG M50 to 2.5 V: delivered Ah, terminal voltage each second."""
    cell, volts = m50(), []
    while True:
        volts.append(cell.voltage(current))
        if volts[-1] <= 2.5:
            return current * (len(volts) - 1) / AH, volts
        cell.step(current, 1.0, temp)


def test_m50_rates_are_physically_plausible() -> None:
    """Beside the DFN references (test_sim_cell_reference.py), what a real cell must show: more
    charge at a lower rate, every rate below the real capacity and above 90 % of it; an initial
    drop I R0 + b asinh(I/i0) that grows with the current but less than in proportion (the
    charge transfer: 37 / 29 / 22 mOhm at 0.5C / 1C / 2C in the DFN); and a drop below OCV at
    the same depth of discharge that does the same."""
    delivered = {rate: discharge(5.0 * rate)[0] for rate in (0.5, 1.0, 2.0)}
    assert LG_M50.capacity / AH > delivered[0.5] > delivered[1.0] > delivered[2.0] > 0.9 * LG_M50.capacity / AH
    ocv = load_ocv(OCV_CHEN2020)
    drop_per_amp, late_per_amp = [], []
    i0_full = LG_M50.exchange_current * exchange_factor(1.0)
    for rate in (0.5, 1.0, 2.0):
        current = 5.0 * rate
        volts = discharge(current)[1]
        assert ocv(1.0) - volts[0] == pytest.approx(
            current * LG_M50.r0 + LG_M50.charge_transfer_voltage * math.asinh(current / i0_full))
        drop_per_amp.append((ocv(1.0) - volts[0]) / current)
        t_half = int(0.5 * AH * 2.5 / current)  # 2.5 Ah out: the same depth for every rate
        late_per_amp.append((ocv(1.0 - current * t_half / LG_M50.capacity) - volts[t_half]) / current)
    assert drop_per_amp[0] > drop_per_amp[1] > drop_per_amp[2] > LG_M50.r0
    assert late_per_amp[0] > late_per_amp[1] > late_per_amp[2] > LG_M50.r0 + LG_M50.r1


def test_cold_cell_sags_more_by_the_arrhenius_factor_of_its_charge_transfer() -> None:
    """Only the exchange current is thermally activated (as in the Chen2020 DFN: R0 and R1 are
    not); b follows the absolute temperature."""
    (warm_ah, warm), (cold_ah, cold) = discharge(5.0), discharge(5.0, temp=0.0)
    cell = m50()
    cell.step(0.0, 1.0, 0.0)  # at 0 degC now
    warm_i0 = LG_M50.exchange_current * exchange_factor(1.0)  # full: the i0 of a full cell
    i0 = warm_i0 * math.exp(-LG_M50.activation_energy / 8.314 * (1 / 273.15 - 1 / 298.15))
    assert cell.i0 == pytest.approx(i0, rel=1e-5) and cell.b == pytest.approx(LG_M50.charge_transfer_voltage * 273.15 / 298.15, rel=1e-5)
    assert cell.r_ohm == pytest.approx(LG_M50.r0, rel=1e-5) and cell.r1 == pytest.approx(LG_M50.r1, rel=1e-5)
    sag = LG_M50.charge_transfer_voltage * (273.15 / 298.15 * math.asinh(5.0 / i0) - math.asinh(5.0 / warm_i0))
    assert warm[1] - cold[1] == pytest.approx(sag, rel=1e-3)  # the same OCV, R0 and RC: the charge transfer alone
    assert warm[600] - cold[600] == pytest.approx(sag, rel=0.02)  # the RC and the surface lag do not depend on T
    assert cold_ah < warm_ah


def test_reversible_heat_warms_a_discharge_and_cools_a_charge() -> None:
    """With dU/dT < 0 the entropic term is +I T |dU/dT|: on top of Joule heat on discharge, against it on charge."""
    i0 = LG_M50.exchange_current * exchange_factor(1.0)  # of a full cell
    joule = 2.0 * (2.0 * LG_M50.r0 + LG_M50.charge_transfer_voltage * math.asinh(2.0 / i0))
    heat_out, heat_in = m50().step(2.0, 1e-6, 25.0), m50().step(-2.0, 1e-6, 25.0)
    reversible = 2.0 * 298.15 * 0.1e-3
    leak = load_ocv(OCV_CHEN2020)(1.0) ** 2 / LG_M50.self_discharge_resistance  # heat of the self-discharge
    assert heat_out == pytest.approx(joule + reversible + leak, rel=1e-3)
    assert heat_in == pytest.approx(joule - reversible + leak, rel=1e-3)


def test_idle_cell_self_discharges_about_2_percent_a_month() -> None:
    cell = Cell(load_ocv(OCV_CHEN2020), LG_M50, soc=0.5)
    for _ in range(30 * 24):
        cell.step(0.0, 3600.0, 25.0)  # hour steps: the leak changes little within one
    assert 0.5 - cell.soc == pytest.approx(0.02 * 5.0 / 5.05 * 3.7 / 3.6, rel=0.1)


def test_shipped_mj1_ocv_is_the_measured_simses_table_resting_below_4_2_v_when_full(reference: Path) -> None:
    """The measured table's last point (4.27 V at SOC 1) is the end of a charge, not a rest: a
    'full' cell started 70 mV above its 4.2 V charge voltage and tripped every cell profile's
    4.25 V limit. The shipped table extends the last measured segment to SOC 1 instead."""
    ocv = load_ocv(OCV_LG_MJ1)
    rows = _rows(reference / "LG_INR18650MJ1_OCV.csv")
    assert all(ocv(r["SOC"]) == pytest.approx(r["OCV"], abs=1e-9) for r in rows if r["SOC"] < 1.0)
    (a, b) = [(r["SOC"], r["OCV"]) for r in rows if r["SOC"] < 1.0][-2:]
    assert ocv(1.0) == pytest.approx(b[1] + (b[1] - a[1]) / (b[0] - a[0]) * (1.0 - b[0]), abs=1e-3)
    assert 4.18 < ocv(1.0) < 4.2
    assert (Path(__file__).parents[3] / "drivers" / "sim" / "data" / "LICENSE-simses-data.txt").read_text().startswith(
        "BSD 3-Clause License")


def test_bare_mj1_delivers_about_its_3_45_ah_at_0_5c() -> None:
    world = World(dut="lg-mj1", thermocouple_noise=0.0)
    world.set_load("CC", 1.75)
    world.set_load_input(True)
    t = 0
    while world.load_reading()[0] > 2.5:
        t += 10
        world.advance_to(t)
    assert 1.75 * t / AH == pytest.approx(3.4, abs=0.15)


def test_a_cell_cannot_be_run_far_beyond_empty_or_full() -> None:
    """Below empty its voltage collapses (a 5 A discharge reaches 0 V within a few % more than its
    capacity, not 10 % more); held above its charge voltage it takes in next to nothing more."""
    cell = m50()
    delivered, t = 0.0, 0
    while cell.voltage(1.0) > 0.0:
        cell.step(1.0, 10.0, 25.0)
        delivered += 10.0
        t += 10
    assert delivered / cell.capacity < 1.04
    full = m50()
    for _ in range(3600):
        full.step(full.current_at(4.5), 1.0, 25.0)  # an hour's hold at 4.5 V
    assert full.soc < 1.02  # (116 % before)
