"""What every SCPI driver here shares: identity check, reply parsing, range checks.

Kept out of the instrument modules so each of them holds only its own manual's facts.
"""
from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import ClassVar

from drivers.base import Driver
from drivers.roles import InstrumentError, RangeError
from drivers.transports import Transport


def check_range(what: str, value: float, low: float, high: float, unit: str, model: str) -> float:
    """`value` as float if low <= value <= high, else RangeError naming value and range."""
    value = float(value)
    if not low <= value <= high:  # also rejects NaN
        raise RangeError(f"{what} {value:g} {unit} is outside the {model} range "
                         f"{low:g}..{high:g} {unit}")
    return value


def nrf(value: float) -> str:
    """A setpoint as SCPI <NRf>: enough digits for any bench resolution, no float noise."""
    return format(value, ".7g")


def parse_float(reply: str, command: str, low: float, high: float) -> float:
    """A numeric reply, or InstrumentError naming command and reply if garbled or implausible."""
    try:
        value = float(reply)
    except ValueError:
        raise InstrumentError(f"{command!r} answered {reply!r}: not a number") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise InstrumentError(f"{command!r} answered {reply!r}: outside {low:g}..{high:g}")
    return value


MAX_CONFIRMED = 32  # confirmed commands kept per session (the known state, then the latest set-points)
MAX_ERRORS = 20  # entries read from an error queue at most (SCPI-99 queues hold at least 2)


def error_code(reply: str, query: str) -> int:
    """The number of an error-queue entry: '+0,"No error"', '-222,"Data out of range"', or the
    '0  No Error' some instruments answer; InstrumentError if it is neither."""
    head = reply.strip().split(",", 1)[0].split(None, 1)
    try:
        return int(head[0])
    except (IndexError, ValueError):
        raise InstrumentError(f"{query!r} answered {reply!r}: not an error-queue entry") from None


