"""Nothing lost without a word during a run: a data file deleted or cut under the running run
ends it ERROR with the bench safe, and a crash on the real clock loses at most one sample period
+ 1 s of rows."""
from __future__ import annotations

import json
import multiprocessing
import os
import threading
from pathlib import Path

import pytest
from runfolders import read_run

from bench.record.verdict import Verdict
from bench.record import schema
from bench.record.logbook import Logbook
from bench.record.records import Sink
from bench.run.session import Request, execute

PROFILE = """
name = "Discharge"
period = "1 s"
steps = ["Discharge at 1 A for 10 min", "Rest for 1 min"]
[dut]
kind = "power bank"
"""


class Damage(Sink):
    """Damages a data file of the run folder at the `at`-th sample, from outside the run."""

    def __init__(self, name: str, how: str, at: int = 200) -> None:
        self.name, self.how, self.at, self.samples = name, how, at, 0
        self.folder: Path | None = None

    def sample(self, record) -> None:
        self.samples += 1
        if self.samples == self.at:
            path = self.folder / self.name  # type: ignore[operator]
            if self.how == "deleted":
                path.unlink()
            else:
                os.truncate(path, 0)


@pytest.mark.parametrize("name", [schema.SAMPLES, "events.jsonl"])
@pytest.mark.parametrize("how, says", [("deleted", "deleted under the running run"), ("cut", "cut short")])
def test_a_data_file_damaged_under_the_running_run_ends_it_error_in_safe_state(tmp_path, write, name, how, says):
    damage = Damage(name, how)
    outcome, folder = execute(Request(write("p.toml", PROFILE), None, tmp_path / "logs"), [damage],
                              on_folder=lambda f: setattr(damage, "folder", f))
    assert outcome.verdict is Verdict.ERROR and outcome.reason.startswith(f"records: {name}: {says}")
    assert not outcome.safe_problems
    meta = json.loads((folder / "run.json").read_text())
    assert (meta["verdict"], meta["reason"], meta["safe_state_confirmed"]) == ("ERROR", outcome.reason, True)


_fork = multiprocessing.get_context("fork")
KILLED_AFTER = 2  # rows: the second one, taken 1 s after the step's checkpoint


def _killed_between_rows(logs: Path, profile: Path) -> None:
    """On the real clock: die 0.9 s after the second row was taken, before the third."""
    real = Logbook.sample

    def sample(self, record):
        real(self, record)
        if self.rows == KILLED_AFTER:
            threading.Timer(0.9, os._exit, (9,)).start()
    Logbook.sample = sample
    execute(Request(profile, None, logs, speed=1.0))


@pytest.mark.slow  # seconds of real time
def test_a_crash_on_the_real_clock_loses_no_row_taken_a_sample_period_before(tmp_path, write):
    child = _fork.Process(target=_killed_between_rows, args=(tmp_path / "logs", write("p.toml", PROFILE)))
    child.start()
    child.join(60)
    assert child.exitcode == 9
    (folder,) = (tmp_path / "logs").iterdir()
    _, _, rows = read_run(folder)
    assert [r["Test Time / s"] for r in rows] == ["0.000", "1.000"]
