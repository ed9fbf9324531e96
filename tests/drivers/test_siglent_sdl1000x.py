"""Siglent SDL1000X driver: protocol against pyvisa-sim (siglent_sdl1000x.yaml) and against its
twin; its whole dialogues and what it does like other loads: test_shared_driver_behaviour.py.
The SDL1000X's error query is not confirmed by its manual, so every setting is confirmed by
reading it back."""
from __future__ import annotations

from typing import Any

import pytest
from driver_helpers import (
    assert_refused_before_sending,
    assert_twin_queues,
    cycle_load_through_modes,
    driver_on_sim,
    visa_sim,
)

from drivers.registry import open_instrument
from drivers.roles import ElectronicLoad, InstrumentError, RangeError
from drivers.siglent_sdl1000x import SiglentSDL1000X

SDL1020XE = "USB0::0xF4EC::0x1621::SDL13GCX5R0001::INSTR"
SDL1030X = "TCPIP0::192.168.1.31::5025::SOCKET"
GARBLED = "USB0::0xF4EC::0x1621::SDL13GCX5R0666::INSTR"
NO_ERROR = '0,"No error"'


load_at = driver_on_sim(SiglentSDL1000X, "siglent_sdl1000x")
# identify(), and what this driver does like others: test_shared_driver_behaviour.py

# what open() sends: who it is, the known state, then each setting read back
KNOWN_STATE = [":SOUR:INP:STAT OFF", ":SOUR:SHOR:STAT OFF", ":SOUR:CURR:LEV:IMM 0",
               ":SOUR:FUNC CURRENT", ":SOUR:CURR:IRANG 5", ":SOUR:CURR:VRANG 150", "SYST:SENS OFF"]
READ_BACK = [":SOUR:INP:STAT?", ":SOUR:SHOR:STAT?", ":SOUR:CURR:LEV:IMM?", ":SOUR:FUNC?",
             ":SOUR:CURR:IRANG?", ":SOUR:CURR:VRANG?", "SYST:SENS?", ":SOUR:FUNC:MODE?"]
OPENED = ["*IDN?", *KNOWN_STATE, *READ_BACK]


def test_open_identifies_then_sets_the_known_state_and_reads_every_setting_back() -> None:
    load, wire = load_at(SDL1020XE, model="SDL1020X-E")
    assert wire.sent == OPENED
    assert load.confirmed == KNOWN_STATE
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_level_goes_before_the_function_and_the_function_only_when_it_changes() -> None:
    load, wire = load_at(SDL1020XE, model="SDL1020X-E")
    load.set_mode("CC", 1.5)  # the known state left CC selected, in the 5 A range
    load.set_mode("CC", 2.0)
    load.set_mode("CV", 4.2)
    assert wire.sent[len(OPENED):] == [
        ":SOUR:CURR:LEV:IMM 1.5", ":SOUR:CURR:LEV:IMM?",
        ":SOUR:CURR:LEV:IMM 2", ":SOUR:CURR:LEV:IMM?",
        ":SOUR:VOLT:IRANG 30", ":SOUR:VOLT:IRANG?",  # CV's current range: the full 30 A
        ":SOUR:VOLT:LEV:IMM 4.2", ":SOUR:FUNC VOLTAGE", ":SOUR:VOLT:LEV:IMM?", ":SOUR:FUNC?",
        ":SOUR:VOLT:VRANG 36", ":SOUR:VOLT:VRANG?"]  # 4.2 V fits either range: then the low one
    assert wire.query("SYST:ERR?") == NO_ERROR


