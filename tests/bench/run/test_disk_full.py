"""A full disk: the run ends ERROR with one clear line and the bench safe, run.json has the
verdict (or, if even that cannot be written, the next resume says how the run ended), no
temporary file is left, and a resume once space is freed gives complete files with headers."""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from runfolders import read_run
from typer.testing import CliRunner

from bench.record.verdict import Verdict
from bench.cli.app import app
from bench.record import schema
from bench.record.records import Event, Sink
from bench.run.session import Request, execute, resume

PROFILE = """
name = "Long discharge"
period = "1 s"
steps = ["Discharge at 1 A for 20 min", "Rest for 1 min"]
[dut]
kind = "power bank"
"""
ROWS = 1201 + 61
ENOSPC = os.strerror(errno.ENOSPC)


class Disk(Sink):
    """The run's disk, full from the `at`-th sample or from the event `at` on: os.write to the
    data files (and, with `everything`, os.replace of run.json) fail with ENOSPC."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, at: int | str, everything: bool = False) -> None:
        self.at, self.full, self.samples = at, False, 0
        write, replace = os.write, os.replace

        def full_write(fd: int, data: bytes) -> int:
            if self.full and fd > 2:
                raise OSError(errno.ENOSPC, ENOSPC)
            return write(fd, data)

        def full_replace(src, dst) -> None:
            if self.full and everything and Path(dst).name == "run.json":
                raise OSError(errno.ENOSPC, ENOSPC)
            replace(src, dst)
        monkeypatch.setattr(os, "write", full_write)
        monkeypatch.setattr(os, "replace", full_replace)

    def sample(self, record) -> None:
        self.samples += 1
        self.full = self.full or self.samples == self.at

    def event(self, record: Event) -> None:
        self.full = self.full or record.kind == self.at


def data_rows(folder: Path) -> list[list[str]]:
    """The samples without the Unix Time column (the wall clock differs between two runs)."""
    lines = (folder / schema.SAMPLES).read_text().splitlines()
    return [line.split(",")[:1] + line.split(",")[2:] for line in lines]


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> list[list[str]]:
    where = tmp_path_factory.mktemp("whole")
    (where / "p.toml").write_text(PROFILE)
    outcome, folder = execute(Request(where / "p.toml", None, where / "logs"))
    assert outcome.verdict is Verdict.PASS
    return data_rows(folder)


def test_a_disk_that_fills_mid_run_ends_it_error_in_one_line_and_a_resume_after_completes_it(
        tmp_path, write, monkeypatch, whole):
    disk = Disk(monkeypatch, at=600)
    outcome, folder = execute(Request(write("p.toml", PROFILE), None, tmp_path / "logs"), [disk])
    assert outcome.verdict is Verdict.ERROR and not outcome.safe_problems  # the bench is off
    assert outcome.reason == f"records: {schema.SAMPLES}: disk full ({ENOSPC})"
    meta, _, _ = read_run(folder)
    assert (meta["status"], meta["verdict"], meta["reason"]) == ("stopped", "ERROR", outcome.reason)
    assert meta["safe_state_confirmed"] is True
    assert not list(folder.glob("*.tmp")) and (folder / "checkpoint.json").exists()
    monkeypatch.undo()  # space is freed
    outcome, _ = resume(folder)
    meta, events, _ = read_run(folder)
    assert outcome.verdict is Verdict.PASS and meta["status"] == "finished" and meta["samples"] == ROWS
    assert data_rows(folder) == whole  # the header and every row, once
    assert [e["event"] for e in events].count("resumed") == 1 and not (folder / "checkpoint.json").exists()


def test_a_run_json_that_cannot_take_the_end_is_explained_by_the_next_resume(tmp_path, write, monkeypatch, whole):
    class Stop(Sink):
        def __init__(self) -> None:
            self.samples, self.folder = 0, None

        def sample(self, record) -> None:
            self.samples += 1
            if self.samples == 300:
                (self.folder / "control").write_text("stop\n")  # what `bench stop` writes
    stop, disk = Stop(), Disk(monkeypatch, at="safe_state", everything=True)
    request = Request(write("p.toml", PROFILE), None, tmp_path / "logs", speed=1000)  # the stop is seen in time
    outcome, folder = execute(request, [stop, disk], on_folder=lambda f: setattr(stop, "folder", f))
    assert outcome.verdict is Verdict.ERROR and f"run.json: disk full ({ENOSPC})" in outcome.reason
    meta, _, _ = read_run(folder)
    assert meta["status"] == "running" and (folder / "checkpoint.json").exists()
    assert not list(folder.glob("*.tmp"))
    monkeypatch.undo()
    result = CliRunner().invoke(app, ["resume", str(folder)])
    assert result.exit_code == 0, result.output
    meta, events, _ = read_run(folder)
    (resumed,) = [e for e in events if e["event"] == "resumed"]
    assert resumed["ended"] == "the run ended: operator stop (bench stop)"
    assert "run.json was not updated: the run ended: operator stop (bench stop); resuming from the last " \
           "checkpoint" in result.output
    assert meta["verdict"] == "PASS" and data_rows(folder) == whole


def _can_mount_tmpfs(where: Path) -> str | None:
    """Why a real full disk cannot be tried here, or None."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return "needs root on Linux to mount a small tmpfs"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(where)], capture_output=True,
                          text=True, check=False)
    return None if done.returncode == 0 else f"cannot mount a tmpfs: {done.stderr.strip()}"


def test_a_real_full_tmpfs_ends_the_run_error_and_a_resume_once_it_has_room_completes_it(tmp_path, write, whole):
    disk = tmp_path / "disk"
    why = _can_mount_tmpfs(disk)
    if why:
        pytest.skip(why)
    try:
        result = CliRunner().invoke(app, ["run", str(write("p.toml", PROFILE)), "--log-dir", str(disk)])
        (folder,) = disk.iterdir()
        assert result.exit_code == 4, result.output
        assert f"{schema.SAMPLES}: disk full ({ENOSPC})" in result.output and "Traceback" not in result.output
        assert not list(folder.glob("*.tmp"))
        subprocess.run(["mount", "-o", "remount,size=4m", str(disk)], check=True)
        result = CliRunner().invoke(app, ["resume", str(folder)])
        assert result.exit_code == 0, result.output
        meta, _, _ = read_run(folder)
        assert meta["verdict"] == "PASS" and data_rows(folder) == whole and not list(folder.glob("*.tmp"))
    finally:
        subprocess.run(["umount", str(disk)], check=False)
        shutil.rmtree(disk, ignore_errors=True)
