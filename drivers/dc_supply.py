"""What the single-output-at-a-time DC supply drivers share: the PowerSupply role over one
output, its programming ranges per model and channel checked before anything is sent, the
set-points confirmed through the error queue where the family has one (ERROR_QUERY) before the
output goes on, and replies checked for plausibility.

A family module gives only its manual's facts: the ranges table, the command templates and,
where the instrument is not plain SCPI, how a command is sent and a reply read. Templates
are Python format strings over `ch` (channel number), `v` and `i` (volts and amps, floats:
the format spec is the instrument's number format, e.g. "{v:.7g}" or "{v:05.2f}").
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from drivers.roles import RangeError
from drivers.scpi import ScpiInstrument, check_range, parse_float
from drivers.transports import Transport


@dataclass(frozen=True, slots=True)
class Span:
    """The programmable range of one output: volts from vmin to vmax, amps from 0 to imax.
    vmin < 0 only for a negative output (e.g. the DP831's CH3, -32..0 V)."""

    vmin: float
    vmax: float
    imax: float

    def plausible_volts(self) -> tuple[float, float]:
        """Readings outside this are garbage: the range plus 10 %, and offset noise at zero."""
        width = self.vmax - self.vmin
        return self.vmin - 0.1 * width, self.vmax + 0.1 * width

    def plausible_amps(self) -> tuple[float, float]:
        return -0.05 * self.imax, 1.1 * self.imax


class DcSupply(ScpiInstrument):
    """PowerSupply role on one output (`channel`). Subclasses set `ranges`, the templates and
    TRANSPORT; `output_on` reads a boolean reply unless the instrument reports otherwise."""

    ranges: ClassVar[Mapping[str, Mapping[int, Span]]]  # model -> channel -> span
    SETPOINTS: ClassVar[tuple[str, ...]]  # sent in order by configure()
    OUTPUT: ClassVar[str]  # also formatted with `state` ("ON"/"OFF") and `flag` (1/0)
    OUTPUT_QUERY: ClassVar[str]
    MEASURE_VOLTS: ClassVar[str]
    MEASURE_AMPS: ClassVar[str]

    def __init__(self, transport: Transport, *, channel: int = 1, model: str | None = None) -> None:
        channels = sorted({ch for spans in self.ranges.values() for ch in spans})
        if isinstance(channel, bool) or channel not in channels:
            raise ValueError(f"{type(self).__name__}: channel {channel!r} is not one of "
                             f"{', '.join(map(str, channels))}")
        super().__init__(transport, model=model)
        if model is not None and channel not in self.ranges[model]:
            raise ValueError(f"{type(self).__name__}: the {model} has no channel {channel}")
        self.channel = channel
        self._switch = {on: self.OUTPUT.format(ch=channel, state="ON" if on else "OFF",
                                               flag=int(on)) for on in (True, False)}
        self._output_query = self.OUTPUT_QUERY.format(ch=channel)
        self._measure_volts = self.MEASURE_VOLTS.format(ch=channel)
        self._measure_amps = self.MEASURE_AMPS.format(ch=channel)

    def _span(self) -> tuple[str, Span]:
        """Where the setpoints go (for messages) and that output's range, per the known model."""
        model = self._known_model()
        span = self.ranges[model].get(self.channel)
        if span is None:
            raise RangeError(f"the {model} has no channel {self.channel} "
                             f"(channels {', '.join(map(str, self.ranges[model]))})")
        where = model if len(self.ranges[model]) == 1 else f"{model} CH{self.channel}"
        return where, span

    def open(self) -> None:
        super().open()
        self.identity = self.identify()  # who it is before anything changes its state; then the known state

    def identify(self) -> str:
        """*IDN?, then the known state (output off first), sent and confirmed, and checked."""
        idn = super().identify()
        self._settle()
        return idn

    def _settle(self) -> None:
        sent = self.known_state()
        for command in sent:
            self._send(command)
        if sent:
            self._confirm(sent)
        self.check_known_state()

    def known_state(self) -> list[str]:
        """The commands that put the output in its known state, output off first (each model's
        module lists them with their manual sections)."""
        return []

    def check_known_state(self) -> None:
        """What is read back once the known state is confirmed (InstrumentError if wrong)."""

    def _send(self, command: str) -> None:
        self.transport.write(command)

    def _ask(self, command: str) -> str:
        return self.transport.query(command)

    def configure(self, voltage: float, current_limit: float) -> None:
        where, span = self._span()
        volts = check_range("voltage", voltage, span.vmin, span.vmax, "V", where)
        amps = check_range("current limit", current_limit, 0.0, span.imax, "A", where)
        sent = [template.format(ch=self.channel, v=volts, i=amps) for template in self.SETPOINTS]
        for command in sent:
            self._send(command)
        self._confirm(sent)

    def set_output(self, on: bool) -> None:
        self._send(self._switch[bool(on)])

    def output_on(self) -> bool:
        return self._query_bool(self._output_query)

    def measure(self) -> tuple[float, float]:
        (v_low, v_high), (a_low, a_high) = self._plausible
        volts = parse_float(self._ask(self._measure_volts), self._measure_volts, v_low, v_high)
        amps = parse_float(self._ask(self._measure_amps), self._measure_amps, a_low, a_high)
        return volts, max(amps, 0.0)  # offset noise around zero is not a sourced current

    @cached_property
    def _plausible(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The plausible volts and amps of the output's span (`_span()`: RangeError if the model
        lacks the channel), worked out once: the model, once known, stays, and so does the span."""
        _, span = self._span()
        return span.plausible_volts(), span.plausible_amps()
