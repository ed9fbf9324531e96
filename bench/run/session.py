"""One run from start to finish, or an interrupted one taken up again: validate, open, run,
record, always leaving the bench safe."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import bench
from bench.record.verdict import Verdict
from bench.errors import InputError
from bench.profile.reader import Profile, parse_profile
from bench.record import notify, parquet, schema
from bench.record.checkpoint import Checkpointer
from bench.record.junit import JUnitWriter
from bench.record.logbook import Logbook
from bench.record.metadata import MetadataFile
from bench.record.records import Checkpoint, Event, RecordError, RunEnd, RunInfo, Sink, Sinks
from bench.record.runfile import RunFile
from bench.record.schema import claim_run_folder, new_run_folder
from bench.run import control, recovery
from bench.run.clock import Clock, RealClock, SimClock
from bench.run.control import ControlFile
from bench.run.engine import Outcome, Runner, hard_limit_conditions, new_state
from bench.product.label import Product, parse_product
from bench.run.preflight import check_against_station, plan, world_overrides
from bench.run import signals
from bench.run.stops import OperatorStop
from bench.station.config import NotifyConfig, StationConfig, load_station, parse_station
from bench.station.instruments import Station, open_station
from bench.units import hms, parse_as


SIMULATED_ONLY = "--speed, --seed, --lot, --dut and --defect apply to a simulated station only"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    profile: Path
    station: Path | None = None
    log_dir: Path = Path("logs")
    speed: float | None = None  # simulated bench only: N x real time (None: as fast as it goes)
    serial: str | None = None
    operator: str | None = None
    seed: int | None = None
    dut: str | None = None
    defects: tuple[str, ...] = ()  # simulated DUT defects, as `--defect NAME[:param=value,...]` writes them
    product: Path | None = None  # the label to judge against (--product), else the preset's or the profile's
    strict: bool = False  # --strict: a plausibility warning refuses the run (see preflight.plan)
    run_dir: Path | None = None  # --run-dir: the run folder itself, instead of a new one under log_dir
    junit: Path | None = None  # --junit: junit.xml written there too
    parquet: bool = False  # --parquet: the samples also as Parquet at the run's end (bench.record.parquet)
    lot: str | None = None  # --lot-id: the DUT's production lot (recorded, and indexed)
    index: str | None = None  # the run index's database URL (bench.record.index.parse_url), None: no index


def recorded_text(option: str, value: str | None) -> None:
    """A serial, operator or lot as it goes into the records, the index and every line about the
    run: printable text (a tab or a new line split the log's lines and the index's listings)."""
    if value is not None and not value.isprintable():
        raise InputError(option, repr(value), "expected printable text: no tab, new line or other control character")


def prepare(request: Request, warn: Callable[[Any], None] | None = None) -> tuple[Profile, StationConfig]:
    """Everything that can be checked before touching an instrument (InputError otherwise): the
    pre-flight `bench validate` runs (`plan`); on a simulated station, its world then holds the
    DUT the profile runs on. Plausibility warnings go to `warn` (a bench.run.plausibility.Finding
    each)."""
    for option, value in (("--serial", request.serial), ("--operator", request.operator), ("--lot-id", request.lot)):
        recorded_text(option, value)
    checked = plan(request.profile, request.station, dut=request.dut, product=request.product,
                   strict=request.strict, warn=warn)
    if (request.seed is not None or request.defects or request.speed is not None) and not checked.station.simulated:
        raise InputError(checked.station.source, "world", SIMULATED_ONLY)
    if request.seed is not None and checked.preset is not None:
        from drivers.sim.presets import dut_type

        if not dut_type(checked.preset).spreads:
            raise InputError("--seed", str(request.seed), f"{checked.preset} is its parameter set's nominal cell, with "
                             "no unit-to-unit spread to draw a unit of a lot from: run it without --seed and --lot")
    return checked.profile, checked.station


def make_world(station: StationConfig, seed: int | None, dut: str | None, defects: tuple[str, ...] = (),
               spread: Any = None) -> Any:
    """The simulated world behind the station's sim:// resources (None on a real bench), with the
    `--defect` specs applied (their quantities checked and converted with pint). `spread` (a
    drivers.sim.spread.Spread): the DUT is the unit of its lot that `seed` draws (its own
    capacity, resistances and leakage), not the preset's nominal unit."""
    if station.world is None:
        return None
    from drivers.sim.defects import parse_defect
    from drivers.sim.presets import dut_type
    from drivers.sim.world import World

    cfg = station.world
    name = dut or cfg.dut
    try:
        dut_type(name)
    except ValueError as exc:
        raise InputError(station.source, "world.dut", str(exc)) from None
    overrides = world_overrides(station, name)
    faults = []
    for spec in defects:
        try:
            faults.append(parse_defect(spec, lambda text, unit, key: parse_as(text, unit, "--defect", key)))
        except ValueError as exc:
            raise InputError("--defect", spec, str(exc)) from None
    try:
        return World(dut=name, seed=cfg.seed if seed is None else seed, ambient=cfg.ambient, overrides=overrides,
                     defects=faults, spread=spread)
    except ValueError as exc:
        raise InputError(station.source if not defects else "--defect", "world", str(exc)) from None


