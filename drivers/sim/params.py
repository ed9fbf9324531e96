"""Model parameters as frozen dataclasses of SI floats, each field tagged with its unit.

The unit in a field's metadata is a pint unit string, so an edge (the bench CLI, a station
file) can accept an override written with units ("8 Ah"), check its dimension against the
field's unit ("coulomb") and convert it to the SI float the model uses. Nothing here imports
pint: the physics stays plain floats.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping, TypeVar

P = TypeVar("P")


def quantity(unit: str, doc: str, default: Any = dataclasses.MISSING) -> Any:
    """A dataclass field holding a float in `unit` (a pint unit string), with a one-line doc."""
    return dataclasses.field(default=default, metadata={"unit": unit, "doc": doc})


@dataclass(frozen=True, slots=True)
class ParameterInfo:
    """One model parameter as a listing shows it."""

    name: str
    value: float | str | bool
    unit: str
    doc: str


def describe(params: Any) -> list[ParameterInfo]:
    """Every parameter of a model with its value, unit and doc, in declaration order."""
    return [
        ParameterInfo(f.name, getattr(params, f.name), f.metadata["unit"], f.metadata["doc"])
        for f in dataclasses.fields(params)
    ]


def with_overrides(params: P, overrides: Mapping[str, float] | None, owner: str) -> P:
    """`params` with some fields replaced by SI floats; unknown names and non-numbers are refused.

    `owner` names the model in error messages (e.g. "DUT preset 'powerbank-10000'").
    """
    if not overrides:
        return params
    valid = [f.name for f in dataclasses.fields(params)]  # type: ignore[arg-type]
    for name, value in overrides.items():
        if name not in valid:
            raise ValueError(
                f"unknown parameter {name!r} for {owner}; "
                f"valid parameters: {', '.join(valid)}"
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"parameter {name!r} of {owner} must be a finite number in SI units, got {value!r}")
    return dataclasses.replace(params, **{k: float(v) for k, v in overrides.items()})  # type: ignore[type-var]


def require_positive(params: Any, *names: str) -> None:
    """Refuse a model whose named parameters are not > 0 (they divide or set a time scale)."""
    for name in names:
        if not getattr(params, name) > 0:
            raise ValueError(f"parameter {name!r} must be > 0, got {getattr(params, name)!r}")


def require_fraction(params: Any, name: str) -> None:
    """Refuse a parameter outside 0..1 (a state of charge, an efficiency)."""
    if not 0.0 <= getattr(params, name) <= 1.0:
        raise ValueError(f"parameter {name!r} must be between 0 and 1, got {getattr(params, name)!r}")
