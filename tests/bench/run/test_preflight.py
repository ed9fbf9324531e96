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
STATION = default_station_path()
CELL = '[dut]\nkind = "cell"\nrated_capacity = "5 Ah"\nnominal_voltage = "3.6 V"\n'
BANK = '[dut]\nkind = "power bank"\nrated_capacity = "10000 mAh"\nnominal_voltage = "3.7 V"\n'
RATED_BANK = BANK + 'rated_output_voltage = "5 V"\nrated_output_current = "2.1 A"\n'


def document(steps: str, dut: str) -> str:
    return f'name = "p"\nperiod = "1 s"\nsteps = [{steps}]\n{dut}'


@pytest.fixture(scope="module")
def five_amps(tmp_path_factory) -> Path:
    """The default simulated station with a 5 A hard limit (a lab's bench with a 5 A supply): the
    figures of the tests that take it are worked out against it."""
    path = tmp_path_factory.mktemp("station") / "five-amps.toml"
    path.write_text(Path(STATION).read_text(encoding="utf-8").replace('max_current = "8 A"', 'max_current = "5 A"'),
                    encoding="utf-8")
    return path


def refused(steps: str, dut: str, station: Path | str = STATION) -> InputError:
    with pytest.raises(InputError) as info:
        check_against_station(parse_profile(document(steps, dut), SOURCE), load_station(station))
    return info.value


REFUSED = [
    pytest.param('"Charge at 1 A until 4.2 V", "Discharge at 0.5 ohm until 3 V"', CELL, "steps[2]",
                 "current 8.4 A (0.5 ohm at 4.2 V, the voltage steps[1] charges the DUT to)",
                 id="CR: a cell at the voltage a charge takes it to"),
    pytest.param('"Discharge at 0.5 ohm for 1 min"', CELL, "steps[1]",
                 "current 7.2 A (0.5 ohm at 3.6 V, dut.nominal_voltage)", id="CR: a cell at its nominal voltage"),
    pytest.param('"Discharge at 0.5 ohm until 3 V"', BANK, "steps[1]",
                 "current 6 A (0.5 ohm at 3 V, the step's cutoff)", id="CR: above its cutoff while it runs"),
    pytest.param('"Discharge at 4.5 ohm for 1 min"', BANK + 'rated_output_voltage = "20 V"\n', "steps[1]",
                 "power 88.89 W (4.5 ohm at 20 V, dut.rated_output_voltage)", id="CR: power"),
    pytest.param('"Discharge ramp from 4 ohm to 0.5 ohm over 60 s until 3 V"', BANK, "steps[1]",
                 "current 6 A (0.5 ohm at 3 V, the step's cutoff)", id="CR: the lowest resistance of a ramp"),
    pytest.param('"Discharge at 20 W until 3 V"', BANK, "steps[1]",
                 "current 6.667 A (20 W at 3 V, the step's cutoff)", id="CP: at its cutoff"),
    pytest.param('"Discharge at 30 W for 10 min"', CELL, "steps[1]",
                 "current 8.333 A (30 W at 3.6 V, dut.nominal_voltage)",
                 id="CP without a cutoff: at the highest voltage, the least it draws"),
    pytest.param('{ step = "Charge at 5 V, 2 A limit for 1 h", with = "Discharge at 1 ohm" }',
                 BANK + 'rated_output_voltage = "9 V"\n', "steps[1].step",
                 "load current 9 A (1 ohm at 9 V, dut.rated_output_voltage)", id="CR: a load alongside a charge"),
    pytest.param('"Discharge at 0.5 ohm for 1 min"', BANK + 'rated_output_voltage = "20 V"\n'
                 'rated_output_current = "6 A"\n', "steps[1]",
                 "current 6 A (0.5 ohm at 20 V, dut.rated_output_voltage, at most dut.rated_output_current)",
                 id="CR: a power bank rated above the station"),
]


@pytest.mark.parametrize("steps, dut, key, what", REFUSED)
def test_a_resistance_or_power_that_draws_past_the_hard_limits_is_refused_with_its_numbers(steps, dut, key, what,
                                                                                         five_amps):
    error = refused(steps, dut, five_amps)
    assert (error.source, error.key) == (SOURCE, key)
    limit = "60 W" if what.startswith("power") else "5 A"
    assert error.message == f"{what} is above the station's hard limit {limit} ({five_amps})"


