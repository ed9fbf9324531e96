"""Modbus RTU thermocouple module: the frames on the wire (a real serial line through a
pseudo-terminal, and the sim transport's byte path), the register map options, the format
coils checked at open, the over/under-range flags read with their own function code, and
every way a module can fail to give a temperature."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from serial_line import PtyLine, serve_on_pty

from drivers.modbus_thermocouple import CELSIUS_COIL, ENGINEERING_COIL, ModbusThermocouple
from drivers.registry import open_instrument
from drivers.roles import ChannelFault, InstrumentError, Thermometer
from drivers.sim.transport import SimTransport
from drivers.sim.twins.modbus_thermocouple import ModbusThermocoupleTwin, crc16

CHANNELS = {"cell": 1, "surface": 2, "ambient": 3}


class StubWorld:
    """A world whose thermocouples read fixed temperatures (None: open)."""

    placements = ("cell", "surface", "ambient")

    def __init__(self, **temperatures: float | None) -> None:
        self.temperatures = temperatures

    def temperature(self, placement: str) -> float | None:
        return self.temperatures[placement]


AT_ROOM = StubWorld(cell=25.0, surface=25.0, ambient=25.0)


class RecordingTwin(ModbusThermocoupleTwin):
    """The twin, remembering every chunk of bytes that reached it."""

    def __init__(self, world: object, **options: object) -> None:
        super().__init__(world, **options)
        self.frames: list[bytes] = []

    def feed(self, data: bytes) -> bytes:
        self.frames.append(data)
        return super().feed(data)


def frame(*data: int) -> bytes:
    return bytes(data) + crc16(bytes(data))


def unopened(world: object, twin_options: dict[str, object] | None = None,
             **options: object) -> tuple[ModbusThermocouple, RecordingTwin]:
    """The driver with `options` on the sim byte path to a twin with `twin_options` (default:
    the same register map), not opened yet."""
    twin = RecordingTwin(world, channels=CHANNELS, **(options if twin_options is None else twin_options))
    link = SimTransport("sim://modbus", twin, read_termination="", write_termination="")
    return ModbusThermocouple(link, channels=CHANNELS, **options), twin


def module(world: object, twin_options: dict[str, object] | None = None,
           **options: object) -> tuple[ModbusThermocouple, RecordingTwin]:
    """The same, opened; the twin's record then starts after the open."""
    scanner, twin = unopened(world, twin_options, **options)
    scanner.open()
    twin.frames.clear()
    return scanner, twin


def test_the_crc_is_the_specification_one() -> None:
    assert crc16(bytes.fromhex("010300000001")) == bytes.fromhex("840A")  # read 1 holding register
    assert crc16(bytes.fromhex("01030000000A")) == bytes.fromhex("C5CD")


@pytest.fixture
def pty_module(cell_world: object) -> Iterator[PtyLine]:
    yield from serve_on_pty(ModbusThermocoupleTwin(cell_world, channels=CHANNELS))


def test_the_driver_reads_a_module_over_a_real_serial_line(pty_module: PtyLine) -> None:
    scanner = open_instrument("modbus-thermocouple", f"serial://{pty_module.tty}?baudrate=9600",
                              channels=CHANNELS)
    assert isinstance(scanner, Thermometer)
    assert scanner.identify().startswith("Modbus RTU,Modbus thermocouple module,address 1")
    readings = scanner.read((1, 2, 3, 4))
    scanner.close()
    pty_module.finish()
    assert all(isinstance(readings[c], float) and 20.0 < readings[c] < 30.0 for c in (1, 2, 3))  # type: ignore[operator]
    assert readings[4] == ChannelFault(4, "over/under range flag set (discrete input 10132): open or "
                                          "out-of-range thermocouple")
    assert bytes(pty_module.received) == (
        frame(1, 1, 0x01, 0x0A, 0, 1) + frame(1, 1, 0x01, 0x0C, 0, 1)  # open: coils 00267, 00269
        + frame(1, 4, 0, 0, 0, 3) + frame(1, 2, 0, 0x80, 0, 3)  # identify: channels 1-3 and their flags
        + frame(1, 4, 0, 0, 0, 4) + frame(1, 2, 0, 0x80, 0, 4))  # read: channels 1-4 and their flags


