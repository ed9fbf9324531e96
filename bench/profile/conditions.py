"""End and safety conditions: `quantity op value [for duration]`, combined with `or`.

Written as text in profiles ("current < 100 mA for 60 s", "cell temperature > 45 degC"),
parsed once into a Condition that compares one attribute of the live Readings with an SI
float. No eval: the catalogue of quantities below is all a profile can name.
"""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from typing import Callable

from bench.analysis.metrics import shown
from bench.errors import InputError
from bench.units import case_slip, kind_of, parse, unit_of

# dT/dt and dV/dt are the least-squares slopes of the readings over the last RATE_WINDOW s: long
# enough that thermocouple noise (tenths of a kelvin) does not read as a rate, short enough that
# a thermal runaway shows within a minute.
RATE_WINDOW = 60.0

# quantity name -> (attribute of Readings, kind of its value, what it means)
QUANTITIES: dict[str, tuple[str, str, str]] = {
    "voltage": ("voltage", "voltage", "voltage on the side the step drives (supply when charging, else load)"),
    "current": ("current", "current", "magnitude of the current on the side the step drives"),
    "power": ("power", "power", "magnitude of the power on the side the step drives"),
    "input voltage": ("v_in", "voltage", "supply (DUT input) voltage"),
    "input current": ("i_in", "current", "supply (DUT input) current"),
    "input power": ("p_in", "power", "supply (DUT input) power"),
    "output voltage": ("v_out", "voltage", "load (DUT output) voltage"),
    "output current": ("i_out", "current", "load (DUT output) current"),
    "output power": ("p_out", "power", "load (DUT output) power"),
    "temperature": ("t_max", "temperature", "hottest temperature channel"),
    "dT/dt": ("dtdt_max", "temperature rate", "fastest-rising temperature channel"),
    "dV/dt": ("dvdt", "voltage rate", "rate of change of the step's voltage"),
    "step time": ("step_time", "time", "time since the step started"),
    "time": ("test_time", "time", "time since the run started"),
    "step capacity": ("step_capacity", "capacity", "charge moved in this step on its side"),
    "step energy": ("step_energy", "energy", "energy moved in this step on its side"),
}
CHANNEL_QUANTITIES = {"temperature": "temperature", "dT/dt": "temperature rate"}

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_CONDITION = re.compile(r"^\s*(?P<qty>[A-Za-z][A-Za-z0-9 _/\-]*?)\s*(?P<op><=|>=|<|>)\s*(?P<value>.+?)\s*$")
_HOLD = re.compile(r"^(?P<body>.+?)\s+for\s+(?P<hold>.+)$")


@dataclass(frozen=True, slots=True)
class Condition:
    """One comparison; `channel` names a temperature channel when the quantity is per channel,
    `unit` is the unit its value was written in ('' for the display unit of its kind)."""

    quantity: str
    op: str
    value: float
    hold: float = 0.0
    channel: str | None = None
    text: str = ""
    unit: str = ""
    read: Callable[[object], float] = field(init=False, repr=False, compare=False)
    holds: Callable[[object], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Bind the reading and the comparison once: `holds` is called for every sample."""
        compare, value = OPERATORS[self.op], self.value
        if self.channel is None:
            read = operator.attrgetter(QUANTITIES[self.quantity][0])
        elif self.quantity == "temperature":
            read = lambda readings, key=self.channel: readings.temps[key]  # noqa: E731
        else:
            read = lambda readings, key=self.channel: readings.temp_rates[key]  # noqa: E731
        object.__setattr__(self, "read", read)
        object.__setattr__(self, "holds", lambda readings: compare(read(readings), value))

    def shown(self, value: float) -> str:
        """A reading of this condition's quantity in the unit its limit is written in."""
        return shown(QUANTITIES[self.quantity][1], value, self.unit)


class Watch:
    """Conditions combined with `or`, each with its own hold timer, for one execution."""

    __slots__ = ("_holds", "_since", "conditions")

    def __init__(self, conditions: tuple[Condition, ...], since: list[float | None] | None = None) -> None:
        """`since`: the hold timers to work on (a run state's list, so a resume keeps them)."""
        self.conditions = conditions
        self._holds = tuple(enumerate(c.holds for c in conditions))  # what `check` calls, every sample
        if since is None:
            since = []
        if len(since) != len(conditions):
            since[:] = [None] * len(conditions)
        self._since = since

    def check(self, readings: object, now: float) -> Condition | None:
        """The first condition met (held for its duration) at time `now`, or None."""
        met, timers = None, self._since
        for index, holds in self._holds:
            if holds(readings):
                since = timers[index]
                if since is None:
                    since = timers[index] = now
                if met is None and now - since >= self.conditions[index].hold:
                    met = self.conditions[index]
            else:
                timers[index] = None
        return met


Implied = dict[str, tuple[str, str]]


def parse_condition(text: str, source: str, key: str, implied: Implied | None = None) -> Condition:
    """Parse `quantity op value [for duration]`.

    `implied` maps a bare value ("4.5 V", "50 mA for 60 s") to (kind -> quantity, operator)
    chosen by the step: a discharge ends *below* a voltage, a hold *below* a current.
    """
    text = " ".join(text.split())  # runs of spaces as one: the patterns below stay linear in time
    body, hold = text, 0.0
    hold_match = _HOLD.match(body)
    if hold_match:
        body = hold_match["body"]
        hold = parse(hold_match["hold"], "time", source, key)
        if hold < 0:
            raise InputError(source, key, f"expected a duration >= 0 after 'for', got {hold_match['hold']!r}")
    match = _CONDITION.match(body)
    if match is None:
        return _implied_condition(text, body, hold, source, key, implied)
    name = " ".join(match["qty"].split())
    channel = None
    if name not in QUANTITIES:
        channel, _, base = name.rpartition(" ")
        if base not in CHANNEL_QUANTITIES or not channel:
            known = ", ".join(sorted(QUANTITIES))
            raise InputError(source, key, f"unknown quantity {name!r} in {text!r}; known: {known}, "
                             "or '<channel> temperature', '<channel> dT/dt'")
        name = base
    value = parse(match["value"], QUANTITIES[name][1], source, key)
    return Condition(name, match["op"], value, hold, channel, text, unit_of(match["value"]))


def _implied_condition(
    text: str, body: str, hold: float, source: str, key: str, implied: Implied | None
) -> Condition:
    kind = kind_of(body)
    if implied is None or kind is None or kind not in implied:
        raise InputError(source, key, f"expected a condition like 'voltage < 3.0 V' or "
                         f"'current < 100 mA for 60 s', got {text!r}{case_slip(body)}")
    quantity, op = implied[kind]
    value = parse(body, QUANTITIES[quantity][1], source, key)
    return Condition(quantity, op, value, hold, None, text, unit_of(body))


def parse_conditions(text: str, source: str, key: str, implied: Implied | None = None) -> tuple[Condition, ...]:
    """Parse conditions joined by `or`."""
    parts = [p for p in " ".join(text.split()).split(" or ") if p]
    if not parts:
        raise InputError(source, key, "expected at least one condition")
    return tuple(parse_condition(p, source, key, implied) for p in parts)


def channels_named(conditions: tuple[Condition, ...]) -> set[str]:
    """Temperature channels these conditions name (checked against the station's)."""
    return {c.channel for c in conditions if c.channel is not None}
