"""Running a short profile through the whole stack (bench.run.session.execute) on the simulated
station, for the tests that pin what a defect changes in the records a bench keeps."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from runfolders import read_run

from bench.run.session import Request, execute
from bench.station.config import default_station_path

CELL = """
[dut]
kind = "cell"
rated_capacity = "5000 mAh"
nominal_voltage = "3.6 V"
"""
BANK = """
[dut]
kind = "power bank"
rated_capacity = "10000 mAh"
nominal_voltage = "3.7 V"
"""


def profile(tmp: Path, steps: str, period: str = "10 s", dut: str = BANK, extra: str = "") -> Path:
    """A profile file with these steps (a TOML array body)."""
    path = tmp / "profile.toml"
    path.write_text(f'name = "test"\nperiod = "{period}"\nsteps = [{steps}]\n{dut}\n{extra}', encoding="utf-8")
    return path


def station(tmp: Path, ambient: str = "25 degC", critical: str = '["cell", "surface"]') -> Path:
    """The default simulated station with another chamber temperature or critical channels."""
    text = Path(default_station_path()).read_text(encoding="utf-8")
    for old, new in (('ambient = "25 degC"', f'ambient = "{ambient}"'),
                     ('critical = ["cell", "surface"]', f"critical = {critical}")):
        assert old in text, old
        text = text.replace(old, new)
    path = tmp / "station.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Run:
    """What a run left on disk: verdict, run.json, events and samples (floats where numeric)."""

    def __init__(self, tmp: Path, profile_path: Path, **request: Any) -> None:
        request.setdefault("log_dir", tmp / "logs")
        outcome, folder = execute(Request(profile_path, **request))
        self.verdict, self.reason = outcome.verdict, outcome.reason
        self.meta, self.events, rows = read_run(folder)
        self.rows = [{k: _number(v) for k, v in row.items()} for row in rows]
        self.channels = self.meta["temperature_channels"]  # channel name -> column

    def column(self, name: str, step_type: str | None = None) -> list[float]:
        return [r[name] for r in self.rows if step_type is None or r["Step Type"] == step_type]

    def temps(self, channel: str) -> list[float]:
        return self.column(self.channels[channel])

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == kind]


def _number(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text