@pytest.mark.parametrize("steps, dut", [
    pytest.param('"Discharge at 1 ohm until 3 V"', CELL, id="CR: 3.6 A at a cell's 3.6 V"),
    pytest.param('"Discharge at 15 W until 3 V"', BANK, id="CP: 5 A at its cutoff"),
    pytest.param('"Discharge at 30 W for 10 min"', BANK, id="CP: no cutoff, no voltage known: nothing certain"),
    pytest.param('"Discharge at 30 W until voltage <= 0 V"', BANK, id="CP: a cutoff at 0 V is none"),
    pytest.param('"Discharge at 0.1 ohm for 10 s"', RATED_BANK,
                 id="CR: a short on a power bank, whose protection limits its current"),
    pytest.param('"Discharge at 60 W until 4.5 V"', RATED_BANK, id="CP: a power bank's own limit"),
])
def test_a_resistance_or_power_within_the_hard_limits_is_accepted(steps, dut, five_amps):
    check_against_station(parse_profile(document(steps, dut), SOURCE), load_station(five_amps))


def test_bench_run_refuses_what_bench_validate_refuses(tmp_path: Path, five_amps: Path):
    path = tmp_path / "p.toml"
    path.write_text(document('"Discharge at 20 W until 3 V"', CELL), encoding="utf-8")
    with pytest.raises(InputError) as info:
        prepare(Request(path, five_amps, log_dir=tmp_path / "logs"))
    assert (info.value.key, info.value.message) == (
        "steps[1]", f"current 6.667 A (20 W at 3 V, the step's cutoff) is above the station's hard limit 5 A "
        f"({five_amps})")


def prepared_station(tmp_path: Path, steps: str, dut: str, preset: str | None = None):
    path = tmp_path / "p.toml"
    path.write_text(document(steps, dut), encoding="utf-8")
    return prepare(Request(path, log_dir=tmp_path / "logs", dut=preset))[1]


def test_a_cell_profile_gets_a_cell_on_the_default_simulated_station(tmp_path: Path):
    assert prepared_station(tmp_path, '"Discharge at 1 A until 3 V"', CELL).world.dut == "lg-m50"


def test_a_power_bank_profile_keeps_the_station_s_bank(tmp_path: Path):
    assert prepared_station(tmp_path, '"Discharge at 1 A until 3 V"', BANK).world.dut == "powerbank-10000"


def test_a_dut_given_with_the_profile_s_kind_is_the_one_simulated(tmp_path: Path):
    assert prepared_station(tmp_path, '"Discharge at 1 A until 3 V"', CELL, "lg-mj1").world.dut == "lg-mj1"


def test_a_dut_of_another_kind_than_the_profile_s_is_refused(tmp_path: Path):
    with pytest.raises(InputError) as info:
        prepared_station(tmp_path, '"Charge at 5 V, 1 A limit for 1 min"', BANK, "lg-m50")
    assert (info.value.source, info.value.key) == ("--dut", "lg-m50")
    assert info.value.message == (f"a cell, but {tmp_path / 'p.toml'} is written for a power bank "
                                  '(dut.kind = "power bank"); power bank presets: powerbank-10000, '
                                  "powerbank-20000, powerbank-10000-9v, powerbank-20000-9v")


def test_an_unknown_station_dut_is_refused_before_the_run(tmp_path: Path):
    station = tmp_path / "s.toml"
    station.write_text(Path(STATION).read_text(encoding="utf-8").replace(
        'dut = "powerbank-10000"', 'dut = "powerbank-5000"'), encoding="utf-8")
    path = tmp_path / "p.toml"
    path.write_text(document('"Rest for 1 min"', BANK), encoding="utf-8")
    with pytest.raises(InputError) as info:
        prepare(Request(path, station, log_dir=tmp_path / "logs"))
    assert (info.value.source, info.value.key) == (str(station), "world.dut")
    assert info.value.message.startswith("unknown DUT preset 'powerbank-5000'; known presets: lg-m50, lg-mj1")


