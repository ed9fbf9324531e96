"""Pre-flight: a profile checked against the station it will run on, before anything is
switched on. `bench validate` and `bench run` share it, so what a run would refuse is refused
at validate."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from bench.errors import InputError
from bench.product.label import Product, load_product, parse_product, shipped_products
from bench.profile.reader import Profile, load_profile, parse_profile
from bench.profile.steps import LoadLevel, SupplyStep
from bench.record.schema import AMBIENT_CHANNEL
from bench.station.config import RoleConfig, StationConfig, load_station
from bench.tables import read_text
from bench.units import parse_as

if TYPE_CHECKING:
    from bench.run.plausibility import Finding
    from drivers.dc_supply import Span

UNITS = {"voltage": "V", "current": "A", "power": "W"}
STANDARD_DUT = {"cell": "lg-m50", "power bank": "powerbank-10000"}  # simulated, when the station has none of a kind


@dataclass(frozen=True, slots=True)
class Plan:
    """What a run would do, checked: the profile read for its product, the station (its simulated
    world holding the DUT preset the run uses) and that preset's parameter overrides (SI)."""

    profile: Profile
    station: StationConfig
    preset: str | None
    overrides: dict[str, float]
    warnings: list[Finding] = field(default_factory=list)


def plan(profile: str | Path, station: str | Path | None = None, *, dut: str | None = None,
         product: str | Path | None = None, strict: bool = False,
         warn: Callable[[Finding], None] | None = None) -> Plan:
    """The one pre-flight of `bench validate` and `bench run`: everything that can be checked
    before an instrument is touched, or an InputError.

    The product judged is `product` (--product: a file, or a shipped label by name), else on a
    simulated station the label of the DUT preset in use (products/<preset>.toml: a simulated
    powerbank-20000 is a 20 000 mAh bank; pybamm:Chen2020 is an LG M50, products/lg-m50.toml),
    else the profile's [dut]. Then the fit to the station, and plausibility
    (bench.run.plausibility), whose errors raise InputError too. Each warning goes to `warn`
    before anything else happens, so the operator sees it even when `strict` (CI: a warning is
    an error) then refuses the profile."""
    from bench.run.plausibility import strict_error, warnings

    prof = load_profile(profile)
    sta = load_station(station)
    if dut is not None and not sta.simulated:
        raise InputError(sta.source, "world", "--dut applies to a simulated station only")
    preset = simulated_dut(prof, sta, dut)
    label = load_product(product) if product is not None else preset_label(preset)
    if label is not None:
        prof = parse_profile(prof.text, prof.source, label)  # the text read once, read again for the label
    for each in [c.station for c in sta.rack.channels.values()] if sta.rack is not None else [sta]:
        check_against_station(prof, each)
    overrides: dict[str, float] = {}
    if sta.world is not None and preset is not None:
        sta = replace(sta, world=replace(sta.world, dut=preset))
        overrides = world_overrides(sta, preset)
    found = warnings(prof, sta)
    for finding in found if warn is not None else ():
        warn(finding)
    if strict and found:
        raise strict_error(found)
    return Plan(prof, sta, preset, overrides, found)


def preset_label(preset: str | None) -> Product | None:
    """The label a simulated DUT carries (the shipped product of a preset's name; of the cell a
    PyBaMM parameter set describes, pybamm:Chen2020 an LG M50), if any."""
    if preset is None:
        return None
    from drivers.sim.presets import dut_type

    label = dut_type(preset).label
    path = None if label is None else shipped_products().get(label)
    return None if path is None else parse_product(read_text(path, "product file"), path)


def world_overrides(station: StationConfig, preset: str) -> dict[str, float]:
    """The station's `[world.overrides]` as SI floats, each a parameter of the DUT preset and of
    its dimension ('capacity = \"3 V\"' and a misspelt 'capacty' are refused here, at validate)."""
    from drivers.sim.presets import dut_type

    units = {p.name: p.unit for p in dut_type(preset).parameters()}
    overrides = {}
    for key, text in station.world.overrides.items() if station.world else ():
        if key not in units:
            raise InputError(station.source, f"world.overrides.{key}",
                             f"not a parameter of {preset!r}; known: {', '.join(units)}")
        overrides[key] = parse_as(text, units[key], station.source, f"world.overrides.{key}")
    return overrides


