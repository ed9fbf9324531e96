"""Keysight N3300A driver: protocol against pyvisa-sim (keysight_n3300a.yaml) and against its
twin; its whole dialogues and what it does like other loads: test_shared_driver_behaviour.py.
The channel is the module's slot; the module is read from *RDT?; every channel-specific message
selects its channel, so two drivers on one mainframe never act on each other's module."""
from __future__ import annotations

from typing import Any

import pytest
from driver_helpers import (
    LOAD_MODES,
    NO_ERROR,
    Recorder,
    assert_refused_before_sending,
    assert_twin_queues,
    cycle_load_through_modes,
    driver_on_sim,
    visa_sim,
)

from drivers.keysight_n3300a import KeysightN3300A
from drivers.registry import open_instrument
from drivers.roles import ElectronicLoad, InstrumentError, RangeError
from drivers.sim.transport import SimTransport
from drivers.sim.twins.keysight_n3300a import KeysightN3300ATwin

MAINFRAME = "GPIB0::5::INSTR"  # an N3300A with an N3302A in slot 1 and an N3305A in slot 3
IDN = "Agilent Technologies,N3300A,0,A.03.01"
RDT = "CHANNEL 1:N3302A;CHANNEL 3:N3305A"


load_at = driver_on_sim(KeysightN3300A, "keysight_n3300a")


def known_state(ch: int, low: float) -> list[str]:
    """The known state of the module in channel `ch`, whose low CC range is `low` A: its input
    off first, then its short off (INP OFF alone only overrides it while the input is off)."""
    return [f"CHAN {ch};:INP OFF", f"CHAN {ch};:INP:SHOR OFF", f"CHAN {ch};:TRAN OFF",
            f"CHAN {ch};:CURR:MODE FIX",
            f"CHAN {ch};:RES:MODE FIX", f"CHAN {ch};:VOLT:MODE FIX", f"CHAN {ch};:CURR 0",
            f"CHAN {ch};:CURR:RANG {low:g}"]


def opened(ch: int, low: float) -> list[str]:
    """What open() sends: who the mainframe is, which module the channel holds, then the
    module's known state, confirmed."""
    return ["*IDN?", "SYST:ERR?", "*RDT?", *known_state(ch, low), "SYST:ERR?"]


# --- protocol against pyvisa-sim ----------------------------------------------------------

def test_open_names_the_mainframe_and_the_module_then_sets_its_known_state() -> None:
    load, wire = load_at(MAINFRAME, channel=3)
    assert (load.model, load.module) == ("N3300A", "N3305A")
    assert wire.sent == opened(3, 6)
    assert load.identify() == "Agilent Technologies,N3300A,0,A.03.01 (channel 3: N3305A)"
    _, small = load_at(MAINFRAME, channel=1)
    assert small.sent == opened(1, 3)  # an N3302A: 3 A / 30 A