def test_open_checks_the_celsius_and_engineering_coils_with_function_01() -> None:
    scanner, twin = unopened(AT_ROOM)
    scanner.open()
    assert twin.frames == [frame(1, 1, 0x01, 0x0A, 0, 1), frame(1, 1, 0x01, 0x0C, 0, 1)]
    assert scanner.confirmed == ["coil 00267 = 1 (Celsius)", "coil 00269 = 1 (engineering units)"]


@pytest.mark.parametrize(("coil", "shown"), [
    (CELSIUS_COIL, r"coil 00267 = 0 \(Fahrenheit\), not 1 \(Celsius\)"),
    (ENGINEERING_COIL, r"coil 00269 = 0 \(hexadecimal\), not 1 \(engineering units\)"),
])
def test_a_module_set_to_another_unit_or_format_is_refused_at_open(coil: int, shown: str) -> None:
    scanner, twin = unopened(AT_ROOM)
    twin.coils[coil] = False
    with pytest.raises(InstrumentError, match=rf"sim://modbus: the module at Modbus address 1 reports "
                                              rf"{shown}: .*Set the coil to 1"):
        scanner.open()


def test_a_module_without_the_format_coils_is_named_at_open_and_can_be_told_so() -> None:
    scanner, _ = unopened(AT_ROOM, twin_options={"format_coils": False})
    with pytest.raises(InstrumentError, match=r"reading 1 coil\(s\) from 00267 .* illegal data address"
                                              r".*format_coils = false"):
        scanner.open()
    scanner, twin = unopened(AT_ROOM, format_coils=False)
    scanner.open()
    assert twin.frames == []  # nothing to check
    assert scanner.read((1,)) == {1: 25.0}


def test_an_over_range_flag_is_read_as_a_discrete_input_and_is_a_fault() -> None:
    scanner, twin = module(StubWorld(cell=25.0, surface=None, ambient=25.0), open_values=[])
    assert scanner.read((1, 2)) == {1: 25.0, 2: ChannelFault(2, "over/under range flag set (discrete "
                                                              "input 10130): open or out-of-range thermocouple")}
    assert twin.frames == [frame(1, 4, 0, 0, 0, 2), frame(1, 2, 0, 0x80, 0, 2)]


def test_the_flags_may_be_read_as_coils_as_the_module_also_offers() -> None:
    scanner, twin = module(StubWorld(cell=None, surface=25.0, ambient=25.0), open_values=[],
                           status_function=1)
    assert scanner.read((1,)) == {1: ChannelFault(1, "over/under range flag set (coil 00129): open or "
                                                     "out-of-range thermocouple")}
    assert twin.frames[-1] == frame(1, 1, 0, 0x80, 0, 1)


def test_flags_read_from_registers_are_the_modules_refusal() -> None:
    scanner, _ = module(AT_ROOM, twin_options={}, status_function=4)
    with pytest.raises(InstrumentError, match=r"reading 1 input register\(s\) from 30129 at Modbus "
                                              r"address 1 failed: .*illegal data address"):
        scanner.read((1,))


def test_the_register_map_options_reach_the_wire() -> None:
    scanner, twin = module(StubWorld(cell=-10.5, surface=300.0, ambient=None), address=7,
                           function_code=3, start=0x20, scale=0.01, channel_count=4, status_start=0x40)
    assert scanner.read((2, 1)) == {2: 300.0, 1: -10.5}  # in the order asked
    assert twin.frames == [frame(7, 3, 0, 0x20, 0, 2), frame(7, 2, 0, 0x40, 0, 2)]


def test_temperatures_below_zero_are_twos_complement_and_unsigned_maps_are_not() -> None:
    world = StubWorld(cell=-10.5, surface=25.0, ambient=25.0)
    assert module(world)[0].read((1,)) == {1: -10.5}
    unsigned, _ = module(StubWorld(cell=1000.0, surface=25.0, ambient=25.0), signed=False,
                         valid_range=[0, 6553.5])
    assert unsigned.read((1,)) == {1: 1000.0}


