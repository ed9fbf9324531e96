"""Simulated Arduino thermocouple logger with MAX31855 (or MAX6675) converters: answers the
request line of drivers/max31855_logger.py with one reading line, as the sketch described there
prints it (Serial.print(t, 2), Serial.println's CR LF).

Each converter quantises to its 0.25 degC step and saturates at its range. A channel wired to
no placement of the world (or whose placement reads open) prints the fault a sketch would: OC
from the MAX31855's fault bits, nan for a MAX6675 (it has only the open bit, and the Adafruit
library returns NAN). A line that is not the request gets no answer, like a sketch that
ignores it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drivers.max31855_logger import LINE_FORMATS, RANGES
from drivers.sim.twins.scpi import Twin

STEP = 0.25  # degC per count of both converters


class Max31855LoggerTwin(Twin):
    """Options: channels ({placement: channel number}, e.g. {"cell": 1}; the logger has
    channels 1 up to the highest one named), model, line_format, request (as the driver's)."""

    input_terminators = ("\n", "\r\n")
    output_terminator = "\r\n"
    serial_line = True

    def __init__(self, world: Any, *, channels: Mapping[str, int] | None = None,
                 model: str = "MAX31855", line_format: str = "pairs", request: str = "READ") -> None:
        if model not in RANGES or line_format not in LINE_FORMATS:
            raise ValueError(f"Max31855LoggerTwin: model {model!r} / line_format {line_format!r} "
                             f"not among {', '.join(RANGES)} / {', '.join(LINE_FORMATS)}")
        self.world = world
        self.placement_of = {number: placement for placement, number in (channels or {}).items()
                             if placement in world.placements}
        self.count = max((channels or {}).values(), default=1)
        self.model = model
        self.line_format = line_format
        self.request = request
        self._output: str | None = None
        self._inbox = bytearray()

    def write(self, message: str) -> None:
        self._output = self._line() if message.strip() == self.request else None

    def read(self) -> str | None:
        reply, self._output = self._output, None
        return reply

    def feed(self, data: bytes) -> bytes:
        self._inbox += data
        out = bytearray()
        while (end := self._inbox.find(b"\n")) >= 0:
            line = self._inbox[:end].decode("latin-1")
            del self._inbox[: end + 1]
            self.write(line)
            if self._output is not None:
                out += (self._output + self.output_terminator).encode("latin-1")
                self._output = None
        return bytes(out)

    def _line(self) -> str:
        values = [self._value(channel) for channel in range(1, self.count + 1)]
        if self.line_format == "csv":
            return ",".join(values)
        return ",".join(f"T{channel}={value}" for channel, value in enumerate(values, 1))

    def _value(self, channel: int) -> str:
        placement = self.placement_of.get(channel)
        celsius = self.world.temperature(placement) if placement is not None else None
        if celsius is None:
            return "OC" if self.model == "MAX31855" else "nan"
        low, high = RANGES[self.model]
        return f"{min(max(round(celsius / STEP) * STEP, low), high):.2f}"  # the register saturates