def _lot_spread(request: Request) -> Any:
    """`--seed N` names a unit of the lot: the preset with its own manufacturing spread drawn from
    N (without it, the simulated DUT is the preset's nominal unit, the same at every run)."""
    from drivers.sim.spread import Spread

    return Spread() if request.seed is not None else None


def _recorded_spread(meta: dict[str, Any]) -> Any:
    """The spread the run's world had (run.json dut.spread, checked by _read_meta), built again for a resume."""
    recorded = meta["dut"].get("spread")
    return None if recorded is None else _spread_of(recorded)


def _spread_of(recorded: Any) -> Any:
    """A drivers.sim.spread.Spread from its record ({"sigmas": {...}}), None if that is not one."""
    from drivers.sim.spread import Spread

    sigmas = recorded.get("sigmas") if isinstance(recorded, dict) else None
    try:
        return Spread(**sigmas) if isinstance(sigmas, dict) else None
    except (TypeError, ValueError):
        return None


def execute(request: Request, sinks: Sequence[Sink] = (), on_folder: Any = None, world: Any = None,
            warn: Callable[[Any], None] | None = None) -> tuple[Outcome, Path]:
    """Run the profile in a new run folder, created before any instrument is touched.

    `sinks` subscribe to the run's records beside its own (the live view, another output format);
    `world` replaces the station's simulated world (to run on one built or inspected by the caller);
    `warn` is given the pre-flight's plausibility warnings (see `prepare`), and a line of text if
    the run index (`request.index`) could not be brought up to date at the run's end.
    A rack station's channels are run by bench.run.rack.
    """
    profile, station_cfg = prepare(request, warn)
    if station_cfg.rack is not None:
        raise InputError(station_cfg.source, "channels", "a rack: its channels run together (bench.run.rack.execute)")
    if world is None:
        world = make_world(station_cfg, request.seed, request.dut, request.defects, _lot_spread(request))
    elif not station_cfg.simulated:
        raise InputError(station_cfg.source, "", "a simulated world needs a station with sim:// resources")
    started = begin(request, profile, station_cfg, world, sinks, on_folder, warn)
    return drive(started), started.folder


@dataclass
class Started:
    """A run ready to go (its folder, records and runner made; no instrument touched yet), or an
    interrupted one ready to go on (`resumed`: the event that says so)."""

    runner: Runner
    folder: Path
    station: StationConfig
    world: Any
    meta: dict[str, Any]
    resumed: Event | None = None

    def record(self) -> None:
        """run.json as the run starts (status running): a folder that a kill leaves behind from
        here on is one `bench resume` takes up."""
        self.meta["status"] = "running"
        next(s for s in self.runner.sinks.sinks if isinstance(s, RunFile)).write()


def begin(request: Request, profile: Profile, station_cfg: StationConfig, world: Any, sinks: Sequence[Sink] = (),
          on_folder: Any = None, warn: Callable[[Any], None] | None = None, folder: Path | None = None) -> Started:
    """A new run's folder, records and runner, for the profile and station `prepare` checked and
    the simulated `world` (None on a real bench). `folder`: the run folder, already made."""
    if request.parquet:
        _need_pyarrow("--parquet", "")
    to = notify.targets(station_cfg.notify)
    _check_junit(request.junit)
    started = dt.datetime.now().astimezone()
    if folder is None:
        folder = _new_folder(request, started)
    if on_folder is not None:
        on_folder(folder)
    layout = _layout(profile, station_cfg)
    meta = _run_meta(folder, request, profile, station_cfg, layout, world, started)
    log = Logbook(folder, layout, meta["unix_start"], ambient=_ambient(layout, world))
    clock = SimClock(world, request.speed) if world is not None else RealClock()
    state = new_state(profile, layout.channels)
    observers = _indexed(request.index, folder, profile, warn) + list(sinks)
    runner = Runner(profile, station_cfg, clock, _sinks(folder, log, profile, meta, layout, station_cfg, observers,
                                                        request.junit, to), state,
                    ControlFile(folder))
    return Started(runner, folder, station_cfg, world, meta)


