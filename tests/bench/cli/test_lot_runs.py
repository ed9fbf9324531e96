"""`bench run --seed N` runs unit N of a lot (its own manufacturing spread), and `bench run --lot N`
runs N units one after the other and compares them as `bench lot` does."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli.app import app

PROFILE = '''name = "Lot screen"
period = "10 s"
steps = [{ step = "Discharge at 2 A for 20 min", name = "discharge" }]
[dut]
kind = "cell"
rated_capacity = "5000 mAh"
[[criteria]]
name = "end voltage"
metric = "end voltage"
step = "discharge"
min = "3 V"
'''


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "screen.toml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


def run(*args: object):
    return CliRunner(env={"COLUMNS": "300"}).invoke(app, ["run", *map(str, args)])


def metas(logs: Path) -> list[dict]:
    return [json.loads((folder / "run.json").read_text()) for folder in sorted(logs.iterdir())]


def test_a_seed_is_a_unit_of_the_lot_with_its_own_spread_recorded(profile, tmp_path):
    for seed in (3, 4, 3):
        assert run(profile, "--seed", seed, "--log-dir", tmp_path / "logs").exit_code == 0
    three, four, again = metas(tmp_path / "logs")
    assert three["dut"]["spread"]["factors"] == again["dut"]["spread"]["factors"]  # the same unit
    assert three["dut"]["spread"]["factors"] != four["dut"]["spread"]["factors"]
    assert three["criteria"][0]["value"] == again["criteria"][0]["value"] != four["criteria"][0]["value"]
    plain = run(profile, "--log-dir", tmp_path / "plain")
    assert plain.exit_code == 0 and metas(tmp_path / "plain")[0]["dut"]["spread"] is None  # the nominal unit


def test_a_lot_runs_each_unit_in_its_own_folder_and_compares_them(profile, tmp_path):
    result = run(profile, "--lot", 4, "--seed", 10, "--serial", "B7", "--log-dir", tmp_path / "logs")
    assert result.exit_code == 0, result.output
    units = metas(tmp_path / "logs")
    assert [m["dut"]["serial"] for m in units] == ["B7-10", "B7-11", "B7-12", "B7-13"]
    assert [m["station"]["seed"] for m in units] == [10, 11, 12, 13]
    assert "Lot of 4 units, 4 compared" in result.output and "no outlier" in result.output


def test_the_exit_code_of_a_lot_is_its_worst_unit(profile, tmp_path):
    result = run(profile, "--lot", 3, "--defect", "high-resistance:factor=30", "--log-dir", tmp_path / "logs")
    assert result.exit_code == 1, result.output  # each FAILs its end voltage
    assert len(metas(tmp_path / "logs")) == 3


def test_on_a_terminal_too_narrow_for_the_lot_table_it_says_where_to_read_it_not_a_maze_of_wrapped_rows(
        profile, tmp_path):
    import io

    from rich.console import Console

    from bench.analysis.lot import collect, screen
    from bench.cli.lot import show

    assert run(profile, "--lot", 3, "--log-dir", tmp_path / "logs").exit_code == 0
    result = screen(collect(sorted((tmp_path / "logs").iterdir())))
    narrow = io.StringIO()
    show(result, Console(file=narrow, force_terminal=True, width=60, highlight=False))
    said = " ".join(narrow.getvalue().split())
    assert "Lot of 3 units, 3 compared (profile Lot screen): its table needs" in said
    assert "this terminal has 60: bench lot --out FILE writes it as CSV" in said and "┃" not in said
    log = io.StringIO()
    show(result, Console(file=log, width=60))  # a log: the table whole, on long lines
    assert "┃ unit" in log.getvalue() and max(map(len, log.getvalue().splitlines())) > 60