class ScpiInstrument(Driver):
    """A driver over one transport. Subclasses name the manufacturers and models they accept,
    and the query of the instrument's error queue (ERROR_QUERY) where its manual gives one;
    without one, what they send is confirmed by reading it back (`_reads_back` says how)."""

    manufacturers: tuple[str, ...]
    models: Collection[str]
    ERROR_QUERY: ClassVar[str | None] = None
    # the station's remote-sense option -> what the instrument's sense command takes
    SENSE_STATES: ClassVar[Mapping[str, str]] = {"local": "OFF", "remote": "ON"}

    def __init__(self, transport: Transport, *, model: str | None = None) -> None:
        if model is not None and model not in self.models:
            raise ValueError(f"{type(self).__name__}: model {model!r} is not one of "
                             f"{', '.join(self.models)}")
        super().__init__(transport)
        self.model = model  # the expected model until identify() reads the real one
        # what the instrument took and confirmed this session (the known state, then set-points),
        # latest last: `bench instruments check` shows it
        self.confirmed: list[str] = []

    def _checked_sense(self, sense: str) -> str:
        """The station's `sense` option ("local" or "remote"), or ValueError: a driver checks
        it at construction, before anything is sent."""
        if sense not in self.SENSE_STATES:
            raise ValueError(f"{type(self).__name__}: sense {sense!r} is not "
                             f"{' or '.join(map(repr, self.SENSE_STATES))}")
        return sense

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.model or '?'} at {self.resource}>"

    def identify(self) -> str:
        """Who the instrument is (`_identity()`), then its error queue read empty: a new session,
        so what the queue held before is not about its set-points."""
        idn = self._identity()
        self._errors()
        self.confirmed = []
        return idn

    def _identity(self) -> str:
        """*IDN?; InstrumentError unless the answer is one of this driver's models (and the model
        the station expects, when it names one)."""
        idn = self.transport.query("*IDN?")
        fields = [f.strip() for f in idn.split(",")]
        if len(fields) != 4:
            raise InstrumentError(f"{self.resource}: '*IDN?' answered {idn!r}: not an IEEE 488.2 "
                                  "identification (maker,model,serial,firmware)")
        self._accept(fields[0], fields[1])
        return idn

    def _errors(self) -> list[str]:
        """Read the error queue empty; its entries, oldest first (none without an ERROR_QUERY)."""
        query = self.ERROR_QUERY
        errors: list[str] = []
        while query is not None and len(errors) < MAX_ERRORS:
            reply = self.transport.query(query)
            if error_code(reply, query) == 0:
                break
            errors.append(reply.strip())
        return errors

    def _write_confirmed(self, sent: Sequence[str]) -> None:
        """Write set-points in order, then confirm them all (`_confirm`)."""
        for command in sent:
            self.transport.write(command)
        self._confirm(sent)

    def _confirm(self, sent: Collection[str]) -> None:
        """The instrument took the set-points just sent: its error queue is empty or, for a family
        without one (ERROR_QUERY None), each reads back as written (`_read_back`). A refused one
        (a level outside the range the front panel left selected, a mode the model lacks...) is an
        InstrumentError naming the instrument, what was sent and what it answered, before
        anything is switched on."""
        self._check(sent)
        self._took(sent)

    def _check(self, sent: Collection[str]) -> None:
        """InstrumentError unless the instrument took `sent` (the error queue, or the read-back)."""
        if self.ERROR_QUERY is None:
            for command in sent:
                self._read_back(command)
        elif errors := self._errors():
            raise InstrumentError(f"{self.resource} refused {'; '.join(sent)}: {self.ERROR_QUERY} answered "
                                  f"{', '.join(errors)}")

    def _read_back(self, command: str) -> None:
        """The setting `command` ("HEADER value") wrote answers its value to "HEADER?", as
        `_reads_back` judges; else InstrumentError naming the instrument, the command and the
        reply."""
        header, _, value = command.partition(" ")
        query = f"{header}?"
        reply = self.transport.query(query).strip()
        if not self._reads_back(header, value, reply):
            raise InstrumentError(f"{self.resource} did not take {command}: {query} answered {reply!r}")

    def _reads_back(self, header: str, value: str, reply: str) -> bool:
        """Whether `reply` to "HEADER?" shows the value written: the same word, in any case, unless
        the family's manual says how it answers."""
        return reply.upper() == value.upper()

    def _took(self, sent: Collection[str]) -> None:
        """Keep commands as confirmed (by `_confirm`, or by a family's own check)."""
        self.confirmed = [*self.confirmed, *sent][-MAX_CONFIRMED:]

    def _accept(self, maker: str, model: str) -> None:
        """Take the identity the instrument gave, or InstrumentError if it is not one of ours
        (or not the model the station expects)."""
        if maker.upper() not in (m.upper() for m in self.manufacturers) or model not in self.models:
            raise InstrumentError(f"{self.resource} is a {maker} {model}, not one of the "
                                  f"{type(self).__name__} models ({', '.join(self.models)})")
        self._take_model(model)

    def _take_model(self, model: str) -> None:
        """Take the model the instrument reported, or InstrumentError if the station expects
        another."""
        if self.model is not None and model != self.model:
            raise InstrumentError(f"{self.resource} is a {model}; the station expects a {self.model}")
        self.model = model

    def _known_model(self) -> str:
        """The model whose ranges apply, asking the instrument once if the station did not say."""
        if self.model is None:
            self.identify()
        assert self.model is not None
        return self.model

    def _query_float(self, command: str, low: float, high: float) -> float:
        return parse_float(self.transport.query(command), command, low, high)

    def _query_bool(self, command: str) -> bool:
        """A SCPI boolean reply (0/1, OFF/ON), or InstrumentError naming command and reply."""
        reply = self.transport.query(command).strip()
        if reply.upper() in ("1", "ON"):
            return True
        if reply.upper() in ("0", "OFF"):
            return False
        raise InstrumentError(f"{command!r} answered {reply!r}: not a boolean")