def _new_folder(request: Request, started: dt.datetime) -> Path:
    """The run folder: `--run-dir` itself, else a new one under `--log-dir` (InputError if it cannot be made)."""
    if request.run_dir is not None:
        try:
            return claim_run_folder(request.run_dir)
        except FileExistsError:
            raise InputError("--run-dir", str(request.run_dir),
                             "exists and is not an empty folder: a run folder is never reused") from None
        except OSError as exc:
            raise InputError("--run-dir", str(request.run_dir),
                             f"cannot create the run folder: {exc.strerror}") from None
    try:
        return new_run_folder(request.log_dir, request.profile.stem, request.serial, started)
    except OSError as exc:
        if isinstance(exc, (FileExistsError, NotADirectoryError)) and not request.log_dir.is_dir():
            raise InputError("--log-dir", str(request.log_dir), "is a file, or inside one: give a folder (made "
                             "if missing) to create run folders in") from None
        raise InputError("--log-dir", str(request.log_dir),
                         f"cannot create the run folder: {exc.strerror or exc}") from None

def _indexed(url: str | None, folder: Path, profile: Profile, warn: Callable[[Any], None] | None) -> list[Sink]:
    """The run index's sink, first of the observers (so that one after it sees what it was given)."""
    if url is None:
        return []
    from bench.record.index_sink import IndexSink
    from bench.run.progress import Tracker

    period = max([profile.period] + [step.period for step in profile.steps() if step.period])
    return [IndexSink(url, folder, period, Tracker(), warn)]


def _check_junit(path: Path | None) -> None:
    """`--junit` names a file written at the run's end: its folder is made now, and a path that
    cannot be such a file is refused before anything is switched on."""
    if path is None:
        return
    if path.is_dir():
        raise InputError("--junit", str(path), "is a folder: give the path of the file to write")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if isinstance(exc, (FileExistsError, NotADirectoryError)):  # a file where a folder of the path is due
            raise InputError("--junit", str(path), "is inside a file: give a path whose folders are folders "
                             "(made if missing)") from None
        raise InputError("--junit", str(path), f"cannot create its folder: {exc.strerror}") from None


def resume(folder: Path, speed: float | None = None, sinks: Sequence[Sink] = (), station: Path | None = None,
           junit: Path | None = None, index: str | None = None,
           warn: Callable[[Any], None] | None = None) -> tuple[Outcome, Path]:
    """Take up an interrupted run (see `take_up`) and run it to its end; a rack channel's run
    goes on through its rack (bench.run.rack)."""
    started = take_up(folder, speed, sinks, station, junit, index, warn)
    if started.station.channel is not None:
        from bench.run.rack import drive_channel

        return drive_channel(started), folder
    return drive(started), folder


