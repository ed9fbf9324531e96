"""Rack stations: named instruments (one connection each) shared by several DUT channels, each
channel binding a load channel, a supply channel and its temperature channels on them.

A rack file has `[instruments.<name>]` tables (driver, resource, options) and `[[channels]]`
(name, load, supply, temperatures, critical); limits, faults, notify and the simulated world are
the station's, for every channel. Each DUT channel is then an ordinary station (StationConfig)
whose roles point at the shared instruments, so the run of one channel is a run like any other;
only opening differs (bench.station.instruments.open_rack).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from bench.errors import InputError
from bench.tables import reject_unknown

if TYPE_CHECKING:
    from bench.station.config import StationConfig

CHANNEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")  # a run id and folder part
CHANNEL_KEYS = {"name", "load", "supply", "temperatures", "critical", "defects"}
MAX_CHANNELS = 512


@dataclass(frozen=True, slots=True)
class Instrument:
    """A shared instrument: one connection, its driver and the options every channel gets (a
    RoleConfig as the single-station roles are read)."""

    name: str
    config: Any  # bench.station.config.RoleConfig


@dataclass(frozen=True, slots=True)
class Binding:
    """Where a DUT channel's role is: an instrument and the driver options of its channel."""

    instrument: str
    options: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Channel:
    """One DUT channel: its station as a single run sees it, and where its roles are."""

    name: str
    station: "StationConfig"
    bindings: dict[str, Binding]  # role -> binding (load, supply, thermo)
    defects: tuple[str, ...] = ()  # simulated DUT defects of this channel (--defect syntax)


@dataclass(frozen=True, slots=True)
class Rack:
    instruments: dict[str, Instrument]
    channels: dict[str, Channel]  # in the file's order

    def users(self, instrument: str) -> list[Channel]:
        """The DUT channels that use an instrument, in order."""
        return [c for c in self.channels.values() if any(b.instrument == instrument for b in c.bindings.values())]


