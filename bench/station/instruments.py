"""An opened station: instruments bound to roles, read together, and `safe()`, which puts
every load input and supply output off and confirms it by reading the state back."""
from __future__ import annotations

import threading
import time
from typing import Any, NamedTuple

from bench.station.config import ROLES, StationConfig
from drivers.roles import ChannelFault, InstrumentError
from drivers.transports import innermost

HUNG_MARGIN = 0.25  # s past its connection's timeout after which a call is taken as hung
SWITCHES = {"load": ("load input", "set_input", "input_on"),
            "supply": ("supply output", "set_output", "output_on")}  # role: what, switch off, read back


class Reading(NamedTuple):
    """One read of the whole station: DUT input (supply) and output (load) side, temperatures."""

    v_in: float
    i_in: float
    v_out: float
    i_out: float
    temps: dict[int, float | ChannelFault]  # by channel number


class InstrumentFault(InstrumentError):
    """An instrument error with the role it happened on, so the runner knows what to retry."""

    def __init__(self, role: str, error: Exception) -> None:
        super().__init__(f"{role}: {error}")
        self.role = role


def _identity(driver: Any) -> str:
    """Who the instrument is: what the driver's open() found when it set it up, else identify()."""
    known: str | None = driver.identity
    return known if known is not None else driver.identify()


