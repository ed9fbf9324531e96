"""What the simulated electronic loads share: per-input state (function, levels, input on/off)
bound to the world's load, and handler factories for the commands every family has in its
own spelling. One input is wired to the world's DUT; any other input of a multi-input load
sees an open circuit (0 V, 0 A).

A family's twin says how a command names its input (CHANNEL_ARGS trailing channel-list
parameters, or none and `targets()` answers with the selected channel) and lists its
commands with the factories below, in its manual's header spelling.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from drivers.loads import LoadRatings
from drivers.sim.twins.scpi import ScpiError, ScpiTwin, boolean, choice, expect_args, number, scpi

Handler = Callable[[Any, str], "str | None"]


@dataclass(slots=True)
class LoadInput:
    """One input of a load: what the front panel would show."""

    ratings: LoadRatings
    function: str = "CC"
    levels: dict[str, float] = field(default_factory=dict)
    on: bool = False


class LoadTwin(ScpiTwin):
    """Base of the simulated loads. `inputs` maps input numbers to their ratings; `wired` is
    the input connected to the world's DUT."""

    CHANNEL_ARGS = 0  # trailing channel-list parameters a channel-specific command may take

    def __init__(self, world: Any, inputs: Mapping[int, LoadRatings], wired: int) -> None:
        if wired not in inputs:
            raise ValueError(f"{type(self).__name__}: input {wired} does not exist; inputs: "
                             f"{', '.join(map(str, inputs))}")
        super().__init__()
        self.world = world
        self.ratings = dict(inputs)
        self.wired = wired
        self.reset()

    def reset(self) -> None:
        self.inputs = {ch: LoadInput(r, levels={"CC": 0.0, "CV": r.volts, "CR": r.ohms[1],
                                                "CP": 0.0})
                       for ch, r in self.ratings.items()}
        self.world.set_load_input(False)
        self.world.set_load("CC", 0.0)

    def targets(self, parts: list[str]) -> tuple[int, ...]:
        """The inputs a command's trailing parameters name (single-input loads: input 1)."""
        return (1,)

    def span(self, ch: int, mode: str) -> tuple[float, float]:
        """The settable range of a mode's level on an input (-113 if it lacks the mode)."""
        span = self.inputs[ch].ratings.span(mode)
        if span is None:
            raise ScpiError(-113, "Undefined header")
        return span

    def set_level(self, ch: int, mode: str, value: float) -> None:
        state = self.inputs[ch]
        state.levels[mode] = value
        if ch == self.wired and state.function == mode:
            self.world.set_load(mode, value)

    def set_function(self, ch: int, mode: str) -> None:
        state = self.inputs[ch]
        state.function = mode
        if ch == self.wired:
            self.world.set_load(mode, state.levels[mode])

    def set_input(self, ch: int, on: bool) -> None:
        self.inputs[ch].on = on
        if ch == self.wired:
            self.world.set_load_input(on)

    def reading(self, ch: int) -> tuple[float, float]:
        """Voltage and current at an input: the DUT's on the wired one, open circuit elsewhere."""
        return self.world.load_reading() if ch == self.wired else (0.0, 0.0)


def _channels(twin: LoadTwin, args: str, low: int) -> tuple[list[str], tuple[int, ...]]:
    parts = expect_args(args, low, low + twin.CHANNEL_ARGS)
    return parts[:low], twin.targets(parts[low:])


def level(mode: str, pattern: str, fmt: Callable[[float], str]) -> tuple[Handler, Handler]:
    """Set and query handlers of one mode's level."""

    @scpi(pattern)
    def set_level(self: LoadTwin, args: str) -> None:
        (value,), targets = _channels(self, args, 1)
        for ch in targets:
            self.set_level(ch, mode, number(value, *self.span(ch, mode)))

    @scpi(pattern + "?")
    def get_level(self: LoadTwin, args: str) -> str:
        _, targets = _channels(self, args, 0)
        return ",".join(fmt(self.inputs[ch].levels[mode]) for ch in targets)

    return set_level, get_level


def function(pattern: str, names: Mapping[str, str]) -> Handler:
    """The handler selecting the function from a character parameter, e.g. {"CURRent": "CC"}."""

    @scpi(pattern)
    def set_function(self: LoadTwin, args: str) -> None:
        (name,), targets = _channels(self, args, 1)
        mode = choice(name, names)
        for ch in targets:
            self.set_function(ch, mode)

    return set_function


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


def measure(pattern: str, quantity: Callable[[float, float], float],
            fmt: Callable[[float], str]) -> Handler:
    """A measurement query: `quantity` turns (volts, amps) into what it reports."""

    @scpi(pattern)
    def measure_query(self: LoadTwin, args: str) -> str:
        _, targets = _channels(self, args, 0)
        return ",".join(fmt(quantity(*self.reading(ch))) for ch in targets)

    return measure_query


def volts(v: float, a: float) -> float:
    return v


def amps(v: float, a: float) -> float:
    return a


def watts(v: float, a: float) -> float:
    return v * a
