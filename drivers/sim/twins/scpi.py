"""The SCPI engine every simulated instrument shares: header matching, parameters, error queue.

A twin is strict like the real instrument: a header it does not know pushes -113, a bad
parameter -224 / -222 / -104 ..., readable through SYSTem:ERRor?; long and short forms,
optional nodes and any letter case are accepted as SCPI-99 vol. 1 "Syntax and Style" says;
error numbers and texts are the standard ones (SCPI-99 error list, IEEE 488.2).

Speed matters (a simulated 12 h run is ~250 000 queries): every accepted spelling of every
header is expanded once per class into one dict, and a twin remembers the messages it was sent
(up to KNOWN_MESSAGES of them: a driver sends the same few queries at every sample), so
dispatching a message seen before is one lookup and one call.
"""
from __future__ import annotations

import functools
import itertools
import re
from collections import deque
from collections.abc import Callable
from typing import ClassVar, TypeVar

T = TypeVar("T")
Handler = Callable[["ScpiTwin", str], "str | None"]

NO_ERROR = '+0,"No error"'
KNOWN_MESSAGES = 256  # distinct single-command messages a twin remembers the handler and parameters of


class ScpiError(Exception):
    """A SCPI error a handler raises; the twin queues it instead of executing the command."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code},{message}")
        self.code = code
        self.message = message


def scpi(*patterns: str) -> Callable[[Handler], Handler]:
    """Bind a handler to headers written as the manual writes them, e.g.
    "[SOURce:]CURRent[:LEVel][:IMMediate]" or "MEASure[:SCALar]:VOLTage[:DC]?"."""

    def mark(handler: Handler) -> Handler:
        handler.scpi_patterns = patterns  # type: ignore[attr-defined]
        return handler

    return mark


_NODE = re.compile(r"\[:?([A-Za-z*]+):?\]|:?([A-Za-z*][A-Za-z]*)")


def _spellings(mnemonic: str) -> set[str]:
    short = "".join(itertools.takewhile(lambda c: not c.islower(), mnemonic))
    return {mnemonic.upper(), short.upper() or mnemonic.upper()}


def expand(pattern: str) -> set[str]:
    """Every upper-case header spelling a pattern allows (no leading colon)."""
    query = pattern.endswith("?")
    body = pattern.rstrip("?")
    choices: list[list[str | None]] = []
    for optional, required in _NODE.findall(body):
        forms: list[str | None] = sorted(_spellings(optional or required))
        if optional:
            forms.append(None)
        choices.append(forms)
    suffix = "?" if query else ""
    return {":".join(n for n in combo if n) + suffix for combo in itertools.product(*choices)}


def split_args(args: str) -> list[str]:
    """Split a parameter list on commas outside parentheses and quotes."""
    if not args:
        return []
    if "," not in args:
        return [args.strip()]
    if "(" not in args and '"' not in args:
        return [a.strip() for a in args.split(",")]
    parts, depth, quoted, start = [], 0, False, 0
    for i, c in enumerate(args):
        if c == '"':
            quoted = not quoted
        elif not quoted and c == "(":
            depth += 1
        elif not quoted and c == ")":
            depth -= 1
        elif not quoted and depth == 0 and c == ",":
            parts.append(args[start:i].strip())
            start = i + 1
    parts.append(args[start:].strip())
    return parts


def expect_args(args: str, low: int, high: int | None = None) -> list[str]:
    """The parameters of a command, checking their count (-109 missing, -108 not allowed)."""
    parts = split_args(args) if args else []
    if len(parts) < low:
        raise ScpiError(-109, "Missing parameter")
    if len(parts) > (low if high is None else high):
        raise ScpiError(-108, "Parameter not allowed")
    return parts


def number(arg: str, low: float, high: float) -> float:
    """A numeric parameter (NRf, MINimum, MAXimum) checked against the instrument's range."""
    word = arg.upper()
    if word in ("MIN", "MINIMUM"):
        return low
    if word in ("MAX", "MAXIMUM"):
        return high
    try:
        value = float(arg)
    except ValueError:
        raise ScpiError(-104, "Data type error") from None
    if not low <= value <= high:
        raise ScpiError(-222, "Data out of range")
    return value


def boolean(arg: str) -> bool:
    """A boolean parameter: ON, OFF, 1 or 0."""
    word = arg.upper()
    if word in ("ON", "1"):
        return True
    if word in ("OFF", "0"):
        return False
    raise ScpiError(-224, "Illegal parameter value")


def choice(arg: str, options: dict[str, T]) -> T:
    """A character parameter given in long or short form, e.g. {"CURRent": "CC", ...}."""
    word = arg.upper()
    for mnemonic, value in options.items():
        if word in _spellings(mnemonic):
            return value
    raise ScpiError(-224, "Illegal parameter value")


@functools.lru_cache(maxsize=256)
def channel_list(arg: str) -> tuple[int, ...]:
    """A channel list such as (@101,103:105) -> (101, 103, 104, 105); cached, lists recur."""
    text = arg.replace(" ", "")
    if not (text.startswith("(@") and text.endswith(")")) or len(text) < 4:
        raise ScpiError(-224, "Illegal parameter value")
    channels: list[int] = []
    try:
        for item in text[2:-1].split(","):
            first, _, last = item.partition(":")
            lo = int(first)
            hi = int(last) if last else lo
            if hi < lo:
                raise ValueError(item)
            channels.extend(range(lo, hi + 1))
    except ValueError:
        raise ScpiError(-224, "Illegal parameter value") from None
    return tuple(channels)


def nr3(value: float) -> str:
    """A reading as Keysight instruments print it: +1.23456789E+00 (printf-style: the same text
    as format(value, "+.8E"), a third cheaper, and there are several at every sample)."""
    return "%+.8E" % value  # noqa: UP031 - on purpose, see above


