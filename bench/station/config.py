"""Station files: which instruments fill which role at which address, the named temperature
channels, hard limits that no profile can loosen, the fault policy, where to say that a run ended,
and the simulated world."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from bench.errors import InputError
from bench.tables import find_shipped, read_text, read_toml, reject_unknown, shipped
from bench.units import parse, parse_positive

ROLES = ("load", "supply", "thermo")
WIRED = ("load", "supply")  # the roles wired to the DUT: what they read is checked against what they were told
LIMIT_KINDS = {"max_voltage": "voltage", "max_current": "current", "max_power": "power",
               "max_temperature": "temperature"}
DEFAULT_STATION = "sim.toml"


@dataclass(frozen=True, slots=True)
class Spec:
    """An accuracy as data sheets give it: a share of the value plus an offset (SI)."""

    relative: float
    offset: float

    def of(self, value: float) -> float:
        return self.relative * abs(value) + self.offset


@dataclass(frozen=True, slots=True)
class Accuracy:
    """How closely a load or a supply sets and reads back voltage and current, set-point and
    reading error together: what the regulation and wiring checks allow it."""

    voltage: Spec
    current: Spec


# Without a station's own `accuracy`: looser than the data sheets of the instruments the drivers
# support, budget ones included (they give about 0.5 % + a few tens of mV or mA).
DEFAULT_ACCURACY = Accuracy(voltage=Spec(0.005, 0.020), current=Spec(0.005, 0.040))


@dataclass(frozen=True, slots=True)
class RoleConfig:
    role: str
    driver: str
    resource: str
    options: dict[str, Any]
    timeout: float | None = None  # s a reply may take (the driver's own default otherwise)
    accuracy: Accuracy | None = None  # a load's or supply's (DEFAULT_ACCURACY unless the station gives it)


@dataclass(frozen=True, slots=True)
class HardLimits:
    max_voltage: float
    max_current: float
    max_power: float
    max_temperature: float


@dataclass(frozen=True, slots=True)
class FaultPolicy:
    """How long the bench tolerates trouble before it goes to safe state with ERROR."""

    grace: float = 30.0  # s an instrument may keep failing (retried with backoff) before the run ends
    watchdog: float = 10.0  # s of wall time the sample loop may stall
    frozen: float = 600.0  # s a critical temperature may repeat the very same value
    settle: float = 2.0  # s after a set-point change before the readings must match it
    deviation: float = 5.0  # s a reading may stay off its set-point before the run ends


FAULT_KEYS = {"grace": "time", "watchdog": "time", "frozen": "time", "settle": "time", "deviation": "time"}


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    """Where the bench says that a run ended (bench.record.notify): a webhook URL that takes a JSON
    POST, and/or an Apprise URL (mail, Slack, Teams, ntfy, Telegram...: the notify extra)."""

    webhook: str | None = None
    apprise: str | None = None


NOTIFY_KEYS = ("webhook", "apprise")


def notify_url(kind: str, value: Any, source: str, key: str) -> str:
    """A notification URL checked for its kind (InputError naming `source` and `key` otherwise);
    an Apprise URL needs the apprise package, which is looked for, not imported."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(source, key, f"expected a URL as text, got {value!r}")
    value = value.strip()
    if kind == "webhook" and not value.lower().startswith(("http://", "https://")):
        raise InputError(source, key, "expected an http:// or https:// URL that takes a JSON POST")
    if kind == "apprise":
        import importlib.util

        if "://" not in value:
            raise InputError(source, key, "expected an Apprise URL such as 'mailto://user:password@example.com' "
                             "or 'ntfy://topic'")
        if importlib.util.find_spec("apprise") is None:
            raise InputError(source, key, "an Apprise URL needs Apprise: pip install 'powerbench[notify]'")
    return value


