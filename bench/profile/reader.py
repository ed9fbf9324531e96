"""Profiles: what to do to the DUT, read from TOML, validated once, held as pure data.

Every quantity is written with its unit and converted here to an SI float; every error names
the file, the key path and what was expected.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Union

from bench.profile.conditions import RATE_WINDOW, Condition, parse_condition
from bench.analysis.criteria import Criterion
from bench.analysis.cycles import CycleCondition
from bench.errors import InputError
from bench.analysis.metrics import CYCLE_ONLY, METRICS, Ratings, split_metric
from bench.profile.steps import Step, SupplyStep, parse_step, with_load
from bench.tables import list_value, need, read_text, read_toml, reject_unknown, text_value
from bench.units import in_unit, parse, parse_positive, unit_of

TOP_KEYS = {"name", "description", "source", "period", "steps", "dut", "safety", "criteria", "on_resume"}
ON_RESUME = ("continue", "restart")
DUT_KEYS = {"kind": None, "rated_capacity": "capacity", "nominal_voltage": "voltage",
            "rated_output_voltage": "voltage", "rated_output_current": "current",
            "rated_input_voltage": "voltage", "rated_input_current": "current"}
DUT_KINDS = ("power bank", "cell")
CRITERION_KEYS = {"name", "metric", "step", "cycle", "min", "max", "marginal", "description"}
CYCLE_SCOPES = ("each", "first", "last", "trend")

# Real test methods nest loops two or three deep (cycles, check-ups inside them); the limits are
# far above that and far below where reading the file recursed into a RecursionError. The TOML
# reader recurses several frames per array or inline table, the profile reader per loop.
MAX_LOOPS = 8
# The shortest sample period: a polling round of the load, the supply and the thermometer takes
# milliseconds to tens of milliseconds, and faster than this rows would pile up at one test time.
MIN_PERIOD = 0.010  # s


@dataclass(frozen=True, slots=True)
class Loop:
    """Steps repeated `repeat` times; each new pass is a new cycle."""

    repeat: int
    body: tuple["Item", ...]
    key: str
    stop_if: CycleCondition | None = None


Item = Union[Step, Loop]


@dataclass(frozen=True, slots=True)
class Profile:
    source: str
    name: str
    description: str
    reference: str
    period: float
    items: tuple[Item, ...]
    safety: tuple[Condition, ...]
    criteria: tuple[Criterion, ...]
    ratings: Ratings
    text: str
    sha256: str
    on_resume: str = "continue"

    def steps(self) -> Iterator[Step]:
        """Every step once, in file order (loops not expanded)."""
        yield from _walk(self.items)

    def estimate(self) -> tuple[float, list[str]]:
        """Estimated duration in s from the DUT ratings, and the steps it could not estimate."""
        unknown: list[str] = []
        return _estimate(self.items, self.ratings, unknown), unknown


def _estimate(items: tuple[Item, ...], ratings: Ratings, unknown: list[str]) -> float:
    total = 0.0
    for item in items:
        if isinstance(item, Loop):
            total += item.repeat * _estimate(item.body, ratings, unknown)
            continue
        seconds = item.estimate(ratings)
        if seconds is None:
            unknown.append(item.text)
        else:
            total += seconds
    return total


def _walk(items: tuple[Item, ...]) -> Iterator[Step]:
    for item in items:
        if isinstance(item, Loop):
            yield from _walk(item.body)
        else:
            yield item


# The tables a station file has and a profile never does: a station given as a profile is told so.
STATION_TABLES = ("load", "supply", "thermo")


def shipped_profiles() -> dict[str, str]:
    """The profiles that ship with the package (the repository's profiles/, as bench.profiles),
    name -> file, in name order."""
    folder = resources.files("bench.profiles")
    found = (entry for entry in folder.iterdir() if entry.name.endswith(".toml"))
    return {entry.name.removesuffix(".toml"): str(entry) for entry in sorted(found, key=lambda e: e.name)}


def find_profile(path: str | Path) -> str:
    """The file a profile argument names: the path itself when it exists or has a folder in it
    ('profiles/x.toml'), else the shipped profile of that name ('capacity' or 'capacity.toml'),
    so a path always wins."""
    given = Path(path)
    if given.exists() or given.parent != Path("."):
        return str(path)
    shipped = shipped_profiles()
    name = given.name.removesuffix(".toml")
    if name not in shipped:
        raise InputError(str(path), "", "no such file, and no shipped profile of that name; shipped: "
                         + ", ".join(shipped))
    return shipped[name]


def load_profile(path: str | Path) -> Profile:
    """Read and validate a profile file, or a shipped profile by its name; raises InputError with
    file, key and expectation."""
    source = find_profile(path)
    try:
        return parse_profile(read_text(source, "profile"), source)
    except InputError as exc:
        if exc.key in STATION_TABLES:  # an unknown top-level key: no profile key is named so
            raise InputError(source, exc.key, "this looks like a station file (use --station)") from None
        raise


def parse_profile(text: str, source: str) -> Profile:
    data = read_toml(text, source)
    reject_unknown(data, TOP_KEYS, source, "")
    name = text_value(data, "name", source, required=True)
    period_text = need(data, "period", source, "the sample period, e.g. period = \"1 s\"")
    period = parse(period_text, "time", source, "period")
    ratings = _ratings(data.get("dut"), source)
    steps_raw = need(data, "steps", source, "a list of steps, e.g. steps = [\"Rest for 1 min\"]")
    context = _StepContext(source, ratings)
    items = context.items(steps_raw, "steps")
    if not items:
        raise InputError(source, "steps", "expected at least one step")
    safety = _safety(data.get("safety", {}), source)
    _check_periods(period, period_text, items, safety, source)
    criteria = tuple(_criterion(c, source, f"criteria[{i}]", context.names, ratings)
                     for i, c in enumerate(list_value(data.get("criteria", []), source, "criteria")))
    on_resume = data.get("on_resume", "continue")
    if on_resume not in ON_RESUME:
        raise InputError(source, "on_resume", f"expected one of {', '.join(map(repr, ON_RESUME))}, got {on_resume!r}")
    names = [c.name for c in criteria]
    if len(set(names)) != len(names):
        raise InputError(source, "criteria", "criterion names must be unique")
    return Profile(source=source, name=name, description=text_value(data, "description", source),
                   reference=text_value(data, "source", source), period=period, items=items, safety=safety,
                   criteria=criteria, ratings=ratings, text=text,
                   sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), on_resume=on_resume)


def _check_periods(period: float, period_text: str, items: tuple[Item, ...], safety: tuple[Condition, ...],
                   source: str) -> None:
    """Every sample period in use (the profile's, a step's own) from MIN_PERIOD to the duration of
    each timed step it samples and, when a condition watches dT/dt or dV/dt, to their window (a
    slope needs readings across it).

    A safety condition's `for` hold is no bound: it asks for the condition on consecutive
    readings, and methods sample more slowly than their holds ('for 2 s' at a 10 s period),
    which makes a hold shorter than the period last one period."""
    steps = list(_walk(items))
    conditions = safety + tuple(c for step in steps for c in step.until)
    window = RATE_WINDOW if any(c.quantity in ("dT/dt", "dV/dt") for c in conditions) else None
    _check_period(period, period_text, "period", [s for s in steps if s.period is None], window, source)
    for step in steps:
        if step.period is not None:
            _check_period(step.period, step.period_text, step.key, [step], window, source)


def _check_period(period: float, text: str, key: str, steps: list[Step], window: float | None, source: str) -> None:
    unit = unit_of(text)
    if in_unit(1.0, "time", unit) is None:
        unit = "s"

    def written(seconds: float) -> str:
        return f"{in_unit(seconds, 'time', unit):g} {unit}"

    own = "; or give that step its own period, e.g. '(1 s period)'" if key == "period" else ""
    bounds = [(s.duration, f"{s.key} lasts {written(s.duration)}", own) for s in steps if s.duration is not None]
    if window is not None:
        bounds.append((window, f"dT/dt and dV/dt are taken over the last {written(window)}", ""))
    shortest = min(bounds, default=None)
    if period >= MIN_PERIOD and (shortest is None or period <= shortest[0]):
        return
    if shortest is None:
        expected = f"of at least {written(MIN_PERIOD)}"
    else:
        longest, why, hint = shortest
        expected = f"from {written(MIN_PERIOD)} to {written(longest)} ({why}{hint if period > longest else ''})"
    raise InputError(source, key, f"expected a sample period {expected}, got {text!r}")


_STOP_IF = re.compile(r"^\s*(?P<metric>.+?)(?:\s+of\s+(?P<step>.+?))?\s*(?P<op><=|>=|<|>)\s*(?P<value>.+?)\s*$")


def parse_stop_if(text: Any, source: str, key: str, step_names: set[str]) -> CycleCondition:
    if isinstance(text, str):
        text = " ".join(text.split())  # runs of spaces as one: the pattern stays linear in time
    match = _STOP_IF.match(text) if isinstance(text, str) else None
    if match is None:
        raise InputError(source, key, f"expected '<metric> [of <step name>] <op> <value>', e.g. "
                         f"'capacity retention of discharge < 80 %', got {text!r}")
    metric, channel = split_metric(match["metric"], source, key)
    step = match["step"]
    if step is not None and step not in step_names:
        raise InputError(source, key, f"no step is named {step!r}; named steps: {', '.join(sorted(step_names))}")
    if metric in CYCLE_ONLY and step is None:
        raise InputError(source, key, f"{metric!r} needs a step: '{metric} of <step name> < ...'")
    value = parse(match["value"], METRICS[metric][0], source, key)
    return CycleCondition(metric, channel, step, match["op"], value, text)


class _StepContext:
    """Walks the step list, numbering steps and carrying the current limit a Hold inherits."""

    def __init__(self, source: str, ratings: Ratings) -> None:
        self.source, self.ratings = source, ratings
        self.index = 0
        self.loops = 0  # loops the walk is inside
        self.limit: float | None = None
        self.names: set[str] = set()

    def items(self, raw: Any, key: str) -> tuple[Item, ...]:
        return tuple(self.item(entry, f"{key}[{i}]") for i, entry in enumerate(list_value(raw, self.source, key)))

    def item(self, entry: Any, key: str) -> Item:
        if isinstance(entry, str):
            return self.step(entry, key, None)
        if not isinstance(entry, dict):
            raise InputError(self.source, key, f"expected a step (text) or a table, got {entry!r}")
        if "repeat" in entry:
            reject_unknown(entry, {"repeat", "steps", "stop_if"}, self.source, key)
            if self.loops == MAX_LOOPS:
                raise InputError(self.source, key, f"loops nested more than {MAX_LOOPS} deep; a test method needs "
                                 "two or three")
            repeat = entry["repeat"]
            if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
                raise InputError(self.source, f"{key}.repeat", f"expected a whole number >= 1, got {repeat!r}")
            self.loops += 1
            body = self.items(need(entry, "steps", self.source, "the steps to repeat", key), f"{key}.steps")
            self.loops -= 1
            if not body:
                raise InputError(self.source, f"{key}.steps", "expected at least one step to repeat")
            stop_if = None
            if "stop_if" in entry:
                stop_if = parse_stop_if(entry["stop_if"], self.source, f"{key}.stop_if", self.names)
            return Loop(repeat, body, key, stop_if)
        reject_unknown(entry, {"step", "name", "with"}, self.source, key)
        name = text_value(entry, "name", self.source, prefix=key)
        if "name" in entry and not name.strip():
            raise InputError(self.source, f"{key}.name", "expected the step's name as text, got an empty one")
        text = need(entry, "step", self.source, "the step's wording, e.g. step = \"Rest for 30 min\"", key)
        if not isinstance(text, str):
            raise InputError(self.source, f"{key}.step", f"expected the step's wording as text, got {text!r}")
        step = self.step(text, f"{key}.step", name or None)
        if "with" in entry:
            step = with_load(step, entry["with"], self.source, f"{key}.with", self.ratings.rated_capacity)
        return step

    def step(self, text: str, key: str, name: str | None) -> Step:
        if name is not None:
            if name in self.names:
                raise InputError(self.source, key, f"step name {name!r} is used twice")
            self.names.add(name)
        self.index += 1
        step = parse_step(text, self.source, key, self.index, name=name,
                          rated_capacity=self.ratings.rated_capacity, previous_limit=self.limit)
        if isinstance(step, SupplyStep):
            self.limit = step.current
        return step


def _ratings(raw: Any, source: str) -> Ratings:
    if raw is None:
        raise InputError(source, "dut", f"expected a [dut] table with kind = one of {', '.join(DUT_KINDS)} "
                         "and its ratings (rated_capacity, nominal_voltage...)")
    if not isinstance(raw, dict):
        raise InputError(source, "dut", "expected a table")
    reject_unknown(raw, set(DUT_KEYS), source, "dut")
    kind = raw.get("kind")
    if kind not in DUT_KINDS:
        raise InputError(source, "dut.kind", f"expected one of {', '.join(map(repr, DUT_KINDS))}, got {kind!r}")
    values = {k: parse_positive(raw[k], unit, source, f"dut.{k}") for k, unit in DUT_KEYS.items() if unit and k in raw}
    return Ratings(kind=kind, **values)


def _safety(raw: Any, source: str) -> tuple[Condition, ...]:
    if not isinstance(raw, dict):
        raise InputError(source, "safety", "expected a table with abort_if = [conditions]")
    reject_unknown(raw, {"abort_if"}, source, "safety")
    entries = list_value(raw.get("abort_if", []), source, "safety.abort_if")
    out = []
    for i, text in enumerate(entries):
        key = f"safety.abort_if[{i}]"
        if not isinstance(text, str):
            raise InputError(source, key, f"expected a condition like 'cell temperature > 60 degC', got {text!r}")
        out.append(parse_condition(text, source, key))
    return tuple(out)


def _criterion(raw: Any, source: str, key: str, step_names: set[str], ratings: Ratings) -> Criterion:
    if not isinstance(raw, dict):
        raise InputError(source, key, "expected a table with name, metric and min and/or max")
    reject_unknown(raw, CRITERION_KEYS, source, key)
    name = text_value(raw, "name", source, required=True, prefix=key)
    metric_text = text_value(raw, "metric", source, required=True, prefix=key)
    metric, channel = split_metric(metric_text, source, f"{key}.metric")
    kind, _, _, needs = METRICS[metric]
    if needs and getattr(ratings, needs) is None:
        raise InputError(source, f"{key}.metric", f"{metric!r} needs dut.{needs}")
    if needs == "rated_capacity" and ratings.nominal_voltage is None:
        raise InputError(source, f"{key}.metric", f"{metric!r} needs dut.nominal_voltage")
    step = text_value(raw, "step", source, prefix=key) if "step" in raw else None
    if step is not None and step not in step_names:
        known = ", ".join(sorted(step_names)) or "none: name a step with { step = \"...\", name = \"...\" }"
        raise InputError(source, f"{key}.step", f"no step is named {step!r}; named steps: {known}")
    cycle = raw.get("cycle")
    if cycle is not None and cycle not in CYCLE_SCOPES:
        raise InputError(source, f"{key}.cycle", f"expected one of {', '.join(map(repr, CYCLE_SCOPES))}, got {cycle!r}")
    if metric in CYCLE_ONLY and (cycle is None or step is None):
        raise InputError(source, key, f"{metric!r} is judged per cycle on a named step: give cycle and step")
    if cycle == "trend" and kind == "temperature":
        kind = "temperature difference"  # a slope per cycle is a difference, not a temperature
    low = parse(raw["min"], kind, source, f"{key}.min") if "min" in raw else None
    high = parse(raw["max"], kind, source, f"{key}.max") if "max" in raw else None
    if low is None and high is None:
        raise InputError(source, key, "expected min and/or max")
    if low is not None and high is not None and low > high:
        raise InputError(source, key, "min is above max")
    band_kind = "temperature difference" if kind == "temperature" else kind
    marginal = parse(raw["marginal"], band_kind, source, f"{key}.marginal") if "marginal" in raw else 0.0
    if marginal < 0:
        raise InputError(source, f"{key}.marginal", "expected a band >= 0")
    if marginal and low is not None and high is not None and 2 * marginal > high - low:
        raise InputError(source, f"{key}.marginal", "the band is wider than half the room between min and max, so "
                         "nothing could PASS")
    return Criterion(name, metric, channel, step, low, high, marginal, kind, key, cycle)
