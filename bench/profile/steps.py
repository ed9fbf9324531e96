"""Step wording as battery engineers write it (PyBaMM / cycler style), parsed to typed steps.

    "Charge at 5 V, 3 A limit until current < 100 mA for 60 s"   supply CV 5 V, 3 A limit
    "Charge at 1 A until 4.2 V"                                   supply CC 1 A up to 4.2 V
    "Hold at 4.2 V until 50 mA"                                   supply CV, limit of the charge before
    "Discharge at 2 A until 4.5 V"   (also W, ohm, V, or C-rate "0.5C")   electronic load CC/CP/CR/CV
    "Rest for 30 min"                                             both off
    "Discharge at 1 A for 1 hour or until 3.3 V (10 s period)"
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import ClassVar, Protocol

from bench.profile.conditions import Condition, Implied, parse_conditions
from bench.errors import InputError
from bench.product.label import Ratings
from bench.units import MAX_DURATION, case_slip, kind_of, parse, parse_positive

# A supply cannot drive its output past its set voltage: a CC charge "until 4.2 V" sets the
# supply to 4.2 V and counts as done once the voltage is within this much of it.
SUPPLY_REGULATION_TOLERANCE = 0.010

_STEP = re.compile(
    r"^(?P<verb>charge|discharge|hold|rest)"
    r"(?:\s+ramp\s+from\s+(?P<ramp_from>.+?)\s+to\s+(?P<ramp_to>.+?)\s+over\s+(?P<ramp_over>.+?))?"
    r"(?:\s+at\s+(?P<setpoint>[^,]+?)(?:\s*,\s*(?P<limit>.+?)\s+limit)?)?"
    r"(?:\s+for\s+(?P<duration>.+?))?"
    r"(?:\s+(?:or\s+)?until\s+(?P<until>.+?))?"
    r"(?:\s*\(\s*(?P<period>.+?)\s+period\s*\))?\s*$",
    re.IGNORECASE,
)
_C_RATE = re.compile(r"^(?:(?P<mult>\d+(?:\.\d+)?)\s*C|C\s*/\s*(?P<div>\d+(?:\.\d+)?))$")
_AFTER_TEMPERATURE = re.compile(r"temperature\s*(?:<=|>=|<|>)\s*$")  # '45 C' here is a slip for degC
_C_RATE_IN_TEXT = re.compile(r"(?<![\w.])(?:\d+(?:\.\d+)?\s*C|C\s*/\s*\d+(?:\.\d+)?)(?![\w/])")
_LOAD_MODES = {"current": "CC", "voltage": "CV", "resistance": "CR", "power": "CP"}
_IMPLIED: dict[str, Implied] = {
    "charge": {"voltage": ("voltage", ">="), "current": ("current", "<="), "capacity": ("step capacity", ">="),
               "energy": ("step energy", ">=")},
    "discharge": {"voltage": ("voltage", "<="), "current": ("current", "<="), "capacity": ("step capacity", ">="),
                  "energy": ("step energy", ">=")},
    "hold": {"current": ("current", "<="), "capacity": ("step capacity", ">=")},
    "rest": {},
}


class Load(Protocol):
    def set_mode(self, mode: str, level: float) -> None: ...
    def set_input(self, on: bool) -> None: ...


class Supply(Protocol):
    def configure(self, voltage: float, current_limit: float) -> None: ...
    def set_output(self, on: bool) -> None: ...


# (what, SI value, kind, how it follows from the step and the DUT)
Drawn = tuple[str, float, str, str]


@dataclass(frozen=True, slots=True)
class Command:
    """What a step has one instrument do at a moment of it, as the regulation check judges the
    readings: `role` "load" or "supply"; `mode` a load's CC, CV, CR or CP at `level` (A, V, ohm,
    W), a supply's CV at `level` V with a `limit` A, or "off"."""

    role: str
    mode: str
    level: float = 0.0
    limit: float = 0.0


LOAD_OFF, SUPPLY_OFF = Command("load", "off"), Command("supply", "off")

