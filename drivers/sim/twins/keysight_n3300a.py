"""Simulated Keysight N3300A / N3301A mainframe with its load modules: the commands of
drivers/keysight_n3300a.py's manual. The station's module sits in the slot the station names
and is wired to the world's DUT; `wire(slot, world, module=...)` wires another slot to another
world (a rack: one mainframe, one DUT per module), putting the module there if the slot is
empty; modules in other slots (`others`) see an open circuit.
Channel-specific commands act on the channel selected with CHANnel (or INSTrument), one
selection for every client of the mainframe; selecting an empty slot queues -241 "Hardware
missing". Several commands in one message (';', ':' back to the root) run in order. One error
queue for the whole mainframe.

Besides the function and levels, each module keeps what the front panel may leave behind
(drivers/sim/twins/loads.py):
- its CC range (CURRent:RANGe <value>|MIN|MAX: low, a tenth of the rating, or high, the
  lowest that covers the value). Changing to the low range sets a CC level above it to the
  range's top (the guide's value coupling); a CC level above the selected range is refused
  (-222, level unchanged: the stricter reading of what the driver's docstring marks
  unconfirmed);
- the transient generator (TRANsient[:STATe]) and each function's list mode (CURRent|
  RESistance|VOLTage:MODE FIXed|LIST). With either on, the wired module runs the program, not
  the static level;
- the short ([SOURce:]INPut:SHORt 0|1|OFF|ON, query INPut:SHORt?, 0|1; anything else -224):
  on, the module sinks "the maximum current that it can sink in the present operating range"
  (ch. 4 "Input Commands"): here CC at the top of its selected CC range, whatever its function,
  level or program, following a range change; the input off overrides it (the world's load
  input is what switches), so it sinks again at the next INP ON, as the 6050A-family guide
  says. OUTPut:SHORt, the guide's alias, is not modelled (nor OUTPut for INPut).

*RST as the manual's Language Dictionary gives it: INPut *RST value ON, so *RST turns every
module's input on (ch. 4 "Input Commands"); INPut:SHORt OFF, TRANsient OFF and the modes
FIXed. The *RST values of FUNCtion, of the levels, of the CC range and of the channel
selection could not be checked; the twin keeps CC, 0 A, the top of the CV and CR spans, the
high range and the lowest slot. Power-on is not *RST here: the twin starts with its inputs
off, as the simulated bench does (the manual's power-on state was not checked either).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drivers.keysight_n3300a import CURRENT_RANGES, MODULES, SLOTS
from drivers.sim.twins import loads
from drivers.sim.twins.scpi import ScpiError, expect_args, nr3, number, scpi

_FUNCTIONS = {"CURRent": "CC", "VOLTage": "CV", "RESistance": "CR"}
_PROGRAMS = {"FIXed": "FIX", "LIST": "LIST"}
_select_cc_range, _cc_range_query = loads.range_setting("[SOURce:]CURRent:RANGe")


@scpi("[SOURce:]CURRent:RANGe")
def _cc_range(twin: KeysightN3300ATwin, args: str) -> None:
    """CURRent:RANGe; a short on the selected module then sinks the new range's top."""
    _select_cc_range(twin, args)
    twin.apply(twin.selected)


