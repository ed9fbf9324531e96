"""Pre-flight: what a constant-resistance or constant-power step draws from the DUT is checked
against the station's hard limits before anything is switched on, at the voltages the DUT can
show; `bench validate` and `bench run` refuse the same steps the same way."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import InputError
from bench.profile.reader import parse_profile
from bench.run.preflight import check_against_station
from bench.run.session import Request, prepare
from bench.station.config import default_station_path, load_station

SOURCE = "profiles/p.toml"
STATION = default_station_path()  # 5 A, 60 W
CELL = '[dut]\nkind = "cell"\nrated_capacity = "5 Ah"\nnominal_voltage = "3.6 V"\n'
BANK = '[dut]\nkind = "power bank"\nrated_capacity = "10000 mAh"\nnominal_voltage = "3.7 V"\n'
RATED_BANK = BANK + 'rated_output_voltage = "5 V"\nrated_output_current = "2.1 A"\n'


def document(steps: str, dut: str) -> str:
    return f'name = "p"\nperiod = "1 s"\nsteps = [{steps}]\n{dut}'


def refused(steps: str, dut: str) -> InputError:
    with pytest.raises(InputError) as info:
        check_against_station(parse_profile(document(steps, dut), SOURCE), load_station())
    return info.value


REFUSED = [
    pytest.param('"Charge at 1 A until 4.2 V", "Discharge at 0.5 ohm until 3 V"', CELL, "steps[1]",
                 "current 8.4 A (0.5 ohm at 4.2 V, the voltage steps[0] charges the DUT to)",
                 id="CR: a cell at the voltage a charge takes it to"),
    pytest.param('"Discharge at 0.5 ohm for 1 min"', CELL, "steps[0]",
                 "current 7.2 A (0.5 ohm at 3.6 V, dut.nominal_voltage)", id="CR: a cell at its nominal voltage"),
    pytest.param('"Discharge at 0.5 ohm until 3 V"', BANK, "steps[0]",
                 "current 6 A (0.5 ohm at 3 V, the step's cutoff)", id="CR: above its cutoff while it runs"),
    pytest.param('"Discharge at 4.5 ohm for 1 min"', BANK + 'rated_output_voltage = "20 V"\n', "steps[0]",
                 "power 88.89 W (4.5 ohm at 20 V, dut.rated_output_voltage)", id="CR: power"),
    pytest.param('"Discharge ramp from 4 ohm to 0.5 ohm over 60 s until 3 V"', BANK, "steps[0]",
                 "current 6 A (0.5 ohm at 3 V, the step's cutoff)", id="CR: the lowest resistance of a ramp"),
    pytest.param('"Discharge at 20 W until 3 V"', BANK, "steps[0]",
                 "current 6.667 A (20 W at 3 V, the step's cutoff)", id="CP: at its cutoff"),
    pytest.param('"Discharge at 30 W for 10 min"', CELL, "steps[0]",
                 "current 8.333 A (30 W at 3.6 V, dut.nominal_voltage)",
                 id="CP without a cutoff: at the highest voltage, the least it draws"),
    pytest.param('{ step = "Charge at 5 V, 2 A limit for 1 h", with = "Discharge at 1 ohm" }',
                 BANK + 'rated_output_voltage = "9 V"\n', "steps[0].step",
                 "load current 9 A (1 ohm at 9 V, dut.rated_output_voltage)", id="CR: a load alongside a charge"),
    pytest.param('"Discharge at 0.5 ohm for 1 min"', BANK + 'rated_output_voltage = "20 V"\n'
                 'rated_output_current = "6 A"\n', "steps[0]",
                 "current 6 A (0.5 ohm at 20 V, dut.rated_output_voltage, at most dut.rated_output_current)",
                 id="CR: a power bank rated above the station"),
]


@pytest.mark.parametrize("steps, dut, key, what", REFUSED)
def test_a_resistance_or_power_that_draws_past_the_hard_limits_is_refused_with_its_numbers(steps, dut, key, what):
    error = refused(steps, dut)
    assert (error.source, error.key) == (SOURCE, key)
    limit = "60 W" if what.startswith("power") else "5 A"
    assert error.message == f"{what} is above the station's hard limit {limit} ({STATION})"


@pytest.mark.parametrize("steps, dut", [
    pytest.param('"Discharge at 1 ohm until 3 V"', CELL, id="CR: 3.6 A at a cell's 3.6 V"),
    pytest.param('"Discharge at 15 W until 3 V"', BANK, id="CP: 5 A at its cutoff"),
    pytest.param('"Discharge at 30 W for 10 min"', BANK, id="CP: no cutoff, no voltage known: nothing certain"),
    pytest.param('"Discharge at 30 W until voltage <= 0 V"', BANK, id="CP: a cutoff at 0 V is none"),
    pytest.param('"Discharge at 0.1 ohm for 10 s"', RATED_BANK,
                 id="CR: a short on a power bank, whose protection limits its current"),
    pytest.param('"Discharge at 60 W until 4.5 V"', RATED_BANK, id="CP: a power bank's own limit"),
])
def test_a_resistance_or_power_within_the_hard_limits_is_accepted(steps, dut):
    check_against_station(parse_profile(document(steps, dut), SOURCE), load_station())


def test_bench_run_refuses_what_bench_validate_refuses(tmp_path: Path):
    path = tmp_path / "p.toml"
    path.write_text(document('"Discharge at 20 W until 3 V"', BANK), encoding="utf-8")
    with pytest.raises(InputError) as info:
        prepare(Request(path, log_dir=tmp_path / "logs"))
    assert (info.value.key, info.value.message) == (
        "steps[0]", f"current 6.667 A (20 W at 3 V, the step's cutoff) is above the station's hard limit 5 A "
        f"({STATION})")
