"""Simulated Keysight 34970A / DAQ970A with thermocouples on a 34901A multiplexer: the
commands of drivers/keysight_34970a.py's manual, reading world.temperature(placement).
`wire(channels, world)` puts more thermocouples on other channels, on another world's DUT (a
rack: one scanner, several DUTs); each channel reads its own world.

The 34970A model sits on RS-232: replies end with CR LF, and nothing but SYSTem:REMote is
obeyed until it is in remote (the manual only promises "unpredictable results"; the twin
queues -200 so CI shows it). The DAQ970A, which has no RS-232, uses USB/LAN framing.
An open thermocouple (world.temperature() is None) reads +9.9E37 when the open-thermocouple
check is on; without the check an open input reads 0 V, i.e. the terminal-block temperature,
a plausible wrong number: the reason the driver always turns the check on.

The trigger system (User's Guide ch. 5 "Scanning Overview": TRIGger:SOURce
{BUS|IMMediate|EXTernal|ALARm{1|2|3|4}|TIMer}, default IMMediate, queried as IMM, BUS, EXT,
ALAR1-4, TIM; TRIGger:COUNt 1 to 50,000 sweeps or INFinity, queried as +1.00000000E+00 or
+9.90000000E+37; ABORt; the DAQ970A also takes INTernal, "DAQ970A/DAQ973A Programming Guide"
TRIGger:SOURce) is kept as a front panel may have left it, since CONFigure does not reset it
(*RST does). READ? honours it: with IMMediate and a count N it answers N sweeps of the scan list
in one reply; with any other source (or an INFinity count) it answers nothing, as the real
unit waits for a trigger (an external pulse, an alarm, the timer's next sweeps, a *TRG that a
READ? pending cannot receive) and the driver's read times out. That wait for an external
event is not simulated any further: the scan just stays in progress, its read times out
without -420, until ABORt. BUS with READ? also queues -214 "Trigger deadlock" (the SCPI error
for it; the Programming Guide names the condition). TIMer is treated as waiting too, since the
interval is not simulated: a driver must never leave the source at TIMer and expect a reply.

ROUTe:SCAN with a channel not configured for temperature queues -221 here. The real unit
would, as the guide reads, scan it with whatever function the channel holds (DC volts after a
Factory Reset; not tried on an instrument), again a plausible wrong number: the driver only
selects channels it configured itself, and the refusal shows in CI if it ever did not.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drivers.keysight_34970a import OVERLOAD, TC_RANGES
from drivers.sim.twins.scpi import (ScpiError, ScpiTwin, boolean, channel_list, choice,
                                    expand, expect_args, nr3, number, scpi)

TERMINAL_BLOCK_C = 25.0  # the isothermal block the internal reference junction measures
_TC_TYPES = {t: t for t in TC_RANGES}
_UNITS = {"C": "C", "CEL": "C", "F": "F", "FAR": "F", "K": "K"}
_REMOTE = expand("SYSTem:REMote") | expand("SYSTem:RWLock")
# every spelling of a TRIGger:SOURce -> its query reply (ALARm{1|2|3|4}: the suffix follows
# either form, which scpi.choice() cannot spell)
_SOURCES = {"IMM": "IMM", "IMMEDIATE": "IMM", "BUS": "BUS", "EXT": "EXT", "EXTERNAL": "EXT",
            "TIM": "TIM", "TIMER": "TIM",
            **{f"{alarm}{n}": f"ALAR{n}" for alarm in ("ALAR", "ALARM") for n in range(1, 5)}}
_DAQ970A_SOURCES = {**_SOURCES, "INT": "INT", "INTERNAL": "INT"}  # level trigger, DAQ970A only
MAX_SWEEPS = 50_000  # TRIGger:COUNt MAXimum
INFINITY = None  # TRIGger:COUNt INFinity: the scan never ends
IDN = {"34970A": "HEWLETT-PACKARD,34970A,0,13-2-2",
       "DAQ970A": "Keysight Technologies,DAQ970A,MY58000001,A.03.00-01.00-03.00-00.00-00-00"}


@dataclass(slots=True)
class _Channel:
    tc_type: str
    unit: str = "C"
    check: bool = False


class Keysight34970ATwin(ScpiTwin):
    """Options: channels ({placement: channel number}, e.g. {"cell": 101}), model
    (34970A or DAQ970A; default 34970A). A channel named for no placement of the world has
    nothing wired to it: it reads as an open thermocouple. `world` is the constructor's;
    `sensors` maps each channel wired to a placement to (its world, the placement)."""

    def __init__(self, world: Any, *, channels: Mapping[str, int], model: str = "34970A") -> None:
        if model not in IDN:
            raise ValueError(f"Keysight34970ATwin: model {model!r} is not one of {', '.join(IDN)}")
        super().__init__()
        self.world = world
        self.sensors: dict[int, tuple[Any, str]] = {}
        self.taken: set[int] = set()  # every channel number a wiring named
        self.wire(channels, world)
        self.idn = IDN[model]
        self.serial_line = model == "34970A"
        self.sources = _SOURCES if self.serial_line else _DAQ970A_SOURCES
        self.output_terminator = "\r\n" if self.serial_line else "\n"
        self.remote = not self.serial_line
        self.reset()

    def wire(self, channels: Mapping[str, int], world: Any) -> None:
        """Thermocouples at `world`'s placements on more channels ({placement: channel
        number}); a channel number a wiring already named is refused."""
        if not isinstance(channels, Mapping):
            raise ValueError("Keysight34970ATwin: channels must map placements to channel numbers")
        taken = sorted(self.taken.intersection(channels.values()))
        if taken:
            raise ValueError(f"Keysight34970ATwin: channel {', '.join(map(str, taken))} is "
                             "already wired")
        self.taken.update(channels.values())
        self.sensors.update({number: (world, placement) for placement, number in channels.items()
                             if placement in world.placements})

    def reset(self) -> None:
        self.configured: dict[int, _Channel] = {}
        self.scan: list[int] = []
        self.with_channel = False
        self.trigger_source = "IMM"
        self.trigger_count: int | None = 1  # sweeps per READ?; INFINITY (None) = continuous
        self.waiting = False  # a READ? waits for a trigger that will not come (until ABORt)

    def write(self, message: str) -> None:
        if not self.remote and message.strip().lstrip(":").upper() not in _REMOTE:
            self.push_error(-200, "Execution error; RS-232 not in remote, send SYSTem:REMote")
            return
        super().write(message)

    def read(self) -> str | None:
        """The pending response; nothing while a scan waits for its trigger (the read times
        out, with no -420: the query has not been answered yet)."""
        if self.waiting and self._output is None:
            return None
        return super().read()

    def _channel_list(self, arg: str) -> tuple[int, ...]:
        channels = channel_list(arg)
        if any(not (1 <= ch // 100 <= 3 and 1 <= ch % 100 <= 20) for ch in channels):
            raise ScpiError(-224, "Illegal parameter value")  # a 34901A has channels 01-20
        return channels

    def _targets(self, parts: list[str]) -> list[_Channel]:
        """The configured channels a trailing optional channel list names (else the scan list)."""
        channels = self._channel_list(parts[0]) if parts else self.scan
        if any(ch not in self.configured for ch in channels):
            raise ScpiError(-221, "Settings conflict; channel not configured for temperature")
        return [self.configured[ch] for ch in channels]

    def _reading(self, ch: int) -> float:
        config = self.configured[ch]
        sensor = self.sensors.get(ch)
        celsius = sensor[0].temperature(sensor[1]) if sensor is not None else None
        if celsius is None:
            if config.check:
                return OVERLOAD
            celsius = TERMINAL_BLOCK_C
        low, high = TC_RANGES[config.tc_type]
        if not low <= celsius <= high:
            return OVERLOAD
        if config.unit == "F":
            return celsius * 1.8 + 32.0
        return celsius + 273.15 if config.unit == "K" else celsius

    @scpi("CONFigure:TEMPerature")
    def _configure(self, args: str) -> None:
        parts = expect_args(args, 3, 5)  # TC,<type>[,<range>,<resolution>],(@list)
        if choice(parts[0], {"TCouple": "TC"}) != "TC":
            raise ScpiError(-224, "Illegal parameter value")
        tc_type = "J" if parts[1].upper() in ("DEF", "DEFAULT") else choice(parts[1], _TC_TYPES)
        channels = self._channel_list(parts[-1])
        for ch in channels:
            self.configured[ch] = _Channel(tc_type)
        self.scan = sorted(channels)  # CONFigure redefines the scan list

    @scpi("[SENSe:]TEMPerature:TRANsducer:TCouple:TYPE")
    def _set_type(self, args: str) -> None:
        parts = expect_args(args, 1, 2)
        tc_type = choice(parts[0], _TC_TYPES)
        for config in self._targets(parts[1:]):
            config.tc_type = tc_type

    @scpi("[SENSe:]TEMPerature:TRANsducer:TCouple:RJUNction:TYPE")
    def _set_reference(self, args: str) -> None:
        parts = expect_args(args, 1, 2)
        if choice(parts[0], {"INTernal": "INT", "EXTernal": "EXT", "FIXed": "FIX"}) != "INT":
            raise ScpiError(-221, "Settings conflict; only the internal reference is simulated")
        self._targets(parts[1:])

    @scpi("[SENSe:]TEMPerature:TRANsducer:TCouple:CHECk")
    def _set_check(self, args: str) -> None:
        parts = expect_args(args, 1, 2)
        on = boolean(parts[0])
        for config in self._targets(parts[1:]):
            config.check = on

    @scpi("[SENSe:]TEMPerature:TRANsducer:TCouple:CHECk?")
    def _get_check(self, args: str) -> str:
        return ",".join("1" if c.check else "0" for c in self._targets(expect_args(args, 0, 1)))

    @scpi("UNIT:TEMPerature")
    def _set_unit(self, args: str) -> None:
        parts = expect_args(args, 1, 2)
        unit = choice(parts[0], _UNITS)
        for config in self._targets(parts[1:]):
            config.unit = unit

    @scpi("ROUTe:SCAN")
    def _set_scan(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        channels = self._channel_list(arg)
        if any(ch not in self.configured for ch in channels):
            raise ScpiError(-221, "Settings conflict; channel not configured for temperature")
        self.scan = sorted(set(channels))

    @scpi("FORMat:READing:CHANnel")
    def _set_format_channel(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        self.with_channel = boolean(arg)

    @scpi("FORMat:READing:CHANnel?")
    def _get_format_channel(self, args: str) -> str:
        expect_args(args, 0)
        return "1" if self.with_channel else "0"

    @scpi("READ?")
    def _read(self, args: str) -> str | None:
        expect_args(args, 0)
        if not self.scan:
            raise ScpiError(-221, "Settings conflict; empty scan list")
        if self.trigger_source != "IMM" or self.trigger_count is INFINITY:
            self.waiting = True  # no reply: the real unit waits for the trigger or the scan's end
            if self.trigger_source == "BUS":
                self.push_error(-214, "Trigger deadlock")  # *TRG cannot reach it during READ?
            return None
        self.waiting = False
        if self.with_channel:
            sweep = ",".join([f"{nr3(self._reading(ch))},{ch}" for ch in self.scan])
        else:
            sweep = ",".join([nr3(self._reading(ch)) for ch in self.scan])
        return sweep if self.trigger_count == 1 else ",".join([sweep] * self.trigger_count)

    @scpi("ABORt")
    def _abort(self, args: str) -> None:
        expect_args(args, 0)
        self.waiting = False

    @scpi("TRIGger:SOURce")
    def _set_trigger_source(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        source = self.sources.get(arg.upper())
        if source is None:
            raise ScpiError(-224, "Illegal parameter value")
        self.trigger_source = source

    @scpi("TRIGger:SOURce?")
    def _get_trigger_source(self, args: str) -> str:
        expect_args(args, 0)
        return self.trigger_source

    @scpi("TRIGger:COUNt")
    def _set_trigger_count(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        if arg.upper() in ("INF", "INFINITY"):
            self.trigger_count = INFINITY
        else:
            self.trigger_count = round(number(arg, 1, MAX_SWEEPS))

    @scpi("TRIGger:COUNt?")
    def _get_trigger_count(self, args: str) -> str:
        expect_args(args, 0)
        return nr3(9.9e37 if self.trigger_count is INFINITY else self.trigger_count)

    @scpi("SYSTem:REMote", "SYSTem:RWLock")
    def _remote(self, args: str) -> None:
        expect_args(args, 0)
        self.remote = True

    @scpi("SYSTem:LOCal")
    def _local(self, args: str) -> None:
        expect_args(args, 0)
        self.remote = not self.serial_line
