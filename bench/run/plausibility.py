"""Plausibility: what a profile asks that the run would do without complaint, but that cannot be
what its author meant. Part of the pre-flight (bench.run.preflight.plan), so `bench
validate` and `bench run` report the same findings: a safety limit the station's own hard limit
always beats, an end condition met at the first sample or never (a cell's current below the
constant current drawn from it: only once it has collapsed), a loop that runs for years, a
sample period that overshoots the end of its step, a DC resistance with no reading before it. Each rule judges only what is certain from the
profile, its DUT ratings, the step's set-points and the station's hard limits (with room for
instrument regulation and reading error); a step it cannot judge is left alone.

A warning leaves the run as written (`--strict` makes it an error, for CI); an error is what no
run can sensibly do (a step that never ends, a run of more than MAX_DURATION, a step sampled
less often than it lasts) and is refused as any other InputError: exit 2, nothing switched on.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator

from bench.errors import InputError
from bench.profile.conditions import Condition
from bench.profile.reader import Item, Loop, Profile
from bench.profile.steps import LoadLevel, PassThrough, Rest, Step, SupplyStep
from bench.station.config import StationConfig
from bench.units import MAX_DURATION

DAY = 86400.0
# A loop planned to run longer than this is most likely a repeat count with a digit too many. Not
# a month: the shipped cycle-life profile (GB/T 35590, 300 cycles of ~9 h) is planned at ~112
# days, and 500- or 1000-cycle methods run for months.
LONG_LOOP = 365 * DAY
# A step that ends on conditions ends at the first sample after they are met: up to one sample
# period late. More than 1/20 of the step is an overshoot over 5 % (capacity, energy, duration).
PERIOD_FRACTION = 20
# Instruments regulate and read within a fraction of a percent; a threshold judged against a
# set-point must lie beyond it by more than this to be judged at all.
REGULATION = 0.02
# A power bank's output is regulated at its rated voltage within the USB tolerance (5 %); beyond
# 10 % above it only a faulty bank shows (the shipped profiles trip on 'output voltage > 5.5 V').
OUTPUT_TOLERANCE = 0.10
# Below this share of its rated input voltage a power bank's charger stays off (USB inputs lock
# out under ~4.3 V of their 5 V); below this share of its nominal voltage a lithium cell is
# deeper than any discharge takes it (2.5 V of 3.6 V): a supply that cannot sink feeds nothing.
# A charge set-point under either is a slip ('5 mV' for '5 V'), not a test.
CHARGER_LOCKOUT = 0.8
CELL_FLOOR = 0.6
# A bank's over-current protection trips at 1.1-1.5 x its rated output current: a constant draw
# beyond this meets it for certain (an overload step that means to: regulation = "off").
OVERLOAD = 1.5

_BELOW, _ABOVE = ("<", "<="), (">", ">=")
_BOUNDED = {"voltage": "voltage", "input voltage": "voltage", "output voltage": "voltage",
            "current": "current", "input current": "current", "output current": "current",
            "power": "power", "input power": "power", "output power": "power", "temperature": "temperature"}
_UNITS = {"voltage": "V", "current": "A", "power": "W", "temperature": "degC"}


@dataclass(frozen=True, slots=True)
class Finding:
    """One plausibility problem: where (file, key path) and what, in one line; `error` when no
    run can sensibly go on with it."""

    source: str
    key: str
    message: str
    error: bool = False

    def __str__(self) -> str:
        return f"{self.source}: {self.key}: {self.message}"

    def as_error(self) -> InputError:
        return InputError(self.source, self.key, self.message)


def warnings(profile: Profile, station: StationConfig) -> list[Finding]:
    """The warnings of `review`; its first error is raised as an InputError."""
    found = review(profile, station)
    for finding in found:
        if finding.error:
            raise finding.as_error()
    return found


def strict_error(found: list[Finding]) -> InputError:
    """The error `--strict` makes of warnings: the first one, with how many more there are."""
    first, more = found[0], len(found) - 1
    also = f"; {more} more warning{'s' if more > 1 else ''}" if more else ""
    return InputError(first.source, first.key, f"{first.message} (--strict: a warning is an error{also})")


def review(profile: Profile, station: StationConfig) -> list[Finding]:
    """Every finding, errors and warnings, in the order of the rules then of the file."""
    return [*_safety_limits(profile, station), *_charge_voltages(profile), *_overloads(profile),
            *_end_conditions(profile, station), *_long_loops(profile), *_sample_periods(profile),
            *_unmeasured(profile)]


def _unmeasured(profile: Profile) -> Iterator[Finding]:
    """A dcir criterion compares its scope's end with the reading just before the scope: of the
    whole run or cycle (no step named), or of the profile's first step, nothing comes before, so
    it is never measured and fails every run: an error."""
    first = profile.items[0] if profile.items and isinstance(profile.items[0], Step) else None
    for criterion in profile.criteria:
        if criterion.metric != "dcir":
            continue
        if criterion.step is None:
            where = "the whole cycle" if criterion.cycle else "the whole run"
        elif first is not None and first.name == criterion.step:
            where = f"step {criterion.step!r}, the profile's first"
        else:
            continue
        yield Finding(profile.source, criterion.key, f"'dcir' of {where} is never measured (it compares the end "
                      "with the reading just before, and nothing runs before it): expected the name of a step "
                      "that follows a rest or another current", error=True)


def _overloads(profile: Profile) -> Iterator[Finding]:
    """A constant-current discharge of a power bank beyond OVERLOAD x its rated output current,
    judged by the regulation check: the bank's protection cuts its output, and the run ends ERROR
    (a C-rate of the cells' capacity, '0.5C', taken for the bank's output)."""
    rated = profile.ratings.rated_output_current
    if profile.ratings.kind != "power bank" or rated is None:
        return
    for step in profile.steps():
        if type(step) is LoadLevel and step.mode == "CC" and step.regulation and step.level > OVERLOAD * rated:
            yield Finding(profile.source, step.key, f"draws {step.level:g} A, over {OVERLOAD:g} x the bank's rated "
                          f"output current {rated:g} A: its protection cuts the output and the run ends ERROR "
                          "(regulation = \"off\" for a step meant to trip it)")


def _charge_voltages(profile: Profile) -> Iterator[Finding]:
    """A charge or hold set below what the DUT can take any current at (its ratings say): the step
    feeds it nothing, and its end conditions then judge an idle DUT."""
    ratings = profile.ratings
    if ratings.kind == "power bank" and ratings.rated_input_voltage is not None:
        lowest, what = ratings.rated_input_voltage * CHARGER_LOCKOUT, (
            f"under {CHARGER_LOCKOUT:.0%} of the bank's rated input voltage {ratings.rated_input_voltage:g} V: "
            "its charger stays off")
    elif ratings.kind == "cell" and ratings.nominal_voltage is not None:
        lowest, what = ratings.nominal_voltage * CELL_FLOOR, (
            f"under {CELL_FLOOR:.0%} of the cell's nominal voltage {ratings.nominal_voltage:g} V: below any "
            "charge it holds, and a supply feeds it nothing")
    else:
        return
    for step in profile.steps():
        charge = step.charge if isinstance(step, PassThrough) else step
        if isinstance(charge, SupplyStep) and charge.voltage < lowest:
            yield Finding(profile.source, step.key, f"sets the supply to {charge.voltage:g} V, {what}; "
                          "the step charges nothing (mV written for V?)")


def _hard_limit(condition: Condition, station: StationConfig) -> tuple[float, str] | None:
    """The station's hard limit on the condition's quantity (it aborts the run above it, on both
    sides of the DUT, on the hottest channel), and its unit; None for a quantity it does not bound."""
    kind = _BOUNDED.get(condition.quantity)
    if kind is None:
        return None
    return getattr(station.limits, f"max_{kind}"), _UNITS[kind]


def _safety_limits(profile: Profile, station: StationConfig) -> Iterator[Finding]:
    """A safety limit above the station's hard limit never trips: the hard limit aborts the run
    first, so the profile's own limit protects nothing (and a reader of the profile is misled)."""
    for index, condition in enumerate(profile.safety, 1):
        bound = _hard_limit(condition, station)
        if bound is not None and condition.op in _ABOVE and condition.value > bound[0]:
            yield Finding(profile.source, f"safety.abort_if[{index}]",
                          f"{condition.text!r} never trips: the station's hard limit {bound[0]:g} {bound[1]} "
                          f"({station.source}) stops the run first")


