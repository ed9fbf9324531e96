"""Defects of a simulated DUT or of its bench: named, parameterised, combinable.

Each defect is a small frozen dataclass whose fields are its parameters (unit and doc in the
field metadata, like the DUT parameters), and `apply(world)` installs it in a freshly built
world: `World(dut=..., defects=[MicroShort(onset=50), FlakyLink(rate=0.01)])`. On the command
line they are `--defect NAME[:param=value,...]`; `parse_defect` reads that form, with a
caller-supplied converter for quantities (the bench converts units with pint; nothing here
imports it). `DEFECTS` maps the command-line names to the classes.

"Cycle" means equivalent full cycles (EFC) the model counts from charge throughput.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from drivers.sim.circuit import LoadSettings, SupplySettings
from drivers.sim.params import ParameterInfo, quantity

FLAG = "yes/no"  # the "unit" a yes/no parameter is listed with
_YES = {"yes": True, "on": True, "true": True, "1": True, "no": False, "off": False, "false": False, "0": False}


def choice(options: tuple[str, ...], doc: str, default: str) -> Any:
    """A parameter that is one word out of `options`."""
    return dataclasses.field(default=default, metadata={"unit": "|".join(options), "choices": options, "doc": doc})


def flag(doc: str, default: bool) -> Any:
    """A yes/no parameter."""
    return dataclasses.field(default=default, metadata={"unit": FLAG, "doc": doc})


class Defect(Protocol):
    name: ClassVar[str]
    summary: ClassVar[str]

    def apply(self, world: Any) -> None:
        """Install the defect in a world whose DUT was just built."""
        ...


def _check(ok: bool, defect: str, message: str) -> None:
    if not ok:
        raise ValueError(f"{defect}: {message}")


def _cell(world: Any, defect: str) -> Any:
    """The equivalent-circuit cell (drivers.sim.cell) a cell defect changes; a PyBaMM cell has none."""
    cell = getattr(world.model, "cell", None)
    _check(cell is not None, defect, f"DUT {world.dut_name!r} is not one of the equivalent-circuit presets "
           "this defect changes (bench sim list)")
    return cell


@dataclass(frozen=True)
class MicroShort:
    name: ClassVar[str] = "micro-short"
    summary: ClassVar[str] = ("a growing internal short from cycle `onset`: rest-voltage decay, float current, "
                              "heat, and self-heating towards thermal runaway past `runaway_onset`")

    onset: float = quantity("dimensionless", "equivalent full cycle from which the short exists", 0.0)
    resistance: float = quantity("ohm", "shunt resistance at the onset", 100.0)
    halving: float = quantity("dimensionless", "equivalent full cycles over which the shunt resistance halves", 25.0)
    minimum: float = quantity("ohm", "the shunt resistance falls no lower", 0.1)
    runaway_onset: float = quantity("degC", "cell temperature past which exothermic self-heating starts", 80.0)
    runaway_power: float = quantity("watt", "self-heating at the onset temperature (x e every 10 K above)", 0.5)

    def __post_init__(self) -> None:
        _check(self.onset >= 0.0, self.name, f"onset must be >= 0 cycles, got {self.onset:g}")
        for key in ("resistance", "halving", "minimum", "runaway_power"):
            _check(getattr(self, key) > 0.0, self.name, f"{key} must be > 0, got {getattr(self, key):g}")

    def apply(self, world: Any) -> None:
        cell = _cell(world, self.name)
        cell.short_onset, cell.short_resistance = self.onset, self.resistance
        cell.short_halving, cell.short_minimum = self.halving, self.minimum
        cell.runaway_onset, cell.runaway_power = self.runaway_onset, self.runaway_power
        if cell.efc >= self.onset:  # a DUT that has already cycled past the onset
            cell.shunt = 1.0 / max(self.minimum, self.resistance * 0.5 ** ((cell.efc - self.onset) / self.halving))


@dataclass(frozen=True)
class Counterfeit:
    name: ClassVar[str] = "counterfeit"
    summary: ClassVar[str] = "real capacity a fraction of the label (rated_capacity)"

    fraction: float = quantity("dimensionless", "real capacity / label capacity", 0.5)

    def __post_init__(self) -> None:
        _check(0.0 < self.fraction <= 1.0, self.name, f"fraction must be in (0, 1], got {self.fraction:g}")

    def apply(self, world: Any) -> None:
        _cell(world, self.name).scale_capacity(self.fraction * world.params.rated_capacity)


@dataclass(frozen=True)
class HighResistance:
    name: ClassVar[str] = "high-resistance"
    summary: ClassVar[str] = "cell resistances (R0 and the RC pair) a factor above the preset's"

    factor: float = quantity("dimensionless", "resistance / healthy resistance", 3.0)

    def __post_init__(self) -> None:
        _check(self.factor > 0.0, self.name, f"factor must be > 0, got {self.factor:g}")

    def apply(self, world: Any) -> None:
        _cell(world, self.name).scale_resistance(self.factor)


@dataclass(frozen=True)
class ProtectionFault:
    name: ClassVar[str] = "protection-fault"
    summary: ClassVar[str] = ("a power bank's protections mis-set: over-temperature disabled, over-current too high, "
                              "under-voltage cut-off not holding")

    otp_disabled: bool = flag("over-temperature protection (output and charger) never trips", True)
    ocp_factor: float = quantity("dimensionless", "the over-current trip is this many times its design value", 3.0)
    uvp_latch: bool = flag("the under-voltage cut-off holds until the charger is plugged (no: a plugged load "
                           "turns the output back on and drains the cells further)", True)

    def __post_init__(self) -> None:
        _check(self.ocp_factor > 0.0, self.name, f"ocp_factor must be > 0, got {self.ocp_factor:g}")

    def apply(self, world: Any) -> None:
        params = getattr(world.model, "params", None)
        _check(params is not None and hasattr(params, "ocp_current"), self.name,
               f"DUT preset {world.dut_name!r} has no protections (use a power bank)")
        changes: dict[str, float] = {"ocp_current": params.ocp_current * self.ocp_factor}
        if self.otp_disabled:
            changes.update(otp_temperature=math.inf, charge_otp_temperature=math.inf)
        if not self.uvp_latch:
            changes["uvp_latch"] = 0.0
        world.model.params = dataclasses.replace(params, **changes)


@dataclass(frozen=True)
class OpenThermocouple:
    name: ClassVar[str] = "open-thermocouple"
    summary: ClassVar[str] = "a thermocouple reads open from time `at` (world.temperature returns None)"

    placement: str = choice(("cell", "surface", "ambient"), "which thermocouple opens", "cell")
    at: float = quantity("second", "simulated time from which it reads open", 0.0)

    def __post_init__(self) -> None:
        _check(self.at >= 0.0, self.name, f"at must be >= 0 s, got {self.at:g}")

    def apply(self, world: Any) -> None:
        world.open_thermocouple(self.placement, self.at)


@dataclass(frozen=True)
class FlakyLink:
    name: ClassVar[str] = "flaky-link"
    summary: ClassVar[str] = ("replies of the simulated instruments lost (timeout) or garbled at a rate, "
                              "drawn from the world seed")

    rate: float = quantity("dimensionless", "share of replies lost or garbled", 0.01)
    garbled: float = quantity("dimensionless", "share of the faulty replies that arrive garbled (others: timeout)",
                              0.5)

    def __post_init__(self) -> None:
        for key in ("rate", "garbled"):
            _check(0.0 <= getattr(self, key) <= 1.0, self.name, f"{key} must be in 0..1, got {getattr(self, key):g}")

    def apply(self, world: Any) -> None:
        world.link_fault = self


class _Leads:
    """A wiring defect of the bench: what passes between the instruments and the DUT (the world's
    `leads`, one at a time). By default the DUT gets the settings and the instruments read it."""

    name: ClassVar[str]

    def apply(self, world: Any) -> None:
        if world.leads is not None:
            raise ValueError(f"{self.name}: one wiring defect at a time; the bench has {world.leads.name!r} already")
        world.leads = self

    def wire(self, load: LoadSettings, supply: SupplySettings) -> tuple[LoadSettings, SupplySettings]:
        """The settings as the DUT gets them."""
        return load, supply

    def reading(self, role: str, reading: tuple[float, float], supply: SupplySettings) -> tuple[float, float]:
        """What the load or the supply (`role`) reads, given what the DUT shows at its terminals."""
        return reading


@dataclass(frozen=True)
class DeadLoad(_Leads):
    name: ClassVar[str] = "dead-load"
    summary: ClassVar[str] = ("the load takes every set-point and reports its input on, but draws nothing "
                              "(a blown fuse, a front-panel mode that overrides the remote level)")

    def wire(self, load: LoadSettings, supply: SupplySettings) -> tuple[LoadSettings, SupplySettings]:
        return LoadSettings("CC", 0.0, load.on), supply


@dataclass(frozen=True)
class OpenLead(_Leads):
    name: ClassVar[str] = "open-lead"
    summary: ClassVar[str] = ("a lead of the load or of the supply off the DUT: the DUT gets nothing from that "
                              "instrument, which reads its own open terminals")

    instrument: str = choice(("load", "supply"), "whose lead is open", "load")

    def wire(self, load: LoadSettings, supply: SupplySettings) -> tuple[LoadSettings, SupplySettings]:
        if self.instrument == "load":
            return LoadSettings(load.mode, load.level, False), supply
        return load, SupplySettings(supply.voltage, supply.current_limit, False)

    def reading(self, role: str, reading: tuple[float, float], supply: SupplySettings) -> tuple[float, float]:
        if role != self.instrument:
            return reading
        return (supply.voltage if role == "supply" and supply.on else 0.0), 0.0


@dataclass(frozen=True)
class ReversedLoad(_Leads):
    name: ClassVar[str] = "reversed-load"
    summary: ClassVar[str] = ("the load's leads swapped on the DUT: it reads the DUT's voltage negative and, its input "
                              "on, draws nothing from it")

    def wire(self, load: LoadSettings, supply: SupplySettings) -> tuple[LoadSettings, SupplySettings]:
        return LoadSettings("CC", 0.0, load.on), supply

    def reading(self, role: str, reading: tuple[float, float], supply: SupplySettings) -> tuple[float, float]:
        return (-reading[0], 0.0) if role == "load" else reading


DEFECTS: dict[str, type] = {cls.name: cls for cls in (
    MicroShort, Counterfeit, HighResistance, ProtectionFault, OpenThermocouple, FlakyLink, DeadLoad, OpenLead,
    ReversedLoad)}


def parameters(defect: type) -> list[ParameterInfo]:
    """A defect's parameters with their defaults, units and docs (what `bench sim list` shows)."""
    return [ParameterInfo(f.name, f.default, f.metadata["unit"], f.metadata["doc"])
            for f in dataclasses.fields(defect)]


