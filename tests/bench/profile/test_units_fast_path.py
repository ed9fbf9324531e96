"""The fast path of bench.units (common units read without importing pint) must agree with pint
on every unit it knows, to the last bits of the SI float and in the kind of quantity; what it
does not know still goes to pint."""
from __future__ import annotations

import pint
import pytest

from bench.units import _COMMON, KINDS, _common, kind_of, parse

NUMBERS = ("2.5", "-0.125", "1e3", "45", ".5")


@pytest.fixture(scope="module")
def ureg() -> pint.UnitRegistry:
    """A registry configured as bench.units.registry() configures its own."""
    return pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=":auto:")


def pint_kind(quantity: pint.Quantity, ureg: pint.UnitRegistry) -> str:
    """The kind whose SI unit has the quantity's dimension. Two kinds share [temperature]; as
    bench.units reads them, a scale with an offset zero (degC) is a temperature, and kelvin or
    delta_degC a difference ('10 K', as the KINDS example says)."""
    kinds = [k for k, (unit, _) in KINDS.items() if ureg.Quantity(1, unit).dimensionality == quantity.dimensionality]
    if kinds == ["temperature", "temperature difference"]:
        return kinds[ureg.Quantity(0, quantity.units).to("kelvin").magnitude == 0]
    (kind,) = kinds
    return kind


def texts(unit: str) -> list[str]:
    """Values written with the unit, with and without a space."""
    return [f"{n} {unit}" for n in NUMBERS] + [f"{NUMBERS[0]}{unit}"]


@pytest.mark.parametrize("unit", list(_COMMON))
def test_the_fast_path_reads_every_unit_of_its_table(unit: str):
    """Else that unit costs the pint import the table is there to avoid."""
    assert [text for text in texts(unit) if _common(text) is None] == []


@pytest.mark.parametrize("unit", list(_COMMON))
def test_the_fast_path_agrees_with_pint(unit: str, ureg: pint.UnitRegistry):
    for text in texts(unit):
        quantity = ureg.Quantity(text)
        kind = pint_kind(quantity, ureg)
        assert _COMMON[unit][0] == kind_of(text) == kind, text
        value = parse(text, kind, "p.toml", "k")
        assert value == pytest.approx(quantity.to(KINDS[kind][0]).magnitude, rel=1e-12, abs=0), text
        assert _common(text) in (None, (kind, value)), text  # what parse gave is what the fast path gives


# (text, kind asked, SI value, kind_of): units the fast path does not have, or has as another kind
PINT_ONLY = [
    ("2 kV", "voltage", 2000.0, "voltage"),
    ("250 µA", "current", 250e-6, "current"),
    ("1.5 ks", "time", 1500.0, "time"),
    ("1 week", "time", 604800.0, "time"),
    ("3 A*h", "capacity", 10800.0, "capacity"),
    ("2 kW", "power", 2000.0, "power"),
    ("1 MJ", "energy", 1e6, "energy"),
    ("2 V/h", "voltage rate", 2 / 3600, "voltage rate"),
    ("1 K/h", "temperature rate", 1 / 3600, "temperature rate"),
    ("5 degC/min", "temperature rate", 5 / 60, "temperature rate"),  # degC in a rate is a difference: not 278 K/min
    ("300 K", "temperature", 26.85, "temperature difference"),  # fast path: K is a difference
    ("77 degF", "temperature", 25.0, "temperature"),
    ("0.8", "ratio", 0.8, None),  # a bare number is a ratio only where a ratio is asked
]
@pytest.mark.parametrize("text, kind, value", [case[:3] for case in PINT_ONLY], ids=[c[0] for c in PINT_ONLY])
def test_texts_the_fast_path_does_not_know_still_parse_through_pint(text: str, kind: str, value: float):
    fast = _common(text)
    assert fast is None or fast[0] != kind
    assert parse(text, kind, "p.toml", "k") == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text, kind", [(text, found) for text, _, _, found in PINT_ONLY], ids=[c[0] for c in PINT_ONLY])
def test_the_kind_of_a_text_the_fast_path_does_not_know_comes_from_pint(text: str, kind: str | None):
    assert kind_of(text) == kind


def test_minutes_written_mins_are_minutes_without_pints_ambiguity_warning(caplog):
    """pint reads "mins" as minutes or milli-inches, and logs a warning on every read."""
    assert parse("30 mins", "time", "p.toml", "k") == 1800.0 and caplog.records == []
