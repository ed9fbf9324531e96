"""Simulated Keysight E36300 triple-output supply: the commands of drivers/keysight_e36300.py's
manual. One output (option `channel`) feeds the world's DUT (set_supply, set_supply_output,
supply_reading); `wire(channel, world)` makes another output feed another world's DUT (a rack:
one supply, one DUT per output); an output wired to no world is an open-circuit output.

Modelled as the guide and the driver's sources describe them:
- APPLy, [SOURce:]VOLTage / CURRent (with or without a channel list, else the selected channel),
  OUTPut[:STATe][?], MEASure, INSTrument[:SELect] / :NSELect;
- the current limit's minimum (2 mA on CH1, 1 mA on CH2 and CH3): below it, or above the
  maximum, -222 and the limit unchanged;
- OUTPut:PAIR OFF|PARallel|SERies (CH2 and CH3), answered OFF, PAR or SER; what pairing does to
  the outputs is not modelled: the driver refuses to use a paired channel;
- [SOURce:]CURRent:PROTection:STATe per channel: an output in current limit with it on
  switches itself off (checked when measured);
- [SOURce:]VOLTage:SENSe[:SOURce] INTernal|EXTernal per channel (answered INT or EXT; the world
  has no sense leads, so it changes no reading).
*RST (and power-on here): outputs off at 0 V and full current limit, independent, OCP off,
internal sense.
"""
from __future__ import annotations

from typing import Any

from drivers.keysight_e36300 import MIN_CURRENT, PROGRAMMING_RANGES
from drivers.sim.twins.dc_supply import Outputs, check_wirable, wired_spans
from drivers.sim.twins.scpi import (
    ScpiError,
    ScpiTwin,
    boolean,
    channel_list,
    choice,
    expect_args,
    nr3,
    number,
    scpi,
)

_OUTPUTS = {"CH1": 1, "CH2": 2, "CH3": 3}  # output identifiers of the E36312A/E36313A
_PAIRINGS = {"OFF": "OFF", "PARallel": "PAR", "SERies": "SER"}
_SENSES = {"INTernal": "INT", "EXTernal": "EXT"}


