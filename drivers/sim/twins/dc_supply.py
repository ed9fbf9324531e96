"""What the simulated DC supplies share: their outputs' setpoints and switches, one output
wired to the world's DUT (set_supply, set_supply_output, supply_reading), the others open."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drivers.dc_supply import Span


def wired_spans(twin: str, ranges: Mapping[str, Mapping[int, Span]], model: str,
                channel: int) -> Mapping[int, Span]:
    """The spans of `model`'s outputs, or ValueError if the twin cannot be built as asked."""
    if model not in ranges:
        raise ValueError(f"{twin}: model {model!r} is not one of {', '.join(ranges)}")
    spans = ranges[model]
    if channel not in spans:
        raise ValueError(f"{twin}: the {model} has no channel {channel!r}")
    if spans[channel].vmin < 0:
        raise ValueError(f"{twin}: the {model}'s CH{channel} is a negative output; "
                         "the simulated DUT can only be charged from a positive one")
    return spans


class Outputs:
    """Setpoints and switches per channel at their *RST values (0 V, full current limit,
    off); changes to the `wired` channel reach the world at once."""

    def __init__(self, world: Any, spans: Mapping[int, Span], wired: int) -> None:
        self.world = world
        self.spans = spans
        self.wired = wired
        self.reset()

    def reset(self) -> None:
        self.volts = {ch: 0.0 for ch in self.spans}
        self.amps = {ch: span.imax for ch, span in self.spans.items()}
        self.on = {ch: False for ch in self.spans}
        self.world.set_supply_output(False)
        self.world.set_supply(0.0, self.amps[self.wired])

    def program(self, ch: int, volts: float, amps: float) -> None:
        self.volts[ch], self.amps[ch] = volts, amps
        if ch == self.wired:
            self.world.set_supply(volts, amps)

    def switch(self, ch: int, on: bool) -> None:
        self.on[ch] = on
        if ch == self.wired:
            self.world.set_supply_output(on)

    def reading(self, ch: int) -> tuple[float, float]:
        """Volts at the terminals and amps sourced; an open output sources nothing."""
        if ch == self.wired:
            return self.world.supply_reading()
        return (self.volts[ch], 0.0) if self.on[ch] else (0.0, 0.0)

    def constant_current(self, ch: int) -> bool:
        """Whether the output is on and held at its current limit (CC) rather than in CV."""
        return self.on[ch] and self.reading(ch)[1] >= self.amps[ch] - 1e-6
