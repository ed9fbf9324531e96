"""Simulated Siglent SPD3303X / SPD3303X-E with the quirks drivers/siglent_spd3303x.py
documents (and cites): setpoints only as [CH1:|CH2:]VOLTage / CURRent, OUTPut CHn,ON|OFF
and no OUTPut? (the state is in the SYSTem:STATus? hex word), a five-field *IDN?,
SYSTem:ERRor? answering "<code>  <text>" ("0  No Error"), no *RST, *CLS or *OPC?.
Readings and set-points (CHn:VOLTage? / CURRent?) as "5.000". A set-point is kept at the model's
resolution (RESOLUTION: 1 mV / 1 mA, 10 mV / 10 mA on the SPD3303X-E), rounded to the nearest
step (whether the X-E rounds or truncates is unconfirmed). The error numbers are SCPI-99's (the
Siglent list is not public).
The tracking mode of CH1/CH2 is in bits 2-3 of the status word (01 independent, 10 parallel,
11 series); it is independent until a test sets `tracking` as the front panel would, or
OUTPut:TRACK {0|1|2} (independent, series, parallel) sets it. What series or parallel does to
the outputs is not modelled: the driver refuses to switch on in either.
Each programmable channel's timer (TIMEr {CH1|CH2},{ON|OFF}, the driver's known state sends
OFF) is off at power-on and shows in bits 6/7; a test sets `timers` as the front panel would.
What a running timer does to the output (stepping through the TIMEr:SET groups) is not
modelled, nor TIMEr:SET itself: the driver turns the timer off at open and refuses ON while it
is on.

Timing, with option `clock` (a monotonic clock in seconds; drivers/sim/twins/timing.py, shared
with the KA3005P twin): a command (a query too) that arrives less than COMMAND_DELAY (50 ms)
after the last one taken is lost - not executed, no error queued, so only a read-back finds it -
and the reply to a query read less than QUERY_DELAY (100 ms) after it arrived never comes: the
read times out, with no error queued, and the reply is dropped. Both figures are the driver's
pauses, taken as the supply's limits (its module cites the sources; the real limits are
unmeasured). The clock applies to messages (the sim:// transport's write and read), not to
bytes fed to the twin. Without a clock (the simulated bench, whose drivers do not pause)
nothing is lost.
"""
from __future__ import annotations

import re
from typing import Any

from drivers.siglent_spd3303x import (
    COMMAND_DELAY,
    PROGRAMMING_RANGES,
    QUERY_DELAY,
    RESOLUTION,
    STATUS_OUTPUT_BIT,
    STATUS_TIMER_BIT,
    TRACKING_MODES,
    TRACKING_SHIFT,
)
from drivers.sim.twins.dc_supply import Outputs, wired_spans
from drivers.sim.twins.scpi import (
    ScpiError,
    ScpiTwin,
    choice,
    expect_args,
    number,
    scpi,
)
from drivers.sim.twins.timing import Clock, CommandTiming

NO_ERROR = "0  No Error"
TRACKING_CODE = {mode: code for code, mode in TRACKING_MODES.items()}  # "series" -> 0b11
_TRACK = {"0": "independent", "1": "series", "2": "parallel"}  # OUTPut:TRACK's argument
_PREFIX = re.compile(r"\s*:?CH([12]):", re.IGNORECASE)  # CH3 has no programmable setpoints
_PREFIXABLE = {"VOLT", "VOLTAGE", "CURR", "CURRENT"}
_PROGRAMMABLE = {"CH1": 1, "CH2": 2}
_SWITCHABLE = {"CH1": 1, "CH2": 2, "CH3": 3}
_ON_OFF = {"ON": True, "OFF": False}


