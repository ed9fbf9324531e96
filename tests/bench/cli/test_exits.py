"""The exit codes are the README's table, and invalid input exits INVALID whatever the command."""
from __future__ import annotations

import re

import pytest
from runfolders import ROOT
from typer.testing import CliRunner

from bench.record.verdict import Verdict
from bench.cli import exits
from bench.cli.app import app

BAD_PROFILE = 'name = "x"\nperiod = "1 s"\nsteps = ["Discharge at 5 V, 2 A until 3 V"]\n[dut]\nkind = "cell"\n'


def readme_table() -> dict[str, int]:
    """verdict (or '—') -> code, from the README's 'Exit codes of `bench run`' table."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("### Exit codes of `bench run`", 1)[1]
    return {verdict: int(code) for code, verdict in re.findall(r"^\| (\d+) \| (\S+) \|", section, re.MULTILINE)}


def test_verdict_codes_are_the_readme_table():
    table = readme_table()
    assert {str(v): code for v, code in exits.VERDICT.items()} == {k: v for k, v in table.items() if k != "—"}
    assert exits.INVALID == table["—"] == 2


def test_every_verdict_has_a_code_and_no_two_outcomes_share_one():
    assert set(exits.VERDICT) == set(Verdict)
    codes = [*exits.VERDICT.values(), exits.INVALID]
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize("command", [
    lambda tmp_path, bad: ["validate", bad],
    lambda tmp_path, bad: ["run", bad, "--log-dir", tmp_path / "logs"],
    lambda tmp_path, bad: ["lot", tmp_path],  # a folder with no run folder in it
    lambda tmp_path, bad: ["lot", tmp_path / "no-such-folder"],
    lambda tmp_path, bad: ["report", tmp_path],
], ids=["validate bad profile", "run bad profile", "lot bad folder", "lot missing folder", "report bad folder"])
def test_invalid_input_exits_invalid(command, tmp_path, write):
    bad = write("bad.toml", BAD_PROFILE)
    result = CliRunner().invoke(app, [str(arg) for arg in command(tmp_path, bad)])
    assert result.exit_code == exits.INVALID, result.output
    assert "error:" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "logs").exists()  # nothing was run