@pytest.mark.parametrize(("mode", "level", "level_command", "function"), [
    ("CC", 1.5, "CURR 1.5", "FUNC CURR"),
    ("CV", 4.2, "VOLT 4.2", "FUNC VOLT"),
    ("CR", 8.25, "RES 8.25", "FUNC RES"),
])
def test_every_command_selects_its_channel_in_the_same_message_level_before_function(
        mode: str, level: float, level_command: str, function: str) -> None:
    load, wire = load_at(MAINFRAME, channel=3, module="N3305A")
    wire.sent.clear()  # after open (its dialogue: test_open_names_...)
    load.set_mode(mode, level)  # type: ignore[arg-type]
    load.set_input(True)
    assert wire.sent == [f"CHAN 3;:{level_command}", f"CHAN 3;:{function}", "SYST:ERR?",
                         "CHAN 3;:INP ON"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_every_query_selects_its_channel_in_the_same_message() -> None:
    load, wire = load_at(MAINFRAME, channel=3)
    wire.sent.clear()
    load.set_input(True)
    assert load.input_on() is True
    load.set_input(False)
    assert load.input_on() is False
    assert load.measure() == (4.98765, 1.50012)
    assert wire.sent == ["CHAN 3;:INP ON", "CHAN 3;:INP?", "CHAN 3;:INP OFF", "CHAN 3;:INP?",
                         "CHAN 3;:MEAS:VOLT?", "CHAN 3;:MEAS:CURR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_ranges_follow_the_module_the_mainframe_reports() -> None:
    load, wire = load_at(MAINFRAME, channel=3)
    load.set_mode("CC", 55.0)  # an N3305A takes 60 A, on its 60 A range
    assert wire.sent == [*opened(3, 6), "CHAN 3;:CURR:RANG 60", "SYST:ERR?",
                         "CHAN 3;:CURR 55", "CHAN 3;:FUNC CURR", "SYST:ERR?"]
    small, small_wire = load_at(MAINFRAME, channel=1)
    with pytest.raises(RangeError, match="CC current 55 A is outside the N3302A in channel 1 "
                                         r"range 0\.\.30 A"):
        small.set_mode("CC", 55.0)
    assert small_wire.sent == opened(1, 3)


@pytest.mark.parametrize(("mode", "level", "shown"), [
    ("CP", 10.0, "the N3305A in channel 3 has no CP mode"),
    ("CV", 151.0, "CV voltage 151 V is outside the N3305A in channel 3 range 0..150 V"),
    ("CR", 0.5, "CR resistance 0.5 ohm is outside the N3305A in channel 3 range 1..1000 ohm"),
    ("CC", -0.5, "CC current -0.5 A is outside the N3305A in channel 3 range 0..60 A"),
])
def test_out_of_range_levels_and_the_missing_cp_mode_are_refused_before_anything_is_sent(
        mode: str, level: float, shown: str) -> None:
    load, wire = load_at(MAINFRAME, channel=3, module="N3305A")
    wire.sent.clear()
    assert_refused_before_sending(wire.sent, shown, load.set_mode, mode, level)


@pytest.mark.parametrize(("resource", "options", "error"), [
    (MAINFRAME, {"channel": 2}, "no load module in channel 2"),
    (MAINFRAME, {"channel": 3, "module": "N3302A"},
     "channel 3 holds a N3305A; the station expects a N3302A"),
    ("ASRL1::INSTR", {"channel": 3}, "is an N3301A with 2 slots; channel 3 does not exist"),
    ("GPIB0::7::INSTR", {}, "channel 1 holds a N3311A, not one of N3302A"),
    ("GPIB0::8::INSTR", {}, "is a Agilent Technologies E3631A, not one of"),
    ("GPIB0::9::INSTR", {}, r"'\*RDT\?' answered 'N3302A N3305A': not a list"),
])
def test_a_wrong_mainframe_slot_or_module_is_refused_at_open_before_any_setting(
        resource: str, options: dict[str, object], error: str) -> None:
    wire = visa_sim("keysight_n3300a", resource)
    with pytest.raises(InstrumentError, match=error):
        KeysightN3300A(wire, **options).open()  # type: ignore[arg-type]
    assert not [message for message in wire.sent if message.startswith("CHAN")]


def test_bad_options_are_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="channel 7 is not a slot 1-6"):
        load_at(MAINFRAME, channel=7)
    with pytest.raises(ValueError, match="module 'N3310A'"):
        load_at(MAINFRAME, module="N3310A")
    with pytest.raises(ValueError, match="the N3301A has 2 slots; channel 3"):
        load_at(MAINFRAME, channel=3, model="N3301A")


def test_a_garbled_reply_names_the_command_and_the_reply() -> None:
    load, _ = load_at("GPIB0::6::INSTR", module="N3302A")
    with pytest.raises(InstrumentError, match=r"'CHAN 1;:MEAS:VOLT\?' answered '4.98765 V': "
                                              "not a number"):
        load.measure()


# --- against the twin (sim://) --------------------------------------------------------------

def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    load = open_instrument("keysight-n3300a", "sim://load", world=cell_world, channel=4,
                           module="N3304A")
    assert isinstance(load, ElectronicLoad)
    assert load.identify().endswith("(channel 4: N3304A)")
    cycle_load_through_modes(load, [*(mode for mode in LOAD_MODES if mode[0] != "CP"),
                                    ("CC", 8.0)])  # no CP; 8 A on the 60 A range
    assert load.transport.query("SYST:ERR?") == '+0,"No error"'


@pytest.mark.parametrize(("command", "error"), [
    ("POW 10", '-113,"Undefined header"'),
    ("CHAN 2", '-241,"Hardware missing"'),
    ("CHAN 7", '-222,"Data out of range"'),
    ("CURR 31", '-222,"Data out of range"'),
    ("CURR 4", '-222,"Data out of range"'),  # above the 3 A range the known state selected
    ("CURR:RANG 31", '-222,"Data out of range"'),
    ("CURR:MODE STEP", '-224,"Illegal parameter value"'),
    ("TRAN MAYBE", '-224,"Illegal parameter value"'),
    ("INP:SHOR 2", '-224,"Illegal parameter value"'),
    ("INP:SHOR", '-109,"Missing parameter"'),
])
def test_the_twin_queues_the_error_a_real_mainframe_would(cell_world: object, command: str,
                                                          error: str) -> None:
    load = open_instrument("keysight-n3300a", "sim://load", world=cell_world)
    assert_twin_queues(load, command, error)


# --- two modules of one mainframe on one connection (twin) -------------------------------------

def two_drivers_on_one_mainframe(world: object) -> tuple[KeysightN3300ATwin, Recorder,
                                                        KeysightN3300A, KeysightN3300A]:
    """An N3300A with the station's N3302A in slot 1 (wired to the cell) and an N3305A in slot
    3 (open circuit), one recorded connection, and a driver opened on each slot."""
    twin = KeysightN3300ATwin(world, channel=1, module="N3302A", others={3: "N3305A"})
    link = Recorder(SimTransport("sim://mainframe", twin, **KeysightN3300A.TRANSPORT))
    wired, other = KeysightN3300A(link, channel=1), KeysightN3300A(link, channel=3)
    for load in (wired, other):
        load.open()
    return twin, link, wired, other


def test_interleaved_drivers_each_switch_set_and_measure_their_own_module(cell_world: Any) -> None:
    twin, link, wired, other = two_drivers_on_one_mainframe(cell_world)
    wired.set_mode("CC", 1.0)
    other.set_mode("CC", 2.0)
    wired.set_input(True)
    other.set_input(True)
    other.set_input(False)  # slot 3 selected last
    assert (wired.input_on(), other.input_on()) == (True, False)
    assert wired.measure()[1] == pytest.approx(1.0, abs=0.01)  # the cell, through slot 1
    assert other.measure() == (0.0, 0.0)  # slot 3: open circuit
    assert {slot: (state.on, state.levels["CC"]) for slot, state in twin.inputs.items()} == {
        1: (True, 1.0), 3: (False, 2.0)}
    assert cell_world.load_input_on is True
    assert link.sent == [  # never *RST (its INPut value is ON)
        *opened(1, 3), *opened(3, 6),
        "CHAN 1;:CURR 1", "CHAN 1;:FUNC CURR", "SYST:ERR?",
        "CHAN 3;:CURR 2", "CHAN 3;:FUNC CURR", "SYST:ERR?",
        "CHAN 1;:INP ON", "CHAN 3;:INP ON", "CHAN 3;:INP OFF", "CHAN 1;:INP?", "CHAN 3;:INP?",
        "CHAN 1;:MEAS:VOLT?", "CHAN 1;:MEAS:CURR?", "CHAN 3;:MEAS:VOLT?", "CHAN 3;:MEAS:CURR?"]
    assert twin.errors() == ()


def test_the_safe_sequence_confirms_off_for_its_own_channel_after_another_selected_its_own(
        cell_world: Any) -> None:
    twin, _, wired, other = two_drivers_on_one_mainframe(cell_world)
    wired.set_mode("CC", 1.0)
    wired.set_input(True)
    other.set_input(True)
    assert other.input_on() is True
    assert twin.selected == 3  # the other driver selected its channel last
    wired.set_input(False)
    assert wired.input_on() is False
    assert (twin.inputs[1].on, twin.inputs[3].on) == (False, True)
    assert cell_world.load_input_on is False


def test_the_twin_reset_turns_every_input_on_as_the_manual_says(cell_world: Any) -> None:
    twin = KeysightN3300ATwin(cell_world, channel=1, others={3: "N3305A"})
    assert [state.on for state in twin.inputs.values()] == [False, False]  # power-on: off
    link = SimTransport("sim://mainframe", twin)
    link.write("CHAN 3;:FUNC VOLT;:VOLT 12;:TRAN ON;:INP:SHOR ON;:CHAN 1;:CURR:RANG 3;:CURR 2;"
               ":CURR:MODE LIST;:INP:SHOR 1;:INP OFF")
    assert (twin.inputs[3].function, twin.inputs[1].levels["CC"]) == ("CV", 2.0)
    assert (twin.inputs[1].short, twin.inputs[3].short) == (True, True)
    link.write("*RST")
    assert {slot: (state.on, state.function, state.levels["CC"], state.ranges["CC", "I"],
                   state.transient, state.modes["CC"], state.short)
            for slot, state in twin.inputs.items()} == {
        1: (True, "CC", 0.0, 30.0, False, "FIX", False),
        3: (True, "CC", 0.0, 60.0, False, "FIX", False)}
    assert link.query("CHAN?") == "1"
    assert cell_world.load_input_on is True
    assert link.query("SYST:ERR?") == NO_ERROR


def test_a_short_left_on_is_switched_off_when_the_load_opens(cell_world: Any) -> None:
    twin = KeysightN3300ATwin(cell_world, channel=1, module="N3302A")
    link = SimTransport("sim://mainframe", twin, **KeysightN3300A.TRANSPORT)
    link.write("CHAN 1;:INP:SHOR ON;:INP ON")  # left by the front panel or another program
    assert cell_world.load_reading()[1] == pytest.approx(30.0)  # the range's top, not a level
    load = KeysightN3300A(link, channel=1)
    load.open()
    assert cell_world.load_input_on is False
    assert link.query("CHAN 1;:INP:SHOR?") == "0"
    load.set_mode("CC", 1.0)
    load.set_input(True)
    assert load.measure()[1] == pytest.approx(1.0)  # the CC level, not the 3 A range's top
    assert twin.errors() == ()


def test_the_twin_short_sinks_the_top_of_the_selected_cc_range_while_the_input_is_on(
        cell_world: Any) -> None:
    twin = KeysightN3300ATwin(cell_world, channel=1, module="N3302A")  # 3 A / 30 A
    link = SimTransport("sim://mainframe", twin)
    link.write("CHAN 1;:CURR 1;:INP:SHOR ON")
    assert (link.query("INP:SHOR?"), cell_world.load_reading()[1]) == ("1", 0.0)  # input off
    link.write("INP ON")
    assert cell_world.load_reading()[1] == pytest.approx(30.0)  # the high range's top
    link.write("CURR:RANG 3")
    assert cell_world.load_reading()[1] == pytest.approx(3.0)  # the low range's top
    link.write("INP OFF")
    assert cell_world.load_reading()[1] == 0.0  # the input off overrides the short...
    link.write("INP ON")
    assert cell_world.load_reading()[1] == pytest.approx(3.0)  # ...while it is off only
    link.write("INP:SHOR OFF")
    assert (link.query("INP:SHOR?"), cell_world.load_reading()[1]) == ("0", pytest.approx(1.0))
    assert link.query("SYST:ERR?") == NO_ERROR


def test_the_twin_refuses_modules_it_cannot_hold(cell_world: Any) -> None:
    with pytest.raises(ValueError, match="the N3301A has no slot 3"):
        KeysightN3300ATwin(cell_world, model="N3301A", others={3: "N3305A"})
    with pytest.raises(ValueError, match="slot 1 holds the station's module"):
        KeysightN3300ATwin(cell_world, others={1: "N3305A"})
    with pytest.raises(ValueError, match="module 'N3311A'"):
        KeysightN3300ATwin(cell_world, others={2: "N3311A"})


# --- a rack: one mainframe, each module wired to its own DUT's world (twin) -------------------

def test_a_set_point_on_one_slot_reaches_that_slots_world_only(rack_worlds: list[Any]) -> None:
    first, second, third = rack_worlds
    second.set_load_input(True)  # whatever its world held, a slot wired later starts off
    twin = KeysightN3300ATwin(first, channel=1)
    twin.wire(2, second, module="N3304A")
    twin.wire(3, third)
    assert not second.load_input_on
    link = SimTransport("sim://mainframe", twin, **KeysightN3300A.TRANSPORT)
    loads = [KeysightN3300A(link, channel=slot) for slot in (1, 2, 3)]
    for load in loads:
        load.open()
    assert loads[1].module == "N3304A"  # *RDT? lists the module wire() put in slot 2
    loads[1].set_mode("CC", 1.0)
    loads[1].set_input(True)
    assert [world.load_input_on for world in rack_worlds] == [False, True, False]
    volts, amps = loads[1].measure()
    assert (volts, amps) == pytest.approx(second.load_reading()) and amps == pytest.approx(1.0)
    assert [load.measure() for load in (loads[0], loads[2])] == [(0.0, 0.0), (0.0, 0.0)]
    assert twin.errors() == ()


def test_the_twin_refuses_to_wire_a_slot_it_cannot(rack_worlds: list[Any]) -> None:
    first, second, _ = rack_worlds
    twin = KeysightN3300ATwin(first, model="N3301A", channel=1, others={2: "N3305A"})
    for options, shown in [
        ({"channel": 1}, "slot 1 is already wired"),
        ({"channel": 3}, "the N3301A has no slot 3"),
        ({"channel": 2, "module": "N3302A"}, "slot 2 holds a N3305A, not a N3302A"),
        ({"channel": 2, "module": "N3311A"}, "slot 2 holds a N3305A, not a N3311A"),
        ({"channel": 2, "sense": "remote"}, "wire\\(\\) takes no option 'sense'"),
    ]:
        with pytest.raises(ValueError, match=shown):
            twin.wire(world=second, **options)
    spare = KeysightN3300ATwin(first)
    with pytest.raises(ValueError, match="module 'N3311A' is not one of"):
        spare.wire(2, second, module="N3311A")
    assert (set(twin.worlds), set(spare.worlds), set(spare.modules)) == ({1}, {1}, {1})
    twin.wire(2, second)  # the module already in the slot
    assert twin.worlds == {1: first, 2: second}