class KeysightN3300ATwin(loads.ScpiLoadTwin):
    """Options: model (N3300A or N3301A; default N3300A), channel (the slot of the station's
    module; default 1), module (N3302A ... N3307A; default N3302A). `others` puts more modules
    in other slots, e.g. {3: "N3305A"} (tests of several drivers on one mainframe)."""

    RANGE_LOWERS_LEVEL = True  # the guide's value coupling

    def __init__(self, world: Any, *, model: str = "N3300A", channel: int = 1,
                 module: str | None = None, others: Mapping[int, str] | None = None) -> None:
        if model not in SLOTS:
            raise ValueError(f"KeysightN3300ATwin: model {model!r} is not one of "
                             f"{', '.join(SLOTS)}")
        if others and channel in others:
            raise ValueError(f"KeysightN3300ATwin: slot {channel} holds the station's module")
        self.model, self.slots = model, SLOTS[model]
        self.modules = {**(others or {}), channel: module or "N3302A"}
        for slot, name in self.modules.items():
            self._check_module(slot, name)
        self.idn = f"Agilent Technologies,{model},0,A.03.01"
        super().__init__(world, {slot: MODULES[name] for slot, name in self.modules.items()},
                         wired=channel,
                         cc_ranges={slot: CURRENT_RANGES[name] for slot, name in self.modules.items()})

    def _check_module(self, slot: int, name: str) -> None:
        """ValueError unless `name` is a load module and `slot` one of the mainframe's."""
        if name not in MODULES:
            raise ValueError(f"KeysightN3300ATwin: module {name!r} is not one of "
                             f"{', '.join(MODULES)}")
        if slot not in range(1, self.slots + 1):
            raise ValueError(f"KeysightN3300ATwin: the {self.model} has no slot {slot!r}")

    def wire(self, channel: int, world: Any, module: str | None = None, **options: Any) -> None:
        """Wire the module in slot `channel` to another world's DUT, putting `module` (default
        N3302A) in the slot if it is empty; a slot holding another module is refused."""
        self.refuse_options(options)
        if channel in self.worlds:
            raise ValueError(f"KeysightN3300ATwin: slot {channel} is already wired")
        held = self.modules.get(channel)
        name = module or held or "N3302A"
        if held is not None and name != held:
            raise ValueError(f"KeysightN3300ATwin: slot {channel} holds a {held}, not a {name}")
        self._check_module(channel, name)
        if held is None:
            self.modules[channel] = name
            self.ratings[channel] = MODULES[name]
            self.cc_ranges[channel] = CURRENT_RANGES[name]
        super().wire(channel, world)

    def reset(self) -> None:
        super().reset()
        self.selected = min(self.inputs)

    @scpi("*RST")
    def _rst(self, args: str) -> None:
        super()._rst(args)
        for slot in self.inputs:
            self.set_input(slot, True)  # INPut *RST value ON

    def targets(self, parts: list[str]) -> tuple[int, ...]:
        return (self.selected,)

    def apply(self, ch: int) -> None:
        """A module's short sinks the top of its selected CC range (INPut:SHORt: "the maximum
        current that it can sink in the present operating range"); else as other loads."""
        world = self.worlds.get(ch)
        state = self.inputs[ch]
        if world is not None and state.short:
            world.set_load("CC", state.ranges[("CC", "I")])
        else:
            super().apply(ch)

    @scpi("CHANnel[:LOAD]", "INSTrument[:SELect]")
    def _select_channel(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        channel = int(number(arg, 1, self.slots))
        if channel not in self.inputs:
            raise ScpiError(-241, "Hardware missing")
        self.selected = channel

    @scpi("CHANnel[:LOAD]?", "INSTrument[:SELect]?")
    def _selected_channel(self, args: str) -> str:
        expect_args(args, 0)
        return str(self.selected)

    @scpi("*RDT?")
    def _resources(self, args: str) -> str:
        expect_args(args, 0)
        return ";".join(f"CHANNEL {ch}:{module}" for ch, module in sorted(self.modules.items()))

    _range, _range_query = _cc_range, _cc_range_query
    _transient, _transient_query = loads.switch("[SOURce:]TRANsient[:STATe]", "transient")
    _cc_mode, _cc_mode_query = loads.transient_mode("CC", "[SOURce:]CURRent:MODE", _PROGRAMS)
    _cv_mode, _cv_mode_query = loads.transient_mode("CV", "[SOURce:]VOLTage:MODE", _PROGRAMS)
    _cr_mode, _cr_mode_query = loads.transient_mode("CR", "[SOURce:]RESistance:MODE", _PROGRAMS)
    _function = loads.function("[SOURce:]FUNCtion", _FUNCTIONS)
    _mode = loads.function("[SOURce:]MODE", _FUNCTIONS)
    _input, _input_query = loads.input_state("[SOURce:]INPut[:STATe]")
    _short, _short_query = loads.switch("[SOURce:]INPut:SHORt", "short")
    _voltage, _current, _power = loads.measures("MEASure[:SCALar]:{quantity}[:DC]?", nr3)