@dataclass(frozen=True, slots=True)
class WorldConfig:
    """The simulated world behind `sim://` resources."""

    dut: str
    seed: int
    ambient: float
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StationConfig:
    source: str
    name: str
    roles: dict[str, RoleConfig]
    channels: dict[str, int]
    critical: frozenset[str]
    limits: HardLimits
    world: WorldConfig | None
    text: str
    faults: FaultPolicy = FaultPolicy()
    notify: NotifyConfig = NotifyConfig()
    rack: Any = field(default=None, repr=False, compare=False)  # bench.station.rack.Rack of a rack file
    channel: str | None = None  # the DUT channel of the rack this config is (None: a single station, or the rack's)

    @property
    def simulated(self) -> bool:
        return any(r.resource.startswith("sim://") for r in self.roles.values())


RESOURCE_FORMS = "'USB0::0x1AB1::0x0E11::DL3A000000001::INSTR', 'serial:///dev/ttyUSB0?baudrate=9600' or 'sim://'"


def default_station_path() -> str:
    return str(resources.files("bench.stations") / DEFAULT_STATION)


def shipped_stations() -> dict[str, str]:
    """The station files that ship with the package (the repository's stations/, as bench.stations)."""
    return shipped("bench.stations")


def load_station(path: str | Path | None = None) -> StationConfig:
    """Read and validate a station file, or a shipped station by name (`--station sim-25v`); the
    embedded simulated station when None."""
    source = find_shipped(path, "bench.stations", "station") if path is not None else default_station_path()
    return parse_station(read_text(source, "station file"), source)


def parse_station(text: str, source: str) -> StationConfig:
    """A station file read and checked: a single DUT's roles ([load], [supply], [thermo]), or a
    rack's shared instruments and DUT channels (bench.station.rack); a rack's config is that of
    its first channel, with every channel's in `rack`."""
    data = read_toml(text, source)
    racked = "instruments" in data or "channels" in data
    layout = {"instruments", "channels"} if racked else set(ROLES)
    reject_unknown(data, {"name", "description", *layout, "limits", "world", "faults", "notify"}, source, "")
    roles: dict[str, RoleConfig] = {} if racked else {role: _role(data.get(role), role, source) for role in ROLES}
    channels, critical = ({}, []) if racked else _temperatures(roles, source)
    limits_raw = data.get("limits")
    if not isinstance(limits_raw, dict):
        raise InputError(source, "limits", f"expected a [limits] table with {', '.join(LIMIT_KINDS)}")
    reject_unknown(limits_raw, set(LIMIT_KINDS), source, "limits")
    for key in LIMIT_KINDS:
        if key not in limits_raw:
            raise InputError(source, f"limits.{key}", "missing: every station sets all hard limits")
    limits = HardLimits(**{k: (parse if kind == "temperature" else parse_positive)(
        limits_raw[k], kind, source, f"limits.{k}") for k, kind in LIMIT_KINDS.items()})
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(source, "name", "missing; expected the station's name as text")
    base = StationConfig(source, name, {}, {}, frozenset(), limits, _world(data.get("world"), source), text,
                         _faults(data.get("faults", {}), source), _notify(data.get("notify", {}), source))
    if racked:
        from bench.station.rack import parse_rack

        rack = parse_rack(data, source, base, lambda table, key: _role(table, key, source))
        configs = [channel.station for channel in rack.channels.values()]
        config = replace(configs[0], rack=rack, channel=None)
    else:
        config = replace(base, roles=roles, channels=channels, critical=frozenset(critical))
        configs = [config]
    if config.simulated and config.world is None:
        raise InputError(source, "world", "sim:// resources need a [world] table (dut, seed, ambient)")
    for each in configs:
        _check_drivers(each)
    return config