class SiglentSPD3303XTwin(ScpiTwin):
    """Options: model (SPD3303X or SPD3303X-E; default SPD3303X), channel (1 or 2: the
    output wired to the DUT). For tests: clock (lose what comes too soon, see above)."""

    def __init__(self, world: Any, *, model: str = "SPD3303X", channel: int = 1,
                 clock: Clock | None = None) -> None:
        spans = wired_spans(type(self).__name__, PROGRAMMING_RANGES, model, channel)
        super().__init__()
        self.world = world
        self.outputs = Outputs(world, spans, wired=channel)
        self._steps = RESOLUTION[model]  # "VOLT" / "CURR" -> the step a set-point is kept at
        self._timing = CommandTiming(clock)
        self.idn = f"Siglent Technologies,{model},SPD3XAAA000001,1.01.01.02.05,V3.0"
        self._prefix: int | None = None  # the channel a CHn: prefix names, while it runs
        self.tracking = "independent"  # or "series", "parallel": a front-panel setting
        self.reset()

    def reset(self) -> None:
        """The power-on state (the instrument has no *RST)."""
        self.outputs.reset()
        self.fixed_on = False  # CH3, the fixed output
        self.selected = 1
        self.timers = {ch: False for ch in _PROGRAMMABLE.values()}  # CH1/CH2 timer function

    def write(self, message: str) -> None:
        """Lost if it comes too soon (with a clock). A CHn: prefix addresses VOLTage/CURRent of
        that channel; anywhere else it is unknown."""
        if not self._timing.take(COMMAND_DELAY):
            return
        prefix = _PREFIX.match(message)
        rest = message[prefix.end():] if prefix else ""
        if prefix is None or rest.partition(" ")[0].rstrip("?").upper() not in _PREFIXABLE:
            super().write(message)
            return
        self._prefix = int(prefix[1])
        try:
            super().write(rest)
        finally:
            self._prefix = None

    def read(self) -> str | None:
        """The reply, unless it is read too soon after its query (with a clock): then none, and
        it is dropped."""
        if not self._timing.waited(QUERY_DELAY):
            self._output = None
            return None
        return super().read()

    def push_error(self, code: int, message: str) -> None:
        if len(self._errors) >= 20:
            self._errors[-1] = "-350  Queue overflow"
        else:
            self._errors.append(f"{code}  {message}")

    def _target(self) -> int:
        return self._prefix or self.selected

    def _named(self, args: str) -> int:
        parts = expect_args(args, 0, 1)
        return choice(parts[0], _PROGRAMMABLE) if parts else self.selected

    @scpi("*RST", "*CLS", "*OPC?", "SYSTem:ERRor:NEXT?")
    def _absent(self, args: str) -> None:
        raise ScpiError(-113, "Undefined header")

    @scpi("SYSTem:ERRor?")
    def _siglent_error(self, args: str) -> str:
        expect_args(args, 0)
        return self._errors.popleft() if self._errors else NO_ERROR

    @scpi("VOLTage")
    def _set_voltage(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        ch = self._target()
        volts = self._step(number(arg, 0.0, self.outputs.spans[ch].vmax), "VOLT")
        self.outputs.program(ch, volts, self.outputs.amps[ch])

    @scpi("CURRent")
    def _set_current(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        ch = self._target()
        amps = self._step(number(arg, 0.0, self.outputs.spans[ch].imax), "CURR")
        self.outputs.program(ch, self.outputs.volts[ch], amps)

    def _step(self, value: float, setpoint: str) -> float:
        """`value` at the model's resolution for `setpoint` ("VOLT" or "CURR")."""
        step = self._steps[setpoint]
        return round(round(value / step) * step, 6)

    @scpi("VOLTage?")
    def _get_voltage(self, args: str) -> str:
        expect_args(args, 0)
        return f"{self.outputs.volts[self._target()]:.3f}"

    @scpi("CURRent?")
    def _get_current(self, args: str) -> str:
        expect_args(args, 0)
        return f"{self.outputs.amps[self._target()]:.3f}"

    @scpi("OUTPut")
    def _set_output(self, args: str) -> None:
        name, state = expect_args(args, 2)
        ch, on = choice(name, _SWITCHABLE), choice(state, _ON_OFF)
        if ch == 3:
            self.fixed_on = on
        else:
            self.outputs.switch(ch, on)

    @scpi("TIMEr")
    def _set_timer(self, args: str) -> None:
        name, state = expect_args(args, 2)
        self.timers[choice(name, _PROGRAMMABLE)] = choice(state, _ON_OFF)

    @scpi("OUTPut:TRACK")
    def _set_tracking(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        self.tracking = choice(arg, _TRACK)

    @scpi("MEASure:VOLTage?")
    def _measure_voltage(self, args: str) -> str:
        return f"{self.outputs.reading(self._named(args))[0]:.3f}"

    @scpi("MEASure:CURRent?")
    def _measure_current(self, args: str) -> str:
        return f"{self.outputs.reading(self._named(args))[1]:.3f}"

    @scpi("SYSTem:STATus?")
    def _status(self, args: str) -> str:
        expect_args(args, 0)
        status = TRACKING_CODE[self.tracking] << TRACKING_SHIFT
        for ch, bit in STATUS_OUTPUT_BIT.items():
            if self.outputs.on[ch]:
                status |= 1 << bit
            if self.outputs.constant_current(ch):
                status |= 1 << (ch - 1)
        for ch, bit in STATUS_TIMER_BIT.items():
            if self.timers[ch]:
                status |= 1 << bit
        return f"0x{status:04X}"

    @scpi("INSTrument")
    def _select(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        self.selected = choice(arg, _PROGRAMMABLE)

    @scpi("INSTrument?")
    def _selected(self, args: str) -> str:
        expect_args(args, 0)
        return f"CH{self.selected}"