def take_up(folder: Path, speed: float | None = None, sinks: Sequence[Sink] = (), station: Path | None = None,
            junit: Path | None = None, index: str | None = None,
            warn: Callable[[Any], None] | None = None) -> Started:
    """Take up an interrupted run (crash, kill -9, power cut, full disk) or one an operator
    stopped, from its last checkpoint; on the simulated bench at `speed`, else at the speed the
    run recorded.

    The folder is data, checked before use: nothing in it is executed, and a damaged run.json or
    checkpoint, or a missing checkpoint once rows were taken, is an InputError naming the file
    (never a run that silently differs). The station is the one run.json recorded, or the file
    `station` if given; a difference between them, or with the file now at the recorded path,
    is recorded and shown (a "station_changed" event) before any instrument is opened, and the
    instruments must answer as they did. Rows that a power cut took from what the checkpoint
    counted are a "gap" event, and the rows counted are those on disk. The run index at `index`
    (a database URL) is kept up to date as `execute` keeps it, and `warn` told if it could not be.

    A run.json that still says "running" with no process holding the run is taken up from the
    last checkpoint like a crash. If the events after that checkpoint show that the run had in
    fact ended (its end could not be written: a full disk), the "resumed" event says so and how
    ("run.json was not updated: the run ended: <reason>; resuming from the last checkpoint").
    """
    from bench.record.runfile import reopen

    _check_junit(junit)
    meta = _read_meta(folder)
    status = meta["status"]
    if status == "finished":
        raise InputError(str(folder / schema.RUN), "status",
                         f"the run has finished ({meta.get('verdict')}): nothing to resume")
    if control.is_running(folder):
        raise InputError(str(folder), "", "a process is running this run right now (see run.lock)")
    if "parquet" in meta.get("exports", {}):
        _need_pyarrow(str(folder / schema.RUN), "exports.parquet")
    profile = parse_profile(meta["profile"]["text"], meta["profile"]["path"], recorded_product(meta))
    station_cfg, changed = _resume_station(meta, profile, station)
    channel = meta["station"].get("channel")
    if channel is not None:  # a rack's DUT channel goes on on its own channel of that rack
        if station is not None:
            raise InputError("--station", str(station), "a rack channel's run goes on on the rack it started on")
        if station_cfg.rack is None or channel not in station_cfg.rack.channels:
            raise InputError(str(folder / schema.RUN), "station.channel", f"the recorded station has no channel "
                             f"{channel!r}")
        station_cfg = station_cfg.rack.channels[channel].station
    if speed is not None and not station_cfg.simulated:
        raise InputError(station_cfg.source, "world", SIMULATED_ONLY)
    if speed is None:  # the run goes on at the pace it was started at (or last resumed at)
        speed = meta.get("speed")
    meta["speed"] = speed
    to = notify.targets(station_cfg.notify)
    layout = _layout(profile, station_cfg)
    saved = recovery.load(folder, profile, layout)
    state = saved.state
    simulated = station_cfg.simulated
    world = None
    if simulated:  # the world as the run built it, then where the checkpoint left it
        world = make_world(station_cfg, meta["station"]["seed"], meta["dut"]["simulated_preset"],
                           tuple(meta["dut"].get("defect_specs", ())), _recorded_spread(meta))
        if saved.checkpointed:
            _restore_world(world, saved.world, folder / schema.CHECKPOINT)
    hole = recovery.lost(folder, saved)
    files = saved.files
    cut_events = recovery.cut(folder, files, samples=simulated)
    unrecorded = recovery.run_end_unrecorded(cut_events) if status == "running" else None
    if simulated:
        clock: Clock = SimClock(world, speed, origin=0.0)
        gap, cut_events = 0.0, []  # what was cut happens again, the same
    else:
        clock = RealClock()
    (folder / schema.CONTROL).unlink(missing_ok=True)  # a pause asked of the dead process is void
    log = Logbook(folder, layout, meta["unix_start"], rows=files["rows"], ambient=_ambient(layout, world))
    observers = _indexed(index, folder, profile, warn) + list(sinks)
    runner = Runner(profile, station_cfg, clock, _sinks(folder, log, profile, meta, layout, station_cfg, observers,
                                                        junit, to), state,
                    ControlFile(folder))
    if not simulated:
        log.rows += runner.replay(recovery.rows_after(folder, files["samples"], layout))
        gap = max(0.0, time.time() - (meta["unix_start"] + state.test_time))
        runner.clock = RealClock(offset=state.test_time + gap)
    now = runner.clock.now()
    for kind, (said, text) in (("gap", hole), ("station_changed", changed)):
        if said:
            runner.sinks.emit("event", Event(kind, now, said, text))
    fields: dict[str, Any] = {
        "gap_s": round(gap, 3), "rows": log.rows, "step_count": state.step.count if state.step else 0,
        "step_ended": state.step is not None and state.step.ended_by is not None, "policy": profile.on_resume,
        **({"cut_events": cut_events} if cut_events else {})}
    message: str | None = None
    if status == "stopped":
        fields["stopped"] = meta.get("reason")
        message = f"resuming the stopped run ({meta.get('reason')}) from its last checkpoint (at {hms(saved.test_time)})"
    elif unrecorded is not None:
        fields["ended"] = unrecorded
        message = f"run.json was not updated: {unrecorded}; resuming from the last checkpoint (at {hms(saved.test_time)})"
    else:  # the process went without a word: a crash, a kill -9, a power cut
        after = "what followed it runs again" if simulated else "the rows on disk after it are kept"
        message = f"resuming the interrupted run from its last checkpoint (at {hms(saved.test_time)}): {after}"
    reopen(meta)
    meta["resumes"] = meta.get("resumes", 0) + 1
    return Started(runner, folder, station_cfg, world, meta, Event("resumed", now, fields, message))