# Rough figures for duration estimates only (never used to control anything).
CONVERTER_EFFICIENCY = 0.88
CV_TAPER_FRACTION = 0.15


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One step, SI set-points. Each kind drives the instruments its own way, says which side of
    the DUT it measures, which set-points the station's hard limits bound, and how long it takes."""

    text: str
    key: str
    action: str  # BDF step type: charge, discharge, hold, rest
    duration: float | None
    until: tuple[Condition, ...]
    period: float | None
    name: str | None
    index: int
    period_text: str = ""  # the step's own period as written ("10 s")
    regulation: bool = True  # judged by the regulation check (a profile's regulation = "off": not)
    measures_input: ClassVar[bool] = False  # the supply side (DUT input) is the step's voltage and current
    follows: ClassVar[bool] = False  # the set-point moves with the step time (call `follow` every sample)

    def apply(self, load: Load, supply: Supply, step_time: float) -> None:
        """Set the instruments up for the step, `step_time` into it (0 at its start); what the step
        does not use is switched off first."""
        raise NotImplementedError

    def follow(self, load: Load, step_time: float) -> None:
        """Move the set-point to where it is `step_time` into the step (ramps)."""

    def commands(self, step_time: float) -> tuple[Command, ...]:
        """What the load and the supply are told `step_time` into the step (a ramp where it has
        got to): what the regulation check compares their readings with."""
        raise NotImplementedError

    def setpoints(self) -> tuple[tuple[str, float, str], ...]:
        """(what, SI value, kind) of every set-point a station hard limit bounds."""
        return ()

    def drawn(self, volts: float | None, origin: str, rated_current: float | None) -> tuple[Drawn, ...]:
        """What the step draws from the DUT output that a station hard limit bounds, beyond its
        set-points (see LoadLevel)."""
        return ()

    def estimate(self, ratings: Ratings) -> float | None:
        """Expected duration from a full (charge) or empty (discharge) DUT; a fixed duration caps it,
        and is the duration itself when no end condition can end the step sooner (a 4 h hold is
        4 h, however soon the DUT would be full). A guess beyond any run (a set-point of a few
        nanoamperes) is no estimate."""
        if self.duration is not None and not self.until:
            return self.duration
        guess = self._guess(ratings)
        if guess is not None and not guess <= MAX_DURATION:
            guess = None
        if self.duration is not None:
            return self.duration if guess is None else min(guess, self.duration)
        return guess

    def _guess(self, ratings: Ratings) -> float | None:
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Rest(Step):
    """Load input and supply output off: the DUT at open circuit."""

    def apply(self, load: Load, supply: Supply, step_time: float) -> None:
        load.set_input(False)
        supply.set_output(False)

    def commands(self, step_time: float) -> tuple[Command, ...]:
        return LOAD_OFF, SUPPLY_OFF


@dataclass(frozen=True, slots=True, kw_only=True)
class SupplyStep(Step):
    """The supply feeds the DUT input: `voltage` set, `current` its limit."""

    voltage: float
    current: float
    measures_input: ClassVar[bool] = True
    mode: ClassVar[str] = ""

    def apply(self, load: Load, supply: Supply, step_time: float) -> None:
        load.set_input(False)
        supply.configure(self.voltage, self.current)
        supply.set_output(True)

    def commands(self, step_time: float) -> tuple[Command, ...]:
        return LOAD_OFF, self.command()

    def command(self) -> Command:
        """The supply's: its voltage with its current limit."""
        return Command("supply", "CV", self.voltage, self.current)

    def setpoints(self) -> tuple[tuple[str, float, str], ...]:
        return (("voltage", self.voltage, "voltage"), ("current limit", self.current, "current"))

    def _guess(self, ratings: Ratings) -> float | None:
        energy = ratings.rated_energy
        if energy is None or not ratings.nominal_voltage:
            return None
        current = min(self.current, ratings.rated_input_current or self.current)
        power = current * (self.voltage if ratings.kind == "power bank" else ratings.nominal_voltage)
        if self.action == "hold":
            return CV_TAPER_FRACTION * energy / power
        return energy / (power * CONVERTER_EFFICIENCY) * (1 + CV_TAPER_FRACTION)


@dataclass(frozen=True, slots=True, kw_only=True)
class SupplyCV(SupplyStep):
    """Constant voltage with a current limit: "Charge at 5 V, 3 A limit", "Hold at 4.2 V"."""

    mode: ClassVar[str] = "CV"


@dataclass(frozen=True, slots=True, kw_only=True)
class SupplyCC(SupplyStep):
    """Constant current up to a voltage ceiling: "Charge at 1 A until 4.2 V"."""

    mode: ClassVar[str] = "CC"


