"""Simulated Rigol DP800 supply: the commands of drivers/rigol_dp800.py's manual, one output
(option `channel`) wired to the world's DUT, the others open. Readings as "5.0000".

Modelled as the guide describes them (ch. 2):
- :APPLy, :OUTPut[:STATe][?], :MEASure[:VOLTage]/:CURRent with a channel name;
- :OUTPut:TRACk CHn,{ON|OFF} on the model's tracking pair only (query NONE elsewhere): while a
  channel's track function is on, setting its voltage sets its partner's to the same magnitude;
- :OUTPut:OCP / :OUTPut:OVP [CHn,]{ON|OFF} and their :VALue: an output whose current (voltage)
  exceeds the value while its protection is on switches itself off (checked when measured);
  the values start at the channel's maximum (their real default is not in the guide pages read);
- :OUTPut:SENSe [CHn,]{ON|OFF} on the channels with sense terminals (query NONE elsewhere; the
  world has no sense leads, so it changes no reading);
- :INSTrument:NSELect n[?], the selected channel (CH1 after *RST): the channel :TIMEr, :DELAY and
  a command that names none act on;
- :TIMEr[:STATe] and :DELAY[:STATe] of the selected channel, kept and answered (the programs
  themselves do not run).
A function a channel lacks queues -224 (the number is not in the guide pages read).
"""
from __future__ import annotations

from typing import Any, ClassVar

from drivers.dc_supply import Span
from drivers.rigol_dp800 import PROGRAMMING_RANGES, SENSE_CHANNELS, TRACKING_PAIRS
from drivers.sim.twins.dc_supply import Outputs, check_wirable, wired_spans
from drivers.sim.twins.scpi import (
    ScpiError,
    ScpiTwin,
    boolean,
    expect_args,
    number,
    scpi,
)

