"""A product's label: what a DUT is judged against, read from a product file or a profile's [dut].

One test method serves every product: a profile may write a set-point, a limit or a criterion
bound relative to the label ("1.05 x rated output current", "100 % of rated output capacity"),
read here against the product in use. Every figure is written with its unit and kept as an SI
float.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import InputError
from bench.tables import find_shipped, read_text, read_toml, reject_unknown, shipped, text_value
from bench.units import parse_positive

KINDS = ("power bank", "cell")


@dataclass(frozen=True, slots=True)
class Ratings:
    """The figures of a label (SI); None where the label does not give one."""

    kind: str
    rated_capacity: float | None = None  # the cells' capacity, at their nominal voltage
    nominal_voltage: float | None = None  # nominal cell voltage
    rated_output_capacity: float | None = None  # what a bank delivers at its rated output (GB/T 35590)
    rated_output_voltage: float | None = None
    rated_output_current: float | None = None
    rated_input_voltage: float | None = None
    rated_input_current: float | None = None

    @property
    def rated_energy(self) -> float | None:
        if self.rated_capacity is None or self.nominal_voltage is None:
            return None
        return self.rated_capacity * self.nominal_voltage

    @property
    def rated_output_power(self) -> float | None:
        if self.rated_output_voltage is None or self.rated_output_current is None:
            return None
        return self.rated_output_voltage * self.rated_output_current


# label key -> kind of quantity; the other keys of a label are text (cells: a whole number)
FIGURES = {"rated_capacity": "capacity", "nominal_voltage": "voltage", "rated_output_capacity": "capacity",
           "rated_output_voltage": "voltage", "rated_output_current": "current",
           "rated_input_voltage": "voltage", "rated_input_current": "current"}
TEXTS = ("model", "maker", "chemistry", "description", "source")
KEYS = {"kind", "cells", *FIGURES, *TEXTS}

# What a profile may refer to: words -> (Ratings attribute, kind, the label keys it comes from)
REFERENCES: dict[str, tuple[str, str, str]] = {
    "rated capacity": ("rated_capacity", "capacity", "rated_capacity"),
    "rated output capacity": ("rated_output_capacity", "capacity", "rated_output_capacity"),
    "rated energy": ("rated_energy", "energy", "rated_capacity and nominal_voltage"),
    "nominal voltage": ("nominal_voltage", "voltage", "nominal_voltage"),
    "rated output voltage": ("rated_output_voltage", "voltage", "rated_output_voltage"),
    "rated output current": ("rated_output_current", "current", "rated_output_current"),
    "rated output power": ("rated_output_power", "power", "rated_output_voltage and rated_output_current"),
    "rated input voltage": ("rated_input_voltage", "voltage", "rated_input_voltage"),
    "rated input current": ("rated_input_current", "current", "rated_input_current"),
}
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_WORDS = "|".join(sorted(REFERENCES, key=len, reverse=True)).replace(" ", r"\s+")
# '1.05 x rated output current', '100 % of rated output capacity', 'rated input voltage'
_REFERENCE = re.compile(rf"(?<![\w.])(?:(?P<number>{_NUMBER})\s*(?:(?P<percent>%)\s*of|[x×])\s*)?"
                        rf"(?P<words>{_WORDS})\b", re.IGNORECASE)
# How a figure is written back into a step or a condition: the units those are read in.
_WRITTEN = {"voltage": ("V", 1.0), "current": ("A", 1.0), "power": ("W", 1.0), "capacity": ("Ah", 1 / 3600),
            "energy": ("Wh", 1 / 3600)}


@dataclass(frozen=True, slots=True)
class Product:
    """A label and where it was read: a product file (its text is recorded with each run), a
    simulated preset's shipped label, or a profile's [dut] (text None: the profile holds it)."""

    ratings: Ratings
    source: str
    text: str | None = None
    model: str = ""
    maker: str = ""
    chemistry: str = ""
    cells: int | None = None
    description: str = ""
    reference: str = ""  # where the figures come from (a label, a datasheet)
    written: tuple[tuple[str, str], ...] = ()  # (key, figure as written) for the record

    @property
    def kind(self) -> str:
        return self.ratings.kind

    @property
    def name(self) -> str:
        """How people call it: the model, else the file's name, else the profile's [dut]."""
        return self.model or (Path(self.source).stem if self.text is not None else Path(self.source).name)

    def summary(self) -> str:
        """One line for people: 'powerbank-20000: 20000 mAh, 3.7 V, 12000 mAh out at 5 V 3 A'."""
        figures = dict(self.written)
        output = " ".join(figures[k] for k in ("rated_output_voltage", "rated_output_current") if k in figures)
        parts = [figures.get("rated_capacity", ""), figures.get("nominal_voltage", ""),
                 " ".join(filter(None, (figures.get("rated_output_capacity"), "out at" if output else "", output)))]
        said = ", ".join(p for p in parts if p)
        return f"{self.name}: {said}" if said else self.name

    def to_json(self) -> dict[str, Any]:
        """The product as run.json records it: enough to judge the run again, as plain data."""
        return {"name": self.name, "kind": self.kind, "model": self.model or None, "maker": self.maker or None,
                "cells": self.cells, "chemistry": self.chemistry or None, "source": self.source,
                "reference": self.reference or None, "label": dict(self.written), "text": self.text,
                "sha256": None if self.text is None else hashlib.sha256(self.text.encode("utf-8")).hexdigest()}

    @staticmethod
    def refers(text: object) -> bool:
        """Whether a bound is written relative to the label."""
        return isinstance(text, str) and _REFERENCE.fullmatch(text.strip()) is not None

    def value(self, words: str, source: str, key: str) -> tuple[float, str]:
        """(SI value, kind) of a figure a profile refers to ('rated output current'); an InputError
        in the profile's `source`, naming the label, when the label does not give it."""
        attribute, kind, needs = REFERENCES[" ".join(words.lower().split())]
        value = getattr(self.ratings, attribute)
        if value is None:
            raise InputError(source, key, f"{words!r} is not on the product's label ({self.give(needs)})")
        return value, kind

    def give(self, needs: str) -> str:
        """Where to add the label keys `needs` ('rated_capacity and nominal_voltage')."""
        if self.text is not None:
            return f"{self.source}: give {needs}"
        return "give " + " and ".join(f"dut.{n}" for n in needs.split(" and "))