def parse_rack(data: dict[str, Any], source: str, base: "StationConfig", role_config: Any) -> Rack:
    """The `[instruments.*]` and `[[channels]]` of a rack file; `base` holds the station-wide
    parts (limits, faults, notify, world), `role_config(table, key)` reads an instrument table as
    the single-station roles are read (bench.station.config._role)."""
    raw = data.get("instruments")
    if not isinstance(raw, dict) or not raw:
        raise InputError(source, "instruments", "a rack names its instruments: [instruments.<name>] tables with "
                         "driver and resource")
    instruments = {}
    for name, table in raw.items():
        instruments[name] = Instrument(name, role_config(table, f"instruments.{name}"))
    listed = data.get("channels")
    if not isinstance(listed, list) or not listed or not all(isinstance(c, dict) for c in listed):
        raise InputError(source, "channels", "expected [[channels]] tables, one per DUT channel, each with name, "
                         "load, supply and temperatures")
    if len(listed) > MAX_CHANNELS:
        raise InputError(source, "channels", f"{len(listed)} channels: at most {MAX_CHANNELS}")
    channels: dict[str, Channel] = {}
    taken: dict[tuple[str, str], str] = {}  # (instrument, its channel) -> DUT channel
    sensors: dict[tuple[str, int], str] = {}  # (reader, its channel) -> the placement that reads it
    for index, table in enumerate(listed, 1):
        key = f"channels[{index}]"
        reject_unknown(table, CHANNEL_KEYS, source, key)
        name = table.get("name")
        if not isinstance(name, str) or not CHANNEL_NAME.fullmatch(name):
            raise InputError(source, f"{key}.name", "expected the channel's name: letters, digits, '.', '_' or '-', "
                             f"up to 32, e.g. \"1\" or \"A3\"; got {name!r}")
        if name in channels:
            raise InputError(source, f"{key}.name", f"channel {name!r} is named twice")
        bindings = {role: _binding(table.get(role), instruments, source, f"{key}.{role}", role)
                    for role in ("load", "supply")}
        temps = table.get("temperatures")
        if not isinstance(temps, dict) or not temps:
            raise InputError(source, f"{key}.temperatures", "expected a table of names to 'instrument:channel', e.g. "
                             "{ cell = \"tc:101\", surface = \"tc:102\" }")
        numbers, thermo = {}, None
        for placement, text in temps.items():
            where = f"{key}.temperatures.{placement}"
            instrument, number = _reference(text, instruments, source, where)
            if number is None:
                raise InputError(source, where, f"expected 'instrument:channel', e.g. '{instrument}:101'")
            if thermo not in (None, instrument):
                raise InputError(source, where, f"a channel's temperatures come from one reader; {thermo!r} and "
                                 f"{instrument!r} are two")
            if (instrument, number) in sensors:  # one thermocouple on one DUT, in one place
                raise InputError(source, where, f"{instrument}:{number} is already {sensors[instrument, number]}")
            sensors[instrument, number] = f"channel {name!r}'s {placement}"
            thermo, numbers[placement] = instrument, number
        assert thermo is not None
        bindings["thermo"] = Binding(thermo, {})
        for role, binding in bindings.items():  # each instrument in the role its driver fills
            _fills(instruments[binding.instrument], role, source, f"{key}.temperatures" if role == "thermo"
                   else f"{key}.{role}")
        for role in ("load", "supply"):
            binding = bindings[role]
            spot = (binding.instrument, repr(binding.options.get("channel")))
            if spot in taken:
                channel = binding.options.get("channel")
                at = f"{binding.instrument}:{channel}" if channel is not None else binding.instrument
                raise InputError(source, f"{key}.{role}", f"{at} is already channel {taken[spot]!r}'s {role}: one "
                                 f"DUT per {role} channel")
            taken[spot] = name
        critical = table.get("critical", list(numbers))
        if not isinstance(critical, list) or any(c not in numbers for c in critical):
            raise InputError(source, f"{key}.critical", f"expected a list of names among {sorted(numbers)}")
        defects = table.get("defects", [])
        if not isinstance(defects, list) or not all(isinstance(d, str) for d in defects):
            raise InputError(source, f"{key}.defects", "expected a list of simulated defects, e.g. "
                             "[\"micro-short:resistance=20 ohm\"] (bench sim list)")
        if defects and base.world is None:
            raise InputError(source, f"{key}.defects", "simulated defects need a simulated rack (sim:// and [world])")
        for defect in defects:
            check_defect(defect, source, f"{key}.defects")
        roles = {}
        for role, binding in bindings.items():
            shared = instruments[binding.instrument]
            roles[role] = _role(role, shared, binding)
        channels[name] = Channel(name, replace(base, roles=roles, channels=dict(numbers),
                                               critical=frozenset(critical), channel=name),
                                 bindings, tuple(defects))
    for name, instrument in instruments.items():
        used = [role for c in channels.values() for role, b in c.bindings.items() if b.instrument == name]
        if not used:
            raise InputError(source, f"instruments.{name}", "no channel uses it")
        _channel_named(name, used[0], listed, channels)
    rack = Rack(instruments, channels)
    for index, (name, channel) in enumerate(channels.items(), 1):
        for defect in channel.defects:
            check_own_line(rack, name, defect, source, f"channels[{index}].defects")
    for name, channel in channels.items():  # each channel's station knows its rack (to open it, to resume)
        channels[name] = replace(channel, station=replace(channel.station, rack=rack))
    return rack


def _fills(instrument: Instrument, role: str, source: str, key: str) -> None:
    """An instrument bound in a role its driver does not fill is refused where it is bound (an
    unknown driver is left to the station's driver check, which names its table)."""
    from drivers.registry import REGISTRY

    driver = instrument.config.driver
    if driver in REGISTRY and role not in (roles := REGISTRY[driver].roles):
        raise InputError(source, key, f"{instrument.name} is a {driver}, a {' or '.join(roles)}: not a {role}")


