"""The wiring check before the first step: reversed leads, an open lead across a cell, a load and a
supply that disagree on one cell, a bank's output neither asleep nor at its rated voltage; a
healthy sleeping bank passes. A run refused by it has switched nothing on."""
from __future__ import annotations

import pytest
from scripted import battery, run_scripted

from bench.record.verdict import Verdict
from bench.product.label import Product, Ratings
from bench.run.regulation import Tolerances
from bench.run.wiring import problems
from bench.station.config import load_station

CELL = Product(Ratings("cell", nominal_voltage=3.6), "cell.toml")
BANK = Product(Ratings("power bank", nominal_voltage=3.7, rated_output_voltage=5.0), "bank.toml")
OFF = (0.0, 0.0)


@pytest.fixture(scope="module")
def tol() -> Tolerances:
    return Tolerances(load_station(None))


@pytest.mark.parametrize("load, supply, product, found", [
    ((3.7, 0.0), OFF, CELL, None),  # a supply that reads nothing with its output off
    ((3.7, 0.0), (3.72, 0.0), CELL, None),
    ((0.0, 0.0), OFF, CELL, "the load reads 0.000 V across the cell: expected 1.80 to 4.50 V for its nominal 3.6 V "
                            "(dut.nominal_voltage): an open lead, or a cell discharged too deep to test"),
    ((3.7, 0.0), (3.2, 0.0), CELL, "the load reads 3.700 V and the supply 3.200 V across the same cell: 500 mV apart, "
                                   "149 mV allowed"),
    ((-3.7, 0.0), OFF, CELL, "the load reads -3.700 V: its leads are reversed (polarity)"),
    ((3.7, 0.0), (-3.7, 0.0), None, "the supply reads -3.700 V: its leads are reversed (polarity)"),
    (OFF, OFF, BANK, None),  # asleep until a load wakes it
    ((5.1, 0.0), OFF, BANK, None),
    ((2.4, 0.0), OFF, BANK, "the load reads 2.400 V at the bank's output: expected 0 V (off until a load wakes it) or "
                            "4.50 to 5.50 V (rated output 5 V, dut.rated_output_voltage)"),
])
def test_what_the_instruments_read_before_anything_is_on_is_what_a_dut_wired_right_shows(tol, load, supply, product,
                                                                                          found):
    assert problems(load, supply, product, tol) == ([] if found is None else [found])


def test_a_run_whose_wiring_is_wrong_ends_error_before_anything_is_switched_on():
    def reversed_load(t, bench):
        return battery(t, bench)._replace(v_out=-4.0)
    text = 'name = "w"\nperiod = "1 s"\nsteps = ["Discharge at 1 A for 10 s"]\n[dut]\nkind = "cell"\n'
    outcome, bench, kept = run_scripted(text, reversed_load)
    assert outcome.verdict is Verdict.ERROR
    assert outcome.reason == "wiring: the load reads -4.000 V: its leads are reversed (polarity)"
    assert kept.rows == [] and not [c for c in bench.bench.calls if c[-1] is True]  # nothing switched on
    assert [e.kind for e in kept.kinds("event")] == ["wiring", "safe_state"]
