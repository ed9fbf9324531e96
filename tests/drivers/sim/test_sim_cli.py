"""The simulated bench on the command line: `bench sim list` and `bench run --defect`."""
from __future__ import annotations

import json
from pathlib import Path

from sim_stack import profile
from typer.testing import CliRunner

from bench.cli.app import app

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


def test_sim_list_shows_presets_and_defects_with_parameters_units_and_defaults() -> None:
    result = runner.invoke(app, ["sim", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in ("preset lg-mj1", "preset powerbank-20000-9v", "defect micro-short", "defect flaky-link",
                 "defect open-thermocouple"):
        assert name in result.output
    assert "│ runaway_onset │ 80      │ degC" in result.output
    assert "│ placement │ cell    │ cell|surface|ambient" in result.output
    assert "│ otp_temperature" in result.output


def test_sim_list_shows_capacities_in_mah_and_states_of_charge_in_percent() -> None:
    """As an override is written ('capacity = \"4500 mAh\"'), not in the model's coulombs."""
    result = runner.invoke(app, ["sim", "list"], env={"COLUMNS": "200"})
    rows = [" ".join(line.replace("│", " ").split()) for line in result.output.splitlines()]
    assert "capacity 5165 mAh real capacity (fresh)" in rows
    assert any(row.startswith("initial_soc 100 % ") for row in rows)
    assert any(row.startswith("initial_soc 50 % ") for row in rows)  # a bank, half charged
    assert not any(" coulomb " in row for row in rows)


def test_run_records_the_defects_in_run_json(tmp_path: Path) -> None:
    path = profile(tmp_path, '"Discharge at 1 A for 1 min"')
    result = runner.invoke(app, ["run", str(path), "--log-dir", str(tmp_path / "logs"), "--defect",
                                 "counterfeit:fraction=60 %", "--defect", "high-resistance"])
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "logs").iterdir()
    defects = json.loads((folder / "run.json").read_text())["dut"]["defects"]
    assert defects == [{"name": "counterfeit", "fraction": 0.6}, {"name": "high-resistance", "factor": 3.0}]


def test_bad_defect_name_or_parameter_is_exit_2_with_one_line_listing_the_valid_ones(tmp_path: Path) -> None:
    path = profile(tmp_path, '"Rest for 1 min"')
    for spec, listed in (("short", "known defects: micro-short, counterfeit, high-resistance, protection-fault, "
                                   "open-thermocouple, flaky-link"),
                         ("micro-short:ohms=2", "parameters of micro-short: onset=<dimensionless>, resistance=<ohm>"),
                         ("open-thermocouple:at=2 V", "expected a time (e.g. '30 s', '30 min' or '2 h'), got '2 V', which is a voltage")):
        result = runner.invoke(app, ["run", str(path), "--log-dir", str(tmp_path / "logs"), "--defect", spec],
                               env={"COLUMNS": "400"})
        assert result.exit_code == 2, result.output
        assert listed in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "logs").exists()  # refused before any run folder


def test_defects_are_refused_on_a_real_station(tmp_path: Path) -> None:
    path = profile(tmp_path, '"Rest for 1 min"')
    result = runner.invoke(app, ["run", str(path), "--station", str(ROOT / "stations" / "example-lab.toml"),
                                 "--defect", "counterfeit"], env={"COLUMNS": "400"})
    assert result.exit_code == 2
    assert "--seed, --lot, --dut and --defect apply to a simulated station only" in result.output
