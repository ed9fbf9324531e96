"""Shared pieces for tests that run profiles on the simulated bench."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.station.config import default_station_path


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
