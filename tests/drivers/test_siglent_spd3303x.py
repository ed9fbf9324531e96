"""Siglent SPD3303X driver and its quirks: protocol against pyvisa-sim (siglent_spd3303x.yaml),
the output switched on only in independent mode, the pause between commands and the one
between a query and its reply, and the twin."""
from __future__ import annotations

from typing import ClassVar

import pytest
from driver_helpers import (
    assert_refused_before_sending, charge_the_cell_and_switch_off, driver_on_sim,
)
from pacing_helpers import FakeClock, fake_clock

from drivers.registry import open_instrument
from drivers.roles import InstrumentError, PowerSupply
from drivers.siglent_spd3303x import COMMAND_DELAY, QUERY_DELAY, SiglentSPD3303X
from drivers.sim.transport import SimTransport

SPD3303X = "USB0::0xF4EC::0x1430::SPD3XJGQ800001::INSTR"
SPD3303X_E = "TCPIP::192.168.1.43::INSTR"
NO_ERROR = "0  No Error"


# the driver on pyvisa-sim, without the pauses (pyvisa-sim drops nothing, answers at once)
# unless asked
supply_at = driver_on_sim(SiglentSPD3303X, "siglent_spd3303x", command_delay=0.0, query_delay=0.0)
SERIES = "USB0::0xF4EC::0x1430::SPD3XJGQ800011::INSTR"  # its status word: 0x000C
PARALLEL = "USB0::0xF4EC::0x1430::SPD3XJGQ800010::INSTR"  # 0x0008


def test_the_five_field_identity_is_accepted_and_gives_the_model() -> None:
    supply, _ = supply_at(SPD3303X_E)
    assert supply.identify() == "Siglent Technologies,SPD3303X-E,SPD3XIDD800002,1.01.01.02.07R2,V3.0"
    assert supply.model == "SPD3303X-E"