def recorded_product(meta: dict[str, Any]) -> Product | None:
    """The product a run was judged against, read again from the label text run.json recorded
    (None: the profile's own [dut]): a resume judges against it, and `bench watch` shows it."""
    recorded = meta.get("product") or {}
    return None if recorded.get("text") is None else parse_product(recorded["text"], recorded["source"])


def _read_meta(folder: Path) -> dict[str, Any]:
    """run.json of a run to resume, with what a resume reads checked (InputError otherwise)."""
    path = folder / schema.RUN
    try:
        meta = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(folder), schema.RUN, f"not a readable run folder ({exc})") from None
    if not isinstance(meta, dict):
        raise InputError(str(path), "", f"expected a JSON object, found {type(meta).__name__}: not a run's run.json")
    number, text, table = (int, float), (str,), (dict,)
    for key, kinds in (("status", text), ("unix_start", number), ("profile", table), ("profile.text", text),
                       ("profile.path", text), ("station", table), ("station.text", text), ("station.path", text),
                       ("station.seed", (int, type(None))), ("dut", table), ("dut.simulated_preset", (str, type(None))),
                       ("instruments", table)):
        value: Any = meta
        for part in key.split("."):
            if part not in value:
                raise InputError(str(path), key, "missing: not a run's run.json, or a damaged one")
            value = value[part]
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise InputError(str(path), key, f"expected {' or '.join(k.__name__ for k in kinds)}, "
                             f"found {type(value).__name__}")
    if meta["status"] not in ("running", "stopped", "finished"):
        raise InputError(str(path), "status", f"expected running, stopped or finished, found {meta['status']!r}")
    specs = meta["dut"].get("defect_specs", [])
    product = meta.get("product", {})
    spread = meta["dut"].get("spread")
    for key, fine in (("dut.defect_specs", isinstance(specs, list) and all(isinstance(s, str) for s in specs)),
                      ("dut.spread", spread is None or _spread_of(spread) is not None),
                      ("product", isinstance(product, dict) and isinstance(product.get("text"), (str, type(None)))
                       and isinstance(product.get("source", ""), str)),
                      ("instruments", all(isinstance(v, dict) for v in meta["instruments"].values())),
                      ("exports", isinstance(meta.get("exports", {}), dict)),
                      ("resumes", type(meta.get("resumes", 0)) is int),
                      ("speed", meta.get("speed") is None or type(meta["speed"]) in (int, float) and meta["speed"] > 0)):
        if not fine:
            raise InputError(str(path), key, "damaged: not what bench run writes there")
    return meta


DIFF_LINES = 20  # of a station difference shown before a resume


def _resume_station(meta: dict[str, Any], profile: Profile, given: Path | None
                    ) -> tuple[StationConfig, tuple[dict[str, Any], str]]:
    """The station a resume uses (`given`, else the one recorded in run.json) and, if it differs
    from the recorded one or the file at the recorded path does, the fields and message of the
    event that shows it (which file is used, a short unified diff; empty if nothing differs).
    A station that cannot carry on the run is refused."""
    import difflib

    recorded = meta["station"]
    before = parse_station(recorded["text"], recorded["path"])
    if given is None:
        try:
            other, other_name = Path(recorded["path"]).read_text(encoding="utf-8"), recorded["path"]
        except (OSError, ValueError):
            return before, ({}, "")
        station_cfg = before
        used = (f"station: using the one recorded in run.json; {recorded['path']} has changed since the run "
                "started (--station to use a file)")
    else:
        station_cfg = load_station(given)
        other, other_name = station_cfg.text, str(given)
        used = f"station: using {given} (--station), which differs from the one the run started with"
        if station_cfg.simulated != before.simulated:
            kinds = ("a real", "a simulated")
            raise InputError(str(given), "", f"the run was started on {kinds[before.simulated]} bench: a resume "
                             f"cannot take it to {kinds[station_cfg.simulated]} one")
        if tuple(station_cfg.channels) != tuple(before.channels):
            raise InputError(str(given), "thermo.channels", f"the run records {', '.join(before.channels)}, in that "
                             f"order; this station has {', '.join(station_cfg.channels) or 'none'}")
        check_against_station(profile, station_cfg)
        recorded.update(path=str(given), name=station_cfg.name, text=station_cfg.text)
    if other == before.text:
        return station_cfg, ({}, "")
    diff = list(difflib.unified_diff(before.text.splitlines(), other.splitlines(), "recorded in run.json",
                                     other_name, lineterm="", n=1))
    if len(diff) > DIFF_LINES:
        diff = diff[:DIFF_LINES] + [f"... ({len(diff) - DIFF_LINES} more lines)"]
    fields = {"station": station_cfg.source, "recorded": before.source, "diff": "\n".join(diff)}
    return station_cfg, (fields, used + "\n" + fields["diff"])