def test_a_supply_setpoint_beyond_the_channel_s_range_is_refused_naming_a_channel_that_reaches_it():
    error = refused('"Charge at 5 V, 1 A limit for 1 min", "Charge at 12 V, 1 A limit for 1 min"', BANK)
    assert (error.source, error.key) == (SOURCE, "steps[2]")
    assert error.message == ("voltage 12 V is outside the range of the supply, E36312A CH1: 0 to 6.18 V "
                             f"({STATION}, supply); channel = 2 or 3 reaches every supply set-point of the profile; "
                             "the shipped simulated station 'sim-25v' does: --station sim-25v")


def test_a_supply_current_limit_beyond_the_channel_s_range_is_refused(tmp_path: Path):
    station = tmp_path / "s.toml"
    station.write_text(Path(STATION).read_text(encoding="utf-8").replace("channel = 1", "channel = 2"),
                       encoding="utf-8")
    with pytest.raises(InputError) as info:
        check_against_station(parse_profile(document(
            '{ step = "Charge at 5 V, 3 A limit for 1 min", with = "Discharge at 1 A" }', RATED_BANK), SOURCE),
            load_station(station))
    assert (info.value.key, info.value.message) == (
        "steps[1].step", (f"current limit 3 A is outside the range of the supply, E36312A CH2: 0 to 1.03 A "
                          f"({station}, supply); channel = 1 reaches every supply set-point of the profile; "
                          "the shipped simulated station 'sim' does: --station sim"))


def test_a_real_supply_of_unknown_model_is_not_range_checked(tmp_path: Path):
    """Without `model`, only the instrument tells which it is (at open, where its driver checks)."""
    station = tmp_path / "s.toml"
    text = Path(STATION).read_text(encoding="utf-8").replace('"sim://"', '"TCPIP::192.0.2.1::INSTR"')
    station.write_text(text.split("\n[world]")[0], encoding="utf-8")
    check_against_station(parse_profile(document('"Charge at 12 V, 1 A limit for 1 min"', BANK), SOURCE),
                          load_station(station))


@pytest.mark.parametrize("steps, what", [
    pytest.param('"Discharge at 0.05 ohm for 10 s"', "CR resistance 0.05 ohm", id="CR below the lowest"),
    pytest.param('"Discharge ramp from 1 ohm to 0.05 ohm over 60 s until 3 V"', "CR resistance 0.05 ohm",
                 id="the far end of a ramp"),
    pytest.param('{ step = "Charge at 5 V, 1 A limit for 1 h", with = "Discharge at 0.05 ohm" }',
                 "CR resistance 0.05 ohm", id="a load alongside a charge"),
])
def test_a_load_level_beyond_the_load_model_s_range_is_refused(steps, what):
    error = refused(steps, RATED_BANK)
    assert error.message == f"{what} is outside the range of the load, DL3021: 0.08 to 15000 ohm ({STATION}, load)"


@pytest.mark.parametrize("world, key, words", [
    ('[world.overrides]\ncapacity = "3 V"\n', "world.overrides.capacity", "expected a capacity (e.g. '10000 mAh' or '2.5 Ah'), got '3 V', which is a voltage"),
    ('[world.overrides]\ncapacty = "3 Ah"\n', "world.overrides.capacty", "not a parameter of 'powerbank-10000'"),
])
def test_a_bad_world_override_is_refused_at_the_pre_flight_naming_the_station_key(tmp_path: Path, world, key, words):
    """Checked where `bench validate` checks, not when the world is built at run time."""
    from bench.run.preflight import plan

    station = tmp_path / "station.toml"
    station.write_text(Path(STATION).read_text(encoding="utf-8") + world, encoding="utf-8")
    with pytest.raises(InputError) as info:
        plan("quick-check", station)
    assert (info.value.source, info.value.key) == (str(station), key) and words in info.value.message


def test_the_simulated_dut_is_judged_against_its_own_label(tmp_path: Path):
    from bench.run.preflight import plan

    assert plan("capacity", dut="powerbank-20000").profile.product.name == "powerbank-20000"
    assert plan("capacity").profile.product.name == "powerbank-10000"  # the station's preset
    assert plan("dcir").profile.product.name == "INR21700-M50"  # a cell profile: lg-m50
    assert plan("capacity", "example-lab").profile.product.name == "capacity.toml [dut]"  # a real bench