class KeysightE36300Twin(ScpiTwin):
    """Options: model (E36312A or E36313A; default E36312A), channel (the output wired to the DUT)."""

    def __init__(self, world: Any, *, model: str = "E36312A", channel: int = 1) -> None:
        spans = wired_spans(type(self).__name__, PROGRAMMING_RANGES, model, channel)
        super().__init__()
        self.world = world
        self.model = model
        self.outputs = Outputs(world, spans, wired=channel)
        self.idn = f"Keysight Technologies,{model},MY00000001,1.0.4-1.0.4-1.12"
        self.reset()

    def wire(self, channel: int, world: Any) -> None:
        """Make output `channel` feed another world's DUT; it starts at its *RST values (off,
        its world's supply output off; OCP off, internal sense)."""
        check_wirable(type(self).__name__, self.model, self.outputs.spans, channel)
        if channel in self.outputs.worlds:
            raise ValueError(f"{type(self).__name__}: CH{channel} is already wired")
        self.outputs.wire(channel, world)
        self.ocp[channel], self.sense[channel] = False, "INT"

    def reset(self) -> None:
        self.outputs.reset()
        self.selected = 1
        self.pairing = "OFF"
        self.ocp = dict.fromkeys(self.outputs.spans, False)
        self.sense = dict.fromkeys(self.outputs.spans, "INT")

    def _channels(self, args: list[str]) -> tuple[int, ...]:
        """The channel list argument if given, else the selected channel."""
        if not args:
            return (self.selected,)
        channels = channel_list(args[0])
        if not set(channels) <= self.outputs.spans.keys():
            raise ScpiError(-224, "Illegal parameter value")
        return channels

    def _volts(self, ch: int, arg: str) -> float:
        return number(arg, 0.0, self.outputs.spans[ch].vmax)

    def _amps(self, ch: int, arg: str) -> float:
        return number(arg, MIN_CURRENT[ch], self.outputs.spans[ch].imax)

    def _reading(self, ch: int) -> tuple[float, float]:
        """What the output measures, after over-current protection has acted on it."""
        if self.ocp[ch] and self.outputs.constant_current(ch):
            self.outputs.switch(ch, False)
        return self.outputs.reading(ch)

    @scpi("APPLy")
    def _apply(self, args: str) -> None:
        parts = expect_args(args, 1, 3)
        ch = choice(parts[0], _OUTPUTS)
        volts = self._volts(ch, parts[1]) if len(parts) > 1 else self.outputs.volts[ch]
        amps = self._amps(ch, parts[2]) if len(parts) > 2 else self.outputs.amps[ch]
        self.outputs.program(ch, volts, amps)

    @scpi("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]")
    def _set_voltage(self, args: str) -> None:
        value, *chanlist = expect_args(args, 1, 2)
        for ch in self._channels(chanlist):
            self.outputs.program(ch, self._volts(ch, value), self.outputs.amps[ch])

    @scpi("[SOURce:]CURRent[:LEVel][:IMMediate][:AMPLitude]")
    def _set_current(self, args: str) -> None:
        value, *chanlist = expect_args(args, 1, 2)
        for ch in self._channels(chanlist):
            self.outputs.program(ch, self.outputs.volts[ch], self._amps(ch, value))

    @scpi("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]?")
    def _get_voltage(self, args: str) -> str:
        return ",".join(nr3(self.outputs.volts[ch]) for ch in self._channels(expect_args(args, 0, 1)))

    @scpi("[SOURce:]CURRent[:LEVel][:IMMediate][:AMPLitude]?")
    def _get_current(self, args: str) -> str:
        return ",".join(nr3(self.outputs.amps[ch]) for ch in self._channels(expect_args(args, 0, 1)))

    @scpi("OUTPut[:STATe]")
    def _set_output(self, args: str) -> None:
        state, *chanlist = expect_args(args, 1, 2)
        on = boolean(state)
        for ch in self._channels(chanlist):
            self.outputs.switch(ch, on)

    @scpi("OUTPut[:STATe]?")
    def _get_output(self, args: str) -> str:
        return ",".join("1" if self.outputs.on[ch] else "0"
                        for ch in self._channels(expect_args(args, 0, 1)))

    @scpi("OUTPut:PAIR")
    def _set_pairing(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        self.pairing = choice(arg, _PAIRINGS)

    @scpi("OUTPut:PAIR?")
    def _get_pairing(self, args: str) -> str:
        expect_args(args, 0)
        return self.pairing

    @scpi("[SOURce:]CURRent:PROTection:STATe")
    def _set_ocp(self, args: str) -> None:
        state, *chanlist = expect_args(args, 1, 2)
        on = boolean(state)
        for ch in self._channels(chanlist):
            self.ocp[ch] = on

    @scpi("[SOURce:]CURRent:PROTection:STATe?")
    def _get_ocp(self, args: str) -> str:
        return ",".join("1" if self.ocp[ch] else "0" for ch in self._channels(expect_args(args, 0, 1)))

    @scpi("[SOURce:]VOLTage:SENSe[:SOURce]")
    def _set_sense(self, args: str) -> None:
        sense, *chanlist = expect_args(args, 1, 2)
        source = choice(sense, _SENSES)
        for ch in self._channels(chanlist):
            self.sense[ch] = source

    @scpi("[SOURce:]VOLTage:SENSe[:SOURce]?")
    def _get_sense(self, args: str) -> str:
        return ",".join(self.sense[ch] for ch in self._channels(expect_args(args, 0, 1)))

    @scpi("MEASure[:SCALar]:VOLTage[:DC]?")
    def _measure_voltage(self, args: str) -> str:
        return ",".join([nr3(self._reading(ch)[0]) for ch in self._channels(expect_args(args, 0, 1))])

    @scpi("MEASure[:SCALar]:CURRent[:DC]?")
    def _measure_current(self, args: str) -> str:
        return ",".join([nr3(self._reading(ch)[1]) for ch in self._channels(expect_args(args, 0, 1))])

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
