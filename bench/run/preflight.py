"""Pre-flight: a profile checked against the station it will run on, before anything is
switched on. `bench validate` and `bench run` share it, so what a run would refuse is refused
at validate."""
from __future__ import annotations

from bench.errors import InputError
from bench.profile.reader import Profile
from bench.profile.steps import SupplyStep
from bench.station.config import StationConfig

UNITS = {"voltage": "V", "current": "A", "power": "W"}


def check_against_station(profile: Profile, station: StationConfig) -> None:
    """Set-points must respect the station's hard limits, and so must what a constant-resistance
    or constant-power step draws at the voltages the DUT shows (see `dut_voltage`); channels
    named must exist there."""
    limits, src = station.limits, profile.source
    bounds = {"voltage": limits.max_voltage, "current": limits.max_current, "power": limits.max_power}
    volts, origin = dut_voltage(profile)
    rated_current = profile.ratings.rated_output_current if profile.ratings.kind == "power bank" else None
    for step in profile.steps():
        checks = [(what, value, kind, "") for what, value, kind in step.setpoints()]
        for what, value, kind, note in checks + list(step.drawn(volts, origin, rated_current)):
            unit, limit = UNITS[kind], bounds[kind]
            if value > limit:
                number = f"{value:.4g}" if note else f"{value:g}"  # a figure worked out, or a set-point as written
                raise InputError(src, step.key, f"{what} {number} {unit}{note} is above the station's hard limit "
                                 f"{limit:g} {unit} ({station.source})")
    conditions = [(c, s.key) for s in profile.steps() for c in s.until]
    conditions += [(c, f"safety.abort_if[{i}]") for i, c in enumerate(profile.safety)]
    for condition, key in conditions:
        _check_channel(condition.channel, src, key, station)
    for criterion in profile.criteria:
        _check_channel(criterion.channel, src, f"{criterion.key}.metric", station)


def dut_voltage(profile: Profile) -> tuple[float | None, str]:
    """The highest voltage the DUT's output can show, and where that figure comes from.

    A power bank regulates its output at its rated output voltage (`dut.rated_output_voltage`;
    its nominal voltage is its cells'). A cell shows the highest of its nominal and rated output
    voltages and the voltage a charge or hold of the profile takes it to. None when the profile
    says nothing of it: then only a step's own cutoff ('until 3 V') is known."""
    ratings = profile.ratings
    if ratings.kind == "power bank":
        return ratings.rated_output_voltage, "dut.rated_output_voltage"
    known = [(v, f"dut.{name}") for name, v in (("nominal_voltage", ratings.nominal_voltage),
                                               ("rated_output_voltage", ratings.rated_output_voltage))
             if v is not None]
    for step in profile.steps():
        charge = getattr(step, "charge", step)  # a charge with a load alongside charges too
        if isinstance(charge, SupplyStep):
            known.append((charge.voltage, f"the voltage {step.key} charges the DUT to"))
    return max(known, default=(None, ""), key=lambda pair: pair[0])


def _check_channel(channel: str | None, source: str, key: str, station: StationConfig) -> None:
    if channel is not None and channel not in station.channels:
        raise InputError(source, key, f"no temperature channel {channel!r} on station {station.name!r}; "
                         f"it has {', '.join(station.channels)}")
