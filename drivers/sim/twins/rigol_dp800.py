"""Simulated Rigol DP800 supply: the commands of drivers/rigol_dp800.py's manual (:APPLy,
:OUTPut[:STATe][?], :MEASure[:VOLTage]/:CURRent with a channel name), one output (option
`channel`) wired to the world's DUT, the others open. Readings as "5.0000"."""
from __future__ import annotations

from typing import Any, ClassVar

from drivers.dc_supply import Span
from drivers.rigol_dp800 import PROGRAMMING_RANGES
from drivers.sim.twins.dc_supply import Outputs, wired_spans
from drivers.sim.twins.scpi import ScpiError, ScpiTwin, boolean, expect_args, number, scpi

class RigolDP800Twin(ScpiTwin):
    """Options: model (default DP832), channel (the output wired to the DUT, default 1)."""

    ranges: ClassVar[dict[str, dict[int, Span]]] = PROGRAMMING_RANGES
    serial: ClassVar[str] = "DP8A000000001"

    def __init__(self, world: Any, *, model: str = "DP832", channel: int = 1) -> None:
        spans = wired_spans(type(self).__name__, self.ranges, model, channel)
        super().__init__()
        self.world = world
        self.outputs = Outputs(world, spans, wired=channel)
        self.names = self.channel_names(model)
        self.idn = f"RIGOL TECHNOLOGIES,{model},{self.serial},00.01.16"

    def channel_names(self, model: str) -> dict[str, int]:
        """The names :APPLy, :OUTPut and :MEASure take for the model's outputs."""
        return {f"CH{ch}": ch for ch in self.ranges[model]}

    def reset(self) -> None:
        self.outputs.reset()

    def _channel(self, name: str) -> int:
        ch = self.names.get(name.upper())
        if ch is None:
            raise ScpiError(-224, "Illegal parameter value")
        return ch

    def _addressed(self, args: str) -> int:
        """The channel a query names, else the current channel (CH1 after *RST)."""
        parts = expect_args(args, 0, 1)
        return self._channel(parts[0]) if parts else 1

    @scpi(":APPLy")
    def _apply(self, args: str) -> None:
        parts = expect_args(args, 1, 3)
        if parts[0].upper() in self.names:
            ch, values = self._channel(parts[0]), parts[1:]
        elif len(parts) < 3:
            ch, values = 1, parts  # :APPLy <volt>[,<curr>] sets the current channel
        else:
            raise ScpiError(-224, "Illegal parameter value")
        span = self.outputs.spans[ch]
        volts = number(values[0], span.vmin, span.vmax) if values else self.outputs.volts[ch]
        amps = number(values[1], 0.0, span.imax) if len(values) > 1 else self.outputs.amps[ch]
        self.outputs.program(ch, volts, amps)

    @scpi(":OUTPut[:STATe]")
    def _set_output(self, args: str) -> None:
        parts = expect_args(args, 1, 2)
        ch = self._channel(parts[0]) if len(parts) == 2 else 1
        self.outputs.switch(ch, boolean(parts[-1]))

    @scpi(":OUTPut[:STATe]?")
    def _get_output(self, args: str) -> str:
        return "ON" if self.outputs.on[self._addressed(args)] else "OFF"

    @scpi(":MEASure[:VOLTage][:DC]?")
    def _measure_voltage(self, args: str) -> str:
        return f"{self.outputs.reading(self._addressed(args))[0]:.4f}"

    @scpi(":MEASure:CURRent[:DC]?")
    def _measure_current(self, args: str) -> str:
        return f"{self.outputs.reading(self._addressed(args))[1]:.4f}"
