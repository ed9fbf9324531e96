"""Simulated Keysight E36100 single-output supply: the commands of drivers/keysight_e36100.py's
manual, its output wired to the world's DUT:
- APPLy, OUTPut[:STATe][?], MEASure[:SCALar]:VOLTage|CURRent[:DC]? (one output: no channel list);
- [SOURce:]CURRent:PROTection:STATe: with it on, an output in current limit switches itself off
  (checked when measured), as the Keysight family's guides describe it;
- [SOURce:]VOLTage:SENSe[:SOURce] INTernal|EXTernal, answered 0 or 1 (the world has no sense
  leads, so it changes no reading).
*RST (and power-on here): output off, 0 V, full current limit, OCP off, internal sense.
"""
from __future__ import annotations

from typing import Any

from drivers.keysight_e36100 import PROGRAMMING_RANGES
from drivers.sim.twins.dc_supply import Outputs, wired_spans
from drivers.sim.twins.scpi import (
    ScpiTwin,
    boolean,
    choice,
    expect_args,
    nr3,
    number,
    scpi,
)

_SENSES = {"INTernal": "INT", "EXTernal": "EXT"}


class KeysightE36100Twin(ScpiTwin):
    """Option: model (E36102A..E36106A, E36102B..E36106B; default E36102A)."""

    def __init__(self, world: Any, *, model: str = "E36102A") -> None:
        spans = wired_spans(type(self).__name__, PROGRAMMING_RANGES, model, 1)
        super().__init__()
        self.world = world
        self.span = spans[1]
        self.outputs = Outputs(world, spans, wired=1)
        self.idn = f"Keysight Technologies,{model},MY00000001,1.0.3-1.0.1-1.00"
        self.reset()

    def reset(self) -> None:
        self.outputs.reset()
        self.ocp = False
        self.sense = "INT"

    def _reading(self) -> tuple[float, float]:
        """What the output measures, after over-current protection has acted on it."""
        if self.ocp and self.outputs.constant_current(1):
            self.outputs.switch(1, False)
        return self.outputs.reading(1)

    @scpi("APPLy")
    def _apply(self, args: str) -> None:
        parts = expect_args(args, 1, 2)
        volts = number(parts[0], 0.0, self.span.vmax)
        amps = number(parts[1], 0.0, self.span.imax) if len(parts) > 1 else self.outputs.amps[1]
        self.outputs.program(1, volts, amps)

    @scpi("OUTPut[:STATe]")
    def _set_output(self, args: str) -> None:
        (state,) = expect_args(args, 1)
        self.outputs.switch(1, boolean(state))

    @scpi("OUTPut[:STATe]?")
    def _get_output(self, args: str) -> str:
        expect_args(args, 0)
        return "1" if self.outputs.on[1] else "0"

    @scpi("[SOURce:]CURRent:PROTection:STATe")
    def _set_ocp(self, args: str) -> None:
        (state,) = expect_args(args, 1)
        self.ocp = boolean(state)

    @scpi("[SOURce:]CURRent:PROTection:STATe?")
    def _get_ocp(self, args: str) -> str:
        expect_args(args, 0)
        return "1" if self.ocp else "0"

    @scpi("[SOURce:]VOLTage:SENSe[:SOURce]")
    def _set_sense(self, args: str) -> None:
        (sense,) = expect_args(args, 1)
        self.sense = choice(sense, _SENSES)

    @scpi("[SOURce:]VOLTage:SENSe[:SOURce]?")
    def _get_sense(self, args: str) -> str:
        expect_args(args, 0)
        return "1" if self.sense == "EXT" else "0"

    @scpi("MEASure[:SCALar]:VOLTage[:DC]?")
    def _measure_voltage(self, args: str) -> str:
        expect_args(args, 0)
        return nr3(self._reading()[0])

    @scpi("MEASure[:SCALar]:CURRent[:DC]?")
    def _measure_current(self, args: str) -> str:
        expect_args(args, 0)
        return nr3(self._reading()[1])
