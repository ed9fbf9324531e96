"""A cell simulated by PyBaMM (`--dut pybamm:Chen2020`, drivers/sim/pybamm_cell.py) through the
whole stack: it agrees with the built-in lg-m50 (fitted to the same DFN), holds a CV charge at
its set-point, comes back from its plain state as it was; without PyBaMM it is one line naming
the install command, and nothing runs. The tests that need PyBaMM are skipped without it."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sim_stack import CELL, profile
from test_sim_cell_reference import reference
from typer.testing import CliRunner

from bench.cli.app import app
from bench.record.records import Sink
from bench.run.session import Request, execute

ROOT = Path(__file__).resolve().parents[3]
INSTALL = "pip install 'powerbench[pybamm]'"
STEPS = '"Discharge at 5 A for 20 min", "Rest for 10 min", "Charge at 4.2 V, 5 A limit until current < 250 mA"'
runner = CliRunner(env={"COLUMNS": "400"})


class Trace(Sink):
    """What the engine measured at each sample (step, s, V, A in), and each step's end and charge (Ah)."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, float, float, float]] = []
        self.ends: dict[int, tuple[str, float, float]] = {}

    def sample(self, record: Any) -> None:
        r = record.readings
        self.rows.append((record.step.index, r.test_time, r.voltage, r.i_in))

    def step_end(self, record: Any) -> None:
        self.ends[record.step.index] = (record.ended_by, record.totals.q_in / 3600.0, record.totals.q_out / 3600.0)

    def volts(self, *steps: int) -> dict[float, float]:
        return {t: v for step, t, v, _ in self.rows if step in steps}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Trace]:
    """The same 20 min discharge at 1C, rest and CC-CV charge on the PyBaMM DFN and on lg-m50."""
    pytest.importorskip("pybamm")
    tmp = tmp_path_factory.mktemp("pybamm")
    path = profile(tmp, STEPS, dut=CELL)
    traces = {}
    for dut in ("pybamm:Chen2020", "lg-m50"):
        traces[dut] = trace = Trace()
        outcome, _ = execute(Request(path, log_dir=tmp / "logs", dut=dut), [trace])
        assert outcome.verdict == "PASS", outcome.reason
    return traces


