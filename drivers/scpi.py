"""What every SCPI driver here shares: identity check, reply parsing, range checks.

Kept out of the instrument modules so each of them holds only its own manual's facts.
"""
from __future__ import annotations

import math
from collections.abc import Collection

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


class ScpiInstrument(Driver):
    """A driver over one transport. Subclasses name the manufacturers and models they accept."""

    manufacturers: tuple[str, ...]
    models: Collection[str]

    def __init__(self, transport: Transport, *, model: str | None = None) -> None:
        if model is not None and model not in self.models:
            raise ValueError(f"{type(self).__name__}: model {model!r} is not one of "
                             f"{', '.join(self.models)}")
        super().__init__(transport)
        self.model = model  # the expected model until identify() reads the real one

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.model or '?'} at {self.resource}>"

    def identify(self) -> str:
        """*IDN?; InstrumentError unless the answer is one of this driver's models
        (and the model the station expects, when it names one)."""
        idn = self.transport.query("*IDN?")
        fields = [f.strip() for f in idn.split(",")]
        if len(fields) != 4:
            raise InstrumentError(f"{self.resource}: '*IDN?' answered {idn!r}: not an IEEE 488.2 "
                                  "identification (maker,model,serial,firmware)")
        self._accept(fields[0], fields[1])
        return idn

    def _accept(self, maker: str, model: str) -> None:
        """Take the identity the instrument gave, or InstrumentError if it is not one of ours
        (or not the model the station expects)."""
        if maker.upper() not in (m.upper() for m in self.manufacturers) or model not in self.models:
            raise InstrumentError(f"{self.resource} is a {maker} {model}, not one of the "
                                  f"{type(self).__name__} models ({', '.join(self.models)})")
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
