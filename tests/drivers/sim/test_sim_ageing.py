"""Ageing of the LG MJ1 against the measured cycling data (SimSES, Schindler et al. 2021).

The data are compared with SIMULATED cycling runs, one per temperature: a bare MJ1 (the
lg-mj1 DUT: BareCell, its thermal node and the supply's CC-CV) cycled as the bench cycles it
at the test's ambient: 1C discharge to 2.5 V, 30 min rest, 0.5C CC-CV charge to 4.2 V until
100 mA, 30 min rest. So the charge temperature (self-heated) and the throughput are counted as
in a real run. The runs integrate with 30 s steps (300 s at rest) instead of the World's 1 s:
ageing integrates throughput and time, and a 300-cycle run takes well under a second.
One short World run (10 cycles) checks that cycles are counted from throughput.
"""
from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path

import pytest

from drivers.sim.barecell import BareCell
from drivers.sim.cell import AH, EFC_SCALE, LG_MJ1, OCV_LG_MJ1, Cell, CellParams, cycle_fade, load_ocv
from drivers.sim.circuit import LoadSettings, SupplySettings
from drivers.sim.world import World

REPO = Path(__file__).resolve().parents[3]


def _main_checkout(repo: Path) -> Path:
    """In a git worktree (.git is a file "gitdir: <main>/.git/worktrees/<name>"), the main checkout."""
    git = repo / ".git"
    if git.is_file() and git.read_text().startswith("gitdir:"):
        return Path(git.read_text().split(":", 1)[1].strip()).parents[2]
    return repo


REFERENCE = REPO.parent / "shared" / "reference"
if not REFERENCE.is_dir():
    REFERENCE = _main_checkout(REPO).parent / "shared" / "reference"
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