_ON_OFF = {True: "ON", False: "OFF"}


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
        self.pair = TRACKING_PAIRS.get(model, ())
        self.sense_channel = SENSE_CHANNELS.get(model)
        self.idn = f"RIGOL TECHNOLOGIES,{model},{self.serial},00.01.16"
        self.reset()

    def wire(self, channel: int, world: Any) -> None:
        """Make output `channel` feed another world's DUT (a rack); it starts at its *RST values
        (off, its world's supply output off; protections and remote sense off)."""
        check_wirable(type(self).__name__, self.idn.split(",")[1], self.outputs.spans, channel)
        if channel in self.outputs.worlds:
            raise ValueError(f"{type(self).__name__}: CH{channel} is already wired")
        self.outputs.wire(channel, world)
        span = self.outputs.spans[channel]
        self.ocp[channel] = self.ovp[channel] = self.sense[channel] = False
        self.ocp_value[channel], self.ovp_value[channel] = span.imax, max(abs(span.vmin), span.vmax)

    def channel_names(self, model: str) -> dict[str, int]:
        """The names :APPLy, :OUTPut and :MEASure take for the model's outputs."""
        return {f"CH{ch}": ch for ch in self.ranges[model]}

    def reset(self) -> None:
        self.outputs.reset()
        spans = self.outputs.spans
        self.tracking = {ch: False for ch in self.pair}
        self.ocp = dict.fromkeys(spans, False)
        self.ovp = dict.fromkeys(spans, False)
        self.ocp_value = {ch: span.imax for ch, span in spans.items()}
        self.ovp_value = {ch: max(abs(span.vmin), span.vmax) for ch, span in spans.items()}
        self.sense = dict.fromkeys(spans, False)
        self.timer = dict.fromkeys(spans, False)
        self.delayer = dict.fromkeys(spans, False)
        self.selected = 1

    def _channel(self, name: str) -> int:
        ch = self.names.get(name.upper())
        if ch is None:
            raise ScpiError(-224, "Illegal parameter value")
        return ch

    def _addressed(self, args: str) -> int:
        """The channel a query names, else the selected channel (CH1 after *RST)."""
        parts = expect_args(args, 0, 1)
        return self._channel(parts[0]) if parts else self.selected

    def _channel_and_value(self, args: str) -> tuple[int, str]:
        """[CHn,]<value>: the channel (the selected one if omitted) and the value."""
        parts = expect_args(args, 1, 2)
        return (self._channel(parts[0]) if len(parts) == 2 else self.selected), parts[-1]

    def _reading(self, ch: int) -> tuple[float, float]:
        """What the channel measures, after its protections have acted on it."""
        volts, amps = self.outputs.reading(ch)
        if self.outputs.on[ch] and ((self.ocp[ch] and amps > self.ocp_value[ch])
                                    or (self.ovp[ch] and abs(volts) > self.ovp_value[ch])):
            self.outputs.switch(ch, False)
            volts, amps = self.outputs.reading(ch)
        return volts, amps

    @scpi(":APPLy")
    def _apply(self, args: str) -> None:
        parts = expect_args(args, 1, 3)
        if parts[0].upper() in self.names:
            ch, values = self._channel(parts[0]), parts[1:]
        elif len(parts) < 3:
            ch, values = self.selected, parts  # :APPLy <volt>[,<curr>] sets the selected channel
        else:
            raise ScpiError(-224, "Illegal parameter value")
        span = self.outputs.spans[ch]
        volts = number(values[0], span.vmin, span.vmax) if values else self.outputs.volts[ch]
        amps = number(values[1], 0.0, span.imax) if len(values) > 1 else self.outputs.amps[ch]
        self.outputs.program(ch, volts, amps)
        if self.tracking.get(ch):
            partner = next(c for c in self.pair if c != ch)
            sign = -1.0 if self.outputs.spans[partner].vmin < 0 else 1.0
            self.outputs.program(partner, sign * abs(volts), self.outputs.amps[partner])

    @scpi(":OUTPut[:STATe]")
    def _set_output(self, args: str) -> None:
        ch, state = self._channel_and_value(args)
        self.outputs.switch(ch, boolean(state))

    @scpi(":OUTPut[:STATe]?")
    def _get_output(self, args: str) -> str:
        return _ON_OFF[self.outputs.on[self._addressed(args)]]

    @scpi(":OUTPut:TRACk")
    def _set_tracking(self, args: str) -> None:
        ch, state = self._channel_and_value(args)
        if ch not in self.tracking:
            raise ScpiError(-224, "Illegal parameter value")
        self.tracking[ch] = boolean(state)

    @scpi(":OUTPut:TRACk?")
    def _get_tracking(self, args: str) -> str:
        ch = self._addressed(args)
        return _ON_OFF[self.tracking[ch]] if ch in self.tracking else "NONE"

    @scpi(":OUTPut:OCP[:STATe]")
    def _set_ocp(self, args: str) -> None:
        ch, state = self._channel_and_value(args)
        self.ocp[ch] = boolean(state)

    @scpi(":OUTPut:OCP[:STATe]?")
    def _get_ocp(self, args: str) -> str:
        return _ON_OFF[self.ocp[self._addressed(args)]]

    @scpi(":OUTPut:OCP:VALue")
    def _set_ocp_value(self, args: str) -> None:
        ch, value = self._channel_and_value(args)
        self.ocp_value[ch] = number(value, 0.0, self.outputs.spans[ch].imax)

    @scpi(":OUTPut:OVP[:STATe]")
    def _set_ovp(self, args: str) -> None:
        ch, state = self._channel_and_value(args)
        self.ovp[ch] = boolean(state)

    @scpi(":OUTPut:OVP[:STATe]?")
    def _get_ovp(self, args: str) -> str:
        return _ON_OFF[self.ovp[self._addressed(args)]]

    @scpi(":OUTPut:OVP:VALue")
    def _set_ovp_value(self, args: str) -> None:
        ch, value = self._channel_and_value(args)
        span = self.outputs.spans[ch]
        self.ovp_value[ch] = number(value, 0.0, max(abs(span.vmin), span.vmax))

    @scpi(":OUTPut:SENSe")
    def _set_sense(self, args: str) -> None:
        ch, state = self._channel_and_value(args)
        if ch != self.sense_channel:
            raise ScpiError(-224, "Illegal parameter value")
        self.sense[ch] = boolean(state)

    @scpi(":OUTPut:SENSe?")
    def _get_sense(self, args: str) -> str:
        ch = self._addressed(args)
        return _ON_OFF[self.sense[ch]] if ch == self.sense_channel else "NONE"

    @scpi(":INSTrument:NSELect")
    def _select(self, args: str) -> None:
        (n,) = expect_args(args, 1)
        if n.strip() not in {str(ch) for ch in self.outputs.spans}:
            raise ScpiError(-224, "Illegal parameter value")
        self.selected = int(n)

    @scpi(":INSTrument:NSELect?")
    def _selected(self, args: str) -> str:
        expect_args(args, 0)
        return str(self.selected)

    @scpi(":TIMEr[:STATe]")
    def _set_timer(self, args: str) -> None:
        (state,) = expect_args(args, 1)
        self.timer[self.selected] = boolean(state)

    @scpi(":TIMEr[:STATe]?")
    def _get_timer(self, args: str) -> str:
        expect_args(args, 0)
        return _ON_OFF[self.timer[self.selected]]

    @scpi(":DELAY[:STATe]")
    def _set_delayer(self, args: str) -> None:
        (state,) = expect_args(args, 1)
        self.delayer[self.selected] = boolean(state)

    @scpi(":DELAY[:STATe]?")
    def _get_delayer(self, args: str) -> str:
        expect_args(args, 0)
        return _ON_OFF[self.delayer[self.selected]]

    @scpi(":MEASure[:VOLTage][:DC]?")
    def _measure_voltage(self, args: str) -> str:
        return f"{self._reading(self._addressed(args))[0]:.4f}"

    @scpi(":MEASure:CURRent[:DC]?")
    def _measure_current(self, args: str) -> str:
        return f"{self._reading(self._addressed(args))[1]:.4f}"
