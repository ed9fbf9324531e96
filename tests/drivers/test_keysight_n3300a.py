"""Keysight N3300A driver: protocol against pyvisa-sim (keysight_n3300a.yaml) and against its
twin. The channel is the module's slot; the module is read from *RDT?."""
from __future__ import annotations

import pytest
from driver_helpers import (
    LOAD_MODES, NO_ERROR, assert_refused_before_sending, assert_twin_queues,
    cycle_load_through_modes, driver_on_sim,
)

from drivers.keysight_n3300a import KeysightN3300A
from drivers.registry import open_instrument
from drivers.roles import ElectronicLoad, InstrumentError, RangeError

MAINFRAME = "GPIB0::5::INSTR"  # an N3300A with an N3302A in slot 1 and an N3305A in slot 3


load_at = driver_on_sim(KeysightN3300A, "keysight_n3300a")


def test_identify_names_the_mainframe_and_the_module_in_the_channel() -> None:
    load, wire = load_at(MAINFRAME, channel=3)
    assert load.identify() == "Agilent Technologies,N3300A,0,A.03.01 (channel 3: N3305A)"
    assert (load.model, load.module) == ("N3300A", "N3305A")
    assert wire.sent == ["*IDN?", "*RDT?"]


@pytest.mark.parametrize(("mode", "level", "level_command", "function"), [
    ("CC", 1.5, "CURR 1.5", "FUNC CURR"),
    ("CV", 4.2, "VOLT 4.2", "FUNC VOLT"),
    ("CR", 8.25, "RES 8.25", "FUNC RES"),
])
def test_the_channel_is_selected_once_then_level_and_function(
        mode: str, level: float, level_command: str, function: str) -> None:
    load, wire = load_at(MAINFRAME, channel=3, module="N3305A")
    load.set_mode(mode, level)  # type: ignore[arg-type]
    load.set_input(True)
    assert wire.sent == ["CHAN 3", level_command, function, "INP ON"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_a_new_session_selects_the_channel_again() -> None:
    load, wire = load_at(MAINFRAME, channel=3)
    load.identify()
    load.set_input(False)
    assert load.input_on() is True
    load.identify()
    assert load.measure() == (4.98765, 1.50012)
    assert wire.sent == ["*IDN?", "*RDT?", "CHAN 3", "INP OFF", "INP?", "*IDN?", "*RDT?", "CHAN 3",
                         "MEAS:VOLT?", "MEAS:CURR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_ranges_follow_the_module_the_mainframe_reports() -> None:
    load, wire = load_at(MAINFRAME, channel=3)
    load.set_mode("CC", 55.0)  # an N3305A takes 60 A
    assert wire.sent == ["*IDN?", "*RDT?", "CHAN 3", "CURR 55", "FUNC CURR"]
    small, small_wire = load_at(MAINFRAME, channel=1)
    with pytest.raises(RangeError, match="CC current 55 A is outside the N3302A in channel 1 "
                                         r"range 0\.\.30 A"):
        small.set_mode("CC", 55.0)
    assert small_wire.sent == ["*IDN?", "*RDT?"]


@pytest.mark.parametrize(("mode", "level", "shown"), [
    ("CP", 10.0, "the N3305A in channel 3 has no CP mode"),
    ("CV", 151.0, "CV voltage 151 V is outside the N3305A in channel 3 range 0..150 V"),
    ("CR", 0.5, "CR resistance 0.5 ohm is outside the N3305A in channel 3 range 1..1000 ohm"),
])
def test_out_of_range_levels_and_the_missing_cp_mode_are_refused_before_anything_is_sent(
        mode: str, level: float, shown: str) -> None:
    load, wire = load_at(MAINFRAME, channel=3, module="N3305A")
    assert_refused_before_sending(wire.sent, shown, load.set_mode, mode, level)


@pytest.mark.parametrize(("resource", "options", "error"), [
    (MAINFRAME, {"channel": 2}, "no load module in channel 2"),
    (MAINFRAME, {"channel": 3, "module": "N3302A"}, "channel 3 holds a N3305A; the station "
                                                    "expects a N3302A"),
    ("ASRL1::INSTR", {"channel": 3}, "is an N3301A with 2 slots; channel 3 does not exist"),
    ("GPIB0::7::INSTR", {}, "channel 1 holds a N3311A, not one of N3302A"),
    ("GPIB0::8::INSTR", {}, "is a Agilent Technologies E3631A, not one of"),
    ("GPIB0::6::INSTR", {}, r"'\*RDT\?' answered 'N3302A N3305A': not a list"),
])
def test_a_wrong_mainframe_slot_or_module_is_rejected_by_name(resource: str,
                                                              options: dict[str, object],
                                                              error: str) -> None:
    load, _ = load_at(resource, **options)
    with pytest.raises(InstrumentError, match=error):
        load.identify()


def test_bad_options_are_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="channel 7 is not a slot 1-6"):
        load_at(MAINFRAME, channel=7)
    with pytest.raises(ValueError, match="module 'N3310A'"):
        load_at(MAINFRAME, module="N3310A")
    with pytest.raises(ValueError, match="the N3301A has 2 slots; channel 3"):
        load_at(MAINFRAME, channel=3, model="N3301A")


def test_a_garbled_reply_names_the_command_and_the_reply() -> None:
    load, _ = load_at("GPIB0::6::INSTR", module="N3302A")
    with pytest.raises(InstrumentError, match=r"'MEAS:VOLT\?' answered '4.98765 V': not a number"):
        load.measure()


# --- against the twin (sim://) --------------------------------------------------------------

def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    load = open_instrument("keysight-n3300a", "sim://load", world=cell_world, channel=4,
                           module="N3304A")
    assert isinstance(load, ElectronicLoad)
    assert load.identify().endswith("(channel 4: N3304A)")
    cycle_load_through_modes(load, [mode for mode in LOAD_MODES if mode[0] != "CP"])  # no CP
    assert load.transport.query("SYST:ERR?") == '+0,"No error"'


@pytest.mark.parametrize(("command", "error"), [
    ("POW 10", '-113,"Undefined header"'),
    ("CHAN 2", '-241,"Hardware missing"'),
    ("CHAN 7", '-222,"Data out of range"'),
    ("CURR 31", '-222,"Data out of range"'),
])
def test_the_twin_queues_the_error_a_real_mainframe_would(cell_world: object, command: str,
                                                          error: str) -> None:
    load = open_instrument("keysight-n3300a", "sim://load", world=cell_world)
    assert_twin_queues(load, command, error)