class Twin:
    """What the sim:// transport needs of any simulated instrument, SCPI or not: its framing
    (checked against the driver's at open), the message level and the byte level."""

    input_terminators: tuple[str, ...] = ("\n", "\r\n")
    output_terminator: str = "\n"
    serial_line: bool = False

    def write(self, message: str) -> None:
        """Take one program message (what the driver's transport.write sends)."""
        raise NotImplementedError

    def read(self) -> str | None:
        """The pending response without terminator, or None (the read would time out)."""
        raise NotImplementedError

    def feed(self, data: bytes) -> bytes:
        """Take bytes from the line; return the bytes the instrument sends back."""
        raise NotImplementedError


class ScpiTwin(Twin):
    """Base of the simulated SCPI instruments: parses program messages, keeps the error queue
    and the output buffer, and frames bytes like the real interface does.

    Subclasses set `idn`, mark handlers with @scpi and implement `reset()` (*RST).
    """

    idn: str
    _headers: ClassVar[dict[str, Handler]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        table: dict[str, Handler] = {}
        for klass in reversed(cls.__mro__):  # subclasses may override common commands
            for member in vars(klass).values():
                for pattern in getattr(member, "scpi_patterns", ()):
                    table.update(dict.fromkeys(expand(pattern), member))
        cls._headers = table

    def __init__(self) -> None:
        self._errors: deque[str] = deque()
        # single-command message as received -> its handler and parameters (see KNOWN_MESSAGES)
        self._known: dict[str, tuple[Handler, str]] = {}
        self._output: str | None = None
        self._inbox = bytearray()

    # --- message level (what the sim transport calls) ---------------------------------

    def write(self, message: str) -> None:
        """Execute one program message (commands separated by ';')."""
        if self._output is not None:
            self._output = None
            self.push_error(-410, "Query INTERRUPTED")
        known = self._known.get(message)  # the common case: a message sent before, one lookup
        if known is None:
            if ";" in message:
                self._output = self._compound(message)
                return
            header, _, args = message.strip().partition(" ")
            known = self._resolve(header, "")[0], args.strip()
            if known[0] is not None and len(self._known) < KNOWN_MESSAGES:
                self._known[message] = known
        handler, args = known
        self._output = self._call(handler, args)

    def _compound(self, message: str) -> str | None:
        """Execute the ';'-separated commands of a message in turn; their replies joined."""
        replies, path = [], ""
        for unit in message.split(";"):
            header, _, args = unit.strip().partition(" ")
            handler, path = self._resolve(header, path)
            reply = self._call(handler, args.strip())
            if reply is not None:
                replies.append(reply)
        return ";".join(replies) if replies else None

    def _call(self, handler: Handler | None, args: str) -> str | None:
        """The handler's reply to its (stripped) parameters; a refusal or an unknown header queued."""
        if handler is None:
            self.push_error(-113, "Undefined header")
            return None
        try:
            return handler(self, args)
        except ScpiError as exc:
            self.push_error(exc.code, exc.message)
            return None

    def read(self) -> str | None:
        """The pending response, or None (a real instrument would let the read time out)."""
        reply, self._output = self._output, None
        if reply is None:
            self.push_error(-420, "Query UNTERMINATED")
        return reply

    def _resolve(self, header: str, path: str) -> tuple[Handler | None, str]:
        """The handler of a header and the path a following ';'-separated command is relative to."""
        key = header.upper()
        if key.startswith(":"):
            key = key[1:]
        elif path and not key.startswith("*"):
            handler = self._headers.get(f"{path}:{key}")
            if handler is not None:
                return handler, f"{path}:{key}".rpartition(":")[0]
        handler = self._headers.get(key)
        if key.startswith("*"):
            return handler, path
        return handler, key.rpartition(":")[0]

    # --- byte level (what a serial line or socket carries) ----------------------------

    def feed(self, data: bytes) -> bytes:
        """Take bytes from the line; return the bytes the instrument sends back."""
        self._inbox += data
        out = bytearray()
        while (end := self._inbox.find(b"\n")) >= 0:
            line = self._inbox[:end].rstrip(b"\r").decode("latin-1")
            del self._inbox[: end + 1]
            self.write(line)
            if self._output is not None:
                out += (self.read() + self.output_terminator).encode("latin-1")
        return bytes(out)

    # --- common commands (IEEE 488.2 and SCPI mandatory) ------------------------------

    def push_error(self, code: int, message: str) -> None:
        if len(self._errors) >= 20:  # the queue depth of Keysight/Rigol instruments
            self._errors[-1] = '-350,"Queue overflow"'
        else:
            self._errors.append(f'{code:+d},"{message}"')

    def reset(self) -> None:
        """Put the instrument in its *RST state."""
        raise NotImplementedError

    @scpi("*IDN?")
    def _idn(self, args: str) -> str:
        expect_args(args, 0)
        return self.idn

    @scpi("*RST")
    def _rst(self, args: str) -> None:
        expect_args(args, 0)
        self.reset()

    @scpi("*CLS")
    def _cls(self, args: str) -> None:
        expect_args(args, 0)
        self._errors.clear()

    @scpi("*OPC?")
    def _opc(self, args: str) -> str:
        expect_args(args, 0)
        return "1"

    @scpi("SYSTem:ERRor[:NEXT]?")
    def _error(self, args: str) -> str:
        expect_args(args, 0)
        return self._errors.popleft() if self._errors else NO_ERROR

    def errors(self) -> tuple[str, ...]:
        """The queued errors, oldest first (for tests and the live view)."""
        return tuple(self._errors)
