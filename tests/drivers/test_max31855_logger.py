"""Arduino MAX31855 / MAX6675 logger: the line protocol over a real serial line (a
pseudo-terminal), both line formats, and every fault word a sketch may print."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from serial_line import PtyLine, serve_on_pty

from drivers.max31855_logger import FAULTS, Max31855Logger
from drivers.registry import open_instrument
from drivers.roles import ChannelFault, InstrumentError, Thermometer
from drivers.sim.transport import SimTransport
from drivers.sim.twins.max31855_logger import Max31855LoggerTwin
from drivers.sim.twins.scpi import Twin

CHANNELS = {"cell": 1, "surface": 2, "ambient": 3}


class Sketch(Twin):
    """A sketch that answers READ with the next of its scripted lines (None: no answer)."""

    output_terminator = "\r\n"

    def __init__(self, *lines: str | None) -> None:
        self.lines = list(lines)
        self.pending: str | None = None

    def write(self, message: str) -> None:
        self.pending = self.lines.pop(0) if message == "READ" else None

    def read(self) -> str | None:
        return self.pending


def logger(*lines: str | None, **options: object) -> Max31855Logger:
    return Max31855Logger(SimTransport("sim://logger", Sketch(*lines), timeout=3.0), **options)  # type: ignore[arg-type]


@pytest.fixture
def pty_logger(cell_world: object) -> Iterator[PtyLine]:
    yield from serve_on_pty(Max31855LoggerTwin(cell_world, channels={**CHANNELS, "spare": 4}))


def test_the_driver_reads_a_logger_over_a_real_serial_line(pty_logger: PtyLine) -> None:
    scanner = open_instrument("max31855-logger", f"serial://{pty_logger.tty}?baudrate=115200",
                              channels=CHANNELS)
    assert isinstance(scanner, Thermometer)
    assert scanner.identify() == "Arduino sketch,MAX31855,4 channels,pairs lines"
    readings = scanner.read((3, 1, 4))
    scanner.close()
    assert list(readings) == [3, 1, 4]
    assert all(isinstance(readings[c], float) and 20.0 < readings[c] < 30.0 for c in (1, 3))  # type: ignore[operator]
    assert readings[4] == ChannelFault(4, FAULTS["oc"])  # nothing wired to channel 4
    assert bytes(pty_logger.received) == b"READ\nREAD\n"


@pytest.mark.parametrize("word", ["OC", "SCG", "SCV", "nan", "NAN", "inf", "-inf", "ovf"])
def test_every_fault_word_is_a_fault_naming_its_reason(word: str) -> None:
    reading = logger(f"T1=23.50,T2={word}").read((1, 2))
    assert reading[1] == 23.5
    assert reading[2] == ChannelFault(2, FAULTS[word.lower()])


def test_the_fault_bits_of_the_datasheet_are_named() -> None:
    assert "D0 OC" in FAULTS["oc"] and "D1 SCG" in FAULTS["scg"] and "D2 SCV" in FAULTS["scv"]


def test_csv_lines_number_channels_by_position() -> None:
    assert logger("23.50, -4.25,OC", line_format="csv").read((2, 3)) == {
        2: -4.25, 3: ChannelFault(3, FAULTS["oc"])}


def test_pairs_take_other_names_and_separators() -> None:
    assert logger("CH1=23.50; TC2=24.00  T3=25").read((1, 2, 3)) == {1: 23.5, 2: 24.0, 3: 25.0}


@pytest.mark.parametrize(("line", "model", "shown"), [
    ("T1=3000.00", "MAX31855", r"channel 1 reads '3000.00', neither a temperature a MAX31855 can "
                               r"report \(-2048..2047.75 degC\) nor a fault word"),
    ("T1=-5.00", "MAX6675", r"reads '-5.00', neither a temperature a MAX6675 can report \(0..1023.75"),
    ("T1=2_5", "MAX31855", r"reads '2_5'"),
    ("T1=open", "MAX31855", r"reads 'open'"),
])
def test_a_value_no_converter_can_report_is_an_error(line: str, model: str, shown: str) -> None:
    with pytest.raises(InstrumentError, match=shown):
        logger(line, model=model).read((1,))


@pytest.mark.parametrize(("line", "line_format"), [
    ("Internal Temp = 25.00", "pairs"), ("", "pairs"), ("23.50,,24.00", "csv"),
    ("T1=23.50", "csv"),
])
def test_a_line_of_another_format_names_the_line_and_the_format(line: str, line_format: str) -> None:
    with pytest.raises(InstrumentError, match=f"'READ' answered {line!r}: not a {line_format} line"):
        logger(line, line_format=line_format).read((1,))


def test_a_channel_the_line_lacks_is_an_error() -> None:
    with pytest.raises(InstrumentError, match="'T1=23.50' has no channel 2"):
        logger("T1=23.50").read((2,))


def test_identify_asks_again_once_after_an_arduino_reset() -> None:
    assert logger(None, "T1=23.50,T2=24.00", channels=(1, 2)).identify() == (
        "Arduino sketch,MAX31855,2 channels,pairs lines")


def test_identify_refuses_a_logger_without_the_station_channels() -> None:
    with pytest.raises(InstrumentError, match=r"reports channels \[1\], not \[2, 3\]"):
        logger("T1=23.50", channels=(1, 2, 3)).identify()


@pytest.mark.parametrize(("options", "shown"), [
    ({"model": "MAX31856"}, "model 'MAX31856' is not one of MAX31855, MAX6675"),
    ({"line_format": "json"}, "line_format 'json' is not one of pairs .T1=23.50,T2=24.00., csv"),
    ({"request": ""}, "request '' must be one non-empty line"),
    ({"channels": {"cell": 0}}, "channel 0 is not a logger channel"),
])
def test_bad_options_are_refused_naming_the_option(options: dict[str, object], shown: str) -> None:
    with pytest.raises(ValueError, match=shown):
        logger(**options)


def test_the_twin_prints_as_the_converter_and_the_sketch_would(cell_world: object) -> None:
    twin = Max31855LoggerTwin(cell_world, channels={"cell": 1, "spare": 2}, model="MAX6675",
                              line_format="csv")
    assert twin.feed(b"HELLO\n") == b""  # a sketch ignores other lines
    first, second = twin.feed(b"READ\n").decode().removesuffix("\r\n").split(",")
    assert float(first) % 0.25 == 0 and len(first.split(".")[1]) == 2
    assert second == "nan"  # a MAX6675 has only the open bit; the library returns NAN
