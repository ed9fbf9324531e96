"""A limit that trips says what was measured in the unit the limit is written in, so the two
numbers can be compared at a glance."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.profile.conditions import parse_condition
from bench.run.engine import _measured, hard_limit_conditions
from bench.run.readings import Readings
from bench.station.config import load_station


def readings(**values: float) -> Readings:
    r = Readings(("cell", "surface"), 60.0)
    for name, value in values.items():
        if name in r.temps:
            r.temps[name] = value
        elif name.endswith("_rate"):
            r.temp_rates[name[: -len("_rate")]] = value
        else:
            setattr(r, name, value)
    return r


@pytest.mark.parametrize("condition, r, shown", [
    ("cell dT/dt > 2 K/min", readings(cell_rate=0.0449), "2.694 K/min"),
    ("dT/dt > 0.05 K/s", readings(dtdt_max=0.0449), "0.0449 K/s"),
    ("dT/dt > 1 degC/min", readings(dtdt_max=0.0449), "2.694 degC/min"),
    ("step capacity > 0.5 Ah", readings(step_capacity=1820.0), "0.5056 Ah"),
    ("step capacity > 500 mAh", readings(step_capacity=1820.0), "505.6 mAh"),
    ("step energy > 2 Wh", readings(step_energy=7300.0), "2.028 Wh"),
    ("dV/dt < -5 mV/min", readings(dvdt=-1e-4), "-6 mV/min"),
    ("dV/dt < -0.1 V/h", readings(dvdt=-1e-4), "-0.36 V/h"),
    ("surface temperature > 140 degF", readings(surface=61.0), "141.8 degF"),
    ("temperature > 330 K", readings(t_max=61.0), "334.1 K"),
    ("current > 500 mA for 2 s", readings(current=0.6123), "612.3 mA"),
    ("time > 1 h", readings(test_time=3700.0), "1.028 h"),
    ("step time > 90 min", readings(step_time=5432.0), "90.53 min"),
    ("output power > 25 W", readings(p_out=25.5), "25.5 W"),
])
def test_the_measured_value_is_shown_in_the_unit_of_its_limit(condition: str, r: Readings, shown: str):
    assert _measured(parse_condition(condition, "p.toml", "safety.abort_if[1]"), r) == shown


def test_a_station_hard_limit_shows_its_reading_in_its_own_unit():
    conditions = {c.quantity: c for c in hard_limit_conditions(load_station().limits)}
    assert _measured(conditions["input current"], readings(i_in=5.234)) == "5.234 A"
    assert _measured(conditions["temperature"], readings(t_max=70.5)) == "70.5 degC"


def test_an_end_condition_written_as_a_bare_value_keeps_its_unit():
    from bench.profile.steps import parse_step

    step = parse_step("Discharge at 2 A until 4500 mV", "p.toml", "steps[1]", 1)
    assert _measured(step.until[0], readings(voltage=4.4987)) == "4499 mV"


def test_a_run_stopped_by_a_limit_says_what_it_measured_in_that_unit(tmp_path: Path):
    from bench.run.session import Request, execute

    path = tmp_path / "p.toml"
    path.write_text('name = "t"\nperiod = "1 s"\nsteps = ["Discharge at 2 A for 5 min"]\n[dut]\n'
                    'kind = "power bank"\n[safety]\nabort_if = ["step capacity > 20 mAh"]\n', encoding="utf-8")
    outcome, _ = execute(Request(path, log_dir=tmp_path / "logs", seed=1))
    assert outcome.verdict == "ABORTED"
    prefix, measured = outcome.reason.split(" (measured: ")
    assert prefix == "safety limit: step capacity > 20 mAh"
    number, unit = measured.rstrip(")").split(" ")
    assert unit == "mAh" and 20 < float(number) < 21.5
