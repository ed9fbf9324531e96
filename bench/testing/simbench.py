"""The simulated bench as a test sees it: a profile run through the same path as `bench run`
(bench.run.session.execute), its outcome as plain values to assert on.

The run path (pint, the simulator, the drivers) is imported at the first run, not with this module."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from bench.errors import InputError


class PlausibilityWarning(UserWarning):
    """A pre-flight plausibility warning of a profile (the lines `bench validate` prints): shown in
    pytest's warnings summary, an error under `-W error::bench.testing.simbench.PlausibilityWarning`;
    `strict=True` refuses the run instead."""


@dataclass(frozen=True)
class CriterionResult:
    """One criterion as run.json records it: the value and bounds in the unit shown (Ah, mOhm, degC...)."""

    name: str
    value: float | None  # None: not measured (the run ended before its scope)
    unit: str
    min: float | None
    max: float | None
    marginal: float | None  # the band inside the bounds that gives MARGINAL
    outcome: str  # PASS, MARGINAL, FAIL, or NOT MEASURED (a run that ended before measuring it)
    text: str  # 'DCIR: 35.09 mOhm (max 55 mOhm) PASS'


@dataclass(frozen=True)
class RunResult:
    """How a run ended: `verdict` PASS, FAIL, ABORTED or ERROR, the exit code `bench run` would
    give, why, each criterion by name, and the run folder (run.json, samples, events)."""

    verdict: str
    exit_code: int
    reason: str
    criteria: dict[str, CriterionResult]
    folder: Path
    warnings: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """The verdict, the reason, one line per criterion and the run folder: an assertion's message."""
        lines = [f"{self.verdict}: {self.reason}", *(f"  {c.text}" for c in self.criteria.values()),
                 f"run folder: {self.folder}"]
        return "\n".join(lines)


class SimBench:
    """Runs profiles on a simulated station (the default one, or `station`: a file or a shipped
    station's name), one run folder each under `log_dir` (default `folder`/logs). Profiles given
    as text are written to `folder`. A station with a real instrument is refused: a test never
    switches on a real bench. `echo` is given each run's summary (the plugin prints it, so that a
    failing test shows it)."""

    def __init__(self, folder: Path, station: str | Path | None = None, *, log_dir: Path | None = None,
                 echo: Callable[[str], None] | None = None) -> None:
        self.folder = Path(folder)
        self.station = station
        self.log_dir = self.folder / "logs" if log_dir is None else Path(log_dir)
        self.echo = echo

    def write_profile(self, text: str, name: str = "profile") -> Path:
        """The profile text as `folder`/<name>.toml (the name is part of the run folder's)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    def run(self, profile: str | Path | None = None, *, text: str | None = None, dut: str | None = None,
            defect: str | Sequence[str] = (), product: str | Path | None = None, seed: int | None = None,
            station: str | Path | None = None, speed: float | None = None, serial: str | None = None,
            strict: bool = False) -> RunResult:
        """Run `profile` (a file, or a shipped profile's name, as `bench run` takes it) or the
        profile `text`, with the options of `bench run` of the same names (`defect`: one spec or
        several). Invalid input raises bench.errors.InputError naming the file and key, before
        anything is switched on; plausibility warnings are PlausibilityWarnings."""
        from bench.cli.exits import VERDICT
        from bench.run.session import Request, execute, prepare
        from bench.station.config import load_station

        if (profile is None) == (text is None):
            raise TypeError("run() takes a profile (a file or a shipped profile's name) or its text=, one of them")
        path = self.write_profile(text) if text is not None else Path(profile)
        chosen = self.station if station is None else station
        config = load_station(chosen)
        if not config.simulated:
            raise InputError(config.source, "", "a station with real instruments: tests run on a simulated station "
                             "only (sim:// resources)")
        defects = (defect,) if isinstance(defect, str) else tuple(defect)
        request = Request(path, None if chosen is None else Path(chosen), self.log_dir, speed, serial, None, seed,
                          dut, defects, None if product is None else Path(product), strict)
        found: list[Any] = []
        prepare(request, found.append)  # the pre-flight alone first: a warning made an error stops here
        said = tuple(map(str, found))
        for line in said:
            warnings.warn(PlausibilityWarning(line), stacklevel=2)
        outcome, folder = execute(request)
        criteria = {}
        for result in outcome.results:
            data = result.to_json()
            criteria[result.criterion.name] = CriterionResult(
                result.criterion.name, data["value"], data["unit"], data["min"], data["max"], data["marginal"],
                result.outcome, result.describe())
        ran = RunResult(str(outcome.verdict), VERDICT[outcome.verdict], outcome.reason, criteria, folder, said)
        if self.echo is not None:
            self.echo(f"{path}: {ran.summary}")
        return ran
