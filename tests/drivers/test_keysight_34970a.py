"""34970A thermocouple driver: protocol against pyvisa-sim (keysight_34970a.yaml, RS-232
resources), against its twin, and over a real serial line (a pseudo-terminal)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from driver_helpers import NO_ERROR, driver_on_sim, listen, visa_sim
from serial_line import PtyLine, serve_on_pty

from drivers.keysight_34970a import Keysight34970A
from drivers.registry import open_instrument
from drivers.roles import ChannelFault, InstrumentError, Thermometer
from drivers.sim.transport import SimTransport
from drivers.sim.twins.keysight_34970a import Keysight34970ATwin

SCANNER = "ASRL1::INSTR"
CONFIGURATION = ["ABOR", "*CLS", "CONF:TEMP TC,K,(@101,102,103)", "UNIT:TEMP C,(@101,102,103)",
                 "TEMP:TRAN:TC:RJUN:TYPE INT,(@101,102,103)", "TEMP:TRAN:TC:CHEC ON,(@101,102,103)",
                 "FORM:READ:CHAN ON", "TRIG:SOUR IMM", "TRIG:COUN 1", "SYST:ERR?"]


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
    second = scanner.read((103, 101, 102))
    assert wire.sent == ["SYST:REM", *CONFIGURATION, "READ?", "READ?"]
    assert first == {101: 25.123, 102: ChannelFault(102, "open thermocouple or overload (+9.9E37)"),
                     103: 24.0}
    assert list(second) == [103, 101, 102]  # in the order asked, whatever order the scan has


def test_an_open_thermocouple_is_a_fault_never_a_number() -> None:
    scanner, _ = scanner_at(SCANNER, channels=(101, 102, 103))
    reading = scanner.read((101, 102, 103))[102]
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
    ("TRIG:SOUR ALAR5", '-224,"Illegal parameter value"'),
    ("TRIG:SOUR MAN", '-224,"Illegal parameter value"'),
    ("TRIG:SOUR", '-109,"Missing parameter"'),
    ("TRIG:COUN 0", '-222,"Data out of range"'),
    ("TRIG:COUN 50001", '-222,"Data out of range"'),
    ("TRIG:COUN FOREVER", '-104,"Data type error"'),
    ("ABOR 1", '-108,"Parameter not allowed"'),
])
def test_the_twin_queues_the_error_a_real_34970a_would(cell_world: object, command: str,
                                                       error: str) -> None:
    twin = Keysight34970ATwin(cell_world, channels=CHANNELS, model="DAQ970A")
    twin.write(command)
    twin.write("SYST:ERR?")
    assert twin.read() == error


def test_a_logging_setup_left_on_the_scanner_is_replaced_by_single_immediate_scans_at_open(
        cell_world: object) -> None:
    twin = Keysight34970ATwin(cell_world, channels=CHANNELS)
    for command in ("SYST:REM", "TRIG:SOUR EXT", "TRIG:COUN 5", "SYST:LOC"):  # the front panel
        twin.write(command)
    scanner = Keysight34970A(SimTransport("sim://scanner", twin, **Keysight34970A.TRANSPORT),
                             channels=CHANNELS)
    scanner.open()
    readings = scanner.read((101, 102, 103))
    assert sorted(readings) == [101, 102, 103]  # one scan, not five, and no wait for a pulse
    assert all(isinstance(value, float) and 20.0 < value < 30.0 for value in readings.values())
    assert (twin.trigger_source, twin.trigger_count) == ("IMM", 1)
    assert twin.errors() == ()


def test_a_scan_left_waiting_for_its_trigger_is_aborted_before_reconfiguring(
        cell_world: object) -> None:
    twin = Keysight34970ATwin(cell_world, channels=CHANNELS)
    for command in ("SYST:REM", "CONF:TEMP TC,K,(@101)", "TRIG:SOUR ALAR2", "READ?"):
        twin.write(command)
    assert twin.read() is None and twin.waiting  # the scan waits for an alarm
    scanner = Keysight34970A(SimTransport("sim://scanner", twin, **Keysight34970A.TRANSPORT),
                             channels=(101,))
    scanner.open()
    assert isinstance(scanner.read((101,))[101], float)
    assert not twin.waiting


@pytest.mark.parametrize("source", ["EXT", "EXTernal", "ALAR1", "ALARM4", "TIM", "BUS"])
def test_the_twin_gives_no_reading_while_it_waits_for_a_trigger(cell_world: object,
                                                                source: str) -> None:
    twin = Keysight34970ATwin(cell_world, channels=CHANNELS, model="DAQ970A")
    for command in ("CONF:TEMP TC,K,(@101)", f"TRIG:SOUR {source}", "READ?"):
        twin.write(command)
    assert twin.read() is None  # the driver's read times out, as on the instrument
    twin.write("SYST:ERR?")
    assert twin.read() == ('-214,"Trigger deadlock"' if source == "BUS" else NO_ERROR)
    twin.write("TRIG:SOUR?")
    assert twin.read() == {"EXTernal": "EXT", "ALARM4": "ALAR4"}.get(source, source)
    for command in ("ABOR", "TRIG:SOUR IMM", "READ?"):
        twin.write(command)
    assert 20.0 < float(twin.read()) < 30.0  # one reading: the scan list of CONF, no channel


def test_only_the_daq970a_twin_takes_the_internal_level_trigger(cell_world: object) -> None:
    for model, error in (("34970A", '-224,"Illegal parameter value"'), ("DAQ970A", NO_ERROR)):
        twin = Keysight34970ATwin(cell_world, channels=CHANNELS, model=model)
        for command in ("SYST:REM", "TRIG:SOUR INT", "SYST:ERR?"):
            twin.write(command)
        assert twin.read() == error, model


def test_the_twin_answers_a_count_of_sweeps_in_one_reply(cell_world: object) -> None:
    twin = Keysight34970ATwin(cell_world, channels=CHANNELS, model="DAQ970A")
    for command in ("CONF:TEMP TC,K,(@105,104)", "TEMP:TRAN:TC:CHEC ON", "FORM:READ:CHAN ON",
                    "TRIG:COUN 3", "TRIG:COUN?"):
        twin.write(command)
    assert twin.read() == "+3.00000000E+00"
    twin.write("READ?")  # nothing wired to 104 and 105: overload with the check on
    assert twin.read() == ",".join(["+9.90000000E+37,104,+9.90000000E+37,105"] * 3)
    for command in ("TRIG:COUN INF", "TRIG:COUN?"):
        twin.write(command)
    assert twin.read() == "+9.90000000E+37"
    twin.write("READ?")
    assert twin.read() is None  # a continuous scan never ends: READ? never answers
    twin.write("*RST")
    twin.write("TRIG:SOUR?;COUN?")
    assert twin.read() == "IMM;+1.00000000E+00"


# --- a rack: one scanner, each DUT's thermocouples on channels of their own (twin) -------------

RACK = {1: (101, 102), 2: (103, 104), 3: (105, 106)}  # DUT -> its cell and surface channels


def rack_scanner(worlds: list[Any]) -> tuple[Keysight34970A, list[str]]:
    """One twin wired to three worlds, one driver configured for every channel of the rack,
    opened, and what the twin hears from then on."""
    twin = Keysight34970ATwin(worlds[0], channels=dict(zip(("cell", "surface"), RACK[1])))
    for dut in (2, 3):
        twin.wire(dict(zip(("cell", "surface"), RACK[dut])), worlds[dut - 1])
    scanner = Keysight34970A(SimTransport("sim://scanner", twin, **Keysight34970A.TRANSPORT),
                             channels=[ch for pair in RACK.values() for ch in pair])
    scanner.open()
    return scanner, listen(scanner)


def test_each_dut_reads_its_own_worlds_channels_selected_without_reconfiguring(
        rack_worlds: list[Any]) -> None:
    scanner, heard = rack_scanner(rack_worlds)
    everything = scanner.read((101, 102, 103, 104, 105, 106))
    assert heard == [command.replace("101,102,103", "101,102,103,104,105,106")
                     for command in CONFIGURATION] + ["READ?"]  # configured once, for the rack
    assert [round(everything[ch]) for ch in (101, 102, 103, 104, 105, 106)] == [  # type: ignore[arg-type]
        20, 20, 25, 25, 30, 30]  # each world in its own chamber
    heard.clear()
    second = scanner.read((104, 103))
    assert heard == ["ROUT:SCAN (@103,104)", "READ?"]
    assert list(second) == [104, 103] and all(24.0 < t < 26.0 for t in second.values())  # type: ignore[operator]
    heard.clear()
    scanner.read((103, 104))
    assert heard == ["READ?"]  # the same channels again: nothing but the read
    scanner.read((105,))
    assert heard == ["READ?", "ROUT:SCAN (@105)", "READ?"]
    scanner.identify()
    heard.clear()
    scanner.read((105,))  # the instrument may have been changed since: configured again
    assert heard[2] == "CONF:TEMP TC,K,(@101,102,103,104,105,106)" and heard[-2:] == [
        "ROUT:SCAN (@105)", "READ?"]
    assert scanner.transport.query("SYST:ERR?") == NO_ERROR


def test_a_scan_list_changed_behind_the_driver_fails_one_read_then_is_selected_again(
        rack_worlds: list[Any]) -> None:
    scanner, heard = rack_scanner(rack_worlds)
    scanner.read((103, 104))
    scanner.transport.write("ROUT:SCAN (@101)")  # e.g. the front panel
    with pytest.raises(InstrumentError, match=r"expected reading,channel pairs for channels \(103, 104\)"):
        scanner.read((103, 104))
    heard.clear()
    assert sorted(scanner.read((103, 104))) == [103, 104]
    assert heard == ["ROUT:SCAN (@103,104)", "READ?"]


def test_the_twin_refuses_a_channel_another_wiring_named(rack_worlds: list[Any]) -> None:
    first, second, _ = rack_worlds
    twin = Keysight34970ATwin(first, channels={"cell": 101, "spare": 110})
    for channels, shown in [({"cell": 102, "surface": 101}, "channel 101 is already wired"),
                            ({"cell": 110}, "channel 110 is already wired"),
                            ((102,), "channels must map placements to channel numbers")]:
        with pytest.raises(ValueError, match=shown):
            twin.wire(channels, second)  # type: ignore[arg-type]
    twin.wire({"cell": 102}, second)
    assert twin.sensors == {101: (first, "cell"), 102: (second, "cell")}


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