def _restore_world(world: Any, saved: Any, path: Path) -> None:
    """The simulated world where the checkpoint left it (InputError if the state is not its own)."""
    if not isinstance(saved, dict) or not saved:
        raise InputError(str(path), "world", "empty: a simulated run's checkpoint holds its world's state")
    try:
        world.restore(saved)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        raise InputError(str(path), "world", f"not the simulated world this run was started with ({exc})") from None


def _layout(profile: Profile, station: StationConfig) -> schema.Layout:
    """The columns of the run's samples (bench.record.schema): they follow the DUT's kind (a power
    bank's two ports) and the station's temperature channels."""
    return schema.Layout(tuple(station.channels), profile.ratings.kind == "power bank", station.simulated)


def _ambient(layout: schema.Layout, world: Any) -> Any:
    """The simulated chamber's temperature over test time, where the samples take the ambient from it."""
    return world.ambient if layout.world_ambient else None


def _sinks(folder: Path, log: Logbook, profile: Profile, meta: dict[str, Any], layout: schema.Layout,
           station: StationConfig, extra: Sequence[Sink], junit: Path | None, to: NotifyConfig) -> Sinks:
    """The run folder's own sinks, the logbook first (it tells the checkpoint and run.json how far
    its files go), the Parquet export if asked before run.json and the sidecar (they name its
    file); then the caller's, then the notifier when there is somewhere to tell how the run ended
    (`to`). junit.xml is also written to `junit` if given."""
    export = [parquet.ParquetExport(folder, meta)] if "parquet" in meta.get("exports", {}) else []
    facts = {"run_folder": str(folder.absolute()), "started": meta["started"], "dut_serial": meta["dut"]["serial"],
             "operator": meta["operator"], "station": meta["station"]["name"]}
    junit_writer = JUnitWriter(folder, profile.name, [c.name for c in profile.criteria], facts, junit)
    told = [notify.Notifier(to, meta, folder)] if to.webhook or to.apprise else []
    return Sinks([log, Checkpointer(folder), *export, RunFile(folder, meta),
                  MetadataFile(folder, meta, layout, station.channels), junit_writer], observers=[*extra, *told])


def _need_pyarrow(source: str, key: str) -> None:
    """The Parquet export's library, checked before anything is switched on."""
    if not parquet.available():
        raise InputError(source, key, f"the Parquet export needs pyarrow: {parquet.INSTALL}")


