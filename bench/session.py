"""One run from start to finish: validate, open, run, record, always leaving the bench safe."""
from __future__ import annotations

import datetime as dt
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bench
from bench.clock import RealClock, SimClock
from bench.errors import InputError, OperatorStop
from bench.logbook import Logbook, new_run_folder
from bench.plan import check_against_station
from bench.profile import Profile, load_profile
from bench.report import write_junit
from bench.runner import Outcome, Runner, View
from bench.signals import deferred
from bench.station import StationConfig, load_station, open_station
from bench.units import parse_as


@dataclass(frozen=True)
class Request:
    profile: Path
    station: Path | None = None
    log_dir: Path = Path("logs")
    speed: float | None = None
    serial: str | None = None
    operator: str | None = None
    seed: int | None = None
    dut: str | None = None


def prepare(request: Request) -> tuple[Profile, StationConfig]:
    """Everything that can be checked before touching an instrument (InputError otherwise)."""
    profile = load_profile(request.profile)
    station = load_station(request.station)
    check_against_station(profile, station)
    if (request.seed is not None or request.dut is not None) and not station.simulated:
        raise InputError(station.source, "world", "--seed and --dut apply to a simulated station only")
    return profile, station


def make_world(station: StationConfig, seed: int | None, dut: str | None) -> Any:
    """The simulated world behind the station's sim:// resources (None on a real bench)."""
    if station.world is None:
        return None
    from drivers.sim.presets import PRESETS
    from drivers.sim.world import World

    cfg = station.world
    name = dut or cfg.dut
    if name not in PRESETS:
        raise InputError(station.source, "world.dut", f"unknown DUT preset {name!r}; known: {', '.join(PRESETS)}")
    units = {p.name: p.unit for p in PRESETS[name].parameters()}
    overrides = {}
    for key, text in cfg.overrides.items():
        if key not in units:
            raise InputError(station.source, f"world.overrides.{key}",
                             f"not a parameter of {name!r}; known: {', '.join(units)}")
        overrides[key] = parse_as(text, units[key], station.source, f"world.overrides.{key}")
    try:
        return World(dut=name, seed=cfg.seed if seed is None else seed, ambient=cfg.ambient, overrides=overrides)
    except ValueError as exc:
        raise InputError(station.source, "world", str(exc)) from None


def execute(request: Request, view: View | None = None, on_folder: Any = None, world: Any = None
            ) -> tuple[Outcome, Path]:
    """Run the profile; the run folder is created before any instrument is touched.

    `world` replaces the station's simulated world (to run on one built or inspected by the caller).
    """
    profile, station_cfg = prepare(request)
    if world is None:
        world = make_world(station_cfg, request.seed, request.dut)
    elif not station_cfg.simulated:
        raise InputError(station_cfg.source, "", "a simulated world needs a station with sim:// resources")
    started = dt.datetime.now().astimezone()
    try:
        folder = new_run_folder(request.log_dir, request.profile.stem, request.serial, started)
    except OSError as exc:
        raise InputError("--log-dir", str(request.log_dir), f"cannot create the run folder: {exc.strerror}") from None
    if on_folder is not None:
        on_folder(folder)
    log = Logbook(folder, tuple(station_cfg.channels), started.timestamp())
    meta = _run_meta(folder, request, profile, station_cfg, world, started)
    log.write_json("run.json", meta)
    station = None
    try:
        station = open_station(station_cfg, world)
        meta["instruments"] = {role: {"driver": rc.driver, "resource": rc.resource} for role, rc in
                               station_cfg.roles.items()}
        for role, identity in station.identify().items():
            meta["instruments"][role]["identity"] = identity
        log.write_json("run.json", meta)
        clock = SimClock(world, request.speed) if world is not None else RealClock()
        outcome = Runner(profile, station, clock, log, view).run()
    except (KeyboardInterrupt, OperatorStop) as stop:  # stopped while opening: nothing was switched on
        problems = station.safe() if station is not None else []
        outcome = Outcome("ABORTED", f"operator stop ({str(stop) or 'Ctrl-C'})", safe_problems=problems)
    except Exception as exc:  # could not open or identify: nothing was switched on
        reason = f"instrument fault: {exc}" if not isinstance(exc, InputError) else str(exc)
        problems = station.safe() if station is not None else []
        log.event("fault", 0.0, reason=reason)
        outcome = Outcome("ERROR", reason, safe_problems=problems)
    finally:
        with deferred(reraise=False):
            if station is not None:
                station.close()
            log.close()
    with deferred(reraise=False):
        _finish(log, meta, outcome, profile)
    return outcome, folder


def _run_meta(folder: Path, request: Request, profile: Profile, station: StationConfig, world: Any,
              started: dt.datetime) -> dict[str, Any]:
    return {
        "id": folder.name,
        "status": "running",
        "verdict": None,
        "started": started.isoformat(timespec="seconds"),
        "ended": None,
        "operator": request.operator,
        "dut": {"serial": request.serial, "kind": profile.ratings.kind,
                "simulated_preset": None if world is None else world.dut_name},
        "profile": {"path": str(request.profile), "name": profile.name, "sha256": profile.sha256,
                    "text": profile.text},
        "station": {"path": station.source, "name": station.name, "text": station.text,
                    "simulated": station.simulated,
                    "seed": None if world is None else (request.seed if request.seed is not None else station.world.seed)},  # type: ignore[union-attr]
        "temperature_channels": {f"T{i}": name for i, name in enumerate(station.channels, 1)},
        "software": {"powerbench": bench.__version__, "python": platform.python_version(),
                     "platform": platform.platform()},
    }


def _finish(log: Logbook, meta: dict[str, Any], outcome: Outcome, profile: Profile) -> None:
    totals = outcome.run_totals
    duration = 0.0 if totals is None else totals.end - totals.start
    meta.update({
        "status": "finished",
        "verdict": outcome.verdict,
        "reason": outcome.reason,
        "ended": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "wall_time_s": round(time.time() - dt.datetime.fromisoformat(meta["started"]).timestamp(), 1),
        "test_time_s": round(duration, 3),
        "safe_state_confirmed": not outcome.safe_problems,
        "criteria": [r.to_json() for r in outcome.results],
        "totals": None if totals is None else totals.to_json(),
        "samples": log.rows,
    })
    log.write_json("run.json", meta)
    write_junit(log.folder / "junit.xml", profile.name, outcome.verdict, outcome.reason, outcome.results, duration)