def test_validating_a_pybamm_dut_does_not_import_pybamm(tmp_path: Path) -> None:
    """The name and the installation are checked without the 2-4 s import (which a run pays)."""
    path = profile(tmp_path, STEPS, dut=CELL)
    script = ("import sys\nfrom bench.cli.app import app\ntry:\n"
              f"    app(['validate', {str(path)!r}, '--dut', 'pybamm:Chen2020'])\n"
              "except SystemExit as end:\n    print('EXIT', end.code)\n"
              "print('IMPORTED', 'pybamm' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "IMPORTED False", done.stdout + done.stderr
    assert ("simulated DUT: pybamm:Chen2020" in done.stdout) or (INSTALL in done.stdout + done.stderr)


def test_without_pybamm_a_pybamm_dut_is_one_line_naming_the_install_command_and_nothing_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pybamm", None)  # what an environment without the extra has
    path = profile(tmp_path, STEPS, dut=CELL)
    for command in (["run", str(path), "--log-dir", str(tmp_path / "logs")], ["validate", str(path)]):
        result = runner.invoke(app, [*command, "--dut", "pybamm:Chen2020"])
        assert result.exit_code == 2, result.output
        assert result.output.strip().splitlines() == [
            f"error: --dut: pybamm:Chen2020: a PyBaMM cell, and PyBaMM is not installed: {INSTALL}"]
    assert not (tmp_path / "logs").exists()  # refused before any run folder, nothing switched on


def test_an_unknown_parameter_set_or_model_lists_what_exists(tmp_path: Path) -> None:
    path = profile(tmp_path, STEPS, dut=CELL)
    for name, listed in (("pybamm:Chen2021", "parameter sets: Chen2020, OKane2022, "),
                         ("pybamm:Chen2020:P2D", "models: DFN, SPMe, SPM (default DFN)")):
        result = runner.invoke(app, ["validate", str(path), "--dut", name])
        assert result.exit_code == 2 and listed in result.output and len(result.output.strip().splitlines()) == 1


def test_a_cc_load_on_the_pybamm_cell_follows_pybamm_s_own_dfn_discharge() -> None:
    """The bench's control of the model (held current, stretches solved ahead, readings every
    second) changes nothing: a 1C discharge is the reference PyBaMM's Simulation.solve made
    (tests/drivers/sim/reference/, lumped thermal, PyBaMM 26.10) to 1 mV and 0.05 K (0.05 mV
    and 0.001 K on PyBaMM 26.10; 0.3 mV and 0.017 K on 25.10, whose DFN differs that much)."""
    pytest.importorskip("pybamm")
    from drivers.sim.world import World

    world = World(dut="pybamm:Chen2020")
    world.set_load("CC", 5.0)
    world.set_load_input(True)
    for row in reference("dfn_lumped_1C_25degC")[:-1]:  # every 10 s; the last row is the cut-off itself
        world.advance_to(row["time_s"])
        assert world.load_reading()[0] == pytest.approx(row["voltage_V"], abs=1e-3), row
        assert world.model.temperature("cell") == pytest.approx(row["temperature_degC"], abs=0.05), row


def test_the_pybamm_dfn_agrees_with_the_built_in_lg_m50(runs: dict[str, Trace]) -> None:
    """lg-m50 is fitted to this DFN (11 mV RMSE over a whole 1C discharge, README): within 20 mV
    over a discharge from full and its relaxation (11 mV with PyBaMM 26.10), and the CC-CV
    charge puts back the same within 3 % (-1.5 %; the thermal models differ: 42.8 J/K in the
    DFN, 70 J/K for a cell in a holder)."""
    dfn, ecm = runs["pybamm:Chen2020"], runs["lg-m50"]
    a, b = dfn.volts(1, 2), ecm.volts(1, 2)
    assert a.keys() == b.keys() and len(a) > 150
    rmse = math.sqrt(sum((a[t] - b[t]) ** 2 for t in a) / len(a))
    assert rmse < 0.020, rmse
    assert dfn.ends[1][2] == pytest.approx(ecm.ends[1][2]) == pytest.approx(5.0 / 3.0)  # 20 min at 5 A
    charged, charged_ecm = dfn.ends[3][1], ecm.ends[3][1]
    assert charged == pytest.approx(charged_ecm, rel=0.03)
    assert 0.85 < charged / dfn.ends[1][2] < 1.0  # ended at C/20, short of what was taken


def test_a_cc_cv_charge_holds_its_cv_level(runs: dict[str, Trace]) -> None:
    charge = [(v, i) for step, _, v, i in runs["pybamm:Chen2020"].rows if step == 3]
    cc = [v for v, i in charge if i > 4.999]
    cv = [v for v, i in charge if i <= 4.999]
    assert len(cc) > 10 and len(cv) > 100  # a CC phase at the limit, then the hold
    assert max(cc) < 4.2 + 1e-3
    assert max(abs(v - 4.2) for v in cv) < 1e-3
    assert runs["pybamm:Chen2020"].ends[3][0] == "current < 250 mA"


def test_a_world_restored_from_its_plain_state_goes_on_exactly_as_the_original() -> None:
    """A checkpoint holds PyBaMM's state vector, not its objects; a resume solves on from it,
    and the supply switched off and on again at that instant (a resumed run opens its
    instruments in a known state first) changes nothing."""
    pytest.importorskip("pybamm")
    from drivers.sim.world import World

    original = World(dut="pybamm:Chen2020", seed=5)
    original.set_load("CC", 5.0)
    original.set_load_input(True)
    original.advance_to(1200.0)
    original.set_load_input(False)
    original.set_supply(4.2, 5.0)
    original.set_supply_output(True)
    original.advance_to(2000.5)  # in CV since 1495 s, between two readings of the stretch solved from then
    text = json.dumps(original.state())
    copy = World(dut="pybamm:Chen2020", seed=5)
    copy.restore(json.loads(text))
    copy.set_supply_output(False)
    copy.set_supply_output(True)
    for t in (2100.0, 3500.0):
        original.advance_to(t)
        copy.advance_to(t)
        assert copy.supply_reading() == original.supply_reading()
        assert copy.temperature("cell") == original.temperature("cell")
    assert json.dumps(copy.state()) == json.dumps(original.state())


def test_a_seed_and_the_cell_defects_are_refused_on_a_pybamm_cell(tmp_path: Path) -> None:
    pytest.importorskip("pybamm")
    path = profile(tmp_path, STEPS, dut=CELL)
    refusals = ((["--seed", "3"], "--seed: 3: pybamm:Chen2020 is its parameter set's nominal cell"),
                (["--defect", "micro-short"],
                 "micro-short: DUT 'pybamm:Chen2020' is not one of the equivalent-circuit presets"))
    for extra, said in refusals:
        result = runner.invoke(app, ["run", str(path), "--dut", "pybamm:Chen2020", "--log-dir", str(tmp_path / "logs"),
                                     *extra])
        assert result.exit_code == 2 and said in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "logs").exists()