def _temperatures(roles: dict[str, RoleConfig], source: str) -> tuple[dict[str, int], list[str]]:
    """A single station's [thermo.channels] and critical ones, taken out of the reader's options."""
    thermo = roles["thermo"].options
    channels = thermo.pop("channels", None)
    if not isinstance(channels, dict) or not channels or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in channels.values()):
        raise InputError(source, "thermo.channels", "expected a table of channel names to channel numbers, "
                         "e.g. { cell = 101, surface = 102, ambient = 103 }")
    numbers = list(channels.values())
    for channel, number in channels.items():
        if numbers.count(number) > 1:
            raise InputError(source, f"thermo.channels.{channel}", f"channel {number} is given to more than one "
                             "name")
    critical = thermo.pop("critical", list(channels))
    if not isinstance(critical, list) or any(not isinstance(c, str) or c not in channels for c in critical):
        raise InputError(source, "thermo.critical", f"expected a list of channel names among {sorted(channels)}")
    return dict(channels), critical


def _check_drivers(station: StationConfig) -> None:
    """Every role names a registered driver that can fill it, with options it accepts (on a rack,
    the instrument's and its channel's options together, named by the instrument's table)."""
    from drivers.registry import REGISTRY

    for role, rc in station.roles.items():
        key = role if station.channel is None else _rack_key(station, role)
        info = REGISTRY.get(rc.driver)
        if info is None:
            raise InputError(station.source, f"{key}.driver", f"unknown driver {rc.driver!r}; known: "
                             f"{', '.join(sorted(REGISTRY))} (bench instruments list)")
        if role not in info.roles:
            raise InputError(station.source, f"{key}.driver", f"{rc.driver!r} cannot be the {role}; "
                             f"it fills {', '.join(info.roles)}")
        given = set(rc.options) | ({"channels"} if role == "thermo" else set())
        for option in sorted(given - set(info.options)):
            raise InputError(station.source, f"{key}.{option}", f"not an option of {rc.driver!r}; "
                             f"it takes {', '.join(info.options) or 'none'}")
        if not hasattr(info.driver, "transport_for"):  # a vendor SDK's driver checks its own resources
            _check_resource(station, key, rc.resource)
        options = dict(rc.options, channels=dict(station.channels)) if role == "thermo" else rc.options
        try:  # drivers check their options' values when built, before any I/O
            info.driver(_Unopened(rc.resource), **options)
        except ValueError as exc:
            reason = str(exc).removeprefix(f"{info.driver.__name__}: ")  # the class name is no news to a user
            raise InputError(station.source, key, f"{rc.driver}: {reason}") from None
        except TypeError as exc:  # e.g. a list where the driver takes one value
            raise InputError(station.source, key, f"{rc.driver}: an option value of the wrong type ({exc}); "
                             f"options: {', '.join(info.options)}") from None


def _check_resource(station: StationConfig, key: str, resource: str) -> None:
    """A resource string no transport takes (or a serial:// URL with a wrong setting), refused
    here rather than when the run opens it."""
    from drivers.transports import ResourceError, resource_kind

    try:
        resource_kind(resource)
    except ResourceError as exc:
        at = f"{key}.resource" if station.channel is None else f"{key} (its instrument's resource)"
        raise InputError(station.source, at, f"{str(exc).splitlines()[0]}; expected a resource such as "
                         f"{RESOURCE_FORMS}") from None


def _rack_key(station: StationConfig, role: str) -> str:
    """Where a rack channel's role is written (bench.station.rack.rack_key)."""
    from bench.station.rack import rack_key

    return rack_key(station, role)


class _Unopened:
    """A transport never opened: a driver built on it checks its options and sends nothing."""

    def __init__(self, resource: str) -> None:
        self.resource = resource
        self.serial_line = resource.lower().startswith(("serial:", "asrl"))


