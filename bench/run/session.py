"""One run from start to finish, or an interrupted one taken up again: validate, open, run,
record, always leaving the bench safe."""
from __future__ import annotations

import datetime as dt
import json
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import bench
from bench.analysis.verdict import Verdict
from bench.errors import InputError
from bench.profile.reader import Profile, load_profile, parse_profile
from bench.record import schema
from bench.record.checkpoint import Checkpointer
from bench.record.junit import JUnitWriter
from bench.record.logbook import Logbook
from bench.record.records import Checkpoint, Event, RunEnd, Sink, Sinks
from bench.record.runfile import RunFile
from bench.record.schema import new_run_folder
from bench.run import control, recovery
from bench.run.clock import Clock, RealClock, SimClock
from bench.run.control import ControlFile
from bench.run.engine import Outcome, Runner, new_state
from bench.run.preflight import check_against_station
from bench.run.signals import deferred
from bench.run.stops import OperatorStop
from bench.station.config import StationConfig, load_station, parse_station
from bench.station.instruments import open_station
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
    defects: tuple[str, ...] = ()  # simulated DUT defects, as `--defect NAME[:param=value,...]` writes them


def prepare(request: Request) -> tuple[Profile, StationConfig]:
    """Everything that can be checked before touching an instrument (InputError otherwise)."""
    profile = load_profile(request.profile)
    station = load_station(request.station)
    check_against_station(profile, station)
    if (request.seed is not None or request.dut is not None or request.defects) and not station.simulated:
        raise InputError(station.source, "world", "--seed, --dut and --defect apply to a simulated station only")
    return profile, station


def make_world(station: StationConfig, seed: int | None, dut: str | None, defects: tuple[str, ...] = ()) -> Any:
    """The simulated world behind the station's sim:// resources (None on a real bench), with the
    `--defect` specs applied (their quantities checked and converted with pint)."""
    if station.world is None:
        return None
    from drivers.sim.defects import parse_defect
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
    faults = []
    for spec in defects:
        try:
            faults.append(parse_defect(spec, lambda text, unit, key: parse_as(text, unit, "--defect", key)))
        except ValueError as exc:
            raise InputError("--defect", spec, str(exc)) from None
    try:
        return World(dut=name, seed=cfg.seed if seed is None else seed, ambient=cfg.ambient, overrides=overrides,
                     defects=faults)
    except ValueError as exc:
        raise InputError(station.source if not defects else "--defect", "world", str(exc)) from None


def execute(request: Request, sinks: Sequence[Sink] = (), on_folder: Any = None, world: Any = None
            ) -> tuple[Outcome, Path]:
    """Run the profile in a new run folder, created before any instrument is touched.

    `sinks` subscribe to the run's records beside its own (the live view, another output format);
    `world` replaces the station's simulated world (to run on one built or inspected by the caller).
    """
    profile, station_cfg = prepare(request)
    if world is None:
        world = make_world(station_cfg, request.seed, request.dut, request.defects)
    elif not station_cfg.simulated:
        raise InputError(station_cfg.source, "", "a simulated world needs a station with sim:// resources")
    started = dt.datetime.now().astimezone()
    try:
        folder = new_run_folder(request.log_dir, request.profile.stem, request.serial, started)
    except OSError as exc:
        raise InputError("--log-dir", str(request.log_dir), f"cannot create the run folder: {exc.strerror}") from None
    if on_folder is not None:
        on_folder(folder)
    meta = _run_meta(folder, request, profile, station_cfg, world, started)
    channels = tuple(station_cfg.channels)
    log = Logbook(folder, channels, meta["unix_start"])
    clock = SimClock(world, request.speed) if world is not None else RealClock()
    state = new_state(profile, channels)
    runner = Runner(profile, station_cfg, clock, _sinks(folder, log, profile, meta, sinks), state, ControlFile(folder))
    return _drive(runner, folder, station_cfg, world, meta, None), folder


def resume(folder: Path, speed: float | None = None, sinks: Sequence[Sink] = ()) -> tuple[Outcome, Path]:
    """Take up an interrupted run (crash, kill -9, power cut) from its last checkpoint."""
    meta_path = folder / schema.RUN
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(folder), schema.RUN, f"not a readable run folder ({exc})") from None
    if meta.get("status") == "finished":
        raise InputError(str(meta_path), "status", f"the run has finished ({meta.get('verdict')}): nothing to resume")
    if control.is_running(folder):
        raise InputError(str(folder), "", "a process is running this run right now (see run.lock)")
    profile = parse_profile(meta["profile"]["text"], meta["profile"]["path"])
    station_cfg = parse_station(meta["station"]["text"], meta["station"]["path"])
    channels = tuple(station_cfg.channels)
    state, world_state, files = recovery.load(folder, profile, channels)
    simulated = station_cfg.simulated
    world = None
    if simulated:  # the world as the run built it, then where the checkpoint left it
        world = make_world(station_cfg, meta["station"]["seed"], meta["dut"]["simulated_preset"],
                           tuple(meta["dut"].get("defect_specs", ())))
        if world_state is not None:
            try:
                world.restore(world_state)
            except ValueError as exc:
                raise InputError(str(folder / schema.CHECKPOINT), "world",
                                 f"not the simulated world this run was started with ({exc})") from None
    cut_events = recovery.cut(folder, files, samples=simulated)
    rows = files["rows"]
    if simulated:
        clock: Clock = SimClock(world, speed, origin=0.0)
        gap, cut_events = 0.0, []  # what was cut happens again, the same
    else:
        clock = RealClock()
    (folder / schema.CONTROL).unlink(missing_ok=True)  # a pause asked of the dead process is void
    log = Logbook(folder, channels, meta["unix_start"], rows=rows)
    runner = Runner(profile, station_cfg, clock, _sinks(folder, log, profile, meta, sinks), state, ControlFile(folder))
    if not simulated:
        log.rows += runner.replay(recovery.rows_after(folder, files["samples"]))
        gap = max(0.0, time.time() - (meta["unix_start"] + state.test_time))
        runner.clock = RealClock(offset=state.test_time + gap)
    meta["resumes"] = meta.get("resumes", 0) + 1
    resumed = Event("resumed", runner.clock.now(), {
        "gap_s": round(gap, 3), "rows": log.rows, "step_count": state.step.count if state.step else 0,
        "step_ended": state.step is not None and state.step.ended_by is not None, "policy": profile.on_resume,
        **({"cut_events": cut_events} if cut_events else {})})
    return _drive(runner, folder, station_cfg, world, meta, resumed), folder


