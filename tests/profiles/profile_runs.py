"""Running the shipped profiles on the simulated bench, through the whole stack
(bench.run.session.execute: profile, drivers, simulated instruments, runner, run folder), and
reading back what a technician would read: the verdict and run.json's criteria.

A seed (as `bench run --seed N`) is a unit of the lot: the preset with its own capacity,
resistances and leakage drawn from the seed, and its own thermocouple noise."""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.run.session import Request, execute
from bench.station.config import default_station_path

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "profiles"
SEEDS = (1, 2)  # units of the lot each whole-profile test runs on (their spread: drivers.sim.spread)


@dataclass
class Run:
    verdict: str
    reason: str
    folder: Path
    meta: dict[str, Any] = field(repr=False)

    @property
    def criteria(self) -> dict[str, dict[str, Any]]:
        return {c["name"]: c for c in self.meta["criteria"]}

    def value(self, name: str) -> float:
        """A criterion's measured value in its shown unit (mOhm, mV/h, %, Ah, degC...)."""
        value = self.criteria[name]["value"]
        assert value is not None, f"{name} was not measured: {self.reason}"
        return value

    def outcome(self, name: str) -> str:
        return self.criteria[name]["outcome"]

    def failed(self) -> set[str]:
        return {n for n, c in self.criteria.items() if c["outcome"] == "FAIL"}

    def cycles(self) -> list[dict[str, float]]:
        """cycles.csv as numbers (empty for a profile without loops)."""
        path = self.folder / "cycles.csv"
        if not path.exists():
            return []
        with open(path, newline="") as fh:
            return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(fh)]

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        lines = (self.folder / "events.jsonl").read_text().splitlines()
        return [e for e in map(json.loads, lines) if e["event"] == kind]

    def margin(self, name: str) -> float:
        """How far inside its bound a criterion's value is, as a share of the bound (0.5 = half way)."""
        c = self.criteria[name]
        value = self.value(name)
        if c["max"] is not None:
            return (c["max"] - value) / abs(c["max"])
        return (value - c["min"]) / abs(c["min"])


def station(tmp: Path, *, overrides: dict[str, str] | None = None, channel: int | None = None,
            ambient: str | None = None) -> Path:
    """The default simulated station with DUT parameter overrides, another supply channel or
    another ambient temperature."""
    text = Path(default_station_path()).read_text(encoding="utf-8")
    if channel is not None:
        assert "channel = 1" in text
        text = text.replace("channel = 1", f"channel = {channel}")
    if ambient is not None:
        assert 'ambient = "25 degC"' in text
        text = text.replace('ambient = "25 degC"', f'ambient = "{ambient}"')
    if overrides:
        text += "\n[world.overrides]\n" + "".join(f'{k} = "{v}"\n' for k, v in overrides.items())
    path = tmp / f"station-{len(list(tmp.glob('station-*.toml')))}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def copy_with(tmp: Path, profile: Path, old: str, new: str) -> Path:
    """A copy of a shipped profile with one piece of text replaced (e.g. `repeat = 300` by
    `repeat = 5`, to run fewer cycles of the very same cycle); the text must occur once."""
    text = profile.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {profile.name}"
    path = tmp / profile.name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def run_profile(tmp: Path, profile: Path, *, dut: str, seed: int = 1, defects: tuple[str, ...] = (),
                station_file: Path | None = None, chamber: Any = None, product: Path | None = None) -> Run:
    """Run a profile on the simulated bench and read back its verdict and run.json.

    `product`: the label to judge against (--product), else the preset's own;
    `chamber`: a drivers.sim.chamber.Chamber instead of the station's constant ambient."""
    request = Request(profile, station_file, tmp / "logs", seed=seed, dut=dut, defects=defects, product=product)
    world = _chamber_world(request, chamber) if chamber is not None else None
    outcome, folder = execute(request, world=world)
    meta = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert meta["safe_state_confirmed"] is True
    return Run(outcome.verdict, outcome.reason, folder, meta)


def _chamber_world(request: Request, chamber: Any) -> Any:
    """The world the session would build (preset, seed, the unit's spread, overrides, defects) in
    another chamber."""
    from bench.run.session import make_world, prepare
    from drivers.sim.spread import Spread
    from drivers.sim.world import World

    _, config = prepare(request)
    plain = make_world(config, request.seed, request.dut, request.defects)  # no spread: the overrides alone
    return World(dut=plain.dut_name, seed=plain.seed, ambient=chamber, overrides=_overrides(plain),
                 defects=plain.defects, spread=Spread())


def _overrides(world: Any) -> dict[str, float]:
    """The station's overrides as they ended up in the world's parameters (SI floats)."""
    from drivers.sim.presets import PRESETS

    defaults = PRESETS[world.dut_name].params
    return {name: getattr(world.params, name) for name in world.params.__dataclass_fields__
            if getattr(world.params, name) != getattr(defaults, name)}
