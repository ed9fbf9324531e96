"""Quantities with units at the edges: parse "500 mA" once, check its dimension, keep SI floats.

pint is imported lazily so that `bench --help` stays fast.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from bench.errors import InputError

# What each kind of quantity is written in, and the unit its SI float is kept in.
KINDS: dict[str, tuple[str, str]] = {
    "voltage": ("volt", "e.g. '4.2 V'"),
    "current": ("ampere", "e.g. '2 A' or '500 mA'"),
    "power": ("watt", "e.g. '10 W'"),
    "resistance": ("ohm", "e.g. '2 ohm' or '80 mOhm'"),
    "time": ("second", "e.g. '30 s', '30 min' or '2 h'"),
    "capacity": ("coulomb", "e.g. '10000 mAh' or '2.5 Ah'"),
    "energy": ("joule", "e.g. '37 Wh'"),
    "temperature": ("degC", "e.g. '45 degC'"),
    "temperature difference": ("delta_degC", "e.g. '10 K' or '10 delta_degC'"),
    "temperature rate": ("delta_degC / second", "e.g. '1 K/min'"),
    "voltage rate": ("volt / second", "e.g. '5 mV/min'"),
    "ratio": ("dimensionless", "e.g. '80 %' or '0.8'"),
}


# A written quantity is a number and a unit, nothing more: pint would also evaluate arithmetic
# ("2*3 A", "9**9**9 V", which never returns), and profiles are data, not expressions.
_WRITTEN = re.compile(r"\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*"
                      r"(?:%|[^\W\d]\w*(?:\s*[/*\u00b7]\s*[^\W\d]\w*)*)?\s*")
# The units profiles are written in, read without pint (whose import and registry cost a
# third of a second at every start-up): unit -> (kind, factor to the kind's SI unit).
# Anything else goes to pint, which also gives the dimension errors.
_COMMON: dict[str, tuple[str, float]] = {
    "V": ("voltage", 1.0), "mV": ("voltage", 1e-3),
    "A": ("current", 1.0), "mA": ("current", 1e-3), "uA": ("current", 1e-6),
    "W": ("power", 1.0), "mW": ("power", 1e-3),
    "ohm": ("resistance", 1.0), "mohm": ("resistance", 1e-3), "kohm": ("resistance", 1e3),
    "s": ("time", 1.0), "min": ("time", 60.0), "h": ("time", 3600.0), "hour": ("time", 3600.0),
    "hours": ("time", 3600.0), "minute": ("time", 60.0), "minutes": ("time", 60.0), "day": ("time", 86400.0),
    "mins": ("time", 60.0), "hr": ("time", 3600.0), "hrs": ("time", 3600.0),  # pint: "mins" is also milli-inch
    "days": ("time", 86400.0), "Ah": ("capacity", 3600.0), "mAh": ("capacity", 3.6),
    "Wh": ("energy", 3600.0), "mWh": ("energy", 3.6), "kWh": ("energy", 3.6e6),
    "degC": ("temperature", 1.0), "K": ("temperature difference", 1.0), "delta_degC": ("temperature difference", 1.0),
    "%": ("ratio", 0.01),
    "K/min": ("temperature rate", 1 / 60), "K/s": ("temperature rate", 1.0),
    "mV/h": ("voltage rate", 1e-3 / 3600), "mV/min": ("voltage rate", 1e-3 / 60), "mV/s": ("voltage rate", 1e-3),
}
_SIMPLE = re.compile(r"\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(%|[A-Za-z_/]+)\s*")
_NUMBER = re.compile(r"\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")

# The largest values a profile or station file may hold. Nothing measured or set on a bench
# comes near them, and past them a typo ("1e300 s") overflows the arithmetic done on it later
# (estimates, energies, time stamps). A duration is bounded tighter: no step or run lasts more
# than 1000 days (calendar ageing, the longest test a bench runs, checks up every few weeks).
MAX_DURATION = 1000 * 86400.0  # s
MAX_MAGNITUDE = 1e12  # in the kind's SI unit
# The temperatures a battery bench sees, in degC: no climate chamber goes below -100 degC, and
# no thermocouple reads above 1820 degC (type B, the hottest type). Outside them a value is a
# slip: '60 K' meant as '60 degC' (that is -213 degC), '-300 degC' (below absolute zero).
COLDEST, HOTTEST = -100.0, 1820.0
ABSOLUTE_ZERO = -273.15


def _clean(text: str) -> str:
    return text.replace("°C", "degC").replace("Ω", "ohm").replace("Ohm", "ohm")


def _common(text: str) -> tuple[str, float] | None:
    """(kind, SI value) of a value in one of the common units, else None."""
    match = _SIMPLE.fullmatch(_clean(text))
    if match is None or match[2] not in _COMMON:
        return None
    kind, factor = _COMMON[match[2]]
    value = float(match[1]) * factor
    return (kind, value) if math.isfinite(value) else None


# A rate of temperature is a difference over time: "1 degC/min" is 1 K/min, not 274.15 K/min.
_ABSOLUTE_DEGREES = re.compile(r"(?<!delta_)\bdeg([CF])\b")


def _quantity(text: str, kind: str | None = None) -> Any:
    """pint Quantity of a written value; ValueError unless it is a finite number with a unit."""
    cleaned = text.strip().replace("°C", "degC").replace("°", "deg").replace("Ω", "ohm").replace("Ohm", "ohm")
    if not _WRITTEN.fullmatch(cleaned):
        raise ValueError(f"not a number with a unit: {text!r}")
    if kind == "temperature rate":
        cleaned = _ABSOLUTE_DEGREES.sub(r"delta_deg\1", cleaned)
    quantity = registry().Quantity(cleaned)
    if not math.isfinite(quantity.magnitude):
        raise ValueError(f"not a finite number: {text!r}")
    return quantity


@lru_cache(maxsize=1)
def registry() -> Any:
    import pint

    # cache_folder: the parsed definitions are kept on disk, which saves most of its start-up time
    return pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=":auto:")


def parse(text: object, kind: str, source: str, key: str) -> float:
    """Convert a written quantity to the SI float of its kind, or raise an InputError; a value out
    of any sensible range (MAX_DURATION, MAX_MAGNITUDE) is refused too."""
    value = _parse(text, kind, source, key)
    if kind == "temperature" and not COLDEST <= value <= HOTTEST:
        raise InputError(source, key, _odd_temperature(text, value))  # type: ignore[arg-type]
    if kind == "time" and abs(value) > MAX_DURATION:
        raise InputError(source, key, f"expected a time of at most {MAX_DURATION / 86400:g} days, got {text!r}")
    if abs(value) > MAX_MAGNITUDE:
        unit = unit_of(text)  # type: ignore[arg-type]
        cap = in_unit(MAX_MAGNITUDE, kind, unit) if unit else None
        within = f"{MAX_MAGNITUDE:g} {KINDS[kind][0]}" if cap is None else f"{cap:.4g} {unit}"
        raise InputError(source, key, f"expected a {kind} within ±{within}, got {text!r}")
    return value


def _parse(text: object, kind: str, source: str, key: str) -> float:
    unit, example = KINDS[kind]
    if not isinstance(text, str):
        raise InputError(source, key, f"expected a {kind} with its unit ({example}), got {text!r}")
    common = _common(text)
    if common is not None and common[0] == kind:
        return common[1]
    try:
        quantity = _quantity(text, kind)
    except Exception:
        raise InputError(source, key, f"expected a {kind} ({example}), got {text!r}{_slip(text, kind)}") from None
    if kind == "temperature" and str(quantity.units) in ("kelvin", "degree_Celsius", "degree_Fahrenheit"):
        return float(quantity.to("degC").magnitude)
    if kind == "ratio" and quantity.dimensionless:
        return float(quantity.to("dimensionless").magnitude)
    if kind != "ratio" and quantity.dimensionless:
        raise InputError(source, key, f"expected a {kind} with its unit ({example}), got {text!r} (no unit)")
    try:
        value = float(quantity.to(unit).magnitude)
    except Exception:
        found = kind_of(text)
        what = f", which is a {found}" if found else ""
        raise InputError(source, key, f"expected a {kind} ({example}), got {text!r}{what}{_slip(text, kind)}") from None
    if slip := case_slip(text, kind):  # '20 ma' is pint's 20 milliyears, a time: never what was meant
        raise InputError(source, key, f"expected a {kind} ({example}), got {text!r}{slip}")
    return value


# What 'C' was meant as where a temperature is expected: written alone it is the coulomb.
_DEGREES = {"temperature": "degC", "temperature difference": "K"}


def _slip(text: str, kind: str) -> str:
    """The end of an error message naming the unit a `kind` value was likely meant in: '45 C'
    (coulombs, read as a capacity) for '45 degC', a unit in the wrong case ('100 ma' is pint's
    milli-year) for the common unit; '' when none is likely."""
    match = _SIMPLE.fullmatch(_clean(text))
    if match is None:
        return ""
    number, unit = match[1], match[2]
    if unit == "C" and kind in _DEGREES:
        return f" in coulombs; did you mean '{number} {_DEGREES[kind]}'?"
    meant = [common for common, (of, _) in _COMMON.items() if of == kind and common.lower() == unit.lower()]
    return f"; did you mean '{number} {meant[0]}'? (units are case-sensitive)" if meant else ""


def case_slip(text: str, kind: str | None = None) -> str:
    """'; did you mean '20 mA', a current? (units are case-sensitive)' for a value whose unit is
    one of the common units in the wrong case ('20 ma', '4.5 v'), which pint reads as something
    else or not at all (its kind named unless it is `kind`); '' otherwise."""
    match = _SIMPLE.fullmatch(_clean(text))
    if match is None or match[2] in _COMMON:
        return ""
    number, unit = match[1], match[2].lower()
    meant = next(((common, of) for common, (of, _) in _COMMON.items() if common.lower() == unit), None)
    if meant is None:
        return ""
    return f"; did you mean '{number} {meant[0]}'{'' if meant[1] == kind else f', a {meant[1]}'}? (units are case-sensitive)"


def _odd_temperature(text: str, value: float) -> str:
    """Why a temperature outside COLDEST..HOTTEST is refused, with the likely slip."""
    if value < ABSOLUTE_ZERO:
        return f"{text!r} is below absolute zero ({ABSOLUTE_ZERO:g} degC)"
    match = _SIMPLE.fullmatch(_clean(text))
    meant = f"; did you mean '{match[1]} degC'?" if match is not None and match[2] == "K" else ""
    return (f"{text!r} is {value:.2f} degC: expected a temperature a battery bench sees, from {COLDEST:g} "
            f"to {HOTTEST:g} degC{meant}")


def parse_positive(text: object, kind: str, source: str, key: str) -> float:
    """As parse, for a setpoint, rating or limit, which must be above zero."""
    value = parse(text, kind, source, key)
    if value <= 0:
        raise InputError(source, key, f"expected a positive {kind}, got {text!r}")
    return value


_ABSOLUTE = ("degree_Celsius", "degree_Fahrenheit")


def unit_of(text: str) -> str:
    """The unit a value is written in ('2 K/min' -> 'K/min'), spaces as one; '' for a bare number."""
    match = _NUMBER.match(text)
    return " ".join(text[match.end():].split()) if match else ""


def in_unit(value: float, kind: str, unit: str) -> float | None:
    """An SI float of `kind` expressed in `unit` (as a limit was written), or None if that unit
    cannot express it. The common units are converted without pint."""
    cleaned = _clean(unit).replace("°", "deg")
    common = _COMMON.get(cleaned)
    if common is not None and common[0] == kind:
        return value / common[1]
    if kind == "temperature rate":
        cleaned = _ABSOLUTE_DEGREES.sub(r"delta_deg\1", cleaned)
    try:
        return float(registry().Quantity(value, KINDS[kind][0]).to(cleaned).magnitude)
    except Exception:
        return None


def kind_of(text: str) -> str | None:
    """Which kind of quantity a written value is, judged by its unit (None if none fits)."""
    common = _common(text)
    if common is not None:
        return common[0]
    ureg = registry()
    try:
        quantity = _quantity(text)
    except Exception:
        return None
    if quantity.dimensionless:
        return "ratio" if text.strip().endswith("%") else None
    if str(quantity.units) in _ABSOLUTE:  # a temperature on a scale with an offset, not a difference
        return "temperature"
    for kind, (unit, _) in KINDS.items():
        if kind in ("ratio", "temperature"):
            continue
        if quantity.check(ureg.Unit(unit).dimensionality):
            return kind
    return None


def parse_as(text: object, unit: str, source: str, key: str) -> float:
    """Convert a written quantity to `unit` (a pint unit string), checking its dimension."""
    ureg = registry()
    if isinstance(text, (int, float)) and not isinstance(text, bool) and ureg.Unit(unit).dimensionless:
        return float(text)
    if not isinstance(text, str):
        raise InputError(source, key, f"expected a value with its unit (in {unit} or compatible), got {text!r}")
    try:
        return float(_quantity(text).to(unit).magnitude)
    except Exception:
        raise InputError(source, key, f"{_expected_in(unit)}, got {text!r}{_which(text)}") from None


def _expected_in(unit: str) -> str:
    """What a value in `unit` (pint's name) is, as people write it: 'expected a capacity (e.g.
    '10000 mAh' or '2.5 Ah')' where 'coulomb' says little; a plain number where no unit is due."""
    if unit == "dimensionless":
        return "expected a plain number"
    for kind, (si, example) in KINDS.items():
        if si == unit:
            return f"expected a {kind} ({example})"
    return f"expected a value in {unit} or a compatible unit"


def _which(text: str) -> str:
    """', which is a voltage': the kind a refused value was written as, when one fits."""
    found = kind_of(text)
    return f", which is a {found}" if found else ""


def hms(seconds: float) -> str:
    """A duration as h:mm:ss (the hours as many as it takes)."""
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
