"""What the simulated electronic loads share: per-input state (function, levels, ranges, what
the front panel may leave running, input on/off) bound to the world's load, and handler
factories for the commands every family has in its own spelling. The constructor wires one
input to the world's DUT; `wire()` wires another input of a multi-input load to another world
(a rack: one instrument, one DUT per input, each with its own simulated time). An input wired
to no world sees an open circuit (0 V, 0 A).

A family's twin says how a command names its input (CHANNEL_ARGS trailing channel-list
parameters, or none and `targets()` answers with the selected channel), which ranges it has
(`range_tops()`) and what a range change does to a level above the new range
(RANGE_LOWERS_LEVEL), and lists its commands with the factories below, in its manual's header
spelling.

What a wired input sinks (`apply()`): a short at the lowest resistance; else, while a
program runs instead of the static level (a LIST, transient, battery or other test the front
panel left: `running()`), `program_amps` in CC (a test sets it); else the level of its function.
A level above the selected range of its own quantity is refused (-222, level unchanged).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, ClassVar

from drivers.loads import COUPLED, QUANTITIES, LoadRatings, RangeKey
from drivers.sim.twins.scpi import ScpiError, ScpiTwin, boolean, choice, expect_args, nr3, number, scpi

Handler = Callable[[Any, str], "str | None"]
STATIC = "FIX"  # the transient mode of a function that holds its level


@dataclass(slots=True)
class LoadInput:
    """One input of a load: what the front panel would show."""

    ratings: LoadRatings
    function: str = "CC"
    levels: dict[str, float] = field(default_factory=dict)
    on: bool = False
    ranges: dict[RangeKey, float] = field(default_factory=dict)  # the selected range tops
    program: str | None = None  # the program (LIST, BATTery...) run instead of the level, if any
    modes: dict[str, str] = field(default_factory=dict)  # each function's transient mode
    transient: bool = False  # the transient generator
    short: bool = False
    remote_sense: bool = False


class LoadTwin(ScpiTwin):
    """Base of the simulated loads. `inputs` maps input numbers to their ratings; `wired` is
    the input connected to the world's DUT (`world` and `wired` stay that first wiring;
    `worlds` maps every wired input to its world); `cc_ranges` the tops of each input's CC
    ranges, lowest first, where the family has them."""

    CHANNEL_ARGS = 0  # trailing channel-list parameters a channel-specific command may take
    RANGE_LOWERS_LEVEL: ClassVar[bool] = False  # a lower range sets a level above it to its top
    program_amps = 0.0  # what a program left running sinks at input ON (a test sets it)

    def __init__(self, world: Any, inputs: Mapping[int, LoadRatings], wired: int,
                 cc_ranges: Mapping[int, tuple[float, ...]] | None = None) -> None:
        self._check_input(wired, inputs)
        super().__init__()
        self.world = world
        self.ratings = dict(inputs)
        self.wired = wired
        self.worlds: dict[int, Any] = {wired: world}
        self.cc_ranges = dict(cc_ranges or {})
        self.reset()

    def reset(self) -> None:
        self.inputs = {ch: self._powered_on(ch, ratings) for ch, ratings in self.ratings.items()}
        for ch, world in self.worlds.items():
            world.set_load_input(False)
            self.apply(ch)

    def wire(self, channel: int, world: Any, **options: Any) -> None:
        """Wire another input to another world's DUT. It starts as the constructor's inputs
        do: at power-on, off (its world's load input off). A family that can hold other
        hardware in an input takes `options` (see KeysightN3300ATwin); here none is known."""
        self.refuse_options(options)
        self._check_input(channel, self.ratings)
        if channel in self.worlds:
            raise ValueError(f"{type(self).__name__}: input {channel} is already wired")
        self.worlds[channel] = world
        self.inputs[channel] = self._powered_on(channel, self.ratings[channel])
        world.set_load_input(False)
        self.apply(channel)

    def _check_input(self, ch: int, inputs: Mapping[int, LoadRatings]) -> None:
        if ch not in inputs:
            raise ValueError(f"{type(self).__name__}: input {ch} does not exist; inputs: "
                             f"{', '.join(map(str, inputs))}")

    def refuse_options(self, options: Mapping[str, Any]) -> None:
        """ValueError naming the options of `wire()` this family does not know."""
        if options:
            raise ValueError(f"{type(self).__name__}: wire() takes no option "
                             f"{', '.join(map(repr, options))}")

    def _powered_on(self, ch: int, ratings: LoadRatings) -> LoadInput:
        """An input at power-on here: CC at 0 A, the other levels at the top of their spans,
        the highest ranges, no program, every function's transient mode FIX, local sense, off."""
        ranges = {(mode, kind): tops[-1] for mode in QUANTITIES for kind in COUPLED.values()
                  if (tops := self.range_tops(ch, mode, kind))}
        return LoadInput(ratings, levels={"CC": 0.0, "CV": ratings.volts, "CR": ratings.ohms[1],
                                          "CP": 0.0},
                         ranges=ranges, modes=dict.fromkeys(QUANTITIES, STATIC))

    def targets(self, parts: list[str]) -> tuple[int, ...]:
        """The inputs a command's trailing parameters name (single-input loads: input 1)."""
        return (1,)

    def range_tops(self, ch: int, mode: str, kind: str) -> tuple[float, ...]:
        """The tops of an input's ranges of one kind ("I" current, "V" voltage) for a
        function, lowest first; none where the family has no such range. By default the CC
        function's current ranges (`cc_ranges`)."""
        return self.cc_ranges.get(ch, ()) if (mode, kind) == ("CC", "I") else ()

    def span(self, ch: int, mode: str) -> tuple[float, float]:
        """The settable range of a mode's level on an input (-113 if it lacks the mode): up to
        the selected range of its own quantity, where the family has one."""
        state = self.inputs[ch]
        span = state.ratings.span(mode)
        if span is None:
            raise ScpiError(-113, "Undefined header")
        selected = state.ranges.get((mode, COUPLED.get(mode, "")))
        return span if selected is None else (span[0], min(span[1], selected))

    def running(self, ch: int) -> bool:
        """Whether a program runs on an input instead of its static level: one the front panel
        selected, the transient generator, or its function's transient mode."""
        state = self.inputs[ch]
        return state.program is not None or state.transient or state.modes[state.function] != STATIC

    def apply(self, ch: int) -> None:
        """What the load of the world wired to `ch`, if any, regulates to (see the module
        docstring)."""
        world = self.worlds.get(ch)
        if world is None:
            return
        state = self.inputs[ch]
        if state.short:
            world.set_load("CR", state.ratings.ohms[0])
        elif self.running(ch):
            world.set_load("CC", self.program_amps)
        else:
            world.set_load(state.function, state.levels[state.function])

    def set_level(self, ch: int, mode: str, value: float) -> None:
        self.inputs[ch].levels[mode] = value
        self.apply(ch)

    def set_function(self, ch: int, mode: str) -> None:
        self.inputs[ch].function = mode
        self.apply(ch)

    def set_input(self, ch: int, on: bool) -> None:
        self.inputs[ch].on = on
        world = self.worlds.get(ch)
        if world is not None:
            world.set_load_input(on)

    def setting(self, value: float) -> str:
        """A level or a range top as the queries answer it: NR3 unless the family's manual
        says otherwise."""
        return nr3(value)

    def reading(self, ch: int) -> tuple[float, float]:
        """Voltage and current at an input: its world's DUT if wired, else an open circuit."""
        world = self.worlds.get(ch)
        return (0.0, 0.0) if world is None else world.load_reading()


def _channels(twin: LoadTwin, args: str, low: int) -> tuple[list[str], tuple[int, ...]]:
    """A command's `low` leading parameters and the inputs its trailing ones name."""
    if not args and not low:  # a query of the addressed input, as at every sample: nothing to split
        return [], twin.targets([])
    parts = expect_args(args, low, low + twin.CHANNEL_ARGS)
    return parts[:low], twin.targets(parts[low:])


def level(mode: str, pattern: str) -> tuple[Handler, Handler]:
    """Set and query handlers of one mode's level (-113 on an input that lacks the mode)."""

    @scpi(pattern)
    def set_level(self: LoadTwin, args: str) -> None:
        (value,), targets = _channels(self, args, 1)
        for ch in targets:
            self.set_level(ch, mode, number(value, *self.span(ch, mode)))

    @scpi(pattern + "?")
    def get_level(self: LoadTwin, args: str) -> str:
        _, targets = _channels(self, args, 0)
        for ch in targets:
            self.span(ch, mode)  # -113 where the input lacks the mode
        return ",".join(self.setting(self.inputs[ch].levels[mode]) for ch in targets)

    return set_level, get_level


def function(pattern: str, names: dict[str, str]) -> Handler:
    """The handler selecting the function from a character parameter, e.g. {"CURRent": "CC"}."""

    @scpi(pattern)
    def set_function(self: LoadTwin, args: str) -> None:
        (name,), targets = _channels(self, args, 1)
        mode = choice(name, names)
        for ch in targets:
            self.set_function(ch, mode)

    return set_function


def function_query(pattern: str, replies: Mapping[str, str]) -> Handler:
    """The query of the function, answered replies[mode]."""

    @scpi(pattern)
    def get_function(self: LoadTwin, args: str) -> str:
        _, targets = _channels(self, args, 0)
        return ",".join(replies[self.inputs[ch].function] for ch in targets)

    return get_function


def range_setting(pattern: str, *, mode: str = "CC", kind: str = "I",
                  default: bool = False) -> tuple[Handler, Handler]:
    """Set and query handlers of a function's current ("I") or voltage ("V") range: a value (or
    MIN, MAX, and DEF for the highest with `default`) selects the lowest range that covers it.
    One that would leave the level of its own quantity above it lowers that level to its top
    (RANGE_LOWERS_LEVEL) or is refused (-221) on every input it names."""
    coupled = COUPLED.get(mode) == kind

    @scpi(pattern)
    def set_range(self: LoadTwin, args: str) -> None:
        (arg,), targets = _channels(self, args, 1)
        picked: dict[int, float] = {}
        for ch in targets:
            tops = self.range_tops(ch, mode, kind)
            highest = default and arg.upper() in ("DEF", "DEFAULT")
            wanted = tops[-1] if highest else number(arg, 0.0, tops[-1])
            picked[ch] = min(top for top in tops if wanted <= top)
        above = [ch for ch, top in picked.items() if coupled and self.inputs[ch].levels[mode] > top]
        if above and not self.RANGE_LOWERS_LEVEL:
            raise ScpiError(-221, "Settings conflict")
        for ch, top in picked.items():
            self.inputs[ch].ranges[(mode, kind)] = top
            if ch in above:
                self.set_level(ch, mode, top)

    @scpi(pattern + "?")
    def get_range(self: LoadTwin, args: str) -> str:
        _, targets = _channels(self, args, 0)
        return ",".join(self.setting(self.inputs[ch].ranges[(mode, kind)]) for ch in targets)

    return set_range, get_range


def program(pattern: str, names: dict[str, str], static: str) -> tuple[Handler, Handler]:
    """Set and query handlers of the program selected instead of static regulation (e.g.
    FUNCtion:MODE FIXed|LIST): `names` maps mnemonics to answers, `static` answers for none."""

    @scpi(pattern)
    def set_program(self: LoadTwin, args: str) -> None:
        (name,), targets = _channels(self, args, 1)
        selected = choice(name, names)
        for ch in targets:
            self.inputs[ch].program = None if selected == static else selected
            self.apply(ch)

    return set_program, program_query(pattern + "?", static)


def program_query(pattern: str, static: str) -> Handler:
    """The query of the program running instead of static regulation (`static` for none)."""

    @scpi(pattern)
    def get_program(self: LoadTwin, args: str) -> str:
        _, targets = _channels(self, args, 0)
        return ",".join(self.inputs[ch].program or static for ch in targets)

    return get_program


def transient_mode(mode: str, pattern: str, names: dict[str, str]) -> tuple[Handler, Handler]:
    """Set and query handlers of one function's transient mode ([SOURce:]<function>:MODE
    FIXed|STEP|LIST): outside FIX a trigger runs the program instead of the level."""

    @scpi(pattern)
    def set_mode(self: LoadTwin, args: str) -> None:
        (name,), targets = _channels(self, args, 1)
        selected = choice(name, names)
        for ch in targets:
            self.inputs[ch].modes[mode] = selected
            self.apply(ch)

    @scpi(pattern + "?")
    def get_mode(self: LoadTwin, args: str) -> str:
        _, targets = _channels(self, args, 0)
        return ",".join(self.inputs[ch].modes[mode] for ch in targets)

    return set_mode, get_mode


def switch(pattern: str, name: str, replies: tuple[str, str] = ("0", "1"),
           words: dict[str, bool] | None = None) -> tuple[Handler, Handler]:
    """Set and query handlers of an on/off setting of LoadInput (`name`: short, transient,
    remote_sense): a boolean parameter, or one of `words`; the query answers replies[on]."""

    @scpi(pattern)
    def set_switch(self: LoadTwin, args: str) -> None:
        (arg,), targets = _channels(self, args, 1)
        on = boolean(arg) if words is None else choice(arg, words)
        for ch in targets:
            setattr(self.inputs[ch], name, on)
            self.apply(ch)

    @scpi(pattern + "?")
    def get_switch(self: LoadTwin, args: str) -> str:
        _, targets = _channels(self, args, 0)
        return ",".join(replies[getattr(self.inputs[ch], name)] for ch in targets)

    return set_switch, get_switch


def input_state(pattern: str, replies: tuple[str, str] = ("0", "1")) -> tuple[Handler, Handler]:
    """Set and query handlers of the input state; the query answers replies[on]."""

    @scpi(pattern)
    def set_state(self: LoadTwin, args: str) -> None:
        (state,), targets = _channels(self, args, 1)
        on = boolean(state)
        for ch in targets:
            self.set_input(ch, on)

    @scpi(pattern + "?")
    def get_state(self: LoadTwin, args: str) -> str:
        _, targets = _channels(self, args, 0)
        return ",".join(replies[self.inputs[ch].on] for ch in targets)

    return set_state, get_state


def measure(pattern: str, quantity: Callable[[tuple[float, float]], float],
            fmt: Callable[[float], str]) -> Handler:
    """A measurement query: `quantity` turns a reading (volts, amps) into what it reports."""

    @scpi(pattern)
    def measure_query(self: LoadTwin, args: str) -> str:
        _, targets = _channels(self, args, 0)
        return ",".join(map(fmt, map(quantity, map(self.reading, targets))))

    return measure_query


def measures(pattern: str, fmt: Callable[[float], str]) -> tuple[Handler, Handler, Handler]:
    """The voltage, current and power queries, `pattern` with {quantity} for VOLTage,
    CURRent, POWer, e.g. "MEASure[:SCALar]:{quantity}[:DC]?"."""
    return (measure(pattern.format(quantity="VOLTage"), volts, fmt),
            measure(pattern.format(quantity="CURRent"), amps, fmt),
            measure(pattern.format(quantity="POWer"), watts, fmt))


class ScpiLoadTwin(LoadTwin):
    """A load whose levels are spelled as SCPI-99's SOURce subsystem spells them:
    [SOURce:]CURRent|VOLTage|RESistance|POWer[:LEVel][:IMMediate] and their queries."""

    _cc, _cc_query = level("CC", "[SOURce:]CURRent[:LEVel][:IMMediate]")
    _cv, _cv_query = level("CV", "[SOURce:]VOLTage[:LEVel][:IMMediate]")
    _cr, _cr_query = level("CR", "[SOURce:]RESistance[:LEVel][:IMMediate]")
    _cp, _cp_query = level("CP", "[SOURce:]POWer[:LEVel][:IMMediate]")


volts = itemgetter(0)  # of a reading (volts, amps)
amps = itemgetter(1)


def watts(reading: tuple[float, float]) -> float:
    volts, amps = reading
    return volts * amps
