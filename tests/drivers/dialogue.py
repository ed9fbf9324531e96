"""Whole dialogues inline, as PyMeasure's `expected_protocol` writes them: a transport that takes
exactly the messages listed, in order, and gives the replies listed; anything else fails the
test at the message that went wrong."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Callable

Exchange = tuple[str, str | None]  # (message the driver sends, the instrument's reply or None)


class Dialogue:
    """A transport that plays the instrument's side of `exchanges`."""

    resource = "dialogue://instrument"

    def __init__(self, exchanges: Sequence[Exchange], serial_line: bool = False) -> None:
        self.exchanges = list(exchanges)
        self.serial_line = serial_line
        self.done = 0

    def _next(self, message: str, query: bool) -> str | None:
        assert self.done < len(self.exchanges), f"unexpected extra message {message!r}"
        expected, reply = self.exchanges[self.done]
        assert message == expected, f"message {self.done + 1}: sent {message!r}, expected {expected!r}"
        assert (reply is not None) == query, (
            f"message {self.done + 1} {message!r}: " + ("a query, but no reply is listed" if query else
                                                          f"written, but the dialogue lists the reply {reply!r}"))
        self.done += 1
        return reply

    def open(self) -> None: ...

    def close(self) -> None: ...

    def write(self, message: str) -> None:
        self._next(message, query=False)

    def query(self, message: str) -> str:
        reply = self._next(message, query=True)
        assert reply is not None
        return reply

    def read(self) -> str:
        raise AssertionError("read() without a query: list the exchange as (query, reply)")

    def write_bytes(self, data: bytes) -> None:
        self._next(data.decode("latin-1"), query=False)

    def read_bytes(self, n: int) -> bytes:
        raise AssertionError("byte-level dialogues are not supported: use tests/drivers/serial_line.py")


@contextmanager
def dialogue(make: Callable[..., Any], exchanges: Sequence[Exchange], **options: Any) -> Iterator[Any]:
    """`make(transport, **options)` on a Dialogue of `exchanges`; after the block every listed
    exchange must have happened."""
    line = Dialogue(exchanges)
    yield make(line, **options)
    assert line.done == len(line.exchanges), (
        f"only {line.done} of {len(line.exchanges)} exchanges happened; next expected: "
        f"{line.exchanges[line.done][0]!r}")