def test_setpoints_are_two_commands_with_the_channel_prefix_voltage_first() -> None:
    supply, wire = supply_at(SPD3303X, model="SPD3303X")
    supply.configure(5.0, 3.0)
    assert wire.sent == ["CH1:VOLT 5.000", "CH1:CURR 3.000", "SYST:ERR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_the_output_is_switched_by_name_and_read_from_the_status_word() -> None:
    supply, wire = supply_at(SPD3303X, model="SPD3303X")
    supply.set_output(True)  # 0x0034: bits 2-3 = 01, independent
    assert supply.output_on() is True  # 0x0034: bit 4, CH1 on
    assert supply.measure() == (4.998, 2.1)
    supply.set_output(False)  # off needs no check
    assert wire.sent == ["SYST:STAT?", "OUTP CH1,ON", "SYST:STAT?", "MEAS:VOLT? CH1",
                         "MEAS:CURR? CH1", "OUTP CH1,OFF"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_set_points_then_on_in_independent_mode_is_this_dialogue() -> None:
    supply, wire = supply_at(SPD3303X, model="SPD3303X")
    supply.configure(5.0, 3.0)
    supply.set_output(True)
    assert wire.sent == [
        "CH1:VOLT 5.000", "CH1:CURR 3.000",
        "SYST:ERR?",  # configure() confirms the set-points: "0  No Error"
        "SYST:STAT?",  # 0x0034: independent outputs, so...
        "OUTP CH1,ON",
    ]


@pytest.mark.parametrize(("resource", "mode", "word"), [
    (SERIES, "series", "0x000C"),
    (PARALLEL, "parallel", "0x0008"),
])
def test_on_is_refused_in_series_and_parallel_mode_and_nothing_is_switched_on(
        resource: str, mode: str, word: str) -> None:
    supply, wire = supply_at(resource, model="SPD3303X")
    with pytest.raises(InstrumentError, match=rf"^{resource}: the SPD3303X is in {mode} mode "
                       rf"\(SYST:STAT\? answered {word}\); CH1 is not switched on"):
        supply.set_output(True)
    assert wire.sent == ["SYST:STAT?"]  # no OUTP CH1,ON
    supply.set_output(False)  # switching off is never refused
    assert wire.sent == ["SYST:STAT?", "OUTP CH1,OFF"]


def test_on_with_a_garbled_status_word_is_refused_before_switching() -> None:
    supply, wire = supply_at("USB0::0xF4EC::0x1430::SPD3XJGQ800666::INSTR", model="SPD3303X")
    with pytest.raises(InstrumentError, match="not a hexadecimal status word"):
        supply.set_output(True)
    assert wire.sent == ["SYST:STAT?"]


@pytest.mark.parametrize(("channel", "on"), [(1, False), (2, True)])
def test_each_channel_reads_its_own_status_bit(channel: int, on: bool) -> None:
    supply, _ = supply_at(SPD3303X_E, model="SPD3303X-E", channel=channel)
    assert supply.output_on() is on  # 0x0224: CH2 on (bit 5), CH1 off (bit 4)


@pytest.mark.parametrize(("channel", "voltage", "current", "shown"), [
    (2, 32.5, 1.0, "voltage 32.5 V is outside the SPD3303X CH2 range 0..32 V"),
    (1, 5.0, 3.3, "current limit 3.3 A is outside the SPD3303X CH1 range 0..3.2 A"),
])
def test_out_of_range_settings_are_refused_before_anything_is_sent(
        channel: int, voltage: float, current: float, shown: str) -> None:
    supply, wire = supply_at(SPD3303X, model="SPD3303X", channel=channel)
    assert_refused_before_sending(wire.sent, shown, supply.configure, voltage, current)


def test_the_fixed_ch3_is_not_a_programmable_supply() -> None:
    with pytest.raises(ValueError, match="channel 3 is not one of 1, 2"):
        supply_at(SPD3303X, channel=3)


@pytest.mark.parametrize(("resource", "shown"), [
    ("SPD3EEDC6R0113", "is a Siglent Technologies SPD3303C, not one of the SiglentSPD3303X models"),
    ("SPD3XJGQ800003", "not a Siglent identification"),
])
def test_another_identity_is_rejected_by_name(resource: str, shown: str) -> None:
    supply, _ = supply_at(f"USB0::0xF4EC::0x1430::{resource}::INSTR")
    with pytest.raises(InstrumentError, match=shown):
        supply.identify()


@pytest.mark.parametrize(("call", "shown"), [
    ("output_on", r"'SYST:STAT\?' answered '4.998': not a hexadecimal status word"),
    ("measure", r"'MEAS:CURR\? CH1' answered '32.000': outside"),
])
def test_a_garbled_reply_names_the_command_and_the_reply(call: str, shown: str) -> None:
    supply, _ = supply_at("USB0::0xF4EC::0x1430::SPD3XJGQ800666::INSTR", model="SPD3303X")
    with pytest.raises(InstrumentError, match=shown):
        getattr(supply, call)()


# --- the pause between commands ----------------------------------------------------------

@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return fake_clock(monkeypatch)


def test_on_a_real_link_each_command_waits_out_the_delay(clock: FakeClock) -> None:
    supply, wire = supply_at(SPD3303X, model="SPD3303X", command_delay=COMMAND_DELAY)
    supply.configure(5.0, 3.0)
    supply.output_on()
    assert clock.slept == [COMMAND_DELAY] * 3  # before the 2nd, the 3rd and the 4th command
    clock.now += 1.0  # the bench polled slower than the delay: nothing left to wait
    supply.output_on()
    assert clock.slept == [COMMAND_DELAY] * 3
    assert wire.sent == ["CH1:VOLT 5.000", "CH1:CURR 3.000", "SYST:ERR?", "SYST:STAT?",
                         "SYST:STAT?"]


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
    REPLIES: ClassVar[dict[str, str]] = {"SYST:STAT?": "0x0004", "SYST:ERR?": NO_ERROR}

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
    supply.configure(4.2, 1.0)
    supply.set_output(True)
    assert (COMMAND_DELAY, QUERY_DELAY) == (0.05, 0.1)
    assert link.log == [
        (0.0, "CH1:VOLT 4.200"),
        (0.05, "CH1:CURR 1.000"),
        (0.1, "SYST:ERR?"),
        (0.2, "<- 0  No Error"),  # 100 ms after the query
        (0.25, "SYST:STAT?"),  # 50 ms after the reply
        (0.35, "<- 0x0004"),  # independent
        (0.4, "OUTP CH1,ON"),
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


def test_the_twin_status_word_shows_outputs_and_current_limit(cell_world: object) -> None:
    supply = open_instrument("siglent-spd3303x", "sim://supply", world=cell_world)
    twin = supply.transport
    assert twin.query("SYST:STAT?") == "0x0004"  # independent outputs, all off
    supply.configure(4.2, 0.0)  # a zero limit: the cell takes all it may, the output is in CC
    supply.set_output(True)
    twin.write("OUTP CH2,ON")
    assert twin.query("SYST:STAT?") == "0x0035"  # CH1 on and in CC, CH2 on


@pytest.mark.parametrize(("mode", "word"), [("series", "0x000C"), ("parallel", "0x0008")])
def test_the_twin_in_series_or_parallel_mode_is_not_switched_on(
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
])
def test_the_twin_refuses_what_an_spd3303x_lacks(cell_world: object, command: str,
                                                 error: str) -> None:
    twin = open_instrument("siglent-spd3303x", "sim://supply", world=cell_world).transport
    twin.write(command)
    assert twin.query("SYST:ERR?") == error
