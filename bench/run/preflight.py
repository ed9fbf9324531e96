"""Pre-flight: a profile checked against the station it will run on, before anything is
switched on. `bench validate` and `bench run` share it, so what a run would refuse is refused
at validate."""
from __future__ import annotations

from bench.errors import InputError
from bench.profile.reader import Profile
from bench.station.config import StationConfig


def check_against_station(profile: Profile, station: StationConfig) -> None:
    """Set-points must respect the station's hard limits; channels named must exist there."""
    limits, src = station.limits, profile.source
    bounds = {"voltage": (limits.max_voltage, "V"), "current": (limits.max_current, "A"),
              "power": (limits.max_power, "W")}
    for step in profile.steps():
        for what, value, kind in step.setpoints():
            limit, unit = bounds[kind]
            if value > limit:
                raise InputError(src, step.key, f"{what} {value:g} {unit} is above the station's hard limit "
                                 f"{limit:g} {unit} ({station.source})")
    conditions = [(c, s.key) for s in profile.steps() for c in s.until]
    conditions += [(c, f"safety.abort_if[{i}]") for i, c in enumerate(profile.safety)]
    for condition, key in conditions:
        _check_channel(condition.channel, src, key, station)
    for criterion in profile.criteria:
        _check_channel(criterion.channel, src, f"{criterion.key}.metric", station)


def _check_channel(channel: str | None, source: str, key: str, station: StationConfig) -> None:
    if channel is not None and channel not in station.channels:
        raise InputError(source, key, f"no temperature channel {channel!r} on station {station.name!r}; "
                         f"it has {', '.join(station.channels)}")