def _tagged(role: str, call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except InstrumentError as exc:
        raise InstrumentFault(role, exc) from exc


class Station:
    """Opened instruments bound to roles. `safe()` is idempotent and never raises."""

    SAFE_ATTEMPTS = 3

    def __init__(self, config: StationConfig, instruments: dict[str, Any], world: Any = None) -> None:
        self.config = config
        self.world = world
        self.load = instruments["load"]
        self.supply = instruments["supply"]
        self.thermo = instruments["thermo"]
        self.names = tuple(config.channels)
        self.numbers = tuple(config.channels[n] for n in self.names)
        self._pool = None if config.simulated else _pool(len(instruments))
        self._replacing = threading.RLock()  # the watchdog's safe() and the run's reopen, one at a time

    def identify(self) -> dict[str, str]:
        """Who answers in each role: the identity its driver's open() found (the instrument set up
        then), else identify() now."""
        return {role: _identity(getattr(self, role)) for role in ROLES}

    def read(self) -> Reading:
        """Every instrument read once.

        Separate connections are polled concurrently on a real bench; the simulated bench
        reads in order, which is faster and deterministic.
        """
        if self._pool is None:
            v_out, i_out = _tagged("load", self.load.measure)
            v_in, i_in = _tagged("supply", self.supply.measure)
            return Reading(v_in, i_in, v_out, i_out, _tagged("thermo", self.thermo.read, self.numbers))
        load = self._pool.submit(_tagged, "load", self.load.measure)
        supply = self._pool.submit(_tagged, "supply", self.supply.measure)
        temps = self._pool.submit(_tagged, "thermo", self.thermo.read, self.numbers)
        (v_out, i_out), (v_in, i_in) = load.result(), supply.result()
        return Reading(v_in, i_in, v_out, i_out, temps.result())

    def reopen(self, role: str) -> str:
        """Close and open one instrument again (a lost connection); returns its identity.

        The instrument may have been power-cycled meanwhile: the caller sets it up again. A
        connection that cannot be made (a port gone) is that role's fault too: retried.
        """
        _tagged(role, self._replace, role)
        return _tagged(role, _identity, getattr(self, role))

    def _replace(self, role: str) -> None:
        """A new driver on a new connection in place of the old one, which is cut first (a call
        hung on it is woken; some ports take one opener at a time)."""
        with self._replacing:
            old = getattr(self, role)
            _cut(innermost(old.transport), old.close)
            setattr(self, role, _open_role(self.config, role, self.world))

    def hung(self) -> list[str]:
        """The roles with a call in progress for longer than its connection's timeout allows."""
        out = []
        for role in ROLES:
            transport = innermost(getattr(self, role).transport)
            busy = getattr(transport, "busy", None)
            if busy is not None and busy() > getattr(transport, "_timeout", 0.0) + HUNG_MARGIN:
                out.append(role)
        return out

    def safe(self, fresh: bool = False) -> list[str]:
        """Load input off and supply output off, confirmed by reading the state back; returns
        what could not be done (empty when the bench is safe). Never raises, never waits on a
        hung call.

        Both switch-off commands go out before either is confirmed, so an instrument that does
        not answer cannot hold the other one on. An attempt that fails is made again through a
        new connection (a connection can hang while the instrument is fine). `fresh` (the
        watchdog: the silent loop's connections are suspect) cuts any hung call and switches
        off through new connections from the first attempt."""
        if fresh:
            for role in self.hung():
                if role not in SWITCHES:  # a stuck reader: woken with an error; the run reopens it
                    self._try(innermost(getattr(self, role).transport).sever)
        problems = []
        for role, (what, switch_off, is_on) in SWITCHES.items():
            if fresh:
                self._try(lambda: self._replace(role))
            self._try(lambda: getattr(getattr(self, role), switch_off)(False))
        for role, (what, switch_off, is_on) in SWITCHES.items():
            instrument = getattr(self, role)
            for attempt in range(self.SAFE_ATTEMPTS):
                try:
                    if attempt:
                        time.sleep(0.05 * (attempt - 1))
                        self._replace(role)
                        instrument = getattr(self, role)
                        getattr(instrument, switch_off)(False)
                    if not getattr(instrument, is_on)():
                        break
                    failure = "still reports on"
                except Exception as exc:  # every failure is retried, then reported, never raised
                    failure = str(exc)
                if attempt == self.SAFE_ATTEMPTS - 1:
                    problems.append(f"{what} not confirmed off: {failure}")
        return problems

    @staticmethod
    def _try(action: Any) -> None:
        try:
            action()
        except Exception:  # safe() reports what the read-back shows, not each step's failure
            pass

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
        for role in ROLES:
            try:
                getattr(self, role).close()
            except Exception:  # closing a connection that already failed is not news
                pass


def _cut(transport: Any, close: Any) -> None:
    """Retire a connection that is being replaced: a call hung on it is woken (sever), else it is
    closed (`close`); it is broken either way, which is why it is replaced."""
    try:
        if hasattr(transport, "sever"):
            transport.sever()
        else:
            close()
    except Exception:
        pass


def _pool(workers: int) -> Any:
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll")


def _open_role(config: StationConfig, role: str, world: Any) -> Any:
    from drivers.registry import open_instrument

    rc = config.roles[role]
    options = dict(rc.options)
    if role == "thermo":
        options["channels"] = dict(config.channels)
    return open_instrument(rc.driver, rc.resource, world=world, timeout=rc.timeout, **options)


def open_station(config: StationConfig, world: Any = None) -> Station:
    """Open every instrument. On a failure (a stop while opening too), the load and supply are
    switched off and read back where they can be reached (one left on by a crash must not stay
    on because another instrument does not answer), whatever was opened is closed, and the
    failure is raised with `safe_problems`: what could not be confirmed off."""
    opened: dict[str, Any] = {}
    try:
        for role in config.roles:
            opened[role] = _open_role(config, role, world)
    except BaseException as exc:
        exc.safe_problems = _switch_off(config, world, opened, exc)  # type: ignore[attr-defined]
        for instrument in opened.values():
            try:
                instrument.close()
            except Exception:
                pass
        raise
    return Station(config, opened, world)


def _switch_off(config: StationConfig, world: Any, opened: dict[str, Any], error: BaseException) -> list[str]:
    """The load input and supply output off and read back, through the instruments opened and,
    for a role not reached yet, one opened now; what could not be confirmed, as Station.safe says it."""
    roles = list(config.roles)

    def reach(role: str) -> Any:
        if role not in opened:
            if all(r in opened for r in roles[:roles.index(role)]):
                raise error  # the role that failed to open
            opened[role] = _open_role(config, role, world)  # a role after the one that failed
        return opened[role]
    return [problem for role in SWITCHES if role in config.roles
            if (problem := _confirm_off(role, lambda: reach(role))) is not None]


def _confirm_off(role: str, reach: Any) -> str | None:
    """Switch a load input or supply output off through the driver `reach` gives and read it
    back: None when it reads off, else what Station.safe would say. Never raises."""
    what, switch_off, is_on = SWITCHES[role]
    try:
        driver = reach()
        getattr(driver, switch_off)(False)
        return f"{what} not confirmed off: still reports on" if getattr(driver, is_on)() else None
    except BaseException as exc:  # noqa: BLE001 - reported, never raised: the caller raises the first
        return f"{what} not confirmed off: {exc if str(exc) else type(exc).__name__}"


# -- racks: instruments shared by several DUT channels -------------------------------------------

class _Kept:
    """A shared connection as each driver on it sees it: every call goes to the link, but a
    driver's close() does not close it (the rack closes it once, at the end)."""

    def __init__(self, transport: Any) -> None:
        self.inner = transport
        self.resource = transport.resource
        self.serial_line = getattr(transport, "serial_line", False)
        self.simulated = getattr(transport, "simulated", False)
        for name in ("open", "write", "query", "read", "write_bytes", "read_bytes"):
            setattr(self, name, getattr(transport, name))

    def close(self) -> None:
        """The rack's to do (SharedLink.close)."""


class Locked:
    """A driver on a shared connection: each of its calls (a set-point with its confirmation, a
    measurement) runs whole under the connection's lock, so the DUT channels' exchanges never
    interleave on the line or in the instrument's error queue."""

    def __init__(self, driver: Any, lock: Any) -> None:
        self._driver = driver
        self._lock = lock
        self.transport = driver.transport

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._driver, name)
        if not callable(attr):
            return attr
        lock = self._lock

        def locked(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return attr(*args, **kwargs)
        setattr(self, name, locked)  # looked up once
        return locked


class Rounds:
    """A real rack's shared thermometer read in polling rounds: one scan of every channel of the
    rack serves each DUT channel that asks within `fresh` seconds (wall time) of it, so that N
    channels sampling once a period cost the reader one scan a period, not N. Readings are then
    at most `fresh` old (half the shortest sample period)."""

    def __init__(self, driver: Locked, numbers: tuple[int, ...], fresh: float) -> None:
        self._driver = driver
        self._numbers = numbers
        self._fresh = fresh
        self._lock = threading.Lock()
        self._values: dict[int, Any] = {}
        self._at = -float("inf")
        self.transport = driver.transport

    def read(self, channels: tuple[int, ...]) -> dict[int, Any]:
        with self._lock:
            if time.monotonic() - self._at > self._fresh or not self._values.keys() >= set(channels):
                self._values = {}  # a round that fails leaves nothing to take
                self._values = self._driver.read(self._numbers)
                self._at = time.monotonic()
            return {c: self._values[c] for c in channels}

    def __getattr__(self, name: str) -> Any:  # identify, close: the driver's own
        return getattr(self._driver, name)


class SharedLink:
    """One instrument of a rack: one connection, the lock every driver call on it takes, and a
    generation that a reconnect moves on (so that the channels that see the same broken
    connection reconnect it once). `twin`: the simulated instrument behind a sim:// resource,
    wired to every channel's world."""

    def __init__(self, name: str, config: Any, twin: Any = None) -> None:
        from drivers.registry import driver_info

        self.name = name
        self.config = config  # bench.station.config.RoleConfig of the instrument
        self.info = driver_info(config.driver)
        self.twin = twin
        self.lock = threading.RLock()
        self.generation = 0
        self._reader: Any = None  # the one reader driver of a thermometer shared by the channels
        self._reader_generation = -1
        self.transport = self._connect()

    def _connect(self) -> _Kept:
        from drivers import transports

        framing: dict[str, Any] = dict(self.info.driver.TRANSPORT)
        if self.config.timeout is not None:
            framing["timeout"] = self.config.timeout
        make = getattr(self.info.driver, "transport_for", transports.transport_for)
        transport = make(self.config.resource, twin=self.twin, **framing)
        transport.open()
        return _Kept(transport)

    def driver(self, options: dict[str, Any]) -> Locked:
        """A driver of one channel on this connection, opened (identity and known state) under the lock."""
        with self.lock:
            instrument = self.info.driver(self.transport, **options)
            instrument.open()
        return Locked(instrument, self.lock)

    def reader(self, channels: dict[str, int], fresh: float = 0.0) -> Any:
        """The thermometer's one driver, configured for every channel any DUT channel reads; with
        `fresh` > 0, read in rounds (Rounds) that the channels share."""
        with self.lock:
            if self._reader_generation != self.generation:
                driver = self.driver(dict(self.config.options, channels=channels))
                self._reader = Rounds(driver, tuple(sorted(set(channels.values()))), fresh) if fresh else driver
                self._reader_generation = self.generation
            return self._reader

    def reconnect(self, seen: int) -> None:
        """A new connection in place of the one of generation `seen` (nothing if another channel
        already replaced it); a call hung on the old one is cut first, so the lock comes free."""
        if self.generation != seen:
            return
        old = innermost(self.transport)
        _cut(old, old.close)
        with self.lock:
            if self.generation == seen:
                self.transport = self._connect()
                self.generation += 1

    def close(self) -> None:
        with self.lock:
            if self._reader is not None:
                Station._try(self._reader.close)  # what the reader leaves its line in (e.g. local mode)
            Station._try(innermost(self.transport).close)


class ChannelStation(Station):
    """One DUT channel of a rack: its own load and supply channels and its temperature channels,
    on connections it shares with the others. safe() switches this channel's off only."""

    def __init__(self, config: StationConfig, links: dict[str, SharedLink], readings: dict[str, int],
                 world: Any = None, fresh: float = 0.0) -> None:
        self.config = config
        self.links = links
        self._readings = readings  # every temperature channel of the reader, for its one driver
        self._fresh = fresh  # s a polling round of a shared thermometer serves (Rounds)
        self._generation = {role: link.generation for role, link in links.items()}
        super().__init__(config, {role: self._driver(role) for role in ROLES}, world)

    def _driver(self, role: str) -> Locked:
        link = self.links[role]
        self._generation[role] = link.generation
        if role == "thermo":
            return link.reader(self._readings, self._fresh)
        return link.driver(dict(self.config.roles[role].options))

    def _replace(self, role: str) -> None:
        with self._replacing:
            self.links[role].reconnect(self._generation[role])
            setattr(self, role, self._driver(role))

    def close(self) -> None:
        """The connections stay open for the other channels (Rack.close closes them)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)


class RackBench:
    """A rack opened: its shared connections and one ChannelStation per DUT channel."""

    def __init__(self, links: dict[str, SharedLink], stations: dict[str, ChannelStation]) -> None:
        self.links = links
        self.stations = stations

    def safe(self) -> dict[str, list[str]]:
        """Every channel's load input and supply output off, confirmed; what could not be, by channel."""
        return {name: problems for name, station in self.stations.items() if (problems := station.safe())}

    def close(self) -> None:
        for station in self.stations.values():
            station.close()
        for link in self.links.values():
            link.close()


def open_rack(config: StationConfig, worlds: dict[str, Any] | None = None,
              names: Any = None, period: float | None = None) -> RackBench:
    """Connect every instrument of a rack once and open each DUT channel on them (`names`: those
    channels only, default all); a simulated rack's twins are wired to each channel's world
    (`worlds`, by channel). A real rack's shared thermometers are read in rounds that serve the
    channels for half the shortest sample `period` (Rounds); a simulated one's channels each read
    their own, every world at its own time. On a failure (a stop while opening too), each channel's
    load input and supply output are switched off and read back where they can be reached (as
    open_station does), whatever was opened is closed, and the failure is raised with
    `safe_problems_by_channel`: what could not be confirmed off."""
    fresh = period / 2 if period and not config.simulated else 0.0
    rack = config.rack
    chosen = [rack.channels[name] for name in (names or rack.channels)]
    links: dict[str, SharedLink] = {}
    stations: dict[str, ChannelStation] = {}
    failed: dict[str, BaseException] = {}  # the instruments that could not be reached, and why

    def connect(name: str) -> SharedLink:
        if name in failed:
            raise failed[name]
        if name not in links:
            instrument = rack.instruments[name]
            try:
                twin = _rack_twin(instrument, _users(chosen, name), worlds) \
                    if instrument.config.resource.lower().startswith("sim://") else None
                links[name] = SharedLink(name, instrument.config, twin)
            except BaseException as exc:
                failed[name] = exc
                raise
        return links[name]
    try:
        for name in rack.instruments:
            if _users(chosen, name):
                connect(name)
        for channel in chosen:
            bound = {role: links[binding.instrument] for role, binding in channel.bindings.items()}
            readings = {f"{c.name}.{placement}": number for c in chosen
                        if c.bindings["thermo"].instrument == channel.bindings["thermo"].instrument
                        for placement, number in c.station.channels.items()}
            stations[channel.name] = ChannelStation(channel.station, bound, readings,
                                                    None if worlds is None else worlds[channel.name], fresh)
    except BaseException as exc:  # a stop while opening too
        exc.safe_problems_by_channel = _switch_off_channels(chosen, connect)  # type: ignore[attr-defined]
        RackBench(links, stations).close()
        raise
    return RackBench(links, stations)


def _switch_off_channels(chosen: list[Any], connect: Any) -> dict[str, list[str]]:
    """Each chosen channel's load input and supply output off and read back, through the rack's
    connections (`connect`: made now for an instrument not reached yet; one that could not be
    reached is not tried again); what could not be confirmed off, by channel."""
    problems: dict[str, list[str]] = {}
    for channel in chosen:
        for role in SWITCHES:
            instrument, options = channel.bindings[role].instrument, dict(channel.station.roles[role].options)
            problem = _confirm_off(role, lambda: connect(instrument).driver(options))
            if problem is not None:
                problems.setdefault(channel.name, []).append(problem)
    return problems


def _users(chosen: list[Any], name: str) -> list[Any]:
    """The channels (of those chosen) that use the rack's instrument `name`."""
    return [c for c in chosen if any(b.instrument == name for b in c.bindings.values())]


def _rack_twin(instrument: Any, users: list[Any], worlds: dict[str, Any] | None) -> Any:
    """The simulated instrument of a sim:// resource, wired to the world of every channel using it."""
    from drivers.registry import driver_info

    if worlds is None:
        raise ValueError(f"{instrument.name}: a sim:// resource needs the simulated worlds")
    info = driver_info(instrument.config.driver)
    twin_class = info.twin_class()
    first, *others = users
    role = next(role for role, b in first.bindings.items() if b.instrument == instrument.name)

    def options(channel: Any) -> dict[str, Any]:
        rc = channel.station.roles[role]
        chosen = dict(rc.options, channels=dict(channel.station.channels)) if role == "thermo" else rc.options
        return {key: value for key, value in chosen.items() if key in info.twin_options}
    twin = twin_class(worlds[first.name], **options(first))
    wired = set(first.station.channels.values()) if role == "thermo" else set()
    for channel in others:
        if role == "thermo":  # a number two channels share (an ambient sensor) is read from the first's world
            fresh = {p: n for p, n in channel.station.channels.items() if n not in wired}
            wired |= set(fresh.values())
            if fresh:
                twin.wire(fresh, worlds[channel.name])
        else:
            extra = options(channel)
            twin.wire(extra.pop("channel", 1), worlds[channel.name],
                      **{k: v for k, v in extra.items() if k != "model"})
    return twin