def _end_conditions(profile: Profile, station: StationConfig) -> Iterator[Finding]:
    """End conditions met at the first sample (the step does nothing: a warning) or never (a
    warning when the step still ends on its duration or another condition, else an error: the
    step would run until a safety limit or an operator stops the run)."""
    from bench.run.preflight import dut_voltage

    cell_voltage = dut_voltage(profile) if profile.ratings.kind == "cell" else (None, "")
    for step in profile.steps():
        judged = [(c, _judge(c, step, profile, station, cell_voltage)) for c in step.until]
        never = [c for c, found in judged if found is not None and found[0] == "never"]
        ends = [f"on {_said(c)}" for c in step.until if c not in never]
        if step.duration is not None:
            ends.append(f"after {_duration(step.duration)}")
        for condition, found in judged:
            if found is None:
                continue
            verdict, why = found
            if verdict == "at once":
                after = f"after its hold of {_duration(condition.hold)}" if condition.hold else "at once"
                yield Finding(profile.source, step.key, f"{_said(condition)} is met from the first sample ({why}): "
                              f"the step ends {after}")
            elif ends:
                yield Finding(profile.source, step.key, f"{_said(condition)} is never met ({why}): the step ends "
                              f"only {' or '.join(ends)}")
            else:
                yield Finding(profile.source, step.key, f"{_said(condition)} is never met ({why}) and the step "
                              "has no other end: expected a condition it can reach, or 'for <duration>'", error=True)


