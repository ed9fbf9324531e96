"""A profile bound to a station: checked against its hard limits and channels, and an
estimate of how long it will take, from the DUT ratings."""
from __future__ import annotations

from bench.errors import InputError
from bench.analysis.metrics import Ratings
from bench.profile.reader import Item, Loop, Profile
from bench.station.config import StationConfig
from bench.profile.steps import Step

# Rough figures for the estimate only (never used to control anything).
CONVERTER_EFFICIENCY = 0.88
CV_TAPER_FRACTION = 0.15


def check_against_station(profile: Profile, station: StationConfig) -> None:
    """Setpoints must respect the station's hard limits; channels named must exist there."""
    limits, src = station.limits, profile.source
    for step in profile.steps():
        over = []
        if step.side == "supply":
            over += [("voltage", step.level, limits.max_voltage, "V"), ("current limit", step.limit,
                                                                         limits.max_current, "A")]
            if step.load is not None:
                mode, level = step.load
                limit = {"CC": (limits.max_current, "A"), "CP": (limits.max_power, "W"),
                         "CV": (limits.max_voltage, "V")}.get(mode)
                if limit is not None:
                    over.append((f"load {mode}", level, *limit))
        elif step.mode == "CC":
            over.append(("current", _highest(step), limits.max_current, "A"))
        elif step.mode == "CP":
            over.append(("power", _highest(step), limits.max_power, "W"))
        elif step.mode == "CV":
            over.append(("voltage", step.level, limits.max_voltage, "V"))
        for what, value, limit, unit in over:
            if value > limit:
                raise InputError(src, step.key, f"{what} {value:g} {unit} is above the station's hard limit "
                                 f"{limit:g} {unit} ({station.source})")
    conditions = [(c, s.key) for s in profile.steps() for c in s.until]
    conditions += [(c, f"safety.abort_if[{i}]") for i, c in enumerate(profile.safety)]
    for condition, key in conditions:
        _check_channel(condition.channel, src, key, station)
    for criterion in profile.criteria:
        _check_channel(criterion.channel, src, f"{criterion.key}.metric", station)


def _highest(step: Step) -> float:
    """The highest level a step sets (a ramp may go down)."""
    return step.level if step.ramp is None else max(step.level, step.ramp[0])


def _check_channel(channel: str | None, source: str, key: str, station: StationConfig) -> None:
    if channel is not None and channel not in station.channels:
        raise InputError(source, key, f"no temperature channel {channel!r} on station {station.name!r}; "
                         f"it has {', '.join(station.channels)}")


def estimate(profile: Profile) -> tuple[float, list[str]]:
    """Estimated duration in s, and the steps it could not estimate."""
    unknown: list[str] = []
    total = _items(profile.items, profile.ratings, unknown)
    return total, unknown


def _items(items: tuple[Item, ...], ratings: Ratings, unknown: list[str]) -> float:
    total = 0.0
    for item in items:
        if isinstance(item, Loop):
            total += item.repeat * _items(item.body, ratings, unknown)
        else:
            seconds = step_estimate(item, ratings)
            if seconds is None:
                unknown.append(item.text)
            else:
                total += seconds
    return total


def step_estimate(step: Step, ratings: Ratings) -> float | None:
    """From a full (charge) or empty (discharge) DUT; a fixed duration caps it."""
    guess = None
    energy = ratings.rated_energy
    if energy is not None and step.side == "load":
        out_voltage = ratings.rated_output_voltage or ratings.nominal_voltage
        power = {"CC": step.level * out_voltage, "CP": step.level, "CR": out_voltage ** 2 / step.level if step.level else 0,
                 "CV": None}.get(step.mode)  # type: ignore[arg-type]
        if power:
            guess = energy * (CONVERTER_EFFICIENCY if ratings.kind == "power bank" else 1.0) / power
    elif energy is not None and step.side == "supply" and ratings.nominal_voltage:
        current = min(step.limit, ratings.rated_input_current or step.limit)
        charge_power = current * (step.level if ratings.kind == "power bank" else ratings.nominal_voltage)
        if step.action == "hold":
            guess = CV_TAPER_FRACTION * energy / charge_power
        else:
            guess = energy / (charge_power * CONVERTER_EFFICIENCY) * (1 + CV_TAPER_FRACTION)
    if step.duration is not None:
        return step.duration if guess is None else min(guess, step.duration)
    return guess
