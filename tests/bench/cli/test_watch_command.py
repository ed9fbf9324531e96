"""`bench watch RUN_DIR`: the live view of a run drawn from its files, read only, from any
terminal: a finished run as it ended, a running one followed to its verdict, with bench run's
exit code."""
from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app as cli
from bench.record import schema
from bench.run.session import Request, execute

TWO_CYCLES = """
name = "Two cycles"
period = "1 s"
steps = [{ repeat = 2, steps = ["Discharge at 1 A for 20 s", "Rest for 10 s"] }]
[dut]
kind = "power bank"
[[criteria]]
name = "delivered"
metric = "discharge capacity"
min = "1 mAh"
"""
runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """One short run of two cycles on the simulated bench (under a second), shared by the module."""
    root = tmp_path_factory.mktemp("watch")
    (root / "two-cycles.toml").write_text(TWO_CYCLES, encoding="utf-8")
    outcome, folder = execute(Request(root / "two-cycles.toml", log_dir=root / "logs", serial="PB-3"))
    assert outcome.verdict == "PASS"
    return folder


def test_watch_shows_a_finished_run_as_it_ended_with_the_exit_code_of_its_verdict(finished):
    result = runner.invoke(cli.app, ["watch", str(finished)])
    assert result.exit_code == 0, result.output
    watching, status, *rest = result.output.splitlines()
    assert watching == f"watching {finished} (read only: Ctrl-C stops watching, not the run)"
    assert status.startswith("  [0:01:00] ended PASS | in ")  # the last row, and nothing replayed line by line
    assert "delivered" in result.output and "PASS" in rest[-6]
    assert rest[-2:] == ["bench safe: every load input and supply output read back off", f"data: {finished}"]


def test_watch_follows_a_running_run_from_where_it_is_to_its_verdict(finished, tmp_path, monkeypatch):
    """The run folder as it was in its second cycle (run.json "running"), then written on to its
    end while `bench watch` follows it."""
    folder = tmp_path / finished.name
    shutil.copytree(finished, folder)
    whole = {name: (folder / name).read_text(encoding="utf-8") for name in (schema.EVENTS, schema.SAMPLES,
                                                                           schema.CYCLES, schema.RUN)}
    events = whole["events.jsonl"].splitlines(keepends=True)
    cut = next(i for i, line in enumerate(events) if json.loads(line)["event"] == "cycle_end") + 2
    (folder / "events.jsonl").write_text("".join(events[:cut]), encoding="utf-8")  # cycle 2 begun
    (folder / schema.SAMPLES).write_text("".join(whole[schema.SAMPLES].splitlines(keepends=True)[:40]), encoding="utf-8")
    (folder / schema.CYCLES).write_text("".join(whole[schema.CYCLES].splitlines(keepends=True)[:2]), encoding="utf-8")
    running = {**json.loads(whole["run.json"]), "status": "running", "verdict": None}
    (folder / "run.json").write_text(json.dumps(running), encoding="utf-8")

    def run_on() -> None:
        time.sleep(0.3)
        for name in (schema.EVENTS, schema.SAMPLES, schema.CYCLES, schema.RUN):  # run.json last, as the run does
            (folder / name).write_text(whole[name], encoding="utf-8")
    monkeypatch.setattr(cli, "WATCH_POLL", 0.05)
    writer = threading.Thread(target=run_on)
    writer.start()
    result = runner.invoke(cli.app, ["watch", str(folder)])
    writer.join()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].startswith("  [0:00:36] step 3 of 4, cycle 2 of 2, 60 %, ~0:00:24 left | ")  # where it was
    assert "cycle 1 of 2 ended" not in result.output  # what happened before is not told again
    assert "step 3 ended after 0:00:20 (duration 20 s): +0.000 Ah -0.006 Ah" in result.output
    assert "cycle 2 of 2 ended: 0.006 Ah 0.03 Wh out, CE n/a, EE n/a, retention 100.0 % of cycle 1" in lines
    assert lines[-1] == f"data: {folder}"


def test_watch_refuses_a_folder_that_is_not_a_run_folder(tmp_path):
    result = runner.invoke(cli.app, ["watch", str(tmp_path)])
    assert result.exit_code == 2 and result.output == f"error: {tmp_path}: not a run folder (no run.json)\n"