def test_an_open_code_is_a_fault_never_a_number() -> None:
    scanner, _ = module(StubWorld(cell=25.0, surface=None, ambient=25.0), status_function=0)
    assert scanner.read((1, 2)) == {1: 25.0, 2: ChannelFault(2, "open thermocouple or no reading "
                                                              "(register value 0x7FFF)")}


def test_a_status_register_block_flags_an_open_channel_whose_value_looks_plausible() -> None:
    scanner, twin = module(StubWorld(cell=25.0, surface=None, ambient=25.0), open_values=[],
                           status_function=4, status_start=0x100, format_coils=False)
    assert scanner.read((1, 2)) == {1: 25.0, 2: ChannelFault(2, "status input register 30258 = 1: open "
                                                              "or out-of-range thermocouple")}
    assert twin.frames == [frame(1, 4, 0, 0, 0, 2), frame(1, 4, 1, 0, 0, 2)]


def test_registers_the_module_does_not_have_are_its_refusal_named() -> None:
    scanner, _ = module(AT_ROOM, twin_options={"start": 0}, start=0x30)
    with pytest.raises(InstrumentError, match=r"reading 1 input register\(s\) from 30049 at Modbus "
                                              r"address 1 failed: .*illegal data address"):
        scanner.read((1,))


def test_a_module_at_another_address_is_a_timeout() -> None:
    scanner, _ = unopened(AT_ROOM, twin_options={"address": 2}, address=1)
    with pytest.raises(InstrumentError, match=r"failed: No communication with the instrument \(no answer\) .*no reply"):
        scanner.open()


def test_a_corrupted_reply_is_an_error_and_the_next_read_starts_clean() -> None:
    scanner, twin = module(AT_ROOM)
    twin.tamper("garbled")
    with pytest.raises(InstrumentError, match="failed: Checksum error"):
        scanner.read((1,))
    twin.tamper(None)
    assert scanner.read((1,)) == {1: 25.0}


def test_a_reading_outside_the_valid_range_blames_the_register_map() -> None:
    scanner, twin = module(AT_ROOM)
    twin.tamper("out_of_range")
    with pytest.raises(InstrumentError, match=r"channel 1 register 30001 holds 0x7FFE = 3276.6 degC, "
                                              r"outside -270..1372 degC: check the register map"):
        scanner.read((1,))


@pytest.mark.parametrize(("options", "shown"), [
    ({"address": 0}, "option address = 0 is not a whole number in 1..247"),
    ({"function_code": 6}, "option function_code = 6 is not 3 .holding registers. or 4"),
    ({"start": 65535}, "option start = 65535 is not a whole number in 0..65528"),
    ({"scale": 0}, "option scale = 0 must be above 0"),
    ({"signed": "yes"}, "option signed = 'yes' is not true or false"),
    ({"open_values": [70000]}, "option open_values = 70000"),
    ({"open_values": [], "status_function": 0}, ("with no open_values and status_function = 0 an open "
                                                 "thermocouple would read")),
    ({"status_function": 5}, (r"option status_function = 5 is not 0 .none., 1 .coils., 2 .discrete "
                              r"inputs., 3 .holding registers. or 4 .input registers.")),
    ({"format_coils": "yes"}, "option format_coils = 'yes' is not true or false"),
    ({"valid_range": [100]}, "option valid_range = .100. is not a list of two numbers"),
    ({"channels": {"cell": 9}}, "channel 9 is not a channel of this module .1..8"),
])
def test_bad_options_are_refused_naming_the_option(options: dict[str, object], shown: str) -> None:
    twin = RecordingTwin(AT_ROOM)
    link = SimTransport("sim://modbus", twin, read_termination="", write_termination="")
    with pytest.raises(ValueError, match=shown):
        ModbusThermocouple(link, **options)  # type: ignore[arg-type]
    assert twin.frames == []