def cycled(ambient: float, points: list[float], model: CellParams = LG_MJ1, rest: float = 1800.0,
           dt: float = 30.0) -> dict[float, tuple[float, float]]:
    """(SOH %, EFC-weighted mean cell temperature while charging) of a bare cell cycled at `ambient`
    as the bench cycles it, when it reaches each of `points` EFC. Starts full: discharge first."""
    dut = BareCell(model, load_ocv(OCV_LG_MJ1), ambient)
    cell = dut.cell
    c = model.capacity / AH
    charge, no_supply = SupplySettings(4.2, 0.5 * c, True), SupplySettings()
    discharge, no_load = LoadSettings("CC", 1.0 * c, True), LoadSettings()
    todo, out = sorted(points), {}
    last = (cell.efc, 100.0)
    heat = [0.0, 0.0]  # charge-weighted temperature sum, charge

    def step(h: float) -> None:
        nonlocal last
        if dut.current < 0.0:
            heat[0] += -dut.current * h * dut.temp
            heat[1] += -dut.current * h
        dut.step(h)
        now = (cell.efc, 100.0 * (1.0 - cell.fade))
        while todo and now[0] >= todo[0]:
            efc = todo.pop(0)
            (e0, s0), (e1, s1) = last, now
            out[efc] = (s0 + (s1 - s0) * (efc - e0) / (e1 - e0), heat[0] / max(heat[1], 1e-9))
        last = now

    def rest_for(seconds: float) -> None:
        for _ in range(int(seconds // 300.0)):
            dut.solve(no_load, no_supply)
            step(300.0)

    while todo:
        dut.solve(discharge, no_supply)
        while dut.load_v > 2.5:
            step(dt)
            dut.solve(discharge, no_supply)
        rest_for(rest)
        dut.solve(no_load, charge)
        while dut.supply_i > 0.1:
            step(dt)
            dut.solve(no_load, charge)
        rest_for(rest)
    return out


# (ambient degC, EFC points, bound in SOH points). The points stop where the measured curve is
# still the mean of >= 2 cells, except 300 EFC at 25 degC: only the best of the three cells is
# still on test there (the others reached 80 % at 259 and 282 EFC), a survivor the law fitted to
# the mean cell cannot follow to 2 points: it is shown and held to 3.
VALIDATION = {
    25: ([50.0, 100.0, 150.0, 200.0, 250.0], 2.0, [300.0], 3.0),
    10: ([25.0, 50.0, 75.0, 90.0], 3.0, [], 0.0),
    0: ([20.0, 40.0, 60.0, 70.0], 3.0, [], 0.0),
}


@pytest.mark.parametrize("ambient", [25, 10, 0])
def test_simulated_cycling_matches_the_measured_soh(measured, ambient: int, capsys) -> None:
    points, bound, extra, extra_bound = VALIDATION[ambient]
    sim = cycled(float(ambient), points + extra)
    rows = [(efc, curve(measured[ambient], efc), *sim[efc]) for efc in points + extra]
    with capsys.disabled():
        print(f"\nLG MJ1 cycled at {ambient} degC ambient (1C discharge, 0.5C CC-CV charge, 30 min rests)")
        print("  T degC   EFC  measured %  simulated %  error (points)  charge at degC")
        for efc, meas, soh, t_charge in rows:
            print(f"  {ambient:6d} {efc:5.0f}  {meas:10.1f}  {soh:11.1f}  {soh - meas:+14.1f}  {t_charge:14.1f}")
    for efc, meas, soh, _ in rows:
        assert soh == pytest.approx(meas, abs=extra_bound if efc in extra else bound), f"{efc} EFC"


@pytest.mark.parametrize("rest", [0.0, 1800.0])
def test_shelf_ageing_is_not_counted_on_top_of_the_cycle_law_while_cycling(rest: float) -> None:
    """The cycle law was fitted to cells that aged on the calendar while they cycled: under
    current, a cell ages by the cycle law alone (no rests: exactly it); only rests add shelf ageing
    (30 min rests, half of them full: 0.25 / 0.37 / 0.46 points by 100 / 200 / 300 EFC)."""
    sim = cycled(25.0, [100.0, 200.0, 300.0], rest=rest)
    for efc, (soh, _) in sim.items():
        law = 100.0 * (1.0 - cycle_fade(LG_MJ1, efc))  # charged above 25 degC: no cold factor
        assert law - (0.6 if rest else 0.02) <= soh <= law + 0.02, f"{efc} EFC"


def test_cold_acceleration_is_counted_while_charging_not_while_discharging() -> None:
    """Lithium plating is a charge phenomenon: the same throughput at 0 degC ages more than at
    25 degC when it charges the cell, and exactly as much when it discharges it."""
    def fade_after(current: float, temp: float) -> float:
        cell = Cell(load_ocv(OCV_LG_MJ1), LG_MJ1, soc=0.5)
        for _ in range(100):  # 100 x 0.1 EFC: 10 EFC of one kind of throughput
            cell.step(current, 0.2 * LG_MJ1.capacity / abs(current), temp)
            cell.soc = 0.5  # throughput without emptying or filling the cell
        return cell.fade
    charge, discharge = -0.5 * LG_MJ1.capacity / AH, 1.0 * LG_MJ1.capacity / AH
    assert fade_after(discharge, 0.0) == pytest.approx(fade_after(discharge, 25.0), rel=1e-12)
    cold = math.exp(LG_MJ1.cold_cycling_slope * 25.0)
    plating = LG_MJ1.plating_fade * (20.0 / EFC_SCALE) ** LG_MJ1.plating_fade_exponent
    assert fade_after(charge, 0.0) - fade_after(charge, 25.0) == pytest.approx(
        plating * (cold ** LG_MJ1.plating_fade_exponent - 1.0), rel=1e-9)


def test_the_fade_accelerates_late_in_life() -> None:
    """Fade per cycle at 25 degC: after the break-in it falls, then grows again (the knee)."""
    rate = [cycle_fade(LG_MJ1, e + 1.0) - cycle_fade(LG_MJ1, e) for e in (20.0, 100.0, 300.0)]
    assert rate[1] < rate[0] and rate[2] > rate[1]


def test_cycling_counts_efc_from_throughput_and_applies_the_ageing_law() -> None:
    """10 cycles of a bare MJ1 (0.5C CC-CV charge to 100 mA, 1C discharge to 2.5 V) from 190 EFC:
    the counted cycles are the throughput / (2 x capacity), the capacity is the law's, and the
    delivered capacity falls from cycle 2 to cycle 10 by the law's fade over those cycles. At
    25 degC ambient the cell charges above 25 degC: no cold factor; the charge term counts the
    charge throughput (2 x charged / capacity) and the first charge (from full) adds ~nothing."""
    world = World(dut="lg-mj1", overrides={"initial_efc": 190.0, "calendar_fade": 0.0}, thermocouple_noise=0.0)
    cell = world.model.cell
    delivered, efc_at_start, throughput, charged, t = [], [], 0.0, 0.0, 0.0
    for _ in range(10):
        world.set_supply(4.2, 1.75)
        world.set_supply_output(True)
        while world.supply_reading()[1] > 0.1:
            t += 10.0
            world.advance_to(t)
            throughput += world.supply_reading()[1] * 10.0
            charged += world.supply_reading()[1] * 10.0
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
    def law(efc: float, charged_efc: float) -> float:
        return (LG_MJ1.cycle_fade * (efc / EFC_SCALE) ** LG_MJ1.cycle_fade_exponent
                + LG_MJ1.plating_fade * (charged_efc / EFC_SCALE) ** LG_MJ1.plating_fade_exponent)
    assert cell.efc > 197.5  # ~0.8 EFC a cycle: at 190 EFC the MJ1 holds ~86 % of its capacity
    assert cell.fade == pytest.approx(law(cell.efc, 190.0 + charged / LG_MJ1.capacity), abs=2e-4)
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
