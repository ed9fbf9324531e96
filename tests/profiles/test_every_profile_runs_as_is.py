"""Every shipped profile, with no options, on the default simulated bench: `bench validate` and
`bench run` agree. What validate calls valid runs to a verdict (no ERROR from an instrument
range, no ABORT from a DUT of the wrong kind); what it refuses, run refuses the same way, before
a run folder exists. Cell profiles run on a simulated cell, bank profiles on the station's bank.
Every run's samples are read by the Battery Data Format's own reader with no warning and every
column kept."""
from __future__ import annotations

from pathlib import Path

import pytest
from profile_runs import PROFILES, copy_with
from runfolders import read_bdf
from typer.testing import CliRunner

from bench.cli.app import app

SHIPPED = sorted(PROFILES.glob("*.toml"))
FEWER_CYCLES = {  # the same cycle, fewer times: 300 cycles take ~3 min, 50 latent-defect cycles ~30 s
    "cycle-life": ("repeat = 300", "repeat = 3"),
    "latent-defect": ("repeat = 50", "repeat = 2"),
}
VERDICTS = {"pass-through": 1}  # the default bank has no pass-through: FAIL, as the profile documents
PASS = 0


@pytest.fixture
def cli():
    runner = CliRunner(env={"COLUMNS": "400"})  # one line per message
    return lambda *args: runner.invoke(app, [str(a) for a in args])


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_bench_run_with_no_options_does_what_bench_validate_said(path: Path, tmp_path: Path, cli):
    if path.stem in FEWER_CYCLES:
        path = copy_with(tmp_path, path, *FEWER_CYCLES[path.stem])
    logs = tmp_path / "logs"
    checked = cli("validate", path)
    ran = cli("run", path, "--log-dir", logs)
    if checked.exit_code == 2:
        assert ran.exit_code == 2 and ran.output.strip() == checked.output.strip()
        assert not logs.exists() or not any(logs.iterdir())
    else:
        assert checked.exit_code == 0, checked.output
        assert ran.exit_code == VERDICTS.get(path.stem, PASS), ran.output
        (folder,) = logs.iterdir()
        read_bdf(folder)


def test_input_ovp_is_refused_at_validate_naming_the_station_that_reaches_12_v(cli, tmp_path: Path):
    checked = cli("validate", PROFILES / "input-ovp.toml")
    assert checked.exit_code == 2
    assert "voltage 7 V is outside the range of the supply, E36312A CH1: 0 to 6.18 V" in checked.output
    assert "channel = 2 or 3 reaches every supply set-point of the profile" in checked.output
    assert "the shipped simulated station 'sim-25v' does: --station sim-25v" in checked.output
    named = cli("validate", "input-ovp", "--station", "sim-25v")
    assert named.exit_code == 0, named.output
    ran = cli("run", "input-ovp", "--station", "sim-25v", "--log-dir", tmp_path / "logs")
    assert ran.exit_code == PASS, ran.output
    (folder,) = (tmp_path / "logs").iterdir()
    read_bdf(folder)


def test_a_bank_profile_on_a_simulated_cell_is_refused_before_a_run_folder_exists(tmp_path: Path, cli):
    ran = cli("run", PROFILES / "quick-check.toml", "--dut", "lg-m50", "--log-dir", tmp_path / "logs")
    assert ran.exit_code == 2
    assert ran.output.startswith('error: --dut: lg-m50: a cell, but ')
    assert 'quick-check.toml is written for a power bank (dut.kind = "power bank")' in ran.output
    assert not (tmp_path / "logs").exists()


CELL_PROFILES = [p for p in SHIPPED if 'kind = "cell"' in p.read_text(encoding="utf-8")]


@pytest.mark.slow
@pytest.mark.parametrize("path", CELL_PROFILES, ids=lambda p: p.stem)
def test_every_cell_profile_passes_on_the_mj1_too(path: Path, tmp_path: Path, cli):
    """The cell profiles are written for the M50 (5000 mAh); on an 18650 MJ1 (3500 mAh) their
    C-rates and label-relative bounds follow its own label (products/lg-mj1.toml). Before, its
    measured OCV table put a 'full' MJ1 at 4.27 V, over every profile's 4.25 V limit."""
    if path.stem in FEWER_CYCLES:
        path = copy_with(tmp_path, path, *FEWER_CYCLES[path.stem])
    ran = cli("run", path, "--dut", "lg-mj1", "--log-dir", tmp_path / "logs")
    assert ran.exit_code == PASS, ran.output
