"""What the electronic-load drivers share: a ratings table per model and one
ElectronicLoad sequence, with each family's command spellings filled in by its module.

The sequence, whatever the family:
- ranges are checked before anything is sent (RangeError), a mode a model lacks included;
- the level is written before the function, so switching mode never regulates, even for a
  moment, at the stale level of the new function (e.g. a 40 A CC level left from last run);
  the function is written only when it changes, and again after every identify() (a new
  session: the front panel may have changed it meanwhile);
- the level (and function) just sent are confirmed through the error queue where the family
  has one (ERROR_QUERY): a refused set-point is an InstrumentError before the input goes on;
- readings are checked for plausibility against the model's ratings, and a small negative
  current (offset noise around zero) reads as 0 A.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from drivers.roles import InstrumentError, LoadMode, RangeError
from drivers.scpi import ScpiInstrument, check_range, nrf
from drivers.transports import Transport

# mode -> (what the level is, its unit), for messages
QUANTITIES: dict[str, tuple[str, str]] = {
    "CC": ("CC current", "A"), "CV": ("CV voltage", "V"),
    "CR": ("CR resistance", "ohm"), "CP": ("CP power", "W"),
}


@dataclass(frozen=True, slots=True)
class LoadRatings:
    """A load's (or load module's) ratings; `ohms` is the settable CR span, `watts` None
    when the model has no CP mode."""

    volts: float
    amps: float
    watts: float | None
    ohms: tuple[float, float]

    def span(self, mode: str) -> tuple[float, float] | None:
        """The settable range of a mode's level, None when the model lacks the mode."""
        if mode == "CC":
            return 0.0, self.amps
        if mode == "CV":
            return 0.0, self.volts
        if mode == "CR":
            return self.ohms
        return None if self.watts is None else (0.0, self.watts)


class ScpiLoad(ScpiInstrument):
    """ElectronicLoad role over a text protocol. Subclasses give RATINGS and the command
    templates; `{value}`, `{function}`, `{state}` and `{ch}` (the channel) are filled in."""

    RATINGS: Mapping[str, LoadRatings]
    LEVEL: Mapping[str, str]  # mode -> level command template
    FUNCTIONS: Mapping[str, str] = {"CC": "CURR", "CV": "VOLT", "CR": "RES", "CP": "POW"}
    FUNCTION: str
    INPUT: str
    INPUT_STATES: tuple[str, str] = ("OFF", "ON")
    INPUT_QUERY: str
    MEASURE_VOLTAGE: str
    MEASURE_CURRENT: str
    channel: int = 1

    def __init__(self, transport: Transport, *, model: str | None = None) -> None:
        super().__init__(transport, model=model)
        self._mode: str | None = None  # the function last written; None = unknown

    def identify(self) -> str:
        self._mode = None  # a new session: the function may have been changed on the front panel
        return super().identify()

    def _ratings(self) -> tuple[LoadRatings, str]:
        """The ratings that apply and how to name them in messages (asks *IDN? once if needed)."""
        model = self._known_model()
        return self.RATINGS[model], model

    def _format(self, template: str, **fields: str) -> str:
        """A channel-specific command (a mainframe adds its channel selection)."""
        return template.format(ch=self.channel, **fields)

    def _number(self, value: float) -> str:
        """A level as the command takes it."""
        return nrf(value)

    def set_mode(self, mode: LoadMode, level: float) -> None:
        if mode not in QUANTITIES:
            raise ValueError(f"load mode {mode!r} is not one of {', '.join(QUANTITIES)}")
        ratings, where = self._ratings()
        quantity, unit = QUANTITIES[mode]
        span = ratings.span(mode)
        if span is None:
            raise RangeError(f"the {where} has no {mode} mode")
        value = check_range(quantity, level, *span, unit, where)
        sent = [self._format(self.LEVEL[mode], value=self._number(value))]
        if mode != self._mode:
            sent.append(self._format(self.FUNCTION, function=self.FUNCTIONS[mode]))
        try:
            for command in sent:
                self.transport.write(command)
            self._confirm(sent)
        except InstrumentError:
            self._mode = None
            raise
        self._mode = mode

    def set_input(self, on: bool) -> None:
        self.transport.write(self._format(self.INPUT, state=self.INPUT_STATES[bool(on)]))

    def input_on(self) -> bool:
        return self._query_bool(self._format(self.INPUT_QUERY))

    def measure(self) -> tuple[float, float]:
        ratings, _ = self._ratings()
        volts = self._query_float(self._format(self.MEASURE_VOLTAGE), -ratings.volts,
                                  1.1 * ratings.volts)
        amps = self._query_float(self._format(self.MEASURE_CURRENT), -0.01 * ratings.amps,
                                 1.1 * ratings.amps)
        return volts, max(amps, 0.0)  # offset noise around zero is not a sunk current