def _sinks(folder: Path, log: Logbook, profile: Profile, meta: dict[str, Any], extra: Sequence[Sink]) -> Sinks:
    """The run folder's own sinks, the logbook first (it tells the checkpoint and run.json how far
    its files go), then the caller's."""
    return Sinks([log, Checkpointer(folder), RunFile(folder, meta), JUnitWriter(folder, profile.name), *extra])


def _drive(runner: Runner, folder: Path, station_cfg: StationConfig, world: Any, meta: dict[str, Any],
           resumed: Event | None) -> Outcome:
    """Hold the run folder, record where the run starts from, open and identify the instruments,
    run, and record the end."""
    sinks = runner.sinks
    runfile = next(s for s in sinks.sinks if isinstance(s, RunFile))
    lock = control.RunLock(folder)
    if not lock.acquire():
        raise InputError(str(folder), "", "a process is running this run right now (see run.lock)")
    meta["status"] = "running"
    runfile.write()
    if resumed is not None:
        sinks.emit("event", resumed)
    # a run killed from here on can be resumed from this point
    sinks.emit("checkpoint", Checkpoint(runner.clock.now(), runner.state, world))
    station = None
    try:
        station = open_station(station_cfg, world)
        _identify(station, station_cfg, meta, resumed=resumed is not None)
        runfile.write()
        outcome = runner.run(station)
    except (KeyboardInterrupt, OperatorStop) as stop:  # stopped while opening: nothing was switched on
        problems = station.safe() if station is not None else []
        reason = stop.reason if isinstance(stop, OperatorStop) else OperatorStop("Ctrl-C").reason
        outcome = Outcome(Verdict.ABORTED, reason, safe_problems=problems)
    except Exception as exc:  # could not open or identify: nothing was switched on
        problems = station.safe() if station is not None else []
        sinks.emit("event", Event("fault", runner.clock.now(), {"reason": f"instrument fault: {exc}"}))
        outcome = Outcome(Verdict.ERROR, f"instrument fault: {exc}", safe_problems=problems)
    finally:
        with deferred(reraise=False):
            if station is not None:
                station.close()
    with deferred(reraise=False):
        sinks.emit("run_end", RunEnd(outcome))
        (folder / schema.CONTROL).unlink(missing_ok=True)
        lock.release()
        (folder / schema.LOCK).unlink(missing_ok=True)
    return outcome


def _identify(station: Any, config: StationConfig, meta: dict[str, Any], resumed: bool) -> None:
    """Record who answered; on a resume, the same instruments must answer."""
    identities = station.identify()
    if resumed:
        for role, identity in identities.items():
            before = meta["instruments"].get(role, {}).get("identity")
            if before is not None and before != identity:
                raise InputError(config.source, f"{role}.resource", f"now answers {identity!r}, but the run "
                                 f"started with {before!r}: refusing to mix instruments in one run")
    meta["instruments"] = {role: {"driver": rc.driver, "resource": rc.resource, "identity": identities[role]}
                           for role, rc in config.roles.items()}


def _run_meta(folder: Path, request: Request, profile: Profile, station: StationConfig, world: Any,
              started: dt.datetime) -> dict[str, Any]:
    return {
        "id": folder.name,
        "status": "running",
        "verdict": None,
        "started": started.isoformat(timespec="seconds"),
        "unix_start": started.timestamp(),
        "ended": None,
        "operator": request.operator,
        "dut": {"serial": request.serial, "kind": profile.ratings.kind,
                "simulated_preset": None if world is None else world.dut_name,
                "defects": [] if world is None else [{"name": d.name, **vars(d)} for d in world.defects],
                "defect_specs": list(request.defects)},
        "profile": {"path": str(request.profile), "name": profile.name, "sha256": profile.sha256,
                    "text": profile.text},
        "station": {"path": station.source, "name": station.name, "text": station.text,
                    "simulated": station.simulated,
                    "seed": None if station.world is None else
                    (request.seed if request.seed is not None else station.world.seed)},
        "temperature_channels": {f"T{i}": name for i, name in enumerate(station.channels, 1)},
        "software": {"powerbench": bench.__version__, "python": platform.python_version(),
                     "platform": platform.platform()},
        "instruments": {},
    }