def drive(started: Started, opener: Callable[[], Station] | None = None) -> Outcome:
    """Hold the run folder, record where the run starts from, open and identify the instruments
    (`opener`: a rack channel's, which the rack opened), run, and record the end."""
    runner, folder, station_cfg, world, meta, resumed = (started.runner, started.folder, started.station,
                                                         started.world, started.meta, started.resumed)
    sinks = runner.sinks
    runfile = next(s for s in sinks.sinks if isinstance(s, RunFile))
    lock = control.RunLock(folder)
    if not lock.acquire():
        raise InputError(str(folder), "", "a process is running this run right now (see run.lock)")
    station = None
    try:  # a stop asked for on the way in is taken at each stage, nothing switched on yet
        started.record()
        sinks.emit("run_info", RunInfo(runner.clock.now(), meta, runner.profile,
                                       hard_limit_conditions(station_cfg.limits), runner.state))
        if resumed is not None:
            sinks.emit("event", resumed)
        # a run killed from here on can be resumed from this point
        sinks.emit("checkpoint", Checkpoint(runner.clock.now(), runner.state, world))
        signals.check()
        station = opener() if opener is not None else open_station(station_cfg, world)
        signals.check()
        _identify(station, station_cfg, meta, resumed=resumed is not None)
        runfile.write()
        signals.check()
        outcome = runner.run(station)
    except (KeyboardInterrupt, OperatorStop) as stop:
        reason = stop.reason if isinstance(stop, OperatorStop) else OperatorStop("Ctrl-C").reason
        outcome = _not_started(runner, station, Verdict.ABORTED, reason, True, getattr(stop, "safe_problems", None))
    except RecordError as exc:
        outcome = _not_started(runner, station, Verdict.ERROR, f"records: {exc}")
    except Exception as exc:  # could not open or identify: a resume stays resumable, once they answer
        outcome = _not_started(runner, station, Verdict.ERROR, f"instrument fault: {exc}", resumed is not None,
                               getattr(exc, "safe_problems", None))
    finally:
        if station is not None:
            station.close()
    log.info("%s ended %s: %s", folder, outcome.verdict, outcome.reason)
    try:
        sinks.emit("run_end", RunEnd(outcome))
    except (RecordError, OSError) as exc:  # the operator still gets the verdict; resume reads what is left
        outcome.reason = f"{outcome.reason}; the end of the run could not be recorded: {exc}"
    finally:
        (folder / schema.CONTROL).unlink(missing_ok=True)
        lock.release()
        (folder / schema.LOCK).unlink(missing_ok=True)
    return outcome


def _not_started(runner: Runner, station: Any, verdict: Verdict, reason: str, resumable: bool = False,
                 unopened: list[str] | None = None) -> Outcome:
    """The outcome of a run that ended before the engine took it (nothing switched on by it; a
    bench left on by an earlier crash is switched off all the same), with its event. `unopened`:
    what open_station could not confirm off when an instrument did not open. As at any end, a
    bench not confirmed safe is an ERROR that says so."""
    problems = station.safe() if station is not None else list(unopened or ())
    kind = "operator_stop" if verdict is Verdict.ABORTED else "fault"
    if problems:
        verdict, reason = Verdict.ERROR, f"{reason}; SAFE STATE NOT CONFIRMED: {problems}"
    try:
        runner.sinks.emit("event", Event(kind, runner.clock.now(), {"reason": reason, "safe_problems": problems},
                                         reason))
    except (RecordError, OSError):
        pass  # the reason still reaches run.json if the disk takes it
    return Outcome(verdict, reason, safe_problems=problems, resumable=resumable)


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
    for role, instrument in meta["instruments"].items():
        log.info("%s: %s at %s answers %r", role, instrument["driver"], instrument["resource"], instrument["identity"])


def _run_meta(folder: Path, request: Request, profile: Profile, station: StationConfig, layout: schema.Layout,
              world: Any, started: dt.datetime) -> dict[str, Any]:
    return {
        "id": folder.name,
        "status": "running",
        "verdict": None,
        "started": started.isoformat(timespec="seconds"),
        "unix_start": started.timestamp(),
        "ended": None,
        "operator": request.operator,
        "speed": request.speed,  # simulated bench: N x real time (null: as fast as it goes); a resume keeps it
        "host": platform.node(),  # the computer that ran the bench (traceability)
        "dut": {"serial": request.serial, "lot": request.lot, "kind": profile.ratings.kind,
                "simulated_preset": None if world is None else world.dut_name,
                "defects": [] if world is None else [{"name": d.name, **vars(d)} for d in world.defects],
                "defect_specs": list(request.defects),
                "spread": None if world is None or world.spread is None else
                {"sigmas": dataclasses.asdict(world.spread), "factors": world.spread.factors(world.seed)}},
        "profile": {"path": str(request.profile), "name": profile.name, "sha256": profile.sha256,
                    "text": profile.text},
        "product": profile.product.to_json(),
        "station": {"path": station.source, "name": station.name, "text": station.text,
                    "simulated": station.simulated, "channel": station.channel,  # a rack's DUT channel
                    "seed": None if station.world is None else
                    (request.seed if request.seed is not None else station.world.seed)},
        "temperature_channels": dict(layout.temperatures),  # channel name -> its column of the samples
        "software": {"powerbench": bench.__version__, "python": platform.python_version(),
                     "platform": platform.platform()},
        "instruments": {},
        **({"exports": {"parquet": None}} if request.parquet else {}),  # filled in at the run's end
    }