def check_against_station(profile: Profile, station: StationConfig) -> None:
    """Set-points must respect the station's hard limits, and so must what a constant-resistance
    or constant-power step draws at the voltages the DUT shows (see `dut_voltage`); channels
    named must exist there; the supply and the load must be able to give every set-point."""
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
    conditions += [(c, f"safety.abort_if[{i}]") for i, c in enumerate(profile.safety, 1)]
    for condition, key in conditions:
        _check_channel(condition.channel, src, key, station)
    for criterion in profile.criteria:
        _check_channel(criterion.channel, src, f"{criterion.key}.metric", station)
        if criterion.metric == "temperature over ambient":  # judged against the station's ambient channel
            _check_channel(AMBIENT_CHANNEL, src, f"{criterion.key}.metric", station)
    _check_supply_range(profile, station)
    _check_load_range(profile, station)


def simulated_dut(profile: Profile, station: StationConfig, dut: str | None = None) -> str | None:
    """The DUT the station's simulated world holds for this profile (None on a real bench): a
    preset or a PyBaMM cell (drivers.sim.presets.dut_type; one without PyBaMM installed is refused
    here, with the command that installs it).

    `dut` (--dut) if given, refused unless of the profile's `[dut] kind`: a profile drives its
    DUT as its kind needs (a bank's 5 V input would overcharge a bare cell). Otherwise the
    station's `world.dut` when it is of that kind, else the standard preset of the kind
    (STANDARD_DUT), so every profile runs as it is on the default simulated station."""
    if station.world is None:
        return None
    from drivers.sim.presets import PRESETS, PYBAMM_PREFIX, dut_type

    kind = profile.ratings.kind
    pinned = station.world.dut
    try:
        pinned_kind = dut_type(pinned).kind
    except ValueError as exc:
        raise InputError(station.source, "world.dut", str(exc)) from None
    if dut is None:
        return pinned if pinned_kind == kind else STANDARD_DUT[kind]
    try:
        chosen = dut_type(dut).kind
    except ValueError as exc:
        raise InputError("--dut", dut, str(exc)) from None
    if chosen != kind:
        fitting = [name for name, preset in PRESETS.items() if preset.kind == kind]
        fitting += [f"{PYBAMM_PREFIX}<parameter set>[:<model>]"] if kind == "cell" else []
        raise InputError("--dut", dut, f"a {chosen}, but {profile.source} is written for a {kind} "
                         f'(dut.kind = "{kind}"); {kind} presets: {", ".join(fitting)}')
    return dut


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


def _check_supply_range(profile: Profile, station: StationConfig) -> None:
    """Every supply set-point within the programmable range of the station's supply model and
    channel (the driver's own table, which refuses the same at run time), so that validate
    refuses what would end a run in ERROR hours in. A refusal names the channels of that model
    that reach every supply set-point of the profile, if any."""
    from drivers.dc_supply import DcSupply

    role = station.roles["supply"]
    known = instrument_model(role, "ranges", DcSupply)
    channel = role.options.get("channel", 1)
    if known is None or channel not in known[1]:
        return  # a channel the driver does not know is for the driver options' check
    model, spans = known
    charges = [(step.key, getattr(step, "charge", step)) for step in profile.steps()]
    charges = [(key, charge) for key, charge in charges if isinstance(charge, SupplyStep)]
    span = spans[channel]
    for key, charge in charges:
        for what, value, low, high, unit in (("voltage", charge.voltage, span.vmin, span.vmax, "V"),
                                             ("current limit", charge.current, 0.0, span.imax, "A")):
            if not low <= value <= high:
                where = model if len(spans) == 1 else f"{model} CH{channel}"
                raise InputError(profile.source, key, f"{what} {value:g} {unit} is outside the range of the supply, "
                                 f"{where}: {low:g} to {high:g} {unit} ({station.source}, supply)"
                                 f"{_reaching(spans, [c for _, c in charges], station)}")


