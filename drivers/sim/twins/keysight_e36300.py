"""Simulated Keysight E36300 triple-output supply: the commands of drivers/keysight_e36300.py's
manual. One output (option `channel`) feeds the world's DUT (set_supply, set_supply_output,
supply_reading); the other two are open-circuit outputs."""
from __future__ import annotations

from typing import Any

from drivers.keysight_e36300 import PROGRAMMING_RANGES
from drivers.sim.twins.scpi import (ScpiError, ScpiTwin, boolean, channel_list, choice,
                                    expect_args, nr3, number, scpi)

_OUTPUTS = {"CH1": 1, "CH2": 2, "CH3": 3}  # output identifiers of the E36312A/E36313A


class KeysightE36300Twin(ScpiTwin):
    """Options: model (E36312A or E36313A; default E36312A), channel (the output wired to the DUT)."""

    def __init__(self, world: Any, *, model: str = "E36312A", channel: int = 1) -> None:
        if model not in PROGRAMMING_RANGES:
            raise ValueError(f"KeysightE36300Twin: model {model!r} is not one of "
                             f"{', '.join(PROGRAMMING_RANGES)}")
        if channel not in (1, 2, 3):
            raise ValueError(f"KeysightE36300Twin: channel {channel!r} is not 1, 2 or 3")
        super().__init__()
        self.world = world
        self.ranges = PROGRAMMING_RANGES[model]
        self.wired = channel
        self.idn = f"Keysight Technologies,{model},MY00000001,1.0.4-1.0.4-1.12"
        self.reset()

    def reset(self) -> None:
        self.selected = 1
        self.volts = {ch: 0.0 for ch in self.ranges}
        self.amps = {ch: self.ranges[ch][1] for ch in self.ranges}
        self.output = {ch: False for ch in self.ranges}
        self.world.set_supply_output(False)
        self.world.set_supply(0.0, self.amps[self.wired])

    def _channels(self, args: list[str]) -> tuple[int, ...]:
        """The channel list argument if given, else the selected channel."""
        if not args:
            return (self.selected,)
        channels = channel_list(args[0])
        if any(ch not in self.ranges for ch in channels):
            raise ScpiError(-224, "Illegal parameter value")
        return channels

    def _program(self, ch: int, volts: float, amps: float) -> None:
        self.volts[ch], self.amps[ch] = volts, amps
        if ch == self.wired:
            self.world.set_supply(volts, amps)

    def _reading(self, ch: int) -> tuple[float, float]:
        if ch == self.wired:
            return self.world.supply_reading()
        return (self.volts[ch], 0.0) if self.output[ch] else (0.0, 0.0)

    @scpi("APPLy")
    def _apply(self, args: str) -> None:
        parts = expect_args(args, 1, 3)
        ch = choice(parts[0], _OUTPUTS)
        vmax, imax = self.ranges[ch]
        volts = number(parts[1], 0.0, vmax) if len(parts) > 1 else self.volts[ch]
        amps = number(parts[2], 0.0, imax) if len(parts) > 2 else self.amps[ch]
        self._program(ch, volts, amps)

    @scpi("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]")
    def _set_voltage(self, args: str) -> None:
        value, *chanlist = expect_args(args, 1, 2)
        for ch in self._channels(chanlist):
            self._program(ch, number(value, 0.0, self.ranges[ch][0]), self.amps[ch])

    @scpi("[SOURce:]CURRent[:LEVel][:IMMediate][:AMPLitude]")
    def _set_current(self, args: str) -> None:
        value, *chanlist = expect_args(args, 1, 2)
        for ch in self._channels(chanlist):
            self._program(ch, self.volts[ch], number(value, 0.0, self.ranges[ch][1]))

    @scpi("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]?")
    def _get_voltage(self, args: str) -> str:
        return ",".join(nr3(self.volts[ch]) for ch in self._channels(expect_args(args, 0, 1)))

    @scpi("[SOURce:]CURRent[:LEVel][:IMMediate][:AMPLitude]?")
    def _get_current(self, args: str) -> str:
        return ",".join(nr3(self.amps[ch]) for ch in self._channels(expect_args(args, 0, 1)))

    @scpi("OUTPut[:STATe]")
    def _set_output(self, args: str) -> None:
        state, *chanlist = expect_args(args, 1, 2)
        on = boolean(state)
        for ch in self._channels(chanlist):
            self.output[ch] = on
            if ch == self.wired:
                self.world.set_supply_output(on)

    @scpi("OUTPut[:STATe]?")
    def _get_output(self, args: str) -> str:
        return ",".join("1" if self.output[ch] else "0"
                        for ch in self._channels(expect_args(args, 0, 1)))

    @scpi("MEASure[:SCALar]:VOLTage[:DC]?")
    def _measure_voltage(self, args: str) -> str:
        return ",".join(nr3(self._reading(ch)[0]) for ch in self._channels(expect_args(args, 0, 1)))

    @scpi("MEASure[:SCALar]:CURRent[:DC]?")
    def _measure_current(self, args: str) -> str:
        return ",".join(nr3(self._reading(ch)[1]) for ch in self._channels(expect_args(args, 0, 1)))

    @scpi("INSTrument:NSELect")
    def _select_number(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        self.selected = int(number(arg, 1, 3))

    @scpi("INSTrument[:SELect]")
    def _select_name(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        self.selected = choice(arg, _OUTPUTS)

    @scpi("INSTrument:NSELect?")
    def _selected_number(self, args: str) -> str:
        expect_args(args, 0)
        return str(self.selected)

    @scpi("INSTrument[:SELect]?")
    def _selected_name(self, args: str) -> str:
        expect_args(args, 0)
        return f"CH{self.selected}"
