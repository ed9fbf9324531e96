"""Siglent SPD3303X driver and its quirks: the known state at open (the output and its timer
off, confirmed and read back from the status word), protocol against pyvisa-sim
(siglent_spd3303x.yaml), whole dialogues inline, set-points confirmed through the queue and read
back within the model's resolution, the output switched on only in independent mode with its
timer off, the pause between commands and the one between a query and its reply, and the twin,
which with a clock loses what comes too soon as the supply does."""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import pytest
from dialogue import Exchange, dialogue
from driver_helpers import (
    Recorder,
    assert_refused_before_sending,
    charge_the_cell_and_switch_off,
    driver_on_sim,
    listen,
    visa_sim,
)
from pacing_helpers import FakeClock, fake_clock

from drivers.registry import open_instrument
from drivers.roles import InstrumentError, PowerSupply
from drivers.siglent_spd3303x import COMMAND_DELAY, QUERY_DELAY, SiglentSPD3303X
from drivers.sim.transport import SimTransport
from drivers.sim.twins.siglent_spd3303x import SiglentSPD3303XTwin
from drivers.transports import transport_for

SPD3303X = "USB0::0xF4EC::0x1430::SPD3XJGQ800001::INSTR"
SPD3303X_E = "TCPIP::192.168.1.43::INSTR"
SERIES = "USB0::0xF4EC::0x1430::SPD3XJGQ800011::INSTR"  # its status word: 0x000C
PARALLEL = "USB0::0xF4EC::0x1430::SPD3XJGQ800010::INSTR"  # 0x0008
IDN = "Siglent Technologies,SPD3303X,SPD3XJGQ800001,1.01.01.03.11R1,V6.2"
IDN_E = "Siglent Technologies,SPD3303X-E,SPD3XIDD800002,1.01.01.02.07R2,V3.0"
NO_ERROR = "0  No Error"


def opened(channel: int = 1) -> list[str]:
    """What open() sends: *IDN? and the queue read empty, then the known state (the output off
    first, then its timer), confirmed through the queue and read back from the status word."""
    return ["*IDN?", "SYST:ERR?", f"OUTP CH{channel},OFF", f"TIME CH{channel},OFF", "SYST:ERR?",
            "SYST:STAT?"]


# the driver on pyvisa-sim, without the pauses (pyvisa-sim drops nothing, answers at once)
# unless asked
supply_at = driver_on_sim(SiglentSPD3303X, "siglent_spd3303x", command_delay=0.0, query_delay=0.0)


def test_open_identifies_then_turns_the_output_and_its_timer_off_confirmed_and_read_back() -> None:
    supply, wire = supply_at(SPD3303X)
    assert wire.sent == opened(1)
    assert supply.model == "SPD3303X"
    assert supply.confirmed == ["OUTP CH1,OFF", "TIME CH1,OFF"]
    _, ch2_wire = supply_at(SPD3303X, channel=2)
    assert ch2_wire.sent == opened(2)
    assert wire.query("SYST:ERR?") == NO_ERROR  # every command of it is one the supply knows


def test_the_five_field_identity_is_accepted_and_gives_the_model() -> None:
    supply, _ = supply_at(SPD3303X_E)
    assert supply.identify() == "Siglent Technologies,SPD3303X-E,SPD3XIDD800002,1.01.01.02.07R2,V3.0"
    assert supply.model == "SPD3303X-E"