def _channel_named(instrument: str, role: str, listed: list[dict[str, Any]], channels: dict[str, Channel]) -> None:
    """An instrument several DUT channels share in the load or supply role: each names its own
    channel of it (no driver's default channel taken for the one that forgot)."""
    if role == "thermo":
        return
    users = [(index, channel) for index, channel in enumerate(channels.values(), 1)
             if channel.bindings[role].instrument == instrument]
    if len(users) < 2:
        return
    for index, channel in users:
        if "channel" not in channel.bindings[role].options:
            key = f"channels[{index}].{role}"
            form = f"{{ instrument = \"{instrument}\", channel = ... }}" if isinstance(listed[index - 1].get(role), dict) \
                else f"'{instrument}:<channel>'"
            raise InputError(channel.station.source, key, f"{instrument} is shared by {len(users)} channels: name "
                             f"this one's channel of it, {form}")


def check_defect(spec: str, source: str, key: str) -> None:
    """A simulated defect as `bench sim list` knows it (NAME[:param=value,...]), refused with where
    it was written: checked when the rack file is read, before any channel's run is made."""
    from bench.units import parse_as
    from drivers.sim.defects import parse_defect

    try:
        parse_defect(spec, lambda text, unit, param: parse_as(text, unit, source, f"{key} ({param})"))
    except ValueError as exc:
        raise InputError(source, key, str(exc)) from None


def check_own_line(rack: Rack, channel: str, spec: str, source: str, key: str) -> None:
    """A flaky link is its line's: on a channel whose instruments other channels share, the line is
    theirs too, so it is refused there (a channel with instruments of its own takes it)."""
    if spec.partition(":")[0].strip() != "flaky-link":
        return
    shared = sorted({b.instrument for b in rack.channels[channel].bindings.values() if len(rack.users(b.instrument)) > 1})
    if shared:
        raise InputError(source, key, f"flaky-link on channel {channel!r}: its line to {', '.join(shared)} is every "
                         "channel's that shares it; give it to a channel with instruments of its own")


def _role(role: str, shared: Instrument, binding: Binding) -> Any:
    """The RoleConfig a channel's run sees: the instrument's, with the channel's own options."""
    rc = shared.config
    return replace(rc, role=role, options={**rc.options, **binding.options},
                   accuracy=None if role == "thermo" else rc.accuracy)


def _reference(text: Any, instruments: dict[str, Instrument], source: str, key: str) -> tuple[str, int | None]:
    """'name' or 'name:channel' -> (instrument, channel number or None)."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(source, key, f"expected 'instrument' or 'instrument:channel', got {text!r}")
    name, _, number = text.strip().partition(":")
    if name not in instruments:
        raise InputError(source, key, f"no instrument {name!r}; the rack has {', '.join(instruments)}")
    if not number:
        return name, None
    if not number.isdigit():
        raise InputError(source, key, f"expected a channel number after ':', got {number!r}")
    return name, int(number)


def _binding(value: Any, instruments: dict[str, Instrument], source: str, key: str, role: str) -> Binding:
    """`load = "loads:2"` (that instrument's channel 2), `load = "dl-3"` (a one-channel
    instrument), or `load = { instrument = "loads", channel = 2, module = "N3304A" }` (with
    other driver options of that channel)."""
    if value is None:
        raise InputError(source, key, f"missing; expected the {role}: 'instrument:channel', e.g. 'loads:1'")
    if isinstance(value, dict):
        options = dict(value)
        name = options.pop("instrument", None)
        instrument, _ = _reference(name, instruments, source, f"{key}.instrument")
        return Binding(instrument, options)
    instrument, number = _reference(value, instruments, source, key)
    return Binding(instrument, {} if number is None else {"channel": number})


def rack_key(station: "StationConfig", role: str) -> str:
    """The key an error about a rack channel's role names: that channel's binding of it."""
    return f"channels (name {station.channel!r}).{role}"
