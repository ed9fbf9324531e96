"""Product labels: read from a product file or a profile's [dut], every figure with its unit; a
profile's figures written relative to the label ('1.05 x rated output current') are read
against the product the run is for, so one method serves every product."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import InputError
from bench.product.label import load_product, parse_product, shipped_products
from bench.profile.reader import parse_profile
from drivers.sim.cell import AH
from drivers.sim.presets import PRESETS

ROOT = Path(__file__).resolve().parents[3]
BANK_20000 = '''kind = "power bank"
model = "PB-20"
rated_capacity = "20000 mAh"
nominal_voltage = "3.7 V"
rated_output_capacity = "12000 mAh"
rated_output_voltage = "5 V"
rated_output_current = "3 A"
rated_input_voltage = "5 V"
rated_input_current = "3 A"
'''
PROFILE = '''name = "Relative"
period = "1 s"
steps = [
    "Charge at rated input voltage, 1.25 x rated input current limit until current < 100 mA for 60 s",
    { step = "Discharge at rated output current until 4.5 V", name = "rated" },
    { step = "Discharge ramp from rated output current to 2 x rated output current over 120 s for 130 s", name = "ramp" },
    { step = "Discharge at 50 % of rated output power for 1 min", name = "half power" },
]
[dut]
kind = "power bank"
rated_capacity = "10000 mAh"
nominal_voltage = "3.7 V"
rated_output_capacity = "6000 mAh"
rated_output_voltage = "5 V"
rated_output_current = "2.1 A"
rated_input_voltage = "5 V"
rated_input_current = "2 A"
[safety]
abort_if = ["output voltage > 1.1 x rated output voltage for 2 s", "input current > 1.5 x rated input current"]
[[criteria]]
name = "capacity"
metric = "discharge capacity"
step = "rated"
min = "100 % of rated output capacity"
marginal = "2 % of rated output capacity"
[[criteria]]
name = "trip"
metric = "peak output current"
step = "ramp"
min = "1.05 x rated output current"
max = "1.6 X rated output current"
[[criteria]]
name = "charge accepted"
metric = "charge energy"
min = "80 % of rated energy"
'''


def product(text: str = BANK_20000) -> object:
    return parse_product(text, "products/pb-20.toml")


def test_without_a_product_the_profile_is_read_for_its_own_dut():
    prof = parse_profile(PROFILE, "p.toml")
    charge, rated, ramp, half = prof.steps()
    assert (charge.voltage, charge.current) == (5.0, 2.5)
    assert rated.level == 2.1 and (ramp.start, ramp.level) == (2.1, 4.2)
    assert half.mode == "CP" and half.level == pytest.approx(5.25)
    assert prof.product.source == "p.toml [dut]" and prof.product.text is None
    capacity, trip, accepted = prof.criteria
    assert capacity.low == pytest.approx(6 * AH) and capacity.marginal == pytest.approx(0.12 * AH)
    assert (trip.low, trip.high) == (pytest.approx(2.205), pytest.approx(3.36))
    assert accepted.low == pytest.approx(0.8 * 37 * 3600)


def test_a_product_moves_every_figure_written_relative_to_its_label():
    prof = parse_profile(PROFILE, "p.toml", product())
    charge, rated, ramp, _ = prof.steps()
    assert (charge.voltage, charge.current) == (5.0, 3.75)
    assert rated.level == 3.0 and (ramp.start, ramp.level) == (3.0, 6.0)
    assert rated.text == "Discharge at 3 A until 4.5 V"  # what runs, as the live view and run.json show it
    over_voltage, input_current = prof.safety
    assert over_voltage.value == pytest.approx(5.5) and input_current.value == pytest.approx(4.5)
    capacity, trip, accepted = prof.criteria
    assert capacity.low == pytest.approx(12 * AH)
    assert (trip.low, trip.high) == (pytest.approx(3.15), pytest.approx(4.8))
    assert accepted.low == pytest.approx(0.8 * 74 * 3600)
    assert prof.ratings.rated_capacity == pytest.approx(20 * AH)  # conversion efficiency against 74 Wh
    assert dict(trip.label) == {"min": "1.05 x rated output current", "max": "1.6 X rated output current"}


def test_a_criterion_shows_its_bound_as_written_beside_the_figure():
    from bench.analysis.criteria import Result

    capacity = parse_profile(PROFILE, "p.toml", product()).criteria[0]
    shown = Result(capacity, 11 * AH, "FAIL").describe()
    assert shown == "capacity: 11 Ah (min 12 Ah = 100 % of rated output capacity) FAIL"
    assert Result(capacity, 11 * AH, "FAIL").to_json()["label_bounds"] == {"min": "100 % of rated output capacity",
                                                                          "marginal": "2 % of rated output capacity"}


@pytest.mark.parametrize("edit, key, words", [
    (('min = "100 % of rated output capacity"', 'min = "1.05 x rated output current"'), "criteria[1].min",
     "expected a capacity, got '1.05 x rated output current', which is a current"),
    (('"Charge at rated input voltage,', '"Charge at rated output capacity,'), "steps[1]", "got '6 Ah'"),
])
def test_a_figure_of_the_wrong_kind_is_refused_naming_the_key(edit, key, words):
    with pytest.raises(InputError) as info:
        parse_profile(PROFILE.replace(*edit), "p.toml")
    assert info.value.key == key and words in info.value.message


def test_a_figure_the_label_does_not_give_names_where_to_add_it():
    no_output_capacity = "\n".join(l for l in BANK_20000.splitlines() if "output_capacity" not in l)
    with pytest.raises(InputError) as info:
        parse_profile(PROFILE, "p.toml", product(no_output_capacity))
    assert info.value.key == "criteria[1].min"
    assert "'rated output capacity' is not on the product's label (products/pb-20.toml: give rated_output_capacity)" \
        in info.value.message
    bare = PROFILE.replace('rated_output_capacity = "6000 mAh"\n', "")
    with pytest.raises(InputError) as info:
        parse_profile(bare, "p.toml")
    assert "give dut.rated_output_capacity" in info.value.message


def test_a_product_of_another_kind_than_the_profile_is_refused():
    cell = load_product(ROOT / "products" / "lg-m50.toml")
    with pytest.raises(InputError) as info:
        parse_profile(PROFILE, "p.toml", cell)
    assert info.value.source.endswith("lg-m50.toml") and info.value.key == "kind"
    assert "a cell, but p.toml is written for a power bank" in info.value.message


@pytest.mark.parametrize("text, key, words", [
    (BANK_20000 + 'capacty = "1 Ah"\n', "capacty", "unknown key"),
    (BANK_20000.replace('"3.7 V"', '"3.7 A"'), "nominal_voltage", "expected a voltage"),
    (BANK_20000 + "cells = 0\n", "cells", "a whole number >= 1"),
    (BANK_20000.replace('kind = "power bank"', 'kind = "bank"'), "kind",
     "expected one of 'power bank', 'cell'; got 'bank'"),
    (BANK_20000.replace('kind = "power bank"\n', ''), "kind", "expected one of 'power bank', 'cell'; missing"),
    (PROFILE, "", "this looks like a profile"),
])
def test_a_bad_product_file_is_refused_naming_the_key(text, key, words):
    with pytest.raises(InputError) as info:
        product(text)
    assert info.value.key == key and words in info.value.message


def test_every_simulated_preset_carries_the_label_of_its_own_figures():
    """products/<preset>.toml is the label a simulated DUT is judged against: its figures are the
    preset's, so a run on powerbank-20000 is judged as a 20 000 mAh bank."""
    shipped = shipped_products()
    for name, preset in PRESETS.items():
        label = load_product(shipped[name])
        assert label.kind == preset.kind, name
        assert label.ratings.rated_capacity == pytest.approx(preset.params.rated_capacity), name
        if preset.kind == "power bank":
            assert label.ratings.nominal_voltage == pytest.approx(preset.params.rated_voltage), name
            assert label.ratings.rated_output_current == pytest.approx(preset.params.rated_output_current), name
            assert label.ratings.rated_input_current == pytest.approx(preset.params.charge_current), name
            assert abs(label.ratings.rated_output_voltage - preset.params.output_voltage) < 0.2, name


def test_a_product_is_recorded_as_plain_data_that_reads_back_the_same():
    import json

    label = load_product("powerbank-20000")
    recorded = json.loads(json.dumps(label.to_json()))
    assert recorded["name"] == "powerbank-20000" and recorded["label"]["rated_capacity"] == "20000 mAh"
    assert parse_product(recorded["text"], recorded["source"]) == label
