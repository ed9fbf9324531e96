"""`bench profiles` lists the shipped profiles; `bench validate` and `bench run` take a shipped
profile by its name."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli.app import app
from bench.profile.reader import load_profile

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = sorted((ROOT / "profiles").glob("*.toml"))


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no profile file of the names used here
    runner = CliRunner(env={"COLUMNS": "200"})
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_profiles_in_a_pipe_prints_one_plain_line_per_shipped_profile(cli):
    result = cli("profiles")
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.output.splitlines()]
    assert [row[0] for row in rows] == [path.stem for path in SHIPPED]
    for row, path in zip(rows, SHIPPED):
        profile = load_profile(path)
        assert (len(row), row[1], row[3]) == (4, profile.ratings.kind, profile.description)
        assert row[2]


def test_profiles_gives_the_method_as_its_first_clause_without_parentheses_whole_in_a_pipe(cli):
    rows = {line.split("\t")[0]: line.split("\t") for line in cli("profiles").output.splitlines()}
    assert rows["capacity"][2] == "GB/T 35590-2017 capacity and conversion-rate method"
    assert rows["over-discharge"][2] == "GB/T 35590-2017 over-discharge protection"  # a ';' in parentheses
    assert rows["dcir"][2] == "Pulse-from-rest DCIR after the HPPC method of the USABC / INL battery test manuals"


def test_validate_takes_a_shipped_profile_by_its_name(cli):
    result = cli("validate", "quick-check")
    assert result.exit_code == 0, result.output
    assert "Quick check (quick-check)" in result.output


def test_run_with_an_unknown_name_exits_2_listing_the_shipped_profiles_and_makes_no_run_folder(cli, tmp_path):
    result = cli("run", "quick-chek", "--log-dir", tmp_path / "logs")
    assert result.exit_code == 2
    assert "quick-chek: no such file, and no shipped profile of that name; shipped: capacity, " in result.output
    assert not (tmp_path / "logs").exists() or not any((tmp_path / "logs").iterdir())


@pytest.mark.slow
def test_run_takes_a_shipped_profile_by_its_name_and_names_the_run_folder_after_it(cli, tmp_path):
    result = cli("run", "quick-check", "--log-dir", tmp_path / "logs")
    assert result.exit_code == 0, result.output
    assert [folder.name.endswith("-quick-check") for folder in (tmp_path / "logs").iterdir()] == [True]