def shipped_products() -> dict[str, str]:
    """The product labels that ship with the package (the repository's products/, as bench.products):
    one per simulated preset, of the same name, and real-world examples."""
    return shipped("bench.products")


def load_product(path: str | Path) -> Product:
    """A product file, or the shipped product of that name (a path always wins)."""
    source = find_shipped(path, "bench.products", "product")
    return parse_product(read_text(source, "product file"), source)


def parse_product(text: str, source: str) -> Product:
    """A product file's text: the label's keys at the top level."""
    data = read_toml(text, source)
    if "steps" in data or "dut" in data:
        raise InputError(source, "", "this looks like a profile, not a product file (a product file holds a "
                         "label: kind, rated_capacity, ...)")
    return read_label(data, source, "", text)


def read_label(raw: Any, source: str, prefix: str, text: str | None = None) -> Product:
    """A label table (a product file, or a profile's [dut] with `prefix` 'dut')."""
    def where(key: str) -> str:
        return f"{prefix}.{key}" if prefix else key

    if not isinstance(raw, dict):
        raise InputError(source, prefix, "expected a table")
    reject_unknown(raw, KEYS, source, prefix)
    kind = raw.get("kind")
    if kind not in KINDS:
        got = "missing" if kind is None else f"got {kind!r}"
        raise InputError(source, where("kind"), f"expected one of {', '.join(map(repr, KINDS))}; {got}")
    figures = {k: parse_positive(raw[k], unit, source, where(k)) for k, unit in FIGURES.items() if k in raw}
    cells = raw.get("cells")
    if cells is not None and (not isinstance(cells, int) or isinstance(cells, bool) or cells < 1):
        raise InputError(source, where("cells"), f"expected the number of cells, a whole number >= 1, got {cells!r}")
    texts = {k: text_value(raw, k, source, prefix=prefix) for k in TEXTS}
    written = tuple((k, raw[k]) for k in FIGURES if k in raw)
    return Product(Ratings(kind=kind, **figures), source=source if text is not None else f"{source} [{prefix}]",
                   text=text, model=texts["model"], maker=texts["maker"], chemistry=texts["chemistry"], cells=cells,
                   description=texts["description"], reference=texts["source"], written=written)


def resolve(text: str, product: Product, source: str, key: str) -> str:
    """A step's or a condition's wording with every reference to the label replaced by its figure
    ('Discharge at 1.05 x rated output current until 4.5 V' -> 'Discharge at 2.205 A until 4.5 V')."""
    def figure(match: re.Match[str]) -> str:
        value, kind = product.value(match["words"], source, key)
        unit, scale = _WRITTEN[kind]
        return f"{_scaled(match, value) * scale:.6g} {unit}"
    return _REFERENCE.sub(figure, text)


def relative(text: object, kind: str, product: Product, source: str, key: str) -> float | None:
    """A bound written relative to the label ('100 % of rated output capacity') as an SI float of
    `kind`, or None when `text` is not written so (then it is an ordinary quantity)."""
    match = _REFERENCE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    value, found = product.value(match["words"], source, key)
    if found != kind:
        raise InputError(source, key, f"expected a {kind}, got {text!r}, which is a {found}")
    return _scaled(match, value)


def _scaled(match: re.Match[str], value: float) -> float:
    if match["number"] is None:
        return value
    return float(match["number"]) * (0.01 if match["percent"] else 1.0) * value
