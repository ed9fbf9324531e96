"""Rack stations: shared instruments bound to DUT channels; each channel is a station of its own
whose roles point at the shared instruments; a malformed rack is refused naming the key."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import InputError
from bench.station.config import load_station, parse_station

ROOT = Path(__file__).resolve().parents[3]
RACK = (ROOT / "stations" / "sim-rack.toml").read_text(encoding="utf-8")
SMALL = '''name = "Two-bank rack"

[instruments.loads]
driver = "keysight-n3300a"
resource = "sim://"
model = "N3300A"

[instruments.psu]
driver = "rigol-dp800"
resource = "sim://"
model = "DP832"

[instruments.tc]
driver = "keysight-34970a"
resource = "sim://"

[[channels]]
name = "A"
load = "loads:1"
supply = "psu:1"
temperatures = { cell = "tc:101", surface = "tc:102" }

[[channels]]
name = "B"
load = { instrument = "loads", channel = 3, module = "N3304A" }
supply = "psu:3"
temperatures = { cell = "tc:103", surface = "tc:104" }
critical = ["cell"]
defects = ["micro-short"]

[limits]
max_voltage = "21 V"
max_current = "8 A"
max_power = "60 W"
max_temperature = "70 degC"

[world]
dut = "powerbank-10000"
seed = 1
ambient = "25 degC"
'''


def test_the_shipped_rack_has_eight_channels_on_shared_instruments():
    rack = load_station("sim-rack").rack
    assert list(rack.channels) == [str(n) for n in range(1, 9)]
    assert [len(rack.users(name)) for name in rack.instruments] == [6, 2, 3, 3, 2, 8]
    seventh = rack.channels["7"].station
    assert seventh.roles["load"].options == {"model": "N3301A", "channel": 1}
    assert seventh.roles["supply"].options == {"model": "DP832", "channel": 1}
    assert seventh.channels == {"cell": 203, "surface": 204, "ambient": 208} and seventh.channel == "7"


def test_each_channel_is_a_station_of_its_own_with_its_options_over_the_instruments():
    station = parse_station(SMALL, "rack.toml")
    a, b = (station.rack.channels[n] for n in "AB")
    assert station.channel is None and station.roles == a.station.roles  # the rack reads as its first channel
    assert b.station.roles["load"].options == {"model": "N3300A", "channel": 3, "module": "N3304A"}
    assert b.station.critical == frozenset({"cell"}) and a.station.critical == frozenset({"cell", "surface"})
    assert b.defects == ("micro-short",) and a.defects == ()
    assert b.station.rack is station.rack and b.station.limits == station.limits


@pytest.mark.parametrize("change, key, expected", [
    (('load = "loads:1"', 'load = "lods:1"'), "channels[1].load", "no instrument 'lods'"),
    (('supply = "psu:3"', 'supply = "psu:1"'), "channels[2].supply", "psu:1 is already channel 'A'"),
    (('name = "B"', 'name = "A"'), "channels[2].name", "named twice"),
    (('name = "B"', 'name = "B 2"'), "channels[2].name", "letters, digits"),
    (('cell = "tc:103"', 'cell = "tc"'), "channels[2].temperatures.cell", "'instrument:channel'"),
    (('surface = "tc:104"', 'surface = "loads:4"'), "channels[2].temperatures.surface", "one reader"),
    (('critical = ["cell"]', 'critical = ["case"]'), "channels[2].critical", "names among"),
    (('load = "loads:1"', 'load = "loads:9"'), "channels (name 'A').load", "is not a slot 1-6"),
    (('load = "loads:1"', 'load = "loads:1"\nvoltage = 3'), "channels[1].voltage", "unknown key"),
    (('[[channels]]\nname = "A"', '[[channel]]\nname = "A"'), "channel", "unknown key"),
    (('resource = "sim://"\nmodel = "DP832"', 'resource = "10.0.0.5"\nmodel = "DP832"'),
     "channels (name 'A').supply (its instrument's resource)", "unknown resource form"),
    (('load = { instrument = "loads", channel = 3, module = "N3304A" }', 'load = "psu:3"'), "channels[2].load",
     "psu is a rigol-dp800, a supply: not a load"),
    (('{ cell = "tc:101", surface = "tc:102" }', '{ cell = "psu:1" }'), "channels[1].temperatures",
     "psu is a rigol-dp800, a supply: not a thermo"),
    (('cell = "tc:103"', 'cell = "tc:101"'), "channels[2].temperatures.cell", "tc:101 is already channel 'A''s cell"),
    (('surface = "tc:104"', 'surface = "tc:103"'), "channels[2].temperatures.surface",
     "tc:103 is already channel 'B''s cell"),
    (('load = "loads:1"', 'load = "loads"'), "channels[1].load", "loads is shared by 2 channels: name this one's"),
    (('supply = "psu:3"', 'supply = { instrument = "psu" }'), "channels[2].supply", "psu is shared by 2 channels"),
    (('defects = ["micro-short"]', 'defects = ["micro-shrt"]'), "channels[2].defects", "unknown defect 'micro-shrt'"),
    (('defects = ["micro-short"]', 'defects = ["micro-short:resistance=2 V"]'),
     "channels[2].defects (micro-short:resistance)", "expected a resistance (e.g. '2 ohm' or '80 mOhm')"),
])
def test_a_malformed_rack_is_refused_naming_the_file_and_the_key(change, key, expected):
    with pytest.raises(InputError) as caught:
        parse_station(SMALL.replace(*change, 1), "rack.toml")
    assert caught.value.source == "rack.toml" and caught.value.key == key and expected in caught.value.message


def test_an_instrument_no_channel_uses_is_refused():
    with pytest.raises(InputError, match="no channel uses it") as caught:
        parse_station(SMALL.replace("[instruments.tc]", '[instruments.spare]\ndriver = "rigol-dp800"\nresource = '
                                    '"sim://"\n\n[instruments.tc]'), "rack.toml")
    assert caught.value.key == "instruments.spare"
