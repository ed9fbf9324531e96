"""`bench validate` on the slips a new user makes: one line naming the fix and exit 2, or valid."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli.app import app

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def cli():
    runner = CliRunner(env={"COLUMNS": "200"})
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_a_station_file_given_as_the_profile_exits_2_saying_to_use_station(cli):
    station = ROOT / "stations" / "sim.toml"
    result = cli("validate", station)
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"error: {station}: load: this looks like a station file (use --station)"]


def test_a_station_file_saved_with_a_bom_is_accepted(cli, tmp_path):
    station = tmp_path / "station.toml"
    station.write_bytes(b"\xef\xbb\xbf" + (ROOT / "stations" / "sim.toml").read_bytes())
    result = cli("validate", ROOT / "profiles" / "capacity.toml", "--station", station)
    assert result.exit_code == 0, result.output


def test_degrees_written_as_c_exit_2_with_a_hint_at_degc(cli, tmp_path):
    profile = tmp_path / "p.toml"
    profile.write_text('name = "t"\nperiod = "1 s"\nsteps = ["Rest for 1 min"]\n[dut]\nkind = "cell"\n'
                       '[safety]\nabort_if = ["cell temperature > 45 C"]\n', encoding="utf-8")
    result = cli("validate", profile)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        (f"error: {profile}: safety.abort_if[1]: expected a temperature (e.g. '45 degC'), got '45 C', which is a "
         "capacity in coulombs; did you mean '45 degC'?")]
