"""The SCPI engine shared by the twins: spellings, compound messages, error queue, framing."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.sim.twins.scpi import (KNOWN_MESSAGES, ScpiError, ScpiTwin, channel_list, expand, expect_args,
                                    nr3, number, scpi, split_args)


class Dial(ScpiTwin):
    """A one-knob instrument, enough to exercise the engine without a world."""

    idn = "ACME,DIAL,1,1.0"

    def __init__(self) -> None:
        super().__init__()
        self.reset()

    def reset(self) -> None:
        self.level = 0.0

    @scpi("[SOURce:]LEVel[:IMMediate]")
    def _set(self, args: str) -> None:
        (arg,) = expect_args(args, 1)
        self.level = number(arg, 0.0, 10.0)

    @scpi("[SOURce:]LEVel[:IMMediate]?", "[SOURce:]LEVel:ALIas?")
    def _get(self, args: str) -> str:
        expect_args(args, 0)
        return f"{self.level:g}"


def test_a_pattern_expands_to_every_long_short_and_optional_spelling() -> None:
    assert expand("[SOURce:]LEVel[:IMMediate]?") == {
        f"{s}{lev}{imm}?" for s in ("", "SOUR:", "SOURCE:") for lev in ("LEV", "LEVEL")
        for imm in ("", ":IMM", ":IMMEDIATE")}
    assert expand("*IDN?") == {"*IDN?"}


def test_common_commands_and_the_error_queue() -> None:
    dial = Dial()
    dial.write("*IDN?")
    assert dial.read() == "ACME,DIAL,1,1.0"
    dial.write("LEV 11")
    dial.write("NOPE")
    dial.write("SYST:ERR?")
    assert dial.read() == '-222,"Data out of range"'
    dial.write(":SYSTEM:ERROR:NEXT?")
    assert dial.read() == '-113,"Undefined header"'
    dial.write("LEV 3;*RST;*OPC?")
    assert dial.read() == "1" and dial.level == 0.0
    dial.write("NOPE")
    dial.write("*CLS")
    assert dial.errors() == ()


def test_a_compound_message_follows_the_scpi_header_path() -> None:
    dial = Dial()
    dial.write("SOUR:LEV 2;LEV?;:LEV:IMM?;*IDN?;IMM 4;LEV?")
    assert dial.read() == "2;2;ACME,DIAL,1,1.0;4"
    assert dial.errors() == ()


def test_a_new_message_before_the_reply_was_read_interrupts_the_query() -> None:
    dial = Dial()
    dial.write("LEV?")
    dial.write("LEV 1")
    assert dial.read() is None
    assert dial.errors() == ('-410,"Query INTERRUPTED"', '-420,"Query UNTERMINATED"')


def test_the_queue_holds_twenty_errors_and_marks_the_overflow() -> None:
    dial = Dial()
    for _ in range(25):
        dial.write("NOPE")
    assert len(dial.errors()) == 20
    assert dial.errors()[-1] == '-350,"Queue overflow"'


def test_a_message_sent_again_is_judged_again() -> None:
    dial = Dial()
    for _ in range(2):
        dial.write("LEV 11")
        dial.write("NOPE")
        dial.write(" LEV 4 ")
        dial.write("LEV?")
        assert dial.read() == "4"
    assert dial.errors() == ('-222,"Data out of range"', '-113,"Undefined header"') * 2


def test_a_twin_remembers_a_bounded_number_of_messages() -> None:
    dial = Dial()
    for n in range(KNOWN_MESSAGES + 10):
        dial.write(f"LEV {n / 1000:g}")
    dial.write("LEV?")
    assert dial.read() == f"{(KNOWN_MESSAGES + 9) / 1000:g}" and dial.errors() == ()
    assert len(dial._known) == KNOWN_MESSAGES


@given(st.floats())
def test_nr3_prints_as_format_does(value: float) -> None:
    assert nr3(value) == format(value, "+.8E")


def test_bytes_are_framed_by_the_line_terminator() -> None:
    dial = Dial()
    assert dial.feed(b"LEV 5\r\nLEV") == b""
    assert dial.feed(b"?\n*IDN?\n") == b"5\nACME,DIAL,1,1.0\n"


@given(st.lists(st.integers(101, 399), min_size=1, max_size=8, unique=True))
def test_channel_lists_read_back_what_was_written(channels: list[int]) -> None:
    assert channel_list(f"(@{','.join(map(str, channels))})") == tuple(channels)


@given(st.sampled_from(sorted(expand("[SOURce:]LEVel[:IMMediate]"))), st.randoms())
def test_any_letter_case_of_any_spelling_is_the_same_command(header: str, rnd: object) -> None:
    mixed = "".join(c.lower() if rnd.random() < 0.5 else c for c in header)  # type: ignore[attr-defined]
    dial = Dial()
    dial.write(f"{mixed} 7.5")
    assert dial.level == 7.5 and dial.errors() == ()


@pytest.mark.parametrize(("text", "parts"), [
    ("", []), ("ON", ["ON"]), ("5, 1", ["5", "1"]), ("ON,(@1,2:3)", ["ON", "(@1,2:3)"]),
    ('"a,b",2', ['"a,b"', "2"]),
])
def test_parameters_split_on_top_level_commas(text: str, parts: list[str]) -> None:
    assert split_args(text) == parts


@pytest.mark.parametrize("text", ["101", "(@)", "(@105:101)", "(@1a)"])
def test_a_malformed_channel_list_is_an_illegal_parameter(text: str) -> None:
    with pytest.raises(ScpiError, match="-224"):
        channel_list(text)
