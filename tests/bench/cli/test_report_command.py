"""`bench report` and `bench run --report` as an operator meets them: where the report goes, what a
mistake or a missing matplotlib says, and that a report never changes how a run ended."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from runfolders import ROOT
from typer.testing import CliRunner

from bench.cli.app import app
from bench.station.config import default_station_path

QUICK_CHECK = str(ROOT / "profiles" / "quick-check.toml")
HOT = {'max_temperature = "70 degC"': 'max_temperature = "26 degC"'}  # trips in the first minutes: ABORTED


def bench(*args: object):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def hot(tmp_path_factory) -> Path:
    """The simulated station with a temperature limit that a quick check trips within minutes: ABORTED."""
    path = tmp_path_factory.mktemp("station") / "hot.toml"
    text = Path(default_station_path()).read_text(encoding="utf-8")
    for old, new in HOT.items():
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def aborted(hot, tmp_path_factory) -> tuple[Path, object]:
    """That run, with --report."""
    logs = tmp_path_factory.mktemp("aborted")
    result = bench("run", QUICK_CHECK, "--station", hot, "--log-dir", logs, "--report")
    (folder,) = logs.iterdir()
    return folder, result


def test_run_report_follows_the_verdict_in_the_run_folder_and_keeps_the_exit_code(aborted):
    folder, result = aborted
    assert result.exit_code == 3, result.output
    out = lines(result.output)
    assert out[-1] == f"report: {folder / 'report.html'}"
    assert any("ABORTED" in line for line in out[:-1])
    assert '<div class="verdict">ABORTED</div>' in (folder / "report.html").read_text(encoding="utf-8")


def test_a_report_that_fails_is_one_line_and_the_exit_code_stays(hot, tmp_path, monkeypatch):
    from bench.analysis import report

    def broken(*args: object, **kwargs: object) -> Path:
        raise OSError("the disk is full")
    monkeypatch.setattr(report, "write_report", broken)
    result = bench("run", QUICK_CHECK, "--station", hot, "--log-dir", tmp_path, "--report")
    assert result.exit_code == 3
    assert lines(result.output)[-1] == "report not written: the disk is full"


def test_mistakes_are_one_line_and_exit_2(aborted, tmp_path):
    folder, _ = aborted
    result = bench("report", tmp_path)
    assert result.exit_code == 2 and lines(result.output) == [f"error: {tmp_path}: not a run folder (no run.json)"]
    result = bench("report", folder, "--out", tmp_path / "no" / "such" / "r.html")
    assert result.exit_code == 2
    assert lines(result.output) == [(f"error: --out: {tmp_path / 'no/such/r.html'}: no folder {tmp_path / 'no/such'} "
                                     "to write the report in")]


def test_without_matplotlib_report_says_how_to_install_it(aborted, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` fails, as when not installed
    result = bench("report", aborted[0])
    assert result.exit_code == 2
    assert lines(result.output) == [("error: bench report: needs matplotlib: pip install 'powerbench[report]' "
                                     "(or pip install matplotlib)")]