_LIMIT_KIND = {"CC": "current", "CP": "power", "CV": "voltage"}  # CR bounds nothing by itself


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadLevel(Step):
    """The electronic load draws from the DUT output at a fixed CC/CP/CR/CV level; supply off."""

    mode: str
    level: float

    def apply(self, load: Load, supply: Supply, step_time: float) -> None:
        supply.set_output(False)
        load.set_mode(self.mode, self.level_at(step_time))
        load.set_input(True)

    def level_at(self, step_time: float) -> float:
        return self.level

    def commands(self, step_time: float) -> tuple[Command, ...]:
        return Command("load", self.mode, self.level_at(step_time)), SUPPLY_OFF

    def highest(self) -> float:
        return self.level

    def lowest(self) -> float:
        return self.level

    def setpoints(self) -> tuple[tuple[str, float, str], ...]:
        kind = _LIMIT_KIND.get(self.mode)
        return () if kind is None else ((kind, self.highest(), kind),)

    def cutoff(self) -> float | None:
        """The voltage the step ends below ('until 3 V'): the DUT stays above it while the step runs."""
        ends = [c.value for c in self.until
                if c.quantity in ("voltage", "output voltage") and c.op in ("<", "<=") and c.value > 0]
        return max(ends, default=None)

    def drawn(self, volts: float | None, origin: str, rated_current: float | None) -> tuple[Drawn, ...]:
        """Current and power a CR or CP level draws, judged where the DUT certainly takes it:
        `volts` is the highest voltage the DUT can show (`origin` says where it comes from), and it
        stays above the step's cutoff. A CR level draws most at the highest voltage; a CP level at
        the lowest, its cutoff, and without one, at least what it draws at the highest. A power
        bank's output delivers no more than `rated_current` (its protection cuts in beyond: what
        an overload or short-circuit step tests)."""
        if self.mode not in ("CR", "CP"):
            return ()
        cutoff = self.cutoff()
        known = [(v, why) for v, why in ((volts, origin), (cutoff, "the step's cutoff")) if v is not None]
        if not known:
            return ()
        if self.mode == "CR":
            at, why = max(known, key=lambda pair: pair[0])
        else:
            at, why = known[-1]  # the cutoff if there is one
        amps = at / self.lowest() if self.mode == "CR" else self.highest() / at
        level = f"{self.lowest():g} ohm" if self.mode == "CR" else f"{self.highest():g} W"
        if rated_current is not None and amps > rated_current:
            amps, why = rated_current, f"{why}, at most dut.rated_output_current"
        note = f" ({level} at {at:g} V, {why})"
        current = ("current", amps, "current", note)
        return (current, ("power", amps * at, "power", note)) if self.mode == "CR" else (current,)  # CP: a set-point

    def _guess(self, ratings: Ratings) -> float | None:
        energy = ratings.rated_energy
        if energy is None:
            return None
        volts = ratings.rated_output_voltage or ratings.nominal_voltage
        power = {"CC": self.level * volts, "CP": self.level,  # type: ignore[operator]
                 "CR": volts ** 2 / self.level if self.level else 0.0}.get(self.mode)  # type: ignore[operator]
        if not power:
            return None
        return energy * (CONVERTER_EFFICIENCY if ratings.kind == "power bank" else 1.0) / power


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadRamp(LoadLevel):
    """A load level moving linearly from `start` to `level` over `over` seconds (a trip-point search)."""

    start: float
    over: float
    follows: ClassVar[bool] = True

    def level_at(self, step_time: float) -> float:
        return self.start + (self.level - self.start) * min(1.0, step_time / self.over)

    def follow(self, load: Load, step_time: float) -> None:
        load.set_mode(self.mode, self.level_at(step_time))

    def highest(self) -> float:
        return max(self.level, self.start)

    def lowest(self) -> float:
        return min(self.level, self.start)


@dataclass(frozen=True, slots=True, kw_only=True)
class PassThrough(Step):
    """A charge or hold that also loads the output (pass-through charging of a power bank)."""

    charge: SupplyStep
    load: LoadLevel
    measures_input: ClassVar[bool] = True

    def apply(self, load: Load, supply: Supply, step_time: float) -> None:
        supply.configure(self.charge.voltage, self.charge.current)
        supply.set_output(True)
        load.set_mode(self.load.mode, self.load.level)
        load.set_input(True)

    def commands(self, step_time: float) -> tuple[Command, ...]:
        return Command("load", self.load.mode, self.load.level), self.charge.command()

    def setpoints(self) -> tuple[tuple[str, float, str], ...]:
        return self.charge.setpoints() + tuple((f"load {self.load.mode}", v, k) for _, v, k in self.load.setpoints())

    def drawn(self, volts: float | None, origin: str, rated_current: float | None) -> tuple[Drawn, ...]:
        return tuple((f"load {what}", v, k, note) for what, v, k, note in self.load.drawn(volts, origin, rated_current))

    def _guess(self, ratings: Ratings) -> float | None:
        return self.charge._guess(ratings)


