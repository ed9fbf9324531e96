"""Shared pieces for tests that run profiles on the simulated bench."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.station.config import default_station_path


@pytest.fixture(scope="session", autouse=True)
def no_run_index(tmp_path_factory):
    """`bench run` in a test indexes nothing (tests of the index give it --db): never into the
    lab's index (BENCH_DB, or a lab file in the developer's home), nor beside run folders a test
    counts."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BENCH_DB", "off")
        mp.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
        yield


@pytest.fixture
def write(tmp_path: Path):
    """Write a text file under tmp_path and return its path."""
    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return _write


@pytest.fixture
def sim_station(write):
    """The default simulated station with some lines replaced or appended."""
    base = Path(default_station_path()).read_text(encoding="utf-8")

    def _station(replace: dict[str, str] | None = None, append: str = "") -> Path:
        text = base
        for old, new in (replace or {}).items():
            assert old in text, old
            text = text.replace(old, new)
        return write("station.toml", text + append)
    return _station
