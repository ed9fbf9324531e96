"""Stations: the shipped ones load; a malformed station file is refused naming the key; a profile
that asks more than the station's hard limits allow, or names a channel it lacks, is refused."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import InputError
from bench.run.preflight import check_against_station
from bench.profile.reader import parse_profile
from bench.station.config import DEFAULT_ACCURACY, NotifyConfig, default_station_path, load_station

ROOT = Path(__file__).resolve().parents[3]
SIM = Path(default_station_path()).read_text(encoding="utf-8")
LAB = (ROOT / "stations" / "example-lab.toml").read_text(encoding="utf-8")

THERMO = '''[thermo]
driver = "keysight-34970a"
resource = "sim://"
tc_type = "K"
critical = ["cell", "surface"]

[thermo.channels]
cell = 101
surface = 102
ambient = 103
'''
LIMITS = '''[limits]
max_voltage = "21 V"
max_current = "8 A"
max_power = "60 W"
max_temperature = "70 degC"
'''
WORLD = '''[world]
dut = "powerbank-10000"
seed = 1
ambient = "25 degC"
'''


def edited(*replacements: tuple[str, str], base: str = SIM, append: str = "") -> str:
    text = base
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text + append


@pytest.fixture
def station_file(tmp_path):
    def write(text: str) -> Path:
        path = tmp_path / "station.toml"
        path.write_text(text, encoding="utf-8")
        return path
    return write


def test_the_default_station_is_the_simulated_bench():
    station = load_station()
    assert station.simulated and station.world is not None and station.world.dut
    assert set(station.roles) == {"load", "supply", "thermo"}
    assert station.channels == {"cell": 101, "surface": 102, "ambient": 103}
    assert station.critical == {"cell", "surface"}
    assert (station.limits.max_voltage, station.limits.max_current, station.limits.max_power,
            station.limits.max_temperature) == (21.0, 8.0, 60.0, 70.0)


def test_the_example_lab_station_is_a_real_bench():
    station = load_station(ROOT / "stations" / "example-lab.toml")
    assert not station.simulated and station.world is None
    assert station.roles["load"].resource.startswith("USB0::")
    assert station.roles["thermo"].resource.startswith("serial://")
    assert station.roles["supply"].options == {"channel": 1}


def test_the_example_lab_station_turns_simulated_with_sim_resources_and_a_world(station_file):
    text = LAB
    for resource in ("USB0::0x1AB1::0x0E11::DL3A000000001::INSTR", "TCPIP::192.0.2.10::INSTR",
                     "serial:///dev/ttyUSB0?baudrate=9600"):
        text = text.replace(resource, "sim://")
    station = load_station(station_file(text + "\n" + WORLD))
    assert station.simulated and station.world.seed == 1 and station.world.ambient == 25.0


def test_a_station_gives_its_instruments_accuracy_and_the_regulation_timing(station_file):
    station = load_station(station_file(edited(
        ("channel = 1", 'channel = 1\naccuracy = { voltage = "0.05 % + 10 mV", current = "5 mA + 0.1 %" }'),
        append='[faults]\nsettle = "500 ms"\ndeviation = "10 s"\n')))
    supply = station.roles["supply"].accuracy
    assert (supply.voltage.relative, supply.voltage.offset) == pytest.approx((0.0005, 0.010))
    assert (supply.current.relative, supply.current.offset) == pytest.approx((0.001, 0.005))
    assert station.roles["load"].accuracy == DEFAULT_ACCURACY  # what a station leaves out
    assert (station.faults.settle, station.faults.deviation) == (0.5, 10.0)


MALFORMED = [
    ("missing role table", edited(('[load]\ndriver = "rigol-dl3000"\nresource = "sim://"\n', "")),
     "load", "expected a [load] table"),
    ("missing thermo table", edited((THERMO, "")), "thermo", "expected a [thermo] table"),
    ("missing driver", edited(('[supply]\ndriver = "keysight-e36300"\n', "[supply]\n")), "supply.driver", "missing"),
    ("unknown driver", edited(('driver = "rigol-dl3000"', 'driver = "rigol-dl9999"')),
     "load.driver", "unknown driver 'rigol-dl9999'"),
    ("missing resource", edited(('driver = "rigol-dl3000"\nresource = "sim://"', 'driver = "rigol-dl3000"')),
     "load.resource", "missing; expected a resource"),
    ("resource of no known form", edited(('driver = "rigol-dl3000"\nresource = "sim://"',
                                           'driver = "rigol-dl3000"\nresource = "sim:/"')),
     "load.resource", "cannot open 'sim:/': unknown resource form; expected a resource such as 'USB0::"),
    ("serial resource with a bad setting", edited(('driver = "rigol-dl3000"\nresource = "sim://"',
                                                   'driver = "rigol-dl3000"\nresource = "serial:///dev/ttyUSB0?baud=9600"')),
     "load.resource", "unknown serial setting 'baud'"),
    ("resource not text", edited(('driver = "rigol-dl3000"\nresource = "sim://"', 'driver = "rigol-dl3000"\nresource = 5')),
     "load.resource", "expected a resource"),
    ("channels missing", edited(("[thermo.channels]\ncell = 101\nsurface = 102\nambient = 103\n", "")),
     "thermo.channels", "expected a table of channel names to channel numbers"),
    ("channel number as text", edited(("cell = 101", 'cell = "101"')), "thermo.channels", "channel numbers"),
    ("channel number as a float", edited(("cell = 101", "cell = 101.0")), "thermo.channels", "channel numbers"),
    ("channel number as a boolean", edited(("cell = 101", "cell = true")), "thermo.channels", "channel numbers"),
    ("two names on one channel", edited(("surface = 102", "surface = 101")),
     "thermo.channels.cell", "channel 101 is given to more than one name"),
    ("critical naming an unknown channel", edited(('critical = ["cell", "surface"]', 'critical = ["cell", "core"]')),
     "thermo.critical", "among ['ambient', 'cell', 'surface']"),
    ("critical not a list", edited(('critical = ["cell", "surface"]', 'critical = "cell"')),
     "thermo.critical", "expected a list of channel names"),
    ("critical holding a list", edited(('critical = ["cell", "surface"]', 'critical = [["cell"]]')),
     "thermo.critical", "expected a list of channel names"),
    ("missing hard limit", edited(('max_current = "8 A"\n', "")),
     "limits.max_current", "missing: every station sets all hard limits"),
    ("missing limits table", edited((LIMITS, "")), "limits", "expected a [limits] table"),
    ("limit in the wrong unit", edited(('max_current = "8 A"', 'max_current = "5 V"')),
     "limits.max_current", "expected a current (e.g. '2 A' or '500 mA'), got '5 V', which is a voltage"),
    ("temperature limit in the wrong unit", edited(('max_temperature = "70 degC"', 'max_temperature = "70 W"')),
     "limits.max_temperature", "expected a temperature"),
    ("limit without its unit", edited(('max_voltage = "21 V"', "max_voltage = 21")),
     "limits.max_voltage", "with its unit"),
    ("negative limit", edited(('max_power = "60 W"', 'max_power = "-60 W"')),
     "limits.max_power", "expected a positive power"),
    ("unknown limit", edited(('max_power = "60 W"', 'max_power = "60 W"\nmax_energy = "1 Wh"')),
     "limits.max_energy", "unknown key"),
    ("unknown top-level key", edited(('name = "Simulated bench"', 'name = "Simulated bench"\noperator = "me"')),
     "operator", "unknown key"),
    ("unknown key in world", edited(('seed = 1', 'seed = 1\ncolour = "red"')), "world.colour", "unknown key"),
    ("missing name", edited(('name = "Simulated bench"\n', "")), "name", "missing"),
    ("sim:// without a world", edited((WORLD, "")), "world", "sim:// resources need a [world] table"),
    ("world seed as text", edited(("seed = 1", 'seed = "1"')), "world.seed", "expected a whole number, got '1'"),
    ("world seed as a float", edited(("seed = 1", "seed = 1.5")), "world.seed", "expected a whole number"),
    ("world seed as a boolean", edited(("seed = 1", "seed = true")), "world.seed", "expected a whole number"),
    ("world seed missing", edited(("seed = 1\n", "")), "world.seed", "expected a whole number"),
    ("world ambient in the wrong unit", edited(('ambient = "25 degC"', 'ambient = "25 V"')),
     "world.ambient", "expected a temperature"),
    ("world without dut", edited(('dut = "powerbank-10000"\n', "")), "world.dut", "missing"),
    ("world not a table",
     edited((WORLD, ""), ('name = "Simulated bench"', 'name = "Simulated bench"\nworld = "powerbank-10000"')),
     "world", "expected a table"),
    ("invalid TOML", edited(append="[limits\n"), "", "not valid TOML"),
    ("inline tables nested 400 deep", edited(append="[world.overrides]\nx = " + "{a = " * 400 + "1" + "}" * 400 + "\n"),
     "world.overrides.x", "nested more than 32 deep"),
    ("timeout without its unit", edited(('driver = "rigol-dl3000"', 'driver = "rigol-dl3000"\ntimeout = 2')),
     "load.timeout", "with its unit"),
    ("supply channel the model lacks", edited(("channel = 1", "channel = 7")),
     "supply", "keysight-e36300: channel 7 is not one of 1, 2, 3"),
    ("supply model the driver does not know", edited(("channel = 1", 'channel = 1\nmodel = "E36999A"')),
     "supply", "keysight-e36300: model 'E36999A' is not one of E36312A, E36313A"),
    ("unknown thermocouple type", edited(('tc_type = "K"', 'tc_type = "Q"')),
     "thermo", "keysight-34970a: thermocouple type 'Q' is not one of B, E, J, K, N, R, S, T"),
    ("thermocouple type as a list", edited(('tc_type = "K"', "tc_type = [1]")),
     "thermo", "keysight-34970a: an option value of the wrong type"),
    ("timeout too long", edited(('driver = "rigol-dl3000"', 'driver = "rigol-dl3000"\ntimeout = "2 min"')),
     "load.timeout", "expected a time from 10 ms to 60 s"),
    ("accuracy of an unknown quantity", edited(("channel = 1", 'channel = 1\naccuracy = { power = "1 %" }')),
     "supply.accuracy.power", "unknown key"),
    ("accuracy in the wrong unit", edited(('driver = "rigol-dl3000"', 'driver = "rigol-dl3000"\n'
                                           'accuracy = { current = "0.1 % + 5 mV" }')),
     "load.accuracy.current", "expected a current (e.g. '2 A' or '500 mA'), got '5 mV', which is a voltage"),
    ("accuracy of nothing", edited(("channel = 1", 'channel = 1\naccuracy = { voltage = "0 %" }')),
     "supply.accuracy.voltage", "neither negative, not both zero"),
    ("accuracy of a thermometer", edited(('tc_type = "K"', 'tc_type = "K"\naccuracy = { voltage = "1 %" }')),
     "thermo.accuracy", "not an option of 'keysight-34970a'"),
    ("deviation window without its unit", edited(append="[faults]\ndeviation = 5\n"), "faults.deviation",
     "with its unit"),
    ("notify not a table", edited(('name = "Simulated bench"', 'name = "Simulated bench"\nnotify = "me"')),
     "notify", "expected a table with webhook and/or apprise"),
    ("unknown key in notify", edited(append='[notify]\nmail = "lab@example.com"\n'), "notify.mail", "unknown key"),
    ("a webhook that is not http", edited(append='[notify]\nwebhook = "ftp://example.com/x"\n'),
     "notify.webhook", "expected an http:// or https:// URL that takes a JSON POST"),
    ("a webhook that is not text", edited(append="[notify]\nwebhook = 3\n"), "notify.webhook",
     "expected a URL as text"),
    ("an Apprise URL without a scheme", edited(append='[notify]\napprise = "lab@example.com"\n'),
     "notify.apprise", "expected an Apprise URL such as"),
]


@pytest.mark.parametrize("text, key, expected", [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_a_malformed_station_is_refused_naming_the_file_and_the_key(station_file, text, key, expected):
    path = station_file(text)
    with pytest.raises(InputError) as info:
        load_station(path)
    error = info.value
    assert (error.source, error.key) == (str(path), key)
    assert expected in error.message
    assert "\n" not in str(error)


def test_a_station_says_where_to_tell_that_a_run_ended(station_file):
    station = load_station(station_file(edited(append='[notify]\nwebhook = "https://hooks.example.com/lab"\n')))
    assert station.notify == NotifyConfig(webhook="https://hooks.example.com/lab")
    assert load_station(station_file(SIM)).notify == NotifyConfig()


def test_an_unreadable_station_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read the station file"):
        load_station(tmp_path / "nope.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="not a text file"):
        load_station(binary)


# --- a profile against the station's hard limits and channels -------------------------------

def profile(steps: str, tail: str = "", source: str = "profiles/p.toml"):
    text = (f'name = "p"\nperiod = "1 s"\nsteps = [{steps}]\n'
            '[dut]\nkind = "power bank"\nrated_capacity = "10000 mAh"\nnominal_voltage = "3.7 V"\n' + tail)
    return parse_profile(text, source)


def refused_by_station(prof, station=None) -> InputError:
    station = station or load_station()
    with pytest.raises(InputError) as info:
        check_against_station(prof, station)
    return info.value


@pytest.mark.parametrize("steps, key, what", [
    ('"Rest for 1 min", "Discharge at 9 A until 3 V"', "steps[2]", "current 9 A is above the station's hard limit 8 A"),
    ('{ step = "Discharge at 9000 mA until 3 V", name = "d" }', "steps[1].step", "current 9 A"),
    ('"Discharge at 1C until 3 V"', "steps[1]", "current 10 A"),
    ('"Discharge at 70 W until 3 V"', "steps[1]", "power 70 W is above the station's hard limit 60 W"),
    ('"Discharge at 22 V until 1 A"', "steps[1]", "voltage 22 V"),
    ('"Charge at 22 V, 1 A limit until 100 mA"', "steps[1]", "voltage 22 V"),
    ('"Charge at 20 V, 8.5 A limit until 100 mA"', "steps[1]", "current limit 8.5 A"),
    ('"Charge at 9 A until 4.2 V"', "steps[1]", "current limit 9 A"),
    ('{ repeat = 2, steps = ["Rest for 1 min", "Discharge at 9 A until 3 V"] }', "steps[1].steps[2]", "current 9 A"),
])
def test_a_step_above_a_hard_limit_is_refused_naming_the_step_and_the_station(steps, key, what):
    error = refused_by_station(profile(steps))
    assert (error.source, error.key) == ("profiles/p.toml", key)
    assert what in error.message
    assert default_station_path() in error.message


def test_a_step_at_the_hard_limits_is_accepted(station_file):
    """On a supply that reaches them (a KA3005P: 31 V, 5.1 A; the E36312A's CH1 stops at 6.18 V)."""
    korad = edited(('driver = "keysight-e36300"', 'driver = "korad-ka3005p"'), ("\nchannel = 1", "\n# channel = 1"))
    check_against_station(profile('"Charge at 21 V, 5 A limit until 100 mA", "Discharge at 5 A until 3 V", '
                                  '"Discharge at 60 W until 12 V"'), load_station(station_file(korad)))


def test_the_hard_limit_comes_from_the_station_given(station_file):
    station = load_station(station_file(edited(('max_current = "8 A"', 'max_current = "1 A"'))))
    error = refused_by_station(profile('"Discharge at 2 A until 3 V"'), station)
    assert error.key == "steps[1]" and "hard limit 1 A" in error.message and station.source in error.message


def test_a_criterion_over_ambient_on_a_station_without_an_ambient_channel_is_refused(station_file):
    station = load_station(station_file(edited(('ambient = 103', 'room = 103'))))
    tail = '[[criteria]]\nname = "c"\nmetric = "cell temperature over ambient"\nmax = "1 K"\n'
    error = refused_by_station(profile('"Rest for 1 min"', tail), station)
    assert error.key == "criteria[1].metric" and "no temperature channel 'ambient'" in error.message


@pytest.mark.parametrize("steps, tail, key", [
    ('"Rest for 1 min"', '[safety]\nabort_if = ["cell temperature > 60 degC", "core temperature > 60 degC"]\n',
     "safety.abort_if[2]"),
    ('"Rest for 1 min", "Rest until core temperature < 30 degC"', "", "steps[2]"),
    ('"Rest until core dT/dt < 1 K/min"', "", "steps[1]"),
    ('"Rest for 1 min"', '[[criteria]]\nname = "c"\nmetric = "core max temperature"\nmax = "45 degC"\n',
     "criteria[1].metric"),
])
def test_a_temperature_channel_the_station_lacks_is_refused(steps, tail, key):
    error = refused_by_station(profile(steps, tail))
    assert error.key == key
    assert "no temperature channel 'core'" in error.message and "cell, surface, ambient" in error.message