def _judge(condition: Condition, step: Step, profile: Profile, station: StationConfig,
           cell_voltage: tuple[float | None, str]) -> tuple[str, str] | None:
    """("at once" or "never", why) for an end condition whose outcome is certain, else None."""
    bound = _hard_limit(condition, station)
    if bound is not None and condition.op in _ABOVE and condition.value > bound[0]:
        return "never", f"the station's hard limit {bound[0]:g} {bound[1]} ({station.source}) aborts the run first"
    ceiling = _ceiling(condition.quantity, step, profile, cell_voltage)
    if ceiling is not None and condition.value > ceiling[0]:
        return ("at once" if condition.op in _BELOW else "never"), ceiling[1]
    floor = _floor(condition.quantity, step, profile)
    if floor is not None and condition.value < floor[0]:
        return ("never" if condition.op in _BELOW else "at once"), floor[1]
    return None


def _ceiling(quantity: str, step: Step, profile: Profile, cell_voltage: tuple[float | None, str]
             ) -> tuple[float, str] | None:
    """The most that `quantity` can read while `step` runs, certainly, with room for regulation
    and reading error, and why; None where the step and ratings do not bound it.

    A supply (a charge or hold, alone or with a load alongside) holds its input at or below its
    set voltage (a cell above it shows its own voltage: at most `cell_voltage`, the highest the
    profile takes it to or its ratings say, see preflight.dut_voltage) and its current at or below
    its limit. A load in constant current draws at most its level. A power bank's output, supply
    off, is at most its rated voltage."""
    ratings = profile.ratings
    charge = step.charge if isinstance(step, PassThrough) else step
    if isinstance(charge, SupplyStep) and quantity in ("voltage", "input voltage"):
        volts, origin = cell_voltage
        if volts is not None and volts > charge.voltage:
            return volts * (1 + REGULATION), (f"the input shows the supply's set-point {charge.voltage:g} V or the "
                                              f"cell's own voltage, at most {volts:g} V ({origin})")
        return charge.voltage * (1 + REGULATION), f"the supply holds the input at its set-point {charge.voltage:g} V"
    if isinstance(charge, SupplyStep) and quantity in ("current", "input current"):
        return charge.current * (1 + REGULATION), f"the supply limits the current to {charge.current:g} A"
    if not isinstance(step, (LoadLevel, Rest)):
        return None
    on_output = quantity == "output voltage" or (quantity == "voltage" and not step.measures_input)
    rated = ratings.rated_output_voltage
    if on_output and ratings.kind == "power bank" and rated is not None:
        return rated * (1 + OUTPUT_TOLERANCE), f"the bank's output is regulated at its rated {rated:g} V"
    if isinstance(step, LoadLevel) and step.mode == "CC" and quantity in ("current", "output current"):
        return step.highest() * (1 + REGULATION), f"the load draws at most {step.highest():g} A"
    return None


def _floor(quantity: str, step: Step, profile: Profile) -> tuple[float, str] | None:
    """The least that `quantity` reads while `step` runs, certainly, with room for regulation,
    and why; None where it is not certain. A cell discharged in constant current gives the load
    its level until it collapses (a power bank is not judged: its protection cuts its output
    when it is empty, which a current end condition may be meant to catch)."""
    if profile.ratings.kind != "cell" or quantity not in ("current", "output current"):
        return None
    if not (isinstance(step, LoadLevel) and step.mode == "CC"):
        return None
    return step.lowest() * (1 - REGULATION), (f"the load draws {step.lowest():g} A from the cell until it collapses, "
                                              "far below any discharge cut-off")