def _role(table: Any, role: str, source: str) -> RoleConfig:
    """A role's table (or a rack's [instruments.<name>], `role` then its key)."""
    if not isinstance(table, dict):
        raise InputError(source, role, f"missing; expected a [{role}] table with driver and resource")
    options = dict(table)
    driver, resource = options.pop("driver", None), options.pop("resource", None)
    timeout = options.pop("timeout", None)
    if timeout is not None:
        timeout = parse(timeout, "time", source, f"{role}.timeout")
        if not 0.01 <= timeout <= 60:
            raise InputError(source, f"{role}.timeout", "expected a time from 10 ms to 60 s")
    accuracy = _accuracy(options.pop("accuracy", {}), source, role) if role != "thermo" else None
    if not isinstance(driver, str):
        raise InputError(source, f"{role}.driver", "missing; expected a driver name (see `bench instruments list`)")
    if not isinstance(resource, str):
        raise InputError(source, f"{role}.resource", f"missing; expected a resource such as {RESOURCE_FORMS}")
    return RoleConfig(role, driver, resource, options, timeout, accuracy)


def _accuracy(raw: Any, source: str, role: str) -> Accuracy:
    """A role's `accuracy = { voltage = "0.05 % + 10 mV", current = "0.1 % + 5 mA" }`; what it
    leaves out is DEFAULT_ACCURACY's."""
    key = f"{role}.accuracy"
    if not isinstance(raw, dict):
        raise InputError(source, key, 'expected a table, e.g. { voltage = "0.05 % + 10 mV", current = "0.1 % + 5 mA" }')
    reject_unknown(raw, {"voltage", "current"}, source, key)
    return replace(DEFAULT_ACCURACY, **{kind: _spec(text, kind, source, f"{key}.{kind}") for kind, text in raw.items()})


def _spec(text: Any, kind: str, source: str, key: str) -> Spec:
    """'0.1 % + 5 mA', '0.1 %' or '5 mA': a share of the value plus an offset, neither negative."""
    unit = "mV" if kind == "voltage" else "mA"
    expected = f"expected a share of the value plus a {kind}, e.g. '0.1 % + 5 {unit}'"
    if not isinstance(text, str) or not text.strip():
        raise InputError(source, key, f"{expected}, got {text!r}")
    relative = offset = 0.0
    for term in (term.strip() for term in text.split("+")):
        if term.endswith("%"):
            relative += parse(term, "ratio", source, key)
        else:
            offset += parse(term, kind, source, key)
    if relative < 0 or offset < 0 or relative + offset <= 0:
        raise InputError(source, key, f"{expected} (neither negative, not both zero), got {text!r}")
    return Spec(relative, offset)


def _faults(raw: Any, source: str) -> FaultPolicy:
    if not isinstance(raw, dict):
        raise InputError(source, "faults", f"expected a table with {', '.join(FAULT_KEYS)}")
    reject_unknown(raw, set(FAULT_KEYS), source, "faults")
    values = {k: parse(raw[k], kind, source, f"faults.{k}") for k, kind in FAULT_KEYS.items() if k in raw}
    for key, value in values.items():
        if value <= 0:
            raise InputError(source, f"faults.{key}", "expected a positive time")
    return FaultPolicy(**values)


def _notify(raw: Any, source: str) -> NotifyConfig:
    if not isinstance(raw, dict):
        raise InputError(source, "notify", f"expected a table with {' and/or '.join(NOTIFY_KEYS)}")
    reject_unknown(raw, set(NOTIFY_KEYS), source, "notify")
    return NotifyConfig(**{key: notify_url(key, raw[key], source, f"notify.{key}") for key in NOTIFY_KEYS if key in raw})


def _world(raw: Any, source: str) -> WorldConfig | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InputError(source, "world", "expected a table")
    reject_unknown(raw, {"dut", "seed", "ambient", "overrides"}, source, "world")
    dut, seed = raw.get("dut"), raw.get("seed", None)
    if not isinstance(dut, str):
        raise InputError(source, "world.dut", "missing; expected a DUT preset name (see `bench sim list`)")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise InputError(source, "world.seed", f"expected a whole number, got {seed!r}")
    ambient = parse(raw.get("ambient"), "temperature", source, "world.ambient")
    overrides = raw.get("overrides", {})
    if not isinstance(overrides, dict):
        raise InputError(source, "world.overrides", "expected a table of DUT parameters with units")
    return WorldConfig(dut, seed, ambient, dict(overrides))