@pytest.mark.parametrize(("mode", "level", "sent"), [
    ("CV", 40.0, [":SOUR:VOLT:IRANG 30", ":SOUR:VOLT:IRANG?", ":SOUR:VOLT:VRANG 150",
                  ":SOUR:VOLT:VRANG?", ":SOUR:VOLT:LEV:IMM 40", ":SOUR:FUNC VOLTAGE",
                  ":SOUR:VOLT:LEV:IMM?", ":SOUR:FUNC?"]),
    ("CR", 8.25, [":SOUR:RES:IRANG 30", ":SOUR:RES:IRANG?", ":SOUR:RES:VRANG 150",
                  ":SOUR:RES:VRANG?", ":SOUR:RES:LEV:IMM 8.25", ":SOUR:FUNC RESISTANCE",
                  ":SOUR:RES:LEV:IMM?", ":SOUR:FUNC?"]),
    ("CP", 12.5, [":SOUR:POW:IRANG 30", ":SOUR:POW:IRANG?", ":SOUR:POW:VRANG 150",
                  ":SOUR:POW:VRANG?", ":SOUR:POW:LEV:IMM 12.5", ":SOUR:FUNC POWER",
                  ":SOUR:POW:LEV:IMM?", ":SOUR:FUNC?"]),
])
def test_each_mode_gets_its_ranges_then_its_level_and_long_function_name_read_back(
        mode: str, level: float, sent: list[str]) -> None:
    load, wire = load_at(SDL1020XE, model="SDL1020X-E")
    load.set_mode(mode, level)  # type: ignore[arg-type]
    assert wire.sent[len(OPENED):] == sent
    load.set_mode(mode, level)  # its ranges are known now: the level alone
    assert wire.sent[len(OPENED) + len(sent):] == sent[4:5] + sent[6:7]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_a_cc_level_above_the_low_range_selects_the_high_range_first_and_back_level_first() -> None:
    load, wire = load_at(SDL1020XE, model="SDL1020X-E")
    load.set_mode("CC", 10.0)
    load.set_mode("CC", 30.0)  # the 30 A range already: the level alone
    load.set_mode("CC", 2.0)
    assert wire.sent[len(OPENED):] == [
        ":SOUR:CURR:IRANG 30", ":SOUR:CURR:IRANG?",
        ":SOUR:CURR:LEV:IMM 10", ":SOUR:CURR:LEV:IMM?",
        ":SOUR:CURR:LEV:IMM 30", ":SOUR:CURR:LEV:IMM?",
        ":SOUR:CURR:LEV:IMM 2", ":SOUR:CURR:LEV:IMM?",  # inside both ranges, then the 5 A one
        ":SOUR:CURR:IRANG 5", ":SOUR:CURR:IRANG?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_input_on_off_and_its_state_read_back() -> None:
    load, wire = load_at(SDL1020XE)
    load.set_input(True)
    assert load.input_on() is True
    load.set_input(False)
    assert load.input_on() is False
    assert wire.sent[len(OPENED):] == [":SOUR:INP:STAT ON", ":SOUR:INP:STAT?",
                                       ":SOUR:INP:STAT OFF", ":SOUR:INP:STAT?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_measure_returns_volts_and_amps() -> None:
    load, wire = load_at(SDL1020XE, model="SDL1020X-E")
    assert load.measure() == (4.98765, 1.50012)
    assert wire.sent[len(OPENED):] == ["MEAS:VOLT?", "MEAS:CURR?"]


def test_a_tiny_negative_current_reads_as_zero() -> None:
    load, _ = load_at(SDL1030X, model="SDL1030X")
    assert load.measure() == (12.0, 0.0)


@pytest.mark.parametrize(("mode", "level", "shown"), [
    ("CC", 30.5, "CC current 30.5 A is outside the SDL1020X-E range 0..30 A"),
    ("CV", -1.0, "CV voltage -1 V is outside the SDL1020X-E range 0..150 V"),
    ("CR", 0.01, "CR resistance 0.01 ohm is outside the SDL1020X-E range 0.03..10000 ohm"),
    ("CP", 250.0, "CP power 250 W is outside the SDL1020X-E range 0..200 W"),
    ("CC", float("nan"), "CC current nan A"),
])
def test_out_of_range_levels_are_refused_before_anything_is_sent(mode: str, level: float,
                                                                 shown: str) -> None:
    load, wire = load_at(SDL1020XE, model="SDL1020X-E")
    wire.sent.clear()  # after open (its dialogue: test_open_identifies_...)
    assert_refused_before_sending(wire.sent, shown, load.set_mode, mode, level)


def test_ranges_follow_the_model_the_instrument_reports() -> None:
    big, big_wire = load_at(SDL1030X)
    big.set_mode("CP", 250.0)  # open asked *IDN?: an SDL1030X takes 300 W
    assert big_wire.sent[len(OPENED):] == [
        ":SOUR:POW:IRANG 30", ":SOUR:POW:IRANG?", ":SOUR:POW:VRANG 150", ":SOUR:POW:VRANG?",
        ":SOUR:POW:LEV:IMM 250", ":SOUR:FUNC POWER", ":SOUR:POW:LEV:IMM?", ":SOUR:FUNC?"]
    small, small_wire = load_at(SDL1020XE)
    with pytest.raises(RangeError, match="SDL1020X-E range 0..200 W"):
        small.set_mode("CP", 250.0)
    assert small_wire.sent == OPENED


def test_another_siglent_instrument_is_rejected_by_name_before_anything_else_is_sent() -> None:
    wire = visa_sim("siglent_sdl1000x", "USB0::0xF4EC::0x1301::SDM35HBQ1R0003::INSTR")
    with pytest.raises(InstrumentError, match="is a Siglent Technologies SDM3055, not one of"):
        SiglentSDL1000X(wire).open()
    assert wire.sent == ["*IDN?"]


def test_another_sdl_than_the_station_expects_is_rejected_at_open() -> None:
    with pytest.raises(InstrumentError, match="is a SDL1020X-E; the station expects a SDL1030X"):
        load_at(SDL1020XE, model="SDL1030X")


def test_garbled_replies_name_the_command_and_the_reply() -> None:
    load, _ = load_at(GARBLED, model="SDL1020X")
    with pytest.raises(InstrumentError, match=r"'MEAS:VOLT\?' answered '4.98 V': not a number"):
        load.measure()
    load.set_input(True)  # its input read back 0 at open; once on, it answers garbled
    with pytest.raises(InstrumentError,
                       match=r"':SOUR:INP:STAT\?' answered 'maybe': not a boolean"):
        load.input_on()


def test_an_overload_reply_is_not_taken_for_a_current() -> None:
    load, _ = load_at("USB0::0xF4EC::0x1621::SDL13GCX5R0777::INSTR", model="SDL1020X")
    with pytest.raises(InstrumentError, match=r"'MEAS:CURR\?' answered '9.9E37': outside"):
        load.measure()


def test_bad_options_are_refused_at_construction() -> None:
    wire = visa_sim("siglent_sdl1000x", SDL1020XE)
    with pytest.raises(ValueError, match="model 'SDL1040X'"):
        SiglentSDL1000X(wire, model="SDL1040X")
    with pytest.raises(ValueError, match="load mode 'CX'"):
        SiglentSDL1000X(wire, model="SDL1020X").set_mode("CX", 1.0)  # type: ignore[arg-type]
    assert wire.sent == []


# --- against the twin (sim://): the twin is strict, so any stray command shows up --------

def test_a_cv_level_selects_its_voltage_range_in_the_twin(cell_world: Any) -> None:
    load = open_instrument("siglent-sdl1000x", "sim://load", world=cell_world)
    twin = load.transport.twin
    state = twin.inputs[1]
    load.set_mode("CV", 3.0)
    assert (state.ranges["CV", "V"], state.ranges["CV", "I"], state.function) == (36.0, 30.0, "CV")
    load.set_mode("CV", 100.0)
    assert (state.ranges["CV", "V"], state.levels["CV"], twin.errors()) == (150.0, 100.0, ())


def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    load = open_instrument("siglent-sdl1000x", "sim://load", world=cell_world, model="SDL1030X")
    assert isinstance(load, ElectronicLoad)
    assert load.identify().startswith("Siglent Technologies,SDL1030X,")
    cycle_load_through_modes(load, sinks=False)
    assert load.transport.query("SYST:ERR?") == '+0,"No error"'


@pytest.mark.parametrize(("command", "error"), [
    (":SOUR:CURRE 1", '-113,"Undefined header"'),
    (":SOUR:CURR:LEV:IMM 31", '-222,"Data out of range"'),
    (":SOUR:CURR:LEV:IMM 6", '-222,"Data out of range"'),  # open selected the 5 A range
    (":SOUR:CURR:IRANG 31", '-222,"Data out of range"'),
    (":SOUR:VOLT:VRANG 151", '-222,"Data out of range"'),
    (":SOUR:CURR:IRANG 30;:SOUR:CURR:LEV:IMM 6;:SOUR:CURR:IRANG 5", '-221,"Settings conflict"'),
    (":SOUR:VOLT:VRANG 36", '-221,"Settings conflict"'),  # the CV level is still 150 V
    (":SOUR:FUNC LED", '-224,"Illegal parameter value"'),
    (":SOUR:SHOR:STAT MAYBE", '-224,"Illegal parameter value"'),
    ("SYST:SENS", '-109,"Missing parameter"'),
    (":SOUR:INP:STAT", '-109,"Missing parameter"'),
])
def test_the_twin_queues_the_error_a_real_load_would(cell_world: object, command: str,
                                                     error: str) -> None:
    load = open_instrument("siglent-sdl1000x", "sim://load", world=cell_world)
    assert_twin_queues(load, command, error)
