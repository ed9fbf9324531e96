"""Arduino-style thermocouple loggers: a microcontroller with MAX31855 (or MAX6675) converters
on its SPI bus, printing temperatures as text lines on its USB serial port.

Source: Maxim Integrated "MAX31855 Cold-Junction Compensated Thermocouple-to-Digital Converter"
datasheet (19-5793), "Memory Map" table 2: D31-D18 thermocouple temperature (14-bit signed,
0.25 degC, so -2048.00..+2047.75), D16 fault (any of the three below), D2 SCV (short to VCC),
D1 SCG (short to GND), D0 OC (open circuit); Maxim "MAX6675" datasheet (19-2235): 12-bit,
0.25 degC, 0..+1023.75, D2 high when the thermocouple input is open. Fault words as the
common sketches print them: the Adafruit MAX31855 and MAX6675 libraries return NAN from
readCelsius() on a fault, and the Arduino core's Print::printFloat() prints "nan", "inf" and
"ovf" (beyond +-4294967040) instead of digits.

The protocol (no standard exists; this is the one the bench supports, and the twin speaks):
the bench sends the `request` line (default `READ`, LF-terminated); the sketch answers one
line (LF or CR LF, as Serial.println ends it), in one of two `line_format`s:

- `pairs` (default): `T1=23.50,T2=24.00,T3=OC`: a name and the channel number, `=`, the value;
  separated by commas, semicolons or spaces (`CH1=23.50 CH2=24.00` works too);
- `csv`: `23.50,24.00,OC`: the n-th field is channel n.

A value is a number in degC or a fault word: OC, SCG, SCV (the MAX31855 fault bits), nan, inf,
-inf, ovf; each becomes a ChannelFault naming the reason. A number outside what the converter
can report (the `model`'s range above) is an InstrumentError: the line is not what it seems.
A minimal sketch: `if (Serial.readStringUntil('\\n') == "READ") { Serial.print("T1=");
float t = tc1.readCelsius(); if (isnan(t)) { uint8_t e = tc1.readError(); Serial.print(e & 1 ?
"OC" : e & 2 ? "SCG" : "SCV"); } else Serial.print(t, 2); ... Serial.println(); }`.
An Uno resets when its port opens (DTR): the first request of a session is sent again once if
it goes unanswered.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from drivers.base import Driver, DriverInfo
from drivers.roles import ChannelFault, InstrumentError
from drivers.transports import Transport

# model -> the temperatures its conversion register can hold, degC
RANGES: dict[str, tuple[float, float]] = {"MAX31855": (-2048.0, 2047.75), "MAX6675": (0.0, 1023.75)}
LINE_FORMATS = {"pairs": "T1=23.50,T2=24.00", "csv": "23.50,24.00"}
FAULTS = {
    "oc": "open thermocouple (MAX31855 fault bit D0 OC)",
    "scg": "thermocouple shorted to GND (MAX31855 fault bit D1 SCG)",
    "scv": "thermocouple shorted to VCC (MAX31855 fault bit D2 SCV)",
    "nan": "no reading: nan (the converter flagged a fault: open or shorted thermocouple)",
    "inf": "no reading: inf",
    "-inf": "no reading: -inf",
    "ovf": "no reading: ovf (the sketch printed a number beyond what Arduino's Print can show)",
}
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_PAIR = re.compile(r"([A-Za-z]+)(\d+)=(\S+)")
_SEPARATORS = re.compile(r"[,;\s]+")


class Max31855Logger(Driver):
    """Thermometer role. Options: channels (the station's {name: number} map, numbers from 1),
    model (MAX31855 or MAX6675, default MAX31855), line_format (pairs or csv, default pairs),
    request (the line that asks for a reading, default READ)."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 3.0}
    manufacturers: tuple[str, ...] = ()
    models = tuple(RANGES)

    def __init__(self, transport: Transport, *, channels: Mapping[str, int] | Iterable[int] = (),
                 model: str = "MAX31855", line_format: str = "pairs", request: str = "READ") -> None:
        if model not in RANGES:
            raise ValueError(f"max31855-logger: model {model!r} is not one of {', '.join(RANGES)}")
        if line_format not in LINE_FORMATS:
            raise ValueError(f"max31855-logger: line_format {line_format!r} is not one of "
                             + ", ".join(f"{k} ({v})" for k, v in LINE_FORMATS.items()))
        if not isinstance(request, str) or not request.strip() or "\n" in request:
            raise ValueError(f"max31855-logger: request {request!r} must be one non-empty line")
        numbers = channels.values() if isinstance(channels, Mapping) else channels
        self.channels = tuple(sorted({_check_channel(c) for c in numbers}))
        super().__init__(transport)
        self.model = model
        self.line_format = line_format
        self.request = request

    def __repr__(self) -> str:
        return f"<Max31855Logger {self.model} at {self.resource}>"

    def identify(self) -> str:
        """No identity query exists: one parsed reading line proves the logger speaks this format."""
        try:
            line = self.transport.query(self.request)
        except InstrumentError:  # an Arduino resets when its port opens and misses the first request
            line = self.transport.query(self.request)
        fields = self._fields(line)
        missing = sorted(set(self.channels) - set(fields))
        if missing:
            raise InstrumentError(f"{self.resource}: the logger reports channels {sorted(fields)}, "
                                  f"not {missing}: {line!r}")
        return f"Arduino sketch,{self.model},{len(fields)} channels,{self.line_format} lines"

    def read(self, channels: tuple[int, ...]) -> dict[int, float | ChannelFault]:
        line = self.transport.query(self.request)
        fields = self._fields(line)
        low, high = RANGES[self.model]
        readings: dict[int, float | ChannelFault] = {}
        for channel in channels:
            text = fields.get(_check_channel(channel))
            if text is None:
                raise InstrumentError(f"{self.resource}: {line!r} has no channel {channel}")
            fault = FAULTS.get(text.lower())
            if fault is not None:
                readings[channel] = ChannelFault(channel, fault)
            elif _NUMBER.fullmatch(text) and low <= (value := float(text)) <= high:
                readings[channel] = value
            else:
                raise InstrumentError(f"{self.resource}: {line!r}: channel {channel} reads {text!r}, "
                                      f"neither a temperature a {self.model} can report "
                                      f"({low:g}..{high:g} degC) nor a fault word")
        return readings

    def _fields(self, line: str) -> dict[int, str]:
        """Channel number -> its value text, or InstrumentError naming the line."""
        text = line.strip()
        if self.line_format == "csv":
            values = [v.strip() for v in text.split(",")]
            if text and all(values) and "=" not in text:
                return {n: v for n, v in enumerate(values, 1)}
        else:
            pairs = [_PAIR.fullmatch(p) for p in _SEPARATORS.split(text)] if text else []
            if pairs and all(pairs):
                return {int(m.group(2)): m.group(3) for m in pairs if m is not None}
        raise InstrumentError(f"{self.resource}: {self.request!r} answered {line!r}: not a "
                              f"{self.line_format} line such as {LINE_FORMATS[self.line_format]!r}")


def _check_channel(channel: object) -> int:
    if not isinstance(channel, int) or isinstance(channel, bool) or channel < 1:
        raise ValueError(f"thermocouple channel {channel!r} is not a logger channel (1, 2, ...)")
    return channel


DRIVER = DriverInfo(
    name="max31855-logger", driver=Max31855Logger, roles=("thermo",),
    models=Max31855Logger.models, interfaces=("USB serial",),
    source='Maxim "MAX31855" datasheet (19-5793) memory map (D16 fault, D2 SCV, D1 SCG, '
           'D0 OC) and "MAX6675" datasheet (D2 open); Arduino Print::printFloat (nan, inf, '
           "ovf); line protocol defined by this bench",
    twin="drivers.sim.twins.max31855_logger:Max31855LoggerTwin",
    twin_options=frozenset({"channels", "model", "line_format", "request"}), twin_model="MAX31855")