def parse_step(text: str, source: str, key: str, index: int, *, name: str | None = None,
               rated_capacity: float | None = None, previous_limit: float | None = None) -> Step:
    """Parse one step's wording; `previous_limit` is the current limit a Hold inherits."""
    text = " ".join(text.split())  # runs of spaces as one: the patterns stay linear in time
    match = _STEP.match(text)
    if match is None:
        raise InputError(source, key, f"cannot read step {text!r}; expected e.g. 'Discharge at 2 A until 4.5 V', "
                         "'Charge at 5 V, 3 A limit until 100 mA', 'Hold at 4.2 V until 50 mA', 'Rest for 30 min'")
    action = match["verb"].lower()
    duration = parse_positive(match["duration"], "time", source, key) if match["duration"] else None
    period = parse(match["period"], "time", source, key) if match["period"] else None  # bounded by the profile
    until_text = _c_rates_to_amps(match["until"], source, key, rated_capacity) if match["until"] else None
    until = parse_conditions(until_text, source, key, _IMPLIED[action]) if until_text else ()
    if duration is None and not until:
        raise InputError(source, key, f"step {text!r} never ends: give 'for <duration>' or 'until <condition>'")
    setpoint, limit = match["setpoint"], match["limit"]
    common = dict(text=text, key=key, action=action, duration=duration, period=period, name=name, index=index,
                  period_text=match["period"] or "")
    if match["ramp_from"]:
        if action != "discharge" or setpoint:
            raise InputError(source, key, "only a discharge ramps: 'Discharge ramp from 2 A to 4 A over 60 s until ...'")
        return _ramp(match, until, source, key, rated_capacity, common)
    if action == "rest":
        if setpoint:
            raise InputError(source, key, f"a rest takes no setpoint, got 'at {setpoint}'")
        return Rest(until=until, **common)
    if not setpoint:
        raise InputError(source, key, f"step {text!r} needs a setpoint: '{action.capitalize()} at ...'")
    if action == "discharge":
        if limit:
            raise InputError(source, key, "a discharge takes no limit: the load sets exactly one quantity")
        kind, level = _load_setpoint(setpoint, source, key, rated_capacity)
        return LoadLevel(mode=_LOAD_MODES[kind], level=level, until=until, **common)
    if action == "hold":
        voltage = parse_positive(setpoint, "voltage", source, key)
        current = parse_positive(limit, "current", source, key) if limit else previous_limit
        if current is None:
            raise InputError(source, key, f"a hold needs a current limit: '{text}' has none and "
                             "no charge before it; write 'Hold at 4.2 V, 1 A limit until 50 mA'")
        return SupplyCV(voltage=voltage, current=current, until=until, **common)
    return _charge_step(setpoint, limit, until, source, key, rated_capacity, common)


def _charge_step(setpoint: str, limit: str | None, until: tuple[Condition, ...], source: str, key: str,
                 rated_capacity: float | None, common: dict) -> Step:
    kind = _setpoint_kind(setpoint)
    if kind == "voltage":
        if not limit:
            raise InputError(source, key, f"a charge at {setpoint} needs a current limit: "
                             f"'Charge at {setpoint}, 3 A limit until ...'")
        return SupplyCV(voltage=parse_positive(setpoint, "voltage", source, key),
                        current=parse_positive(limit, "current", source, key), until=until, **common)
    if kind != "current":
        raise InputError(source, key, f"a charge is driven by a supply: give a voltage with a current limit "
                         f"or a current, got {setpoint!r}{case_slip(setpoint)}")
    current = _current(setpoint, source, key, rated_capacity)
    ceiling = [c for c in until if c.quantity == "voltage" and c.op in (">", ">=")]
    if limit:
        voltage = parse_positive(limit, "voltage", source, key)
    elif ceiling:
        voltage = ceiling[0].value
        if voltage <= 0:
            raise InputError(source, key, f"a charge needs a positive voltage to stop at, got {ceiling[0].text!r}")
        until = tuple(replace(c, op=">=", value=c.value - SUPPLY_REGULATION_TOLERANCE) if c is ceiling[0] else c
                      for c in until)
    else:
        raise InputError(source, key, f"a charge at {setpoint} needs a voltage it may not exceed: "
                         f"'until 4.2 V' or 'Charge at {setpoint}, 4.2 V limit for 1 h'")
    return SupplyCC(voltage=voltage, current=current, until=until, **common)