def parse_defect(spec: str, convert: Callable[[str, str, str], float]) -> Any:
    """A defect from `NAME[:param=value,...]`. `convert(text, unit, key)` turns a written
    quantity into a float in `unit` (raising its own error); anything else wrong is a
    ValueError that lists what is valid."""
    name, _, rest = spec.partition(":")
    name = name.strip()
    cls = DEFECTS.get(name)
    if cls is None:
        raise ValueError(f"unknown defect {name!r}; known defects: {', '.join(DEFECTS)}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for item in (s.strip() for s in rest.split(",") if s.strip()):
        key, eq, text = (part.strip() for part in item.partition("="))
        if key not in fields or not eq or not text:
            problem = f"no value for {key!r}" if key in fields else f"unknown parameter {key!r}"
            valid = ", ".join(f"{k}=<{f.metadata.get('unit') or 'number'}>" for k, f in fields.items())
            raise ValueError(f"{name}: {problem}; parameters of {name}: {valid}")
        meta = fields[key].metadata
        if "choices" in meta:
            if text not in meta["choices"]:
                raise ValueError(f"{name}: {key} must be one of {', '.join(meta['choices'])}, got {text!r}")
            values[key] = text
        elif meta["unit"] == FLAG:
            if text.lower() not in _YES:
                raise ValueError(f"{name}: {key} must be yes or no, got {text!r}")
            values[key] = _YES[text.lower()]
        else:
            values[key] = convert(text, meta["unit"], f"{name}:{key}")
    return cls(**values)