def _reaching(spans: dict[int, Span], charges: list[SupplyStep], station: StationConfig) -> str:
    """The end of a range refusal: the channels of the supply, and on a simulated bench the shipped
    simulated stations, that give every supply set-point of the profile ('' if none)."""
    from bench.station.config import shipped_stations
    from drivers.dc_supply import DcSupply

    hints = []
    reach = [str(ch) for ch, other in spans.items() if all(_within(c, other) for c in charges)]
    if reach:
        hints.append(f"channel = {' or '.join(reach)} reaches every supply set-point of the profile")
    if station.simulated:
        for name, path in shipped_stations().items():
            other = load_station(path)
            if (other.rack is None) != (station.rack is None):
                continue  # a rack for a rack, a single DUT's station for one
            each = [c.station for c in other.rack.channels.values()] if other.rack is not None else [other]
            known = [instrument_model(o.roles["supply"], "ranges", DcSupply) if o.simulated else None for o in each]
            spans_of = [None if k is None else k[1].get(o.roles["supply"].options.get("channel", 1))
                        for k, o in zip(known, each)]  # a rack's every channel must reach them
            if path != station.source and all(span is not None and all(_within(c, span) for c in charges)
                                               for span in spans_of):
                hints.append(f"the shipped simulated station {name!r} does: --station {name}")
    return "; " + "; ".join(hints) if hints else ""


def _within(charge: SupplyStep, span: Span) -> bool:
    return span.vmin <= charge.voltage <= span.vmax and 0.0 <= charge.current <= span.imax


def _check_load_range(profile: Profile, station: StationConfig) -> None:
    """Every load level (both ends of a ramp) within the span of its mode on the station's load
    model (the driver's own ratings, which refuse the same at run time)."""
    from drivers.loads import QUANTITIES, ScpiLoad

    known = instrument_model(station.roles["load"], "RATINGS", ScpiLoad)
    if known is None:
        return
    model, ratings = known
    for step in profile.steps():
        level = getattr(step, "load", step)
        if not isinstance(level, LoadLevel):
            continue
        span = ratings.span(level.mode)
        if span is None:
            raise InputError(profile.source, step.key, f"the load, {model}, has no {level.mode} mode "
                             f"({station.source}, load)")
        quantity, unit = QUANTITIES[level.mode]
        for value in (level.lowest(), level.highest()):
            if not span[0] <= value <= span[1]:
                raise InputError(profile.source, step.key, f"{quantity} {value:g} {unit} is outside the range of "
                                 f"the load, {model}: {span[0]:g} to {span[1]:g} {unit} ({station.source}, load)")


def instrument_model(role: RoleConfig, table: str, family: type) -> tuple[str, Any] | None:
    """The model of a role's instrument and its entry in the driver's `table` (ranges, ratings).

    The model is the station's `model` option, else the driver's only one, else on a sim://
    resource the one its twin simulates by default (the registry entry's `twin_model`: the twin
    is not imported). None for a driver outside `family` (no such table) or a real instrument of
    unknown model: its driver checks the set-points once it has said which it is."""
    from drivers.registry import driver_info

    info = driver_info(role.driver)
    entries = getattr(info.driver, table, {}) if issubclass(info.driver, family) else {}
    model = role.options.get("model")
    if model is None and len(entries) == 1:
        model = next(iter(entries))
    if model is None and role.resource.startswith("sim://"):
        model = info.twin_model
    return (model, entries[model]) if model in entries else None


def _check_channel(channel: str | None, source: str, key: str, station: StationConfig) -> None:
    if channel is not None and channel not in station.channels:
        raise InputError(source, key, f"no temperature channel {channel!r} on station {station.name!r}; "
                         f"it has {', '.join(station.channels)}")
