"""34970A thermocouple driver: protocol against pyvisa-sim (keysight_34970a.yaml, RS-232
resources), against its twin, and over a real serial line (a pseudo-terminal)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from driver_helpers import NO_ERROR, driver_on_sim, visa_sim
from serial_line import PtyLine, serve_on_pty

from drivers.keysight_34970a import Keysight34970A
from drivers.registry import open_instrument
from drivers.roles import ChannelFault, InstrumentError, Thermometer
from drivers.sim.twins.keysight_34970a import Keysight34970ATwin

SCANNER = "ASRL1::INSTR"
CONFIGURATION = ["*CLS", "CONF:TEMP TC,K,(@101,102,103)", "UNIT:TEMP C,(@101,102,103)",
                 "TEMP:TRAN:TC:RJUN:TYPE INT,(@101,102,103)", "TEMP:TRAN:TC:CHEC ON,(@101,102,103)",
                 "FORM:READ:CHAN ON", "SYST:ERR?"]


scanner_at = driver_on_sim(Keysight34970A, "keysight_34970a", framing={"timeout": 0.2})


def test_rs232_remote_mode_comes_before_anything_else() -> None:
    scanner, wire = scanner_at(SCANNER, channels={"cell": 101})
    assert wire.serial_line
    assert scanner.identify() == "HEWLETT-PACKARD,34970A,0,13-2-2"
    assert wire.sent == ["SYST:REM", "*IDN?"]


def test_remote_mode_can_be_left_out_on_other_interfaces() -> None:
    scanner, wire = scanner_at(SCANNER, rs232=False)
    scanner.identify()
    assert wire.sent == ["*IDN?"]


def test_one_configuration_then_one_read_per_scan() -> None:
    scanner, wire = scanner_at(SCANNER, channels={"cell": 101, "surface": 102, "ambient": 103})
    first = scanner.read((101, 102, 103))
    second = scanner.read((103, 101))
    assert wire.sent == ["SYST:REM", *CONFIGURATION, "READ?", "READ?"]
    assert first == {101: 25.123, 102: ChannelFault(102, "open thermocouple or overload (+9.9E37)"),
                     103: 24.0}
    assert list(second) == [103, 101]  # in the order asked, whatever order the scan has


def test_an_open_thermocouple_is_a_fault_never_a_number() -> None:
    scanner, _ = scanner_at(SCANNER, channels=(101, 102, 103))
    reading = scanner.read((102,))[102]
    assert isinstance(reading, ChannelFault)
    assert reading.channel == 102


def test_a_configuration_the_instrument_refuses_is_an_error() -> None:
    scanner, _ = scanner_at("ASRL2::INSTR", channels=(101,))
    with pytest.raises(InstrumentError, match=r"configuring thermocouples \(@101\) failed: "
                                              r"'SYST:ERR\?' answered '\+221,\"Settings conflict\"'"):
        scanner.read((101,))


def test_a_garbled_reading_names_the_command_and_the_reply() -> None:
    scanner, _ = scanner_at("ASRL3::INSTR", channels=(101, 102))
    with pytest.raises(InstrumentError, match=r"'READ\?' answered '\+2.51230000E\+01,101,\+2.5#0000"):
        scanner.read((101, 102))


def test_another_instrument_is_rejected_by_name() -> None:
    scanner, _ = scanner_at("ASRL4::INSTR")
    with pytest.raises(InstrumentError, match="is a HEWLETT-PACKARD 34401A, not one of"):
        scanner.identify()


def test_close_gives_the_front_panel_back() -> None:
    scanner, wire = scanner_at(SCANNER)
    scanner.close()
    assert wire.sent == ["SYST:REM", "SYST:LOC"]


@pytest.mark.parametrize(("options", "shown"), [
    ({"tc_type": "X"}, "thermocouple type 'X'"),
    ({"channels": (100,)}, "channel 100 is not a 34970A channel"),
    ({"channels": {"cell": 141}}, "channel 141"),
    ({"model": "34980A"}, "model '34980A'"),
])
def test_bad_options_are_refused_before_anything_is_sent(options: dict[str, object],
                                                         shown: str) -> None:
    transport = visa_sim("keysight_34970a", SCANNER)
    with pytest.raises(ValueError, match=shown):
        Keysight34970A(transport, **options)
    assert transport.sent == []


# --- against the twin (sim://) ----------------------------------------------------------

CHANNELS = {"cell": 101, "surface": 102, "ambient": 103}


def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    scanner = open_instrument("keysight-34970a", "sim://thermo", world=cell_world,
                              channels=CHANNELS, tc_type="T")
    assert isinstance(scanner, Thermometer)
    assert scanner.identify() == "HEWLETT-PACKARD,34970A,0,13-2-2"
    readings = scanner.read((101, 102, 103))
    assert all(20.0 < readings[c] < 30.0 for c in (101, 102, 103))  # type: ignore[operator]
    scanner.read((104,))  # a new scan list: reconfigures
    scanner.close()
    twin = scanner.transport.twin
    assert not twin.remote  # SYST:LOC reached it
    scanner.transport.write("SYST:REM")
    assert scanner.transport.query("SYST:ERR?") == NO_ERROR


def test_a_channel_with_no_thermocouple_wired_reads_as_a_fault(cell_world: object) -> None:
    scanner = open_instrument("keysight-34970a", "sim://thermo", world=cell_world,
                              channels={"cell": 101})
    readings = scanner.read((101, 104))
    assert isinstance(readings[101], float)
    assert readings[104] == ChannelFault(104, "open thermocouple or overload (+9.9E37)")


def test_without_the_check_an_open_channel_would_read_a_plausible_lie(cell_world: object) -> None:
    twin = Keysight34970ATwin(cell_world, channels={"cell": 101})
    for command in ("SYST:REM", "CONF:TEMP TC,K,(@104)", "FORM:READ:CHAN ON"):
        twin.write(command)
    twin.write("READ?")
    assert twin.read() == "+2.50000000E+01,104"  # why the driver always turns the check on


def test_the_rs232_twin_obeys_nothing_before_remote_mode(cell_world: object) -> None:
    twin = Keysight34970ATwin(cell_world, channels=CHANNELS)
    twin.write("*IDN?")
    assert twin.read() is None
    twin.write("SYST:REM")
    twin.write("SYST:ERR?")
    assert twin.read() == '-200,"Execution error; RS-232 not in remote, send SYSTem:REMote"'


@pytest.mark.parametrize(("command", "error"), [
    ("CONF:TEMP TC,Q,(@101)", '-224,"Illegal parameter value"'),
    ("CONF:TEMP TC,K,(@121)", '-224,"Illegal parameter value"'),
    ("CONF:TEMP TC,K", '-109,"Missing parameter"'),
    ("TEMP:TRAN:TC:CHEC ON,(@109)", '-221,"Settings conflict; channel not configured for temperature"'),
    ("READ?", '-221,"Settings conflict; empty scan list"'),
    ("SENS:TEMP:TRAN:TC:OCOM ON,(@101)", '-113,"Undefined header"'),
])
def test_the_twin_queues_the_error_a_real_34970a_would(cell_world: object, command: str,
                                                       error: str) -> None:
    twin = Keysight34970ATwin(cell_world, channels=CHANNELS, model="DAQ970A")
    twin.write(command)
    twin.write("SYST:ERR?")
    assert twin.read() == error


# --- over a real serial line: pyserial on a pseudo-terminal, the twin on the other end -----

@pytest.fixture
def serial_twin(cell_world: object) -> Iterator[PtyLine]:
    yield from serve_on_pty(Keysight34970ATwin(cell_world, channels=CHANNELS))


def test_the_driver_reads_thermocouples_over_a_real_serial_line(serial_twin: PtyLine) -> None:
    twin = serial_twin.twin
    scanner = open_instrument("keysight-34970a", f"serial://{serial_twin.tty}?baudrate=9600&xonxoff=1",
                              channels=(101, 102, 103))
    assert scanner.transport.serial_line
    assert scanner.identify() == "HEWLETT-PACKARD,34970A,0,13-2-2"
    assert twin.remote
    readings = scanner.read((101, 102, 103))
    assert sorted(readings) == [101, 102, 103]
    assert all(isinstance(value, float) and 20.0 < value < 30.0 for value in readings.values())
    scanner.close()
    serial_twin.finish()
    assert not twin.remote  # SYST:LOC arrived before the port closed
    assert twin.errors() == ()