def _long_loops(profile: Profile) -> Iterator[Finding]:
    """A loop estimated (from the DUT ratings) to run beyond LONG_LOOP is a warning, beyond
    MAX_DURATION an error (no step or run lasts that long). Only the innermost loop that is
    too long on its own is named: its repeat count is the one to fix. The whole profile beyond
    MAX_DURATION (several long loops) is an error too."""
    flagged = False
    for loop in _loops(profile.items):
        seconds = _loop_estimate(profile, loop)
        if seconds <= LONG_LOOP or any(_loop_estimate(profile, inner) > LONG_LOOP for inner in _loops(loop.body)):
            continue
        flagged = True
        sooner = ", or sooner by its stop_if" if loop.stop_if is not None else ""
        planned = f"repeat = {loop.repeat} runs ~{seconds / DAY:,.0f} days from the DUT ratings{sooner}"
        if seconds > MAX_DURATION:
            most = max(1, int(loop.repeat * MAX_DURATION / seconds))
            yield Finding(profile.source, f"{loop.key}.repeat", f"{planned}; expected at most "
                          f"{MAX_DURATION / DAY:g} days (repeat = {most} or fewer)", error=True)
        else:
            yield Finding(profile.source, f"{loop.key}.repeat", f"{planned}: over {LONG_LOOP / DAY:g} days; "
                          "is the repeat count right?")
    total = profile.estimate()[0]
    if not flagged and total > MAX_DURATION:
        yield Finding(profile.source, "steps", f"the profile runs ~{total / DAY:,.0f} days from the DUT ratings; "
                      f"expected at most {MAX_DURATION / DAY:g} days", error=True)


def _loops(items: tuple[Item, ...]) -> Iterator[Loop]:
    """Every loop, outer before inner, in file order."""
    for item in items:
        if isinstance(item, Loop):
            yield item
            yield from _loops(item.body)


def _loop_estimate(profile: Profile, loop: Loop) -> float:
    """A loop's estimated duration, as Profile.estimate counts it (steps it cannot estimate count
    nothing: a lower bound)."""
    return replace(profile, items=(loop,)).estimate()[0]


def _sample_periods(profile: Profile) -> Iterator[Finding]:
    """A step that ends only on conditions ends at the first sample after they are met: a period
    longer than the step's estimate is an error (the step could run a whole step past its end:
    a 1 day period reports 24 Ah from a 10 Ah bank), one over 1/PERIOD_FRACTION of it a warning.
    Steps with a duration are bounded by it when the profile is read; steps with no estimate
    are not judged."""
    for step in profile.steps():
        if step.duration is not None or not step.until:
            continue
        seconds = step.estimate(profile.ratings)
        if seconds is None:
            continue
        period = profile.period if step.period is None else step.period
        key = "period" if step.period is None else step.key
        written = repr(step.period_text) if step.period is not None else _duration(period)
        whose = f"{step.key} ('{step.text}')" if step.period is None else "the step"
        most = f"expected at most {_duration(seconds / PERIOD_FRACTION)} (1/{PERIOD_FRACTION} of it)"
        if period > seconds:
            yield Finding(profile.source, key, f"a sample period of {written} is longer than {whose} is estimated to "
                          f"last (~{_duration(seconds)}): it would end up to a whole period past its end condition; "
                          f"{most}", error=True)
        elif period * PERIOD_FRACTION > seconds:
            yield Finding(profile.source, key, f"a sample period of {written} is over 1/{PERIOD_FRACTION} of the "
                          f"~{_duration(seconds)} {whose} is estimated to last: its end may be overshot by over "
                          f"{100 / PERIOD_FRACTION:g} %; {most}")


def _duration(seconds: float) -> str:
    """A duration in the unit that reads best (1.5 h, 40 min, 3 days)."""
    for unit, size in (("day", DAY), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            value = f"{seconds / size:.3g}"
            return f"{value} {unit}{'s' if unit == 'day' and value != '1' else ''}"
    return f"{seconds:.3g} s"


def _said(condition: Condition) -> str:
    """A condition as written, with what it compares when the step implied it ('4.5 V' of a
    discharge is 'voltage <= 4.5 V')."""
    if any(op in condition.text for op in (*_BELOW, *_ABOVE)):
        return f"'{condition.text}'"
    value = condition.text.split(" for ")[0]
    return f"'{condition.text}' ({condition.quantity} {condition.op} {value})"
