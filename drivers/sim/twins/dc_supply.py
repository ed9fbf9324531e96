"""What the simulated DC supplies share: their outputs' setpoints and switches, one output
wired to the world's DUT (set_supply, set_supply_output, supply_reading), more outputs wired to
other worlds if the twin says so (a rack: one supply, one DUT per output), the others open."""
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
    check_wirable(twin, model, spans, channel)
    return spans


def check_wirable(twin: str, model: str, spans: Mapping[int, Span], channel: int) -> None:
    """ValueError unless `channel` is a positive output of `model`: the simulated DUT can
    only be charged from a positive one."""
    if channel not in spans:
        raise ValueError(f"{twin}: the {model} has no channel {channel!r}")
    if spans[channel].vmin < 0:
        raise ValueError(f"{twin}: the {model}'s CH{channel} is a negative output; "
                         "the simulated DUT can only be charged from a positive one")


class Outputs:
    """Setpoints and switches per channel at their *RST values (0 V, full current limit,
    off); changes to a wired channel reach its world at once. `world` and `wired` are the
    constructor's wiring; `worlds` maps every wired channel to its world."""

    def __init__(self, world: Any, spans: Mapping[int, Span], wired: int) -> None:
        self.world = world
        self.spans = spans
        self.wired = wired
        self.worlds: dict[int, Any] = {wired: world}
        self.reset()

    def reset(self) -> None:
        self.volts = {ch: 0.0 for ch in self.spans}
        self.amps = {ch: span.imax for ch, span in self.spans.items()}
        self.on = {ch: False for ch in self.spans}
        for ch, world in self.worlds.items():
            self._rst(ch, world)

    def wire(self, ch: int, world: Any) -> None:
        """Wire another channel to another world's DUT (the caller checks it may be); the
        channel starts at its *RST values, off."""
        self.worlds[ch] = world
        self.volts[ch], self.amps[ch], self.on[ch] = 0.0, self.spans[ch].imax, False
        self._rst(ch, world)

    def _rst(self, ch: int, world: Any) -> None:
        world.set_supply_output(False)
        world.set_supply(0.0, self.amps[ch])

    def program(self, ch: int, volts: float, amps: float) -> None:
        self.volts[ch], self.amps[ch] = volts, amps
        world = self.worlds.get(ch)
        if world is not None:
            world.set_supply(volts, amps)

    def switch(self, ch: int, on: bool) -> None:
        self.on[ch] = on
        world = self.worlds.get(ch)
        if world is not None:
            world.set_supply_output(on)

    def reading(self, ch: int) -> tuple[float, float]:
        """Volts at the terminals and amps sourced: its world's DUT's if wired; an open
        output sources nothing."""
        world = self.worlds.get(ch)
        if world is not None:
            return world.supply_reading()
        return (self.volts[ch], 0.0) if self.on[ch] else (0.0, 0.0)

    def constant_current(self, ch: int) -> bool:
        """Whether the output is on and held at its current limit (CC) rather than in CV."""
        return self.on[ch] and self.reading(ch)[1] >= self.amps[ch] - 1e-6
