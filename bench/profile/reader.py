"""Profiles: what to do to the DUT, read from TOML, validated once, held as pure data.

Every quantity is written with its unit and converted here to an SI float; every error names
the file, the key path and what was expected. Key paths number list entries from 1 (`steps[3]`
is the third step), as `bench validate` numbers steps.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Union

from bench.profile.conditions import RATE_WINDOW, Condition, parse_condition
from bench.analysis.criteria import Criterion
from bench.analysis.cycles import CycleCondition
from bench.errors import InputError
from bench.analysis.metrics import CYCLE_ONLY, METRICS, split_metric
from bench.profile.steps import Step, SupplyStep, parse_step, with_load
from bench.product.label import KINDS, Product, Ratings, read_label, relative, resolve
from bench.tables import find_shipped, list_value, need, read_text, read_toml, reject_unknown, shipped, text_value
from bench.units import in_unit, parse, parse_positive, unit_of

TOP_KEYS = {"name", "description", "source", "period", "steps", "dut", "safety", "criteria", "on_resume"}
ON_RESUME = ("continue", "restart")
REGULATION = ("on", "off")  # a step's `regulation`: "off" when the DUT may not take what it commands
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
    product: Product  # the label the run is judged against: the profile's [dut] unless one was given
    text: str
    sha256: str
    on_resume: str = "continue"

    @property
    def ratings(self) -> Ratings:
        return self.product.ratings

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
STATION_TABLES = ("load", "supply", "thermo", "instruments", "channels")  # a single station's or a rack's


def shipped_profiles() -> dict[str, str]:
    """The profiles that ship with the package (the repository's profiles/, as bench.profiles)."""
    return shipped("bench.profiles")


def find_profile(path: str | Path) -> str:
    """A profile file, or the shipped profile of that name (a path always wins)."""
    return find_shipped(path, "bench.profiles", "profile")


def load_profile(path: str | Path, product: Product | None = None) -> Profile:
    """Read and validate a profile file, or a shipped profile by its name, for `product` (else
    its [dut]); raises InputError with file, key and expectation."""
    source = find_profile(path)
    try:
        return parse_profile(read_text(source, "profile"), source, product)
    except InputError as exc:
        if exc.key in STATION_TABLES:  # an unknown top-level key: no profile key is named so
            raise InputError(source, exc.key, "this looks like a station file (use --station)") from None
        raise


def parse_profile(text: str, source: str, product: Product | None = None) -> Profile:
    """A profile's text, read for `product` (a product file, a simulated preset's label); without
    one, for the label its [dut] table gives. Figures written relative to the label ('1.05 x
    rated output current') are read against that product."""
    data = read_toml(text, source)
    reject_unknown(data, TOP_KEYS, source, "")
    name = text_value(data, "name", source, required=True)
    period_text = need(data, "period", source, "the sample period, e.g. period = \"1 s\"")
    period = parse(period_text, "time", source, "period")
    label = _label(data.get("dut"), source, product)
    steps_raw = need(data, "steps", source, "a list of steps, e.g. steps = [\"Rest for 1 min\"]")
    context = _StepContext(source, label)
    items = context.items(steps_raw, "steps")
    if not items:
        raise InputError(source, "steps", "expected at least one step")
    safety = _safety(data.get("safety", {}), source, label)
    _check_periods(period, period_text, items, safety, source)
    criteria = tuple(_criterion(c, source, f"criteria[{i}]", context.names, label)
                     for i, c in enumerate(list_value(data.get("criteria", []), source, "criteria"), 1))
    on_resume = data.get("on_resume", "continue")
    if on_resume not in ON_RESUME:
        raise InputError(source, "on_resume", f"expected one of {', '.join(map(repr, ON_RESUME))}, got {on_resume!r}")
    names = [c.name for c in criteria]
    if len(set(names)) != len(names):
        raise InputError(source, "criteria", "criterion names must be unique")
    return Profile(source=source, name=name, description=text_value(data, "description", source),
                   reference=text_value(data, "source", source), period=period, items=items, safety=safety,
                   criteria=criteria, product=label, text=text,
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
        """In the unit the period was written in, unless that makes it a fraction or thousands:
        '10 ms' and '20 s', not '0.000166667 min' or '20000 ms'."""
        for shown in (unit, "h", "min", "s"):
            value = in_unit(seconds, "time", shown)
            if value is not None and 1.0 <= value < (1000.0 if shown == unit else math.inf):
                return f"{value:g} {shown}"
        return f"{seconds * 1e3:g} ms"

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


def parse_stop_if(text: Any, source: str, key: str, step_names: set[str], product: Product | None = None
                  ) -> CycleCondition:
    if isinstance(text, str):
        text = " ".join(text.split())  # runs of spaces as one: the pattern stays linear in time
        if product is not None:
            text = resolve(text, product, source, key)
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

    def __init__(self, source: str, product: Product) -> None:
        self.source, self.product, self.ratings = source, product, product.ratings
        self.index = 0
        self.loops = 0  # loops the walk is inside
        self.limit: float | None = None
        self.names: set[str] = set()

    def items(self, raw: Any, key: str) -> tuple[Item, ...]:
        """The entries of a step list, keyed from 1 as `bench validate` numbers steps."""
        return tuple(self.item(entry, f"{key}[{i}]") for i, entry in enumerate(list_value(raw, self.source, key), 1))

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
                stop_if = parse_stop_if(entry["stop_if"], self.source, f"{key}.stop_if", self.names, self.product)
            return Loop(repeat, body, key, stop_if)
        reject_unknown(entry, {"step", "name", "with", "regulation"}, self.source, key)
        name = text_value(entry, "name", self.source, prefix=key)
        if "name" in entry and not name.strip():
            raise InputError(self.source, f"{key}.name", "expected the step's name as text, got an empty one")
        text = need(entry, "step", self.source, "the step's wording, e.g. step = \"Rest for 30 min\"", key)
        if not isinstance(text, str):
            raise InputError(self.source, f"{key}.step", f"expected the step's wording as text, got {text!r}")
        step = self.step(text, f"{key}.step", name or None)
        if "with" in entry:
            alongside = entry["with"]
            if isinstance(alongside, str):
                alongside = resolve(alongside, self.product, self.source, f"{key}.with")
            step = with_load(step, alongside, self.source, f"{key}.with", self.ratings.rated_capacity)
        regulation = entry.get("regulation", "on")
        if regulation not in REGULATION:
            raise InputError(self.source, f"{key}.regulation", f"expected \"on\" (the default) or \"off\" (the DUT "
                             f"may not take what the step commands, e.g. its protection trips), got {regulation!r}")
        return step if regulation == "on" else replace(step, regulation=False)

    def step(self, text: str, key: str, name: str | None) -> Step:
        if name is not None:
            if name in self.names:
                raise InputError(self.source, key, f"step name {name!r} is used twice")
            self.names.add(name)
        self.index += 1
        text = resolve(text, self.product, self.source, key)
        step = parse_step(text, self.source, key, self.index, name=name,
                          rated_capacity=self.ratings.rated_capacity, previous_limit=self.limit)
        if isinstance(step, SupplyStep):
            self.limit = step.current
        return step


def _label(raw: Any, source: str, product: Product | None) -> Product:
    """The label the profile is read for: `product`, which must be of the kind the profile's [dut]
    says (a profile drives its DUT as its kind needs), else the [dut] table itself."""
    if raw is None:
        raise InputError(source, "dut", f"expected a [dut] table with kind = one of {', '.join(KINDS)} "
                         "and its ratings (rated_capacity, nominal_voltage...)")
    own = read_label(raw, source, "dut")
    if product is None:
        return own
    if product.kind != own.kind:
        raise InputError(product.source, "kind", f"a {product.kind}, but {source} is written for a {own.kind} "
                         f'(dut.kind = "{own.kind}")')
    return product


def _safety(raw: Any, source: str, product: Product) -> tuple[Condition, ...]:
    if not isinstance(raw, dict):
        raise InputError(source, "safety", "expected a table with abort_if = [conditions]")
    reject_unknown(raw, {"abort_if"}, source, "safety")
    entries = list_value(raw.get("abort_if", []), source, "safety.abort_if")
    out = []
    for i, text in enumerate(entries, 1):
        key = f"safety.abort_if[{i}]"
        if not isinstance(text, str):
            raise InputError(source, key, f"expected a condition like 'cell temperature > 60 degC', got {text!r}")
        out.append(parse_condition(resolve(text, product, source, key), source, key))
    return tuple(out)


def _criterion(raw: Any, source: str, key: str, step_names: set[str], product: Product) -> Criterion:
    if not isinstance(raw, dict):
        raise InputError(source, key, "expected a table with name, metric and min and/or max")
    reject_unknown(raw, CRITERION_KEYS, source, key)
    name = text_value(raw, "name", source, required=True, prefix=key)
    metric_text = text_value(raw, "metric", source, required=True, prefix=key)
    metric, channel = split_metric(metric_text, source, f"{key}.metric")
    kind, _, _, needs = METRICS[metric]
    ratings = product.ratings
    if needs == "rated_capacity" and ratings.nominal_voltage is None:
        needs = "rated_capacity and nominal_voltage" if ratings.rated_capacity is None else "nominal_voltage"
    elif needs and getattr(ratings, needs) is not None:
        needs = None
    if needs:
        raise InputError(source, f"{key}.metric", f"{metric!r} needs the label's {needs} ({product.give(needs)})")
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
    band_kind = "temperature difference" if kind == "temperature" else kind
    bounds = {bound: _bound(raw, bound, band_kind if bound == "marginal" else kind, source, key, product)
              for bound in ("min", "max", "marginal") if bound in raw}
    low, high = bounds.get("min"), bounds.get("max")
    if low is None and high is None:
        raise InputError(source, key, "expected min and/or max")
    if low is not None and high is not None and low > high:
        raise InputError(source, key, "min is above max")
    marginal = bounds.get("marginal") or 0.0
    if marginal < 0:
        raise InputError(source, f"{key}.marginal", "expected a band >= 0")
    if marginal and low is not None and high is not None and 2 * marginal > high - low:
        raise InputError(source, f"{key}.marginal", "the band is wider than half the room between min and max, so "
                         "nothing could PASS")
    label = tuple((bound, raw[bound]) for bound in bounds if product.refers(raw[bound]))
    return Criterion(name, metric, channel, step, low, high, marginal, kind, key, cycle, label)


def _bound(raw: dict[str, Any], bound: str, kind: str, source: str, key: str, product: Product) -> float | None:
    """A criterion's min, max or marginal: a quantity, or a figure relative to the product's label."""
    if bound not in raw:
        return None
    where = f"{key}.{bound}"
    value = relative(raw[bound], kind, product, source, where)
    return parse(raw[bound], kind, source, where) if value is None else value
