"""What the electronic-load drivers share: a ratings table per model and one
ElectronicLoad sequence, with each family's command spellings, known state and ranges filled in
by its module.

The sequence, whatever the family:
- open() identifies the instrument before anything else changes its state (after
  `_remote()`, for a line that needs a command for remote mode first);
- identify() then puts the input in its known state, all of it sent, then confirmed: the input
  off first (a crash may have left it on with a DUT connected, and a family may ignore a
  function change while it is on), what ends
  a program or a short the front panel left (PROGRAMS_OFF); the CC level 0 A; the CC function
  where selecting one is what ends a program (SELECTS_CC), after the level so that it never
  regulates at a stale one; the ranges a 0 A CC level needs (the lowest current range, the
  highest of any other range the driver manages); remote sense as the station says (SENSE,
  the driver's `sense` option); then the family's own check of it (`_check_known_state()`);
- ranges are checked before anything is sent (RangeError), a mode a model lacks included;
- a level is set in the ranges it needs (`_ranges_for`): of its own quantity the lowest that
  covers it, of the other the highest, so that the level, not a range, limits what is sunk. A
  range changes only when the one last selected this session is not it, ordered so the level
  is inside the selected range at every moment: to a higher range, the range first
  (confirmed), then the level; to a lower one, the level first (it fits both), then the range
  (confirmed). A range unknown (not selected yet, or not confirmed) counts as the lowest;
- the level is written before the function, so switching mode never regulates, even for a
  moment, at the stale level of the new function (e.g. a 40 A CC level left from last run);
  the function is written only when it changes, and again after every identify() (a new
  session: the front panel may have changed it meanwhile);
- what is sent is confirmed through the error queue where the family has one (ERROR_QUERY),
  else by reading each setting back (drivers/scpi.py): a refused set-point is an
  InstrumentError before the input goes on;
- readings are checked for plausibility against the model's ratings, and a small negative
  current (offset noise around zero) reads as 0 A.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from drivers.roles import InstrumentError, LoadMode, RangeError
from drivers.scpi import ScpiInstrument, check_range, nrf
from drivers.transports import Transport

# mode -> (what the level is, its unit), for messages
QUANTITIES: dict[str, tuple[str, str]] = {
    "CC": ("CC current", "A"), "CV": ("CV voltage", "V"),
    "CR": ("CR resistance", "ohm"), "CP": ("CP power", "W"),
}
# the kind of range ("I" current, "V" voltage) a mode's level is a quantity of
COUPLED: dict[str, str] = {"CC": "I", "CV": "V"}
RangeKey = tuple[str, str]  # (mode, kind): each function may keep its own ranges


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
    """ElectronicLoad role over a text protocol. Subclasses give RATINGS, the command templates
    and their known state; `{value}`, `{function}`, `{state}` and `{ch}` (the channel) are
    filled in."""

    RATINGS: Mapping[str, LoadRatings]
    LEVEL: Mapping[str, str]  # mode -> level command template
    FUNCTIONS: Mapping[str, str] = {"CC": "CURR", "CV": "VOLT", "CR": "RES", "CP": "POW"}
    FUNCTION: str
    INPUT: str
    INPUT_STATES: tuple[str, str] = ("OFF", "ON")
    INPUT_QUERY: str
    MEASURE_VOLTAGE: str
    MEASURE_CURRENT: str
    # the known state (see the module docstring)
    PROGRAMS_OFF: ClassVar[tuple[str, ...]] = ()
    SELECTS_CC: ClassVar[bool] = False
    CURRENT_RANGE: ClassVar[str | None] = None  # selects the CC range; None: left to the load
    CURRENT_RANGES: ClassVar[Mapping[str, tuple[float, ...]]] = {}  # model -> CC range tops, lowest first
    SENSE: ClassVar[str | None] = None  # remote sense, `{state}` from SENSE_STATES; None: not settable
    channel: int = 1
    sense: str  # "local" or "remote", where the family has SENSE (`_checked_sense`)

    def __init__(self, transport: Transport, *, model: str | None = None) -> None:
        super().__init__(transport, model=model)
        self._mode: str | None = None  # the function last written; None = unknown
        self._ranges: dict[RangeKey, float] = {}  # the range tops selected this session

    def open(self) -> None:
        super().open()
        self._remote()
        self.identity = self.identify()  # who it is before anything changes its state; then the known state

    def _remote(self) -> None:
        """What the line needs before *IDN? (e.g. remote mode over RS-232): nothing by default."""

    def identify(self) -> str:
        """Who it is (and `_identified`), then the known state, sent and confirmed, and the
        family's check of it (`_check_known_state`); InstrumentError if any is refused."""
        self._mode = None  # a new session: the front panel may have changed the function...
        self._ranges = {}  # ...and the ranges
        idn = self._identified(super().identify())
        ranges = self._ranges_for("CC", 0.0)
        sent = [self._format(self.INPUT, state=self.INPUT_STATES[False]),  # a crash may have left it on
                *(self._format(command) for command in self.PROGRAMS_OFF), self._level_command("CC", 0.0)]
        if self.SELECTS_CC:
            sent.append(self._function_command("CC"))
        sent += [self._range_command(key, top) for key, top in ranges.items()]
        if self.SENSE is not None:
            sent.append(self._format(self.SENSE, state=self.SENSE_STATES[self.sense]))
        self._write_confirmed(sent)
        self._check_known_state()
        self._ranges = ranges
        if self.SELECTS_CC:
            self._mode = "CC"
        return idn

    def _identified(self, idn: str) -> str:
        """What identify() reports once the instrument answered *IDN?, after the family's own
        checks (a channel, a module) and before its known state: the identity by default."""
        return idn

    def _check_known_state(self) -> None:
        """The family's check that its known state holds, once confirmed: none by default."""

    def _require_static(self, query: str, static: str, after: str, remedy: str) -> None:
        """`query` answers `static` (or a longer spelling of it): no program left running, which
        would run at input ON instead of the level; else InstrumentError saying what to do."""
        mode = self.transport.query(query).strip()
        if not mode.upper().startswith(static):
            raise InstrumentError(f"{self.resource} stays in {mode} mode after {after!r}: its "
                                  f"program would run at input ON; {remedy}")

    def _ratings(self) -> tuple[LoadRatings, str]:
        """The ratings that apply and how to name them in messages (asks *IDN? once if needed)."""
        model = self._known_model()
        return self.RATINGS[model], model

    def ranges(self, kind: str) -> tuple[float, ...]:
        """The tops of the current ("I", in A) or voltage ("V", in V) ranges the driver selects
        from, lowest first: the model's CURRENT_RANGES by default."""
        return self.CURRENT_RANGES[self._known_model()] if kind == "I" else ()

    def _range_templates(self, mode: str) -> dict[str, str]:
        """The commands selecting a function's ranges, by kind, `{value}` the range's top; none
        for ranges left to the load. By default CURRENT_RANGE, the CC function's current range."""
        return {"I": self.CURRENT_RANGE} if mode == "CC" and self.CURRENT_RANGE is not None else {}

    def _ranges_for(self, mode: str, value: float) -> dict[RangeKey, float]:
        """The ranges a mode's level `value` is set in: of its own quantity the lowest that
        covers it, of the other the highest."""
        needed: dict[RangeKey, float] = {}
        for kind in self._range_templates(mode):
            tops = self.ranges(kind)
            covering = (top for top in tops if value <= top) if COUPLED.get(mode) == kind else ()
            needed[(mode, kind)] = min(covering, default=tops[-1])
        return needed

    def _format(self, template: str, **fields: str) -> str:
        """A channel-specific command (a mainframe adds its channel selection)."""
        return template.format(ch=self.channel, **fields)

    def _number(self, value: float) -> str:
        """A level as the command takes it."""
        return nrf(value)

    def _level_command(self, mode: str, value: float) -> str:
        return self._format(self.LEVEL[mode], value=self._number(value))

    def _function_command(self, mode: str) -> str:
        return self._format(self.FUNCTION, function=self.FUNCTIONS[mode])

    def _range_command(self, key: RangeKey, top: float) -> str:
        mode, kind = key
        return self._format(self._range_templates(mode)[kind], value=nrf(top))

    def set_mode(self, mode: LoadMode, level: float) -> None:
        value = self._checked_level(mode, level)
        changes = {key: top for key, top in self._ranges_for(mode, value).items()
                   if self._ranges.get(key) != top}
        higher = [key for key, top in changes.items()
                  if top > self._ranges.get(key, self.ranges(key[1])[0])]
        for key in higher:
            self._select_range(key, changes[key])
        self._set_level(mode, value)
        for key, top in changes.items():
            if key not in higher:
                self._select_range(key, top)

    def _checked_level(self, mode: str, level: float) -> float:
        """The level as a float inside the model's span for the mode; ValueError for a mode that
        is none of CC, CV, CR, CP, RangeError for one the model lacks or a level outside it."""
        if mode not in QUANTITIES:
            raise ValueError(f"load mode {mode!r} is not one of {', '.join(QUANTITIES)}")
        ratings, where = self._ratings()
        quantity, unit = QUANTITIES[mode]
        span = ratings.span(mode)
        if span is None:
            raise RangeError(f"the {where} has no {mode} mode")
        return check_range(quantity, level, *span, unit, where)

    def _set_level(self, mode: str, value: float) -> None:
        sent = [self._level_command(mode, value)]
        if mode != self._mode:
            sent.append(self._function_command(mode))
        try:
            self._write_confirmed(sent)
        except InstrumentError:
            self._mode = None
            raise
        self._mode = mode

    def _select_range(self, key: RangeKey, top: float) -> None:
        self._ranges.pop(key, None)  # unknown until the instrument took it
        self._write_confirmed([self._range_command(key, top)])
        self._ranges[key] = top

    def set_input(self, on: bool) -> None:
        self.transport.write(self._format(self.INPUT, state=self.INPUT_STATES[bool(on)]))

    def input_on(self) -> bool:
        return self._query_bool(self._format(self.INPUT_QUERY))

    def measure(self) -> tuple[float, float]:
        (volts_query, v_low, v_high), (amps_query, a_low, a_high) = self._measurements
        volts = self._query_float(volts_query, v_low, v_high)
        amps = self._query_float(amps_query, a_low, a_high)
        return volts, max(amps, 0.0)  # offset noise around zero is not a sunk current

    @cached_property
    def _measurements(self) -> tuple[tuple[str, float, float], tuple[str, float, float]]:
        """The voltage and current queries of this input, each with the readings it may plausibly
        answer (`_ratings()`), worked out once: sent at every sample, they never change, and the
        ratings, once known, stay (as the model does)."""
        ratings, _ = self._ratings()
        return ((self._format(self.MEASURE_VOLTAGE), -ratings.volts, 1.1 * ratings.volts),
                (self._format(self.MEASURE_CURRENT), -0.01 * ratings.amps, 1.1 * ratings.amps))
