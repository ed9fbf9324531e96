"""A rack run: every DUT channel of a rack station at once, each a run of its own (its folder,
records and verdict) in a thread of its own, on the instruments the rack shares.

The channels' run folders sit in one lot folder with rack.json, which names them (and, once they
ended, their verdicts); `bench resume LOT_DIR` takes up every channel that did not end. A safety
trip, a fault or a lost thermocouple ends one channel, switched off, and the others go on; an
instrument that several channels share and that does not come back within the grace time ends
them all (a station fault), each switched off and confirmed.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from bench.record.verdict import Verdict
from bench.errors import InputError
from bench.record.rackfile import is_lot, read_lot, write_lot
from bench.record.records import Sink
from bench.record.runfile import Ended
from bench.record.schema import RACK, RUN, new_run_folder
from bench.run.engine import Outcome
from bench.run import signals
from bench.run.session import Request, Started, begin, drive, make_world, prepare, recorded_text, take_up
from bench.run.stops import Fault, RunEnded
from bench.station.config import StationConfig
from bench.station.instruments import open_rack
from drivers.roles import InstrumentError
from bench.station.rack import check_defect, check_own_line

SinksFor = Callable[[str, "str | None"], Sequence[Sink]]  # (channel, serial) -> the sinks it also feeds
JOIN = 0.1  # s between two looks at the channels' threads


@dataclass
class ChannelRun:
    """One DUT channel of a rack run: who it is, where its run folder is, how it ended."""

    name: str
    serial: str | None
    folder: Path
    outcome: Outcome | None = None
    recorded: Ended | None = None  # the end of a channel that had ended before a resume: it stands

    @property
    def end(self) -> Ended | None:
        """How the channel's run ended: in this run, else before it (None: it has not ended)."""
        return Ended.of(self.outcome) if self.outcome is not None else self.recorded


EMPTY = "-"  # the serial of a channel with no DUT today: it is left out of the run


def units(station: StationConfig | Path | None, given: Sequence[str], seed: int | None = None
          ) -> list[tuple[str, str | None]]:
    """(channel, serial) of the channels that hold a DUT, in the rack's channel order: the serials
    given (`--serial` repeated or a serial file, one per channel, "-" for a channel left empty),
    else on a simulated rack each channel's unit of the lot ("unit-<seed>": channel n holds unit
    `seed` + n - 1, default the rack's [world] seed), else InputError."""
    if not isinstance(station, StationConfig):
        from bench.station.config import load_station

        station = load_station(station)
    names = list(station.rack.channels)
    if given and len(given) != len(names):
        raise InputError("--serial", " ".join(given), f"{len(given)} serial(s) for {len(names)} channels: give one "
                         f"--serial per channel, in channel order ({', '.join(names)}), '{EMPTY}' for an empty one")
    if given:
        for serial in given:
            recorded_text("--serial", serial)
        chosen = [(name, serial) for name, serial in zip(names, given) if serial != EMPTY]
        if not chosen:
            raise InputError("--serial", " ".join(given), "every channel is empty: nothing to run")
        return chosen
    if station.world is None:
        raise InputError("--serial", "", f"a rack needs each DUT's serial: one --serial per channel, in channel "
                         f"order ({', '.join(names)}), or --serials FILE")
    first = station.world.seed if seed is None else seed
    return [(name, f"unit-{first + n}") for n, name in enumerate(names)]