_WITH = re.compile(r"^\s*discharge\s+at\s+(?P<setpoint>.+?)\s*$", re.IGNORECASE)


def with_load(step: Step, text: object, source: str, key: str, rated_capacity: float | None) -> Step:
    """A charge or hold that also draws from the output: pass-through charging of a power bank."""
    if isinstance(text, str):
        text = " ".join(text.split())  # runs of spaces as one: the pattern stays linear in time
    match = _WITH.match(text) if isinstance(text, str) else None
    if match is None:
        raise InputError(source, key, f"expected the load that runs alongside, e.g. 'Discharge at 1 A', got {text!r}")
    if not isinstance(step, SupplyStep):
        raise InputError(source, key, "only a charge or a hold can run with a load alongside")
    kind, level = _load_setpoint(match["setpoint"], source, key, rated_capacity)
    alongside = LoadLevel(text=text, key=key, action="discharge", duration=None, until=(), period=None,
                          name=None, index=step.index, mode=_LOAD_MODES[kind], level=level)
    return PassThrough(text=f"{step.text} + {text}", key=step.key, action=step.action,
                       duration=step.duration, until=step.until, period=step.period, name=step.name,
                       index=step.index, period_text=step.period_text, regulation=step.regulation, charge=step,
                       load=alongside)


def _ramp(match: re.Match, until: tuple[Condition, ...], source: str, key: str, rated_capacity: float | None,
          common: dict) -> Step:
    """A load level that moves linearly from one value to another (e.g. looking for a trip point)."""
    kind, start = _load_setpoint(match["ramp_from"], source, key, rated_capacity)
    end_kind, end = _load_setpoint(match["ramp_to"], source, key, rated_capacity)
    if end_kind != kind:
        raise InputError(source, key, f"a ramp goes from one {kind} to another, got {match['ramp_to']!r}")
    over = parse_positive(match["ramp_over"], "time", source, key)
    return LoadRamp(mode=_LOAD_MODES[kind], level=end, start=start, over=over, until=until, **common)


def _setpoint_kind(setpoint: str) -> str | None:
    if _C_RATE.match(setpoint.strip()):
        return "current"
    return kind_of(setpoint)


def _current(setpoint: str, source: str, key: str, rated_capacity: float | None) -> float:
    c_rate = _C_RATE.match(setpoint.strip())
    if c_rate is None:
        return parse_positive(setpoint, "current", source, key)
    if rated_capacity is None:
        raise InputError(source, key, f"a C-rate ({setpoint!r}) needs dut.rated_capacity")
    divisor = 1.0 if c_rate["mult"] else float(c_rate["div"])
    rate = float(c_rate["mult"] or 1.0) / divisor if divisor else 0.0
    if rate <= 0:
        raise InputError(source, key, f"expected a positive C-rate, got {setpoint!r}")
    return rate * rated_capacity / 3600.0


def _c_rates_to_amps(text: str, source: str, key: str, rated_capacity: float | None) -> str:
    """'until C/50' -> 'until 0.1 A' for a 5 Ah DUT; '> 45 C' after a temperature is left as
    written, for the condition's message to name the slip (degC)."""
    def amps(match: re.Match[str]) -> str:
        if _AFTER_TEMPERATURE.search(text, 0, match.start()):
            return match.group(0)
        return f"{_current(match.group(0), source, key, rated_capacity)!r} A"
    return _C_RATE_IN_TEXT.sub(amps, text)


def _load_setpoint(setpoint: str, source: str, key: str, rated_capacity: float | None) -> tuple[str, float]:
    kind = _setpoint_kind(setpoint)
    if kind not in _LOAD_MODES:
        raise InputError(source, key, f"a discharge runs at a current, power, resistance or voltage "
                         f"('2 A', '10 W', '2 ohm', '3 V', '0.5C'), got {setpoint!r}{case_slip(setpoint)}")
    if kind == "current":
        return kind, _current(setpoint, source, key, rated_capacity)
    return kind, parse_positive(setpoint, kind, source, key)