def test_setpoints_are_two_commands_with_the_channel_prefix_voltage_first_then_read_back() -> None:
    supply, wire = supply_at(SPD3303X, model="SPD3303X")
    supply.configure(5.0, 3.0)
    assert wire.sent == [*opened(1), "CH1:VOLT 5.000", "CH1:CURR 3.000", "SYST:ERR?", "CH1:VOLT?",
                         "CH1:CURR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_the_output_is_switched_by_name_after_reading_the_status_word() -> None:
    supply, wire = supply_at(SPD3303X, model="SPD3303X")
    supply.set_output(True)  # 0x0004: bits 2-3 = 01, independent; bit 6 clear, the timer off
    assert supply.measure() == (4.998, 2.1)
    supply.set_output(False)  # off needs no check
    assert wire.sent == [*opened(1), "SYST:STAT?", "OUTP CH1,ON", "MEAS:VOLT? CH1",
                         "MEAS:CURR? CH1", "OUTP CH1,OFF"]
    assert wire.query("SYST:ERR?") == NO_ERROR


@pytest.mark.parametrize(("resource", "mode", "word"), [
    (SERIES, "series", "0x000C"),
    (PARALLEL, "parallel", "0x0008"),
])
def test_a_supply_in_series_or_parallel_mode_is_refused_at_open_once_its_output_is_off(
        resource: str, mode: str, word: str) -> None:
    wire = visa_sim("siglent_spd3303x", resource)
    supply = SiglentSPD3303X(wire, command_delay=0.0, query_delay=0.0)
    with pytest.raises(InstrumentError, match=rf"^{resource}: the SPD3303X is in {mode} mode "
                       rf"\(SYST:STAT\? answered {word}\); CH1 is not switched on"):
        supply.open()
    assert wire.sent == opened(1)  # the output off first, nothing after the status word


def test_a_garbled_status_word_at_open_names_the_query_and_the_reply() -> None:
    wire = visa_sim("siglent_spd3303x", "USB0::0xF4EC::0x1430::SPD3XJGQ800667::INSTR")
    with pytest.raises(InstrumentError, match=r"'SYST:STAT\?' answered '4.998': not a hexadecimal "
                                              "status word"):
        SiglentSPD3303X(wire, command_delay=0.0, query_delay=0.0).open()
    assert wire.sent == opened(1)


def test_each_channel_reads_its_own_status_bit() -> None:
    ch1, _ = supply_at(SPD3303X_E, channel=1)  # 0x0224: CH2 on (bit 5), CH1 off (bit 4)
    assert ch1.output_on() is False
    with pytest.raises(InstrumentError, match=r"CH2 still reports its output on after "
                                              r"'OUTP CH2,OFF' \(SYST:STAT\? answered 0x0224\)"):
        supply_at(SPD3303X_E, channel=2)


@pytest.mark.parametrize(("channel", "voltage", "current", "shown"), [
    (2, 32.5, 1.0, "voltage 32.5 V is outside the SPD3303X CH2 range 0..32 V"),
    (1, 5.0, 3.3, "current limit 3.3 A is outside the SPD3303X CH1 range 0..3.2 A"),
])
def test_out_of_range_settings_are_refused_before_anything_is_sent(
        channel: int, voltage: float, current: float, shown: str) -> None:
    supply, wire = supply_at(SPD3303X, model="SPD3303X", channel=channel)
    wire.sent.clear()  # after open (its dialogue: test_open_identifies_...)
    assert_refused_before_sending(wire.sent, shown, supply.configure, voltage, current)


def test_the_fixed_ch3_is_not_a_programmable_supply() -> None:
    with pytest.raises(ValueError, match="channel 3 is not one of 1, 2"):
        supply_at(SPD3303X, channel=3)


@pytest.mark.parametrize(("resource", "shown"), [
    ("SPD3EEDC6R0113", "is a Siglent Technologies SPD3303C, not one of the SiglentSPD3303X models"),
    ("SPD3XJGQ800003", "not a Siglent identification"),
])
def test_another_identity_is_rejected_by_name_before_anything_else_is_sent(resource: str,
                                                                           shown: str) -> None:
    wire = visa_sim("siglent_spd3303x", f"USB0::0xF4EC::0x1430::{resource}::INSTR")
    with pytest.raises(InstrumentError, match=shown):
        SiglentSPD3303X(wire, command_delay=0.0, query_delay=0.0).open()
    assert wire.sent == ["*IDN?"]


def test_a_garbled_reading_names_the_command_and_the_reply() -> None:
    supply, _ = supply_at("USB0::0xF4EC::0x1430::SPD3XJGQ800666::INSTR", model="SPD3303X")
    with pytest.raises(InstrumentError, match=r"'MEAS:CURR\? CH1' answered '32.000': outside"):
        supply.measure()


# --- whole dialogues inline -----------------------------------------------------------------

def open_exchanges(word: str = "0x0004", channel: int = 1, idn: str = IDN) -> list[Exchange]:
    """open()'s exchanges with a supply whose status word then reads `word`."""
    return [("*IDN?", idn), ("SYST:ERR?", NO_ERROR), (f"OUTP CH{channel},OFF", None),
            (f"TIME CH{channel},OFF", None), ("SYST:ERR?", NO_ERROR), ("SYST:STAT?", word)]


@contextmanager
def talking(exchanges: Sequence[Exchange], **options: object) -> Iterator[SiglentSPD3303X]:
    """The driver on a dialogue of `exchanges`, without the pauses a real link gets."""
    with dialogue(SiglentSPD3303X, exchanges, command_delay=0.0, query_delay=0.0,
                  **options) as supply:
        yield supply


def test_the_whole_dialogue_of_open_configure_confirm_on_and_off() -> None:
    with talking([
        *open_exchanges(),
        ("CH1:VOLT 4.200", None), ("CH1:CURR 1.000", None), ("SYST:ERR?", NO_ERROR),  # none refused
        ("CH1:VOLT?", "4.200"), ("CH1:CURR?", "1.000"),  # and both taken: confirmed
        ("SYST:STAT?", "0x0004"),  # independent outputs, the CH1 timer off: so...
        ("OUTP CH1,ON", None),
        ("SYST:STAT?", "0x0015"),  # CH1 on (bit 4), in current limit (bit 0)
        ("OUTP CH1,OFF", None),
        ("SYST:STAT?", "0x0004"),
    ]) as supply:
        supply.open()
        assert supply.confirmed == ["OUTP CH1,OFF", "TIME CH1,OFF"]
        supply.configure(4.2, 1.0)
        supply.set_output(True)
        assert supply.output_on() is True
        supply.set_output(False)
        assert supply.output_on() is False
    assert supply.confirmed[-2:] == ["CH1:VOLT 4.200", "CH1:CURR 1.000"]


def test_a_refused_set_point_is_an_error_naming_the_command_and_the_reply_before_any_on() -> None:
    with talking([
        *open_exchanges(),
        ("CH1:VOLT 4.200", None), ("CH1:CURR 1.000", None),
        ("SYST:ERR?", "-222  Data out of range"), ("SYST:ERR?", NO_ERROR),
    ]) as supply:
        supply.open()
        with pytest.raises(InstrumentError, match="^" + re.escape(
                "dialogue://instrument refused CH1:VOLT 4.200; CH1:CURR 1.000: SYST:ERR? "
                "answered -222  Data out of range") + "$"):
            supply.configure(4.2, 1.0)
    assert "CH1:VOLT 4.200" not in supply.confirmed


def test_a_set_point_the_supply_dropped_without_a_queue_entry_is_an_error_before_any_on() -> None:
    with talking([
        *open_exchanges(),
        ("CH1:VOLT 4.200", None), ("CH1:CURR 1.000", None),  # the current limit came too soon
        ("SYST:ERR?", NO_ERROR),  # and was dropped: nothing queued
        ("CH1:VOLT?", "4.200"), ("CH1:CURR?", "3.200"),  # the power-on limit, still there
    ]) as supply:
        supply.open()
        with pytest.raises(InstrumentError, match="^" + re.escape(
                "dialogue://instrument did not take CH1:CURR 1.000: CH1:CURR? answered '3.200'")
                + "$"):
            supply.configure(4.2, 1.0)
    assert supply.confirmed == ["OUTP CH1,OFF", "TIME CH1,OFF"]  # neither set-point


@pytest.mark.parametrize(("idn", "volts", "taken"), [
    (IDN, "4.201", True),  # within the SPD3303X's 1 mV
    (IDN, "4.202", False),
    (IDN, "4.2", True),  # the same value, written shorter
    (IDN_E, "4.21", True),  # within the SPD3303X-E's 10 mV (its step, however it rounds)
    (IDN_E, "4.19", True),
    (IDN_E, "4.22", False),
    (IDN, "", False),
    (IDN, "0  No Error", False),
])
def test_a_set_point_reads_back_within_one_step_of_the_models_resolution(idn: str, volts: str,
                                                                          taken: bool) -> None:
    read_back = [("CH1:VOLT?", volts)] + ([("CH1:CURR?", "1.000")] if taken else [])
    with talking([*open_exchanges(idn=idn), ("CH1:VOLT 4.200", None), ("CH1:CURR 1.000", None),
                  ("SYST:ERR?", NO_ERROR), *read_back]) as supply:
        supply.open()
        if taken:
            supply.configure(4.2, 1.0)
        else:
            with pytest.raises(InstrumentError, match=re.escape(
                    f"did not take CH1:VOLT 4.200: CH1:VOLT? answered {volts!r}")):
                supply.configure(4.2, 1.0)
    assert ("CH1:CURR 1.000" in supply.confirmed) is taken


@pytest.mark.parametrize(("word", "shown"), [
    ("0x000C", ("the SPD3303X is in series mode (SYST:STAT? answered 0x000C); CH1 is not "
                "switched on until the supply is set to independent outputs")),
    ("0x0008", "the SPD3303X is in parallel mode (SYST:STAT? answered 0x0008)"),
    ("0x0000", "the SPD3303X is in an unknown tracking mode (bits 2-3 = 00)"),
    ("0x0044", ("the CH1 timer is on (SYST:STAT? answered 0x0044); CH1 is not switched on "
                "while its timer would step the output instead of the set-points")),
])
def test_on_is_refused_after_the_front_panel_changed_the_mode_or_started_the_timer(
        word: str, shown: str) -> None:
    with talking([*open_exchanges(), ("SYST:STAT?", word), ("OUTP CH1,OFF", None)]) as supply:
        supply.open()
        with pytest.raises(InstrumentError, match=re.escape(shown)):
            supply.set_output(True)  # no OUTP CH1,ON follows the status word
        supply.set_output(False)  # switching off is never refused


@pytest.mark.parametrize(("channel", "word", "shown"), [
    (1, "0x0014", ("CH1 still reports its output on after 'OUTP CH1,OFF' (SYST:STAT? "
                   "answered 0x0014); it is not used until it switches off")),
    (2, "0x0024", "CH2 still reports its output on after 'OUTP CH2,OFF' (SYST:STAT? answered 0x0024)"),
    (1, "0x0044", "the CH1 timer is on (SYST:STAT? answered 0x0044)"),
    (2, "0x0084", "the CH2 timer is on (SYST:STAT? answered 0x0084)"),
])
def test_open_refuses_a_status_word_that_does_not_show_the_known_state(
        channel: int, word: str, shown: str) -> None:
    with (talking(open_exchanges(word, channel), channel=channel) as supply,
          pytest.raises(InstrumentError, match=re.escape(shown))):
        supply.open()


def test_the_other_channel_on_or_its_timer_running_is_not_this_channels_business() -> None:
    with talking(open_exchanges("0x00A4")) as supply:  # CH2 on (bit 5), its timer on (bit 7)
        supply.open()
    assert supply.confirmed == ["OUTP CH1,OFF", "TIME CH1,OFF"]  # CH1 is ready; CH2 left alone


# --- the pause between commands ----------------------------------------------------------

@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return fake_clock(monkeypatch)


def test_on_a_real_link_each_command_waits_out_the_delay(clock: FakeClock) -> None:
    supply, wire = supply_at(SPD3303X, model="SPD3303X", command_delay=COMMAND_DELAY)
    assert clock.slept == [COMMAND_DELAY] * 5  # open: before each of its commands but the first
    supply.configure(5.0, 3.0)
    supply.output_on()
    assert clock.slept == [COMMAND_DELAY] * 11
    clock.now += 1.0  # the bench polled slower than the delay: nothing left to wait
    supply.output_on()
    assert clock.slept == [COMMAND_DELAY] * 11
    assert wire.sent == [*opened(1), "CH1:VOLT 5.000", "CH1:CURR 3.000", "SYST:ERR?", "CH1:VOLT?",
                         "CH1:CURR?", "SYST:STAT?", "SYST:STAT?"]


def test_the_simulated_bench_never_pauses(cell_world: object, clock: FakeClock) -> None:
    supply = open_instrument("siglent-spd3303x", "sim://supply", world=cell_world)
    assert isinstance(supply.transport, SimTransport)  # not wrapped: no pause, no lock
    supply.configure(4.2, 1.0)
    supply.output_on()
    assert clock.slept == []


def test_a_negative_delay_is_refused() -> None:
    with pytest.raises(ValueError, match="command delay -0.1 s is negative"):
        supply_at(SPD3303X, command_delay=-0.1)
    with pytest.raises(ValueError, match="query delay -0.1 s is negative"):
        supply_at(SPD3303X, query_delay=-0.1)


class TimedLink:
    """A real link (not simulated) to an SPD3303X in independent mode: it answers queries from
    a table and notes, on the fake clock, when each message went out and each reply was read."""

    serial_line = False
    REPLIES: ClassVar[dict[str, str]] = {"*IDN?": IDN, "SYST:STAT?": "0x0004",
                                         "SYST:ERR?": NO_ERROR, "CH1:VOLT?": "4.200",
                                         "CH1:CURR?": "1.000"}

    def __init__(self, clock: FakeClock) -> None:
        self.resource = SPD3303X
        self.clock = clock
        self.log: list[tuple[float, str]] = []
        self._pending: str | None = None

    def _note(self, event: str) -> None:
        self.log.append((round(self.clock.now - 1000.0, 6), event))

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def write(self, message: str) -> None:
        self._note(message)
        self._pending = self.REPLIES.get(message)

    def read(self) -> str:
        reply, self._pending = self._pending, None
        assert reply is not None, "read with no query pending"
        self._note(f"<- {reply}")
        return reply

    def query(self, message: str) -> str:
        raise AssertionError(f"{message!r} asked in one step: the reply must wait for the delay")


def test_on_a_real_link_a_query_waits_the_delay_before_its_reply_is_read(clock: FakeClock) -> None:
    link = TimedLink(clock)
    supply = SiglentSPD3303X(link, model="SPD3303X")  # the default delays
    supply.open()
    assert (COMMAND_DELAY, QUERY_DELAY) == (0.05, 0.1)
    assert link.log == [
        (0.0, "*IDN?"),
        (0.1, f"<- {IDN}"),  # 100 ms after the query
        (0.15, "SYST:ERR?"),  # 50 ms after the reply
        (0.25, "<- 0  No Error"),
        (0.3, "OUTP CH1,OFF"),
        (0.35, "TIME CH1,OFF"),  # 50 ms after the last command
        (0.4, "SYST:ERR?"),
        (0.5, "<- 0  No Error"),
        (0.55, "SYST:STAT?"),
        (0.65, "<- 0x0004"),  # independent, CH1 and its timer off
    ]
    link.log.clear()
    supply.configure(4.2, 1.0)
    supply.set_output(True)
    assert link.log == [
        (0.7, "CH1:VOLT 4.200"),
        (0.75, "CH1:CURR 1.000"),
        (0.8, "SYST:ERR?"),
        (0.9, "<- 0  No Error"),
        (0.95, "CH1:VOLT?"),
        (1.05, "<- 4.200"),
        (1.1, "CH1:CURR?"),
        (1.2, "<- 1.000"),
        (1.25, "SYST:STAT?"),
        (1.35, "<- 0x0004"),
        (1.4, "OUTP CH1,ON"),
    ]


# --- against the twin (sim://) ----------------------------------------------------------

def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    supply = open_instrument("siglent-spd3303x", "sim://supply", world=cell_world,
                             model="SPD3303X-E", channel=2)
    assert isinstance(supply, PowerSupply)
    assert supply.identify().startswith("Siglent Technologies,SPD3303X-E,")
    charge_the_cell_and_switch_off(supply)
    supply.close()
    assert supply.transport.query("SYST:ERR?") == NO_ERROR


def twin_left_by_the_front_panel(world: object, **state: object) -> SiglentSPD3303XTwin:
    """An SPD3303X twin in the state the front panel left (attributes of the twin)."""
    twin = SiglentSPD3303XTwin(world)
    for name, value in state.items():
        setattr(twin, name, value)
    return twin


def driver_on(twin: SiglentSPD3303XTwin) -> SiglentSPD3303X:
    return SiglentSPD3303X(transport_for("sim://supply", twin=twin, **SiglentSPD3303X.TRANSPORT))


def test_open_turns_off_an_output_and_a_timer_the_front_panel_left_on(cell_world: object) -> None:
    twin = twin_left_by_the_front_panel(cell_world, timers={1: True, 2: True})
    twin.outputs.switch(1, True)
    supply = driver_on(twin)
    heard = listen(supply)
    supply.open()
    assert heard == opened(1)
    assert (twin.outputs.on[1], twin.timers) == (False, {1: False, 2: True})  # CH2: not ours
    assert twin.errors() == ()
    supply.configure(4.2, 1.0)
    supply.set_output(True)
    assert supply.output_on() is True


@pytest.mark.parametrize("mode", ["series", "parallel"])
def test_the_twin_in_series_or_parallel_mode_is_refused_at_open(cell_world: object,
                                                                mode: str) -> None:
    twin = twin_left_by_the_front_panel(cell_world, tracking=mode)
    supply = driver_on(twin)
    with pytest.raises(InstrumentError, match=f"is in {mode} mode"):
        supply.open()
    assert twin.tracking == mode  # checked, never changed: OUTP:TRACK couples both channels
    assert twin.outputs.on[1] is False


def test_the_twin_status_word_shows_outputs_and_current_limit(cell_world: object) -> None:
    supply = open_instrument("siglent-spd3303x", "sim://supply", world=cell_world)
    twin = supply.transport
    assert twin.query("SYST:STAT?") == "0x0004"  # independent outputs, all off
    supply.configure(4.2, 0.0)  # a zero limit: the cell takes all it may, the output is in CC
    supply.set_output(True)
    twin.write("OUTP CH2,ON")
    assert twin.query("SYST:STAT?") == "0x0035"  # CH1 on and in CC, CH2 on


@pytest.mark.parametrize(("commands", "word"), [
    (["TIME CH1,ON"], "0x0044"),  # bit 6: the CH1 timer
    (["TIMER CH2,ON"], "0x0084"),  # bit 7: the CH2 timer, long form
    (["TIME CH1,ON", "TIME CH2,ON", "TIMEr CH1,OFF"], "0x0084"),
])
def test_the_twin_shows_each_timer_in_its_status_bit(cell_world: object, commands: list[str],
                                                     word: str) -> None:
    twin = open_instrument("siglent-spd3303x", "sim://supply", world=cell_world).transport
    for command in commands:
        twin.write(command)
    assert twin.query("SYST:STAT?") == word
    assert twin.query("SYST:ERR?") == NO_ERROR


@pytest.mark.parametrize(("mode", "word"), [("series", "0x000C"), ("parallel", "0x0008")])
def test_the_twin_set_to_series_or_parallel_after_open_is_not_switched_on(
        cell_world: object, mode: str, word: str) -> None:
    supply = open_instrument("siglent-spd3303x", "sim://supply", world=cell_world)
    twin = supply.transport.twin
    twin.tracking = mode  # set on the front panel
    assert supply.transport.query("SYST:STAT?") == word
    supply.configure(4.2, 1.0)
    with pytest.raises(InstrumentError, match=f"is in {mode} mode"):
        supply.set_output(True)
    assert supply.output_on() is False
    assert twin.outputs.on[1] is False


def test_a_timer_started_on_the_front_panel_after_open_keeps_the_output_off(
        cell_world: object) -> None:
    supply = open_instrument("siglent-spd3303x", "sim://supply", world=cell_world)
    twin = supply.transport.twin
    supply.configure(4.2, 1.0)
    supply.transport.write("TIME CH1,ON")  # the front panel's Timer key
    with pytest.raises(InstrumentError, match="the CH1 timer is on"):
        supply.set_output(True)
    assert twin.outputs.on[1] is False
    supply.identify()  # a new session: the known state again, the timer off
    supply.set_output(True)
    assert twin.outputs.on[1] is True


def test_the_twin_in_independent_mode_is_switched_on(cell_world: object) -> None:
    supply = open_instrument("siglent-spd3303x", "sim://supply", world=cell_world)
    twin = supply.transport.twin
    twin.tracking = "series"
    twin.tracking = "independent"  # and back, on the front panel
    supply.configure(4.2, 1.0)
    supply.set_output(True)
    assert supply.output_on() is True and twin.outputs.on[1] is True


@pytest.mark.parametrize(("command", "mode", "word"), [
    ("OUTP:TRACK 1", "series", "0x000C"),
    ("OUTP:TRACK 2", "parallel", "0x0008"),
    ("OUTP:TRACK 0", "independent", "0x0004"),
])
def test_the_twin_takes_the_tracking_mode_from_outp_track(cell_world: object, command: str,
                                                          mode: str, word: str) -> None:
    supply = open_instrument("siglent-spd3303x", "sim://supply", world=cell_world)
    supply.transport.write(command)
    assert supply.transport.twin.tracking == mode
    assert supply.transport.query("SYST:STAT?") == word
    assert supply.transport.query("SYST:ERR?") == NO_ERROR


def test_without_the_prefix_a_setpoint_goes_to_whatever_channel_is_selected(cell_world: object) -> None:
    twin = open_instrument("siglent-spd3303x", "sim://supply", world=cell_world).transport
    twin.write("INST CH2")  # the front panel can do this too
    twin.write("VOLT 5")
    assert (twin.query("CH1:VOLT?"), twin.query("CH2:VOLT?")) == ("0.000", "5.000")


@pytest.mark.parametrize(("command", "error"), [
    ("OUTP? CH1", "-113  Undefined header"),  # no output query: SYST:STAT? it is
    ("*RST", "-113  Undefined header"),
    ("*OPC?", "-113  Undefined header"),
    ("CH3:VOLT 5", "-113  Undefined header"),  # CH3 is fixed
    ("CH1:MEAS:VOLT?", "-113  Undefined header"),  # the prefix is for setpoints only
    ("CH1:VOLT 33", "-222  Data out of range"),
    ("OUTP CH4,ON", "-224  Illegal parameter value"),
    ("OUTP:TRACK 3", "-224  Illegal parameter value"),
    ("TIME CH3,OFF", "-224  Illegal parameter value"),  # CH3 has no timer
    ("TIME CH1,SOON", "-224  Illegal parameter value"),
    ("TIME CH1", "-109  Missing parameter"),
])
def test_the_twin_refuses_what_an_spd3303x_lacks(cell_world: object, command: str,
                                                 error: str) -> None:
    twin = open_instrument("siglent-spd3303x", "sim://supply", world=cell_world).transport
    twin.write(command)
    assert twin.query("SYST:ERR?") == error


def test_the_twin_keeps_the_spd3303x_e_set_points_at_its_10_mv_and_10_ma(
        cell_world: object) -> None:
    supply = open_instrument("siglent-spd3303x", "sim://supply", world=cell_world,
                             model="SPD3303X-E")
    twin = supply.transport.twin
    supply.configure(4.216, 1.004)  # sent as 4.216 / 1.004: the X-E takes 4.22 / 1.00
    assert (twin.outputs.volts[1], twin.outputs.amps[1]) == (4.22, 1.0)
    assert supply.confirmed[-2:] == ["CH1:VOLT 4.216", "CH1:CURR 1.004"]  # within one step
    assert supply.transport.query("CH1:VOLT?") == "4.220"


# --- the supply's timing, in the twin (option `clock`) --------------------------------------

def test_the_twin_with_a_clock_loses_a_command_that_comes_too_soon_without_an_error_entry(
        cell_world: object) -> None:
    clock = FakeClock()
    twin = SiglentSPD3303XTwin(cell_world, clock=clock.monotonic)
    twin.write("CH1:VOLT 5")
    clock.now += COMMAND_DELAY - 0.001
    twin.write("CH1:CURR 1")  # 49 ms after the last command: lost
    clock.now += 0.001
    twin.write("CH1:CURR?")  # 50 ms after the last command taken: taken
    clock.now += QUERY_DELAY
    assert twin.read() == "3.200"  # the power-on limit
    assert twin.outputs.volts[1] == 5.0
    assert twin.errors() == ()  # nothing tells the driver the command was lost


def test_the_twin_with_a_clock_gives_no_reply_read_before_the_query_delay(
        cell_world: object) -> None:
    clock = FakeClock()
    twin = SiglentSPD3303XTwin(cell_world, clock=clock.monotonic)
    twin.write("*IDN?")
    clock.now += QUERY_DELAY - 0.001
    assert twin.read() is None  # the read times out
    assert twin.errors() == ()
    twin.write("*IDN?")
    clock.now += QUERY_DELAY
    assert twin.read() == twin.idn
    assert twin.read() is None  # the reply that came too late is not handed out later either


def test_the_twin_without_a_clock_loses_nothing(cell_world: object) -> None:
    twin = SiglentSPD3303XTwin(cell_world)  # the simulated bench: its drivers never pause
    twin.write("CH1:VOLT 5")
    twin.write("CH1:CURR 1")
    twin.write("CH1:CURR?")
    assert twin.read() == "1.000"


def timed(world: object, clock: FakeClock, **options: object) -> tuple[SiglentSPD3303XTwin,
                                                                          SiglentSPD3303X]:
    """The driver on a twin that keeps the supply's timing on the fake clock the driver's pauses
    advance, through a recorder that hides that the link is simulated (so the driver pauses as
    on a real one, unless told not to)."""
    twin = SiglentSPD3303XTwin(world, clock=clock.monotonic)
    line = Recorder(SimTransport("sim://supply", twin, **SiglentSPD3303X.TRANSPORT))
    return twin, SiglentSPD3303X(line, **options)


def test_the_driver_keeps_the_supplys_timing_and_every_command_is_taken(
        cell_world: Any, clock: FakeClock) -> None:
    twin, supply = timed(cell_world, clock, model="SPD3303X")  # the default pauses
    twin.timers[1] = True  # left on by the front panel: the known state must really be sent
    supply.open()
    charge_the_cell_and_switch_off(supply)
    assert (twin.outputs.volts[1], twin.outputs.amps[1], twin.timers[1]) == (4.2, 1.0, False)
    assert not cell_world.supply_output_on
    assert twin.errors() == ()


def test_a_driver_without_the_pause_between_commands_fails_against_the_twin_at_open(
        cell_world: Any, clock: FakeClock) -> None:
    twin, supply = timed(cell_world, clock, command_delay=0.0)
    twin.timers[1] = True  # left on by the front panel
    with pytest.raises(InstrumentError, match=re.escape(
            "no reply within 2 s (timeout) (the reply to 'SYST:ERR?')")):
        supply.open()  # TIME CH1,OFF came at once after OUTP CH1,OFF and was lost, so was the query
    assert twin.timers[1] is True  # still on: the lost command did nothing
    assert not cell_world.supply_output_on


def test_a_pause_shorter_than_the_supplys_loses_the_current_limit_and_the_read_back_finds_it(
        cell_world: Any, clock: FakeClock) -> None:
    twin, supply = timed(cell_world, clock, command_delay=0.03)  # Fixate's 20 ms + a margin
    supply.open()
    with pytest.raises(InstrumentError, match=re.escape(
            "did not take CH1:CURR 1.000: CH1:CURR? answered '3.200'")):
        supply.configure(4.2, 1.0)  # 30 ms after CH1:VOLT: lost; SYST:ERR?, 60 ms after: empty
    assert twin.errors() == ()  # the queue had nothing to say
    assert not cell_world.supply_output_on


def test_a_driver_without_the_query_delay_gets_no_reply_from_the_twin(cell_world: Any,
                                                                       clock: FakeClock) -> None:
    _, supply = timed(cell_world, clock, query_delay=0.0)
    with pytest.raises(InstrumentError,
                       match=re.escape("no reply to '*IDN?' within 2 s (timeout)")):
        supply.open()