def channel_defects(station: StationConfig, specs: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """`--defect CHANNEL=NAME[:param=value,...]` by channel, after the rack file's own `defects`."""
    rack = station.rack
    out = {name: channel.defects for name, channel in rack.channels.items()}
    for spec in specs:
        head, sep, rest = spec.partition("=")
        if not sep or ":" in head or head not in rack.channels or not rest:
            raise InputError("--defect", spec, f"on a rack, name the channel: CHANNEL=NAME[:param=value,...], e.g. "
                             f"'{next(iter(rack.channels))}=counterfeit'; channels: {', '.join(rack.channels)}")
        check_defect(rest, "--defect", spec)
        check_own_line(rack, head, rest, "--defect", spec)
        out[head] += (rest,)
    return out


def execute(request: Request, serials: Sequence[str] = (), sinks_for: SinksFor | None = None,
            on_lot: Callable[[Path], None] | None = None, warn: Callable[[Any], None] | None = None,
            ask: Callable[[str], str | None] | None = None) -> tuple[Path, list[ChannelRun]]:
    """Run the profile on every channel of the rack `request.station` names, together, in a new
    lot folder under `request.log_dir`; returns it and each channel's run. On a simulated rack,
    channel n holds unit seed + n - 1 of the lot (`--seed`, else the rack's [world] seed).

    `ask` (a real rack): the instruments are opened first, then each channel's serial is asked
    for in turn (None: no DUT there) and that channel starts at once, as each DUT is plugged in."""
    profile, station = prepare(request, warn)
    rack = station.rack
    if rack is None:
        raise InputError(station.source, "channels", "not a rack: a station with [[channels]] runs a lot at once")
    if ask is not None and station.simulated:
        raise InputError(station.source, "world", "a simulated rack's channels start together (its serials are its "
                         "units)")
    named = units(station, serials, request.seed) if ask is None else []
    defects = channel_defects(station, request.defects)
    spread = _spread(station)
    first_seed = request.seed if request.seed is not None else station.world.seed if station.world else None
    started_at = dt.datetime.now().astimezone()
    try:
        lot = new_run_folder(request.log_dir, f"{request.profile.stem}-rack", request.lot, started_at)
    except OSError as exc:
        raise InputError("--log-dir", str(request.log_dir), f"cannot create the lot folder: {exc.strerror or exc}") \
            from None
    if on_lot is not None:
        on_lot(lot)
    meta = {"kind": "rack", "started": started_at.isoformat(timespec="seconds"),
            "profile": {"path": str(request.profile), "name": profile.name},
            "station": {"path": station.source, "name": station.name}, "lot": request.lot, "channels": []}
    order = list(rack.channels)
    runs: list[ChannelRun] = []

    def ready(name: str, serial: str | None) -> Started:
        """A channel's run made (folder, records, world) and named in rack.json, resumable from here."""
        seed = None if first_seed is None else first_seed + order.index(name)
        config = replace(rack.channels[name].station, world=station.world)  # the preset the pre-flight chose
        unit = replace(request, serial=serial, seed=seed, defects=defects[name], log_dir=lot, run_dir=None,
                       junit=None)
        world = make_world(config, seed, request.dut, defects[name], spread)
        folder = new_run_folder(lot, f"{request.profile.stem}-ch{name}", serial, started_at)  # a unique run id
        started = begin(unit, profile, config, world, sinks_for(name, serial) if sinks_for else (), None, warn,
                        folder=folder)
        runs.append(ChannelRun(name, serial, folder))
        meta["channels"].append({"name": name, "serial": serial, "folder": folder.name})
        write_lot(lot, meta)
        started.record()
        return started
    if ask is None:
        outcomes = drive_channels([ready(name, serial) for name, serial in named])
    else:
        channels = Channels(station, order, None, profile)
        try:
            for name in order:
                serial = None if signals.requested() else ask(name)
                if serial is not None and not signals.requested():
                    channels.start(ready(name, serial))
        except BaseException as exc:  # the channels already running end too, off and recorded, before it goes on
            channels.lost.append(f"rack stopped: channel {name} could not start: {type(exc).__name__}: {exc}")
            for run, outcome in zip(runs, channels.wait()):
                run.outcome = outcome
            if runs:
                _record_ends(lot, runs)
            raise
        outcomes = channels.wait()
        if not runs:
            signals.check()  # stopped at the prompt before any channel started: OperatorStop
            raise InputError("--serial", "", "no channel was given a DUT: nothing ran")
    for run, outcome in zip(runs, outcomes):
        run.outcome = outcome
    _record_ends(lot, runs)
    return lot, runs


def _spread(station: StationConfig) -> Any:
    """A simulated rack holds units of a lot, each with its own spread (where the preset has one)."""
    if station.world is None:
        return None
    from drivers.sim.presets import dut_type
    from drivers.sim.spread import Spread

    return Spread() if dut_type(station.world.dut).spreads else None


def resume(lot: Path, speed: float | None = None, sinks_for: SinksFor | None = None, index: str | None = None,
           warn: Callable[[Any], None] | None = None) -> list[ChannelRun]:
    """Take up every channel of a rack run that did not end (`bench resume LOT_DIR`), together
    on the rack, each from its last checkpoint; the channels that ended keep their verdicts (as
    their run.json records them, also in rack.json when the rack was killed before it said so)."""
    meta = read_lot(lot)
    runs = [ChannelRun(c["name"], c.get("serial"), lot / c["folder"]) for c in meta["channels"]]
    open_runs, started = [], []
    for run in runs:
        status = _status(run.folder)
        if status == "finished":
            run.recorded = Ended.read(run.folder)
            continue
        started.append(take_up(run.folder, speed, sinks_for(run.name, run.serial) if sinks_for else (),
                               index=index, warn=warn))
        open_runs.append(run)
    if not started:
        raise InputError(str(lot), RACK, "every channel's run has ended: nothing to resume")
    for run, outcome in zip(open_runs, drive_channels(started)):
        run.outcome = outcome
    _record_ends(lot, runs)
    return runs


def drive_channels(started: list[Started]) -> list[Outcome]:
    """Open the rack's instruments once for these channels, then run each channel in its own
    thread (bench.run.session.drive: it ends in safe state whatever happens) and wait for all."""
    first = started[0]
    channels = Channels(first.station, [s.station.channel for s in started],
                        {s.station.channel: s.world for s in started} if first.station.simulated else None,
                        first.runner.profile)
    for each in started:
        channels.start(each)
    return channels.wait()


def drive_channel(started: Started) -> Outcome:
    """One channel's run taken up alone (`bench resume` of its run folder) on its rack; its end
    goes into its lot's rack.json too, as a rack's own end would put it."""
    outcome = drive_channels([started])[0]
    lot = started.folder.parent
    if is_lot(lot):
        _record_ends(lot, [ChannelRun(started.station.channel, None, started.folder, outcome)])
    return outcome


class Channels:
    """A rack's channels running: its instruments opened once for them (a failure to open ends
    each channel's run ERROR, its records complete), a thread per channel started as its run is
    ready, and, when one ends because it lost an instrument that others share, the end of all."""

    def __init__(self, config: StationConfig, names: list[str | None], worlds: dict[str, Any] | None,
                 profile: Any) -> None:
        self.names = names
        self.lost: list[str] = []  # why the station failed, once it has
        self.started: list[Started] = []
        self.outcomes: list[Outcome | None] = []
        self.threads: list[threading.Thread] = []
        period = min([profile.period] + [step.period for step in profile.steps() if step.period])
        try:
            self.rack, self.failure = open_rack(config, worlds, names, period), None
        except Exception as exc:  # noqa: BLE001 - told to each channel's run, which ends ERROR with it
            self.rack, self.failure = None, exc

    def halt(self) -> RunEnded | None:
        return Fault(self.lost[0]) if self.lost else None

    def start(self, started: Started) -> None:
        """Run one channel in a thread of its own, from now on."""
        started.runner.halt = self.halt
        index = len(self.started)
        self.started.append(started)
        self.outcomes.append(None)
        thread = threading.Thread(target=self._run, args=(index,), name=f"channel {started.station.channel}",
                                  daemon=True)
        self.threads.append(thread)
        thread.start()

    def _open(self, name: str) -> Any:
        """The channel's station; if the rack did not open, the failure as this channel's, with
        what of this channel could not be confirmed off."""
        if self.rack is None:
            failure = InstrumentError(str(self.failure) or type(self.failure).__name__)
            failure.safe_problems = getattr(self.failure, "safe_problems_by_channel", {}).get(name, [])  # type: ignore[attr-defined]
            raise failure from self.failure
        return self.rack.stations[name]

    def _run(self, index: int) -> None:
        started = self.started[index]
        try:
            self.outcomes[index] = drive(started, lambda: self._open(started.station.channel))
        except BaseException as exc:  # noqa: BLE001 - drive ends every run with an outcome; the last guard
            self.outcomes[index] = Outcome(Verdict.ERROR, f"internal error: {type(exc).__name__}: {exc}")

    def wait(self) -> list[Outcome]:
        """Every channel's outcome once all have ended; then every channel off once more, and the
        connections closed."""
        try:
            waiting = set(range(len(self.threads)))
            while waiting:
                self.threads[min(waiting)].join(JOIN)
                for i in [i for i in waiting if not self.threads[i].is_alive()]:
                    waiting.discard(i)
                    why = _station_fault(self.started[i], self.outcomes[i], self.names)
                    if why is not None and not self.lost:
                        self.lost.append(why)
        finally:
            problems = self.rack.safe() if self.rack is not None else {}  # every channel once more, whatever its thread did
            if self.rack is not None:
                self.rack.close()
        outcomes = [o or Outcome(Verdict.ERROR, "the channel's run did not end") for o in self.outcomes]
        for started, outcome in zip(self.started, outcomes):
            left_on = problems.get(started.station.channel)
            if left_on:  # what the channel's own run could not switch off stays unconfirmed
                outcome.safe_problems = outcome.safe_problems + left_on
                outcome.verdict = Verdict.ERROR
                outcome.reason = f"{outcome.reason}; SAFE STATE NOT CONFIRMED: {left_on}"
        return outcomes


def _station_fault(started: Started, outcome: Outcome | None, running: list[str | None]) -> str | None:
    """Why every channel must end, if this one lost an instrument the others share (None if not)."""
    if outcome is None or outcome.lost is None:
        return None
    station = started.station
    binding = station.rack.channels[station.channel].bindings.get(outcome.lost)
    if binding is None:
        return None
    sharing = [c.name for c in station.rack.users(binding.instrument) if c.name in running and c.name != station.channel]
    if not sharing:
        return None
    return (f"station fault: instrument {binding.instrument!r} lost (channel {station.channel}: {outcome.reason}); "
            f"every channel on it made safe")


def _status(folder: Path) -> str | None:
    try:
        return json.loads((folder / RUN).read_bytes().decode("utf-8")).get("status")
    except (OSError, ValueError, AttributeError):
        return None


def _record_ends(lot: Path, runs: list[ChannelRun]) -> None:
    """rack.json with each channel's verdict and reason, as its run.json has them."""
    meta = read_lot(lot)
    by_name = {run.name: run for run in runs}
    for entry in meta["channels"]:
        run = by_name.get(entry["name"])
        end = None if run is None else run.end
        if end is not None:  # safe_confirmed: off, read back, at the rack's end
            entry.update(verdict=str(end.verdict), reason=end.reason, safe_confirmed=end.safe_confirmed)
    meta["ended"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    write_lot(lot, meta)
