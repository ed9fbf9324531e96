"""`bench products` lists the shipped labels; `--product` (a file or a shipped name) gives the
label `bench validate` and `bench run` judge against, checked before anything is switched on."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli.app import app

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = sorted(path.stem for path in (ROOT / "products").glob("*.toml"))


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no file of the names used here
    runner = CliRunner(env={"COLUMNS": "200"})
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_products_in_a_pipe_prints_one_line_per_shipped_label(cli):
    result = cli("products")
    assert result.exit_code == 0
    rows = {line.split("\t")[0]: line.split("\t") for line in result.output.splitlines()}
    assert list(rows) == SHIPPED
    assert rows["powerbank-20000"][1] == "power bank"
    assert "rated output capacity 12000 mAh" in rows["powerbank-20000"][3]
    assert rows["xiaomi-mi-5000"][2] == "Xiaomi Mi Power Bank 5000 mAh"


def test_validate_names_the_product_the_run_is_judged_against(cli):
    preset = cli("validate", "capacity", "--dut", "powerbank-20000")
    assert preset.exit_code == 0, preset.output
    assert "product: powerbank-20000 (" in preset.output and "simulated DUT: powerbank-20000" in preset.output
    assert "min 12 Ah (= 100 % of rated output capacity)" in preset.output
    given = cli("validate", "capacity", "--dut", "powerbank-20000", "--product", "xiaomi-mi-5000")
    assert given.exit_code == 0, given.output
    assert "product: Mi Power Bank 5000 mAh (" in given.output and "Discharge at 2.1 A until 4.5 V" in given.output
    own = cli("validate", "capacity", "--station", ROOT / "stations" / "example-lab.toml")
    assert "product: capacity.toml [dut], a power bank" in own.output  # a real bench: the profile's own label


@pytest.mark.parametrize("args, words", [
    (("validate", "dcir", "--product", "powerbank-10000"), "a power bank, but"),
    (("validate", "capacity", "--product", "no-such-label"), "no shipped product of that name"),
    (("validate", "capacity", "--product", "lg-m50"), "a cell, but"),
    (("run", "capacity", "--product", "lg-m50"), "a cell, but"),
])
def test_a_product_that_does_not_fit_is_exit_2_with_no_run_folder(cli, tmp_path, args, words):
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2
    assert not (tmp_path / "logs").exists()
