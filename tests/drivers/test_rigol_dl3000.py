"""Rigol DL3000 driver: protocol against pyvisa-sim (rigol_dl3000.yaml) and against its twin;
its whole dialogues and what it does like other loads: test_shared_driver_behaviour.py."""
from __future__ import annotations

import pytest
from driver_helpers import (
    NO_ERROR,
    assert_refused_before_sending,
    assert_twin_queues,
    cycle_load_through_modes,
    driver_on_sim,
    visa_sim,
)

from drivers.registry import open_instrument
from drivers.rigol_dl3000 import RigolDL3000
from drivers.roles import ElectronicLoad, InstrumentError, RangeError

DL3021 = "USB0::0x1AB1::0x0E11::DL3A000000001::INSTR"
DL3031A = "TCPIP0::192.168.1.30::5555::SOCKET"


load_at = driver_on_sim(RigolDL3000, "rigol_dl3000")


# identify(), and what this driver does like others: test_shared_driver_behaviour.py

# what open() sends a DL3021 (identify(): who it is, then its known state, confirmed)
OPENED_DL3021 = ["*IDN?", "SYST:ERR?",
                 ":SOUR:INP:STAT OFF", ":SOUR:FUNC:MODE FIX", ":SOUR:CURR:LEV:IMM 0",
                 ":SOUR:CURR:RANG 4", "SYST:ERR?", ":SOUR:FUNC:MODE?"]


def test_open_identifies_then_sets_fixed_mode_and_the_low_cc_range_confirmed() -> None:
    _, wire = load_at(DL3021, model="DL3021")
    assert wire.sent == ["*IDN?", "SYST:ERR?",
                         ":SOUR:INP:STAT OFF", ":SOUR:FUNC:MODE FIX", ":SOUR:CURR:LEV:IMM 0",
                         ":SOUR:CURR:RANG 4", "SYST:ERR?", ":SOUR:FUNC:MODE?"]
    _, big_wire = load_at(DL3031A)
    assert big_wire.sent == ["*IDN?", "SYST:ERR?",
                             ":SOUR:INP:STAT OFF", ":SOUR:FUNC:MODE FIX", ":SOUR:CURR:LEV:IMM 0",
                             ":SOUR:CURR:RANG 6", "SYST:ERR?", ":SOUR:FUNC:MODE?"]


def test_a_load_that_stays_in_battery_mode_is_an_instrument_error_at_open() -> None:
    with pytest.raises(InstrumentError, match="stays in BATT mode after ':SOUR:FUNC:MODE FIX'"):
        load_at("USB0::0x1AB1::0x0E11::DL3B000000888::INSTR")


def test_a_cc_level_above_the_low_range_selects_the_high_range_first() -> None:
    load, wire = load_at(DL3021, model="DL3021")
    load.set_mode("CC", 10.0)
    load.set_mode("CC", 40.0)  # the high range already: the level alone
    load.set_mode("CC", 2.0)  # back to the low range: the level first, inside both ranges
    assert wire.sent == [*OPENED_DL3021,
                         ":SOUR:CURR:RANG 40", "SYST:ERR?",
                         ":SOUR:CURR:LEV:IMM 10", ":SOUR:FUNC CURR", "SYST:ERR?",
                         ":SOUR:CURR:LEV:IMM 40", "SYST:ERR?",
                         ":SOUR:CURR:LEV:IMM 2", "SYST:ERR?",
                         ":SOUR:CURR:RANG 4", "SYST:ERR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_level_goes_before_the_function_and_the_function_only_when_it_changes() -> None:
    load, wire = load_at(DL3021, model="DL3021")
    load.set_mode("CC", 1.5)
    load.set_mode("CC", 2.0)
    load.set_mode("CV", 3.0)
    assert wire.sent == [*OPENED_DL3021, ":SOUR:CURR:LEV:IMM 1.5", ":SOUR:FUNC CURR", "SYST:ERR?",
                         ":SOUR:CURR:LEV:IMM 2", "SYST:ERR?",
                         ":SOUR:VOLT:LEV:IMM 3", ":SOUR:FUNC VOLT", "SYST:ERR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


@pytest.mark.parametrize(("mode", "level", "level_command", "function"), [
    ("CC", 1.5, ":SOUR:CURR:LEV:IMM 1.5", ":SOUR:FUNC CURR"),
    ("CV", 3.0, ":SOUR:VOLT:LEV:IMM 3", ":SOUR:FUNC VOLT"),
    ("CR", 8.25, ":SOUR:RES:LEV:IMM 8.25", ":SOUR:FUNC RES"),
    ("CP", 12.5, ":SOUR:POW:LEV:IMM 12.5", ":SOUR:FUNC POW"),
])
def test_each_mode_writes_its_own_level_and_function(mode: str, level: float, level_command: str,
                                                     function: str) -> None:
    load, wire = load_at(DL3021, model="DL3021")
    load.set_mode(mode, level)  # type: ignore[arg-type]
    assert wire.sent == [*OPENED_DL3021, level_command, function, "SYST:ERR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_input_on_and_off() -> None:
    load, wire = load_at(DL3021)
    load.set_input(True)
    load.set_input(False)
    assert wire.sent == [*OPENED_DL3021, ":SOUR:INP:STAT ON", ":SOUR:INP:STAT OFF"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_input_state_is_read_back() -> None:
    load, wire = load_at(DL3021)
    assert load.input_on() is False  # open() switched it off
    load.set_input(True)
    assert load.input_on() is True
    assert wire.sent == [*OPENED_DL3021, ":SOUR:INP:STAT?", ":SOUR:INP:STAT ON", ":SOUR:INP:STAT?"]


def test_a_garbled_input_state_is_an_instrument_error() -> None:
    load, _ = load_at("USB0::0x1AB1::0x0E11::DL3A000000666::INSTR")
    with pytest.raises(InstrumentError, match="SOUR:INP:STAT.*maybe"):
        load.input_on()


def test_measure_returns_volts_and_amps() -> None:
    load, _ = load_at(DL3021, model="DL3021")
    assert load.measure() == (4.98765, 1.50012)


def test_a_tiny_negative_current_reads_as_zero() -> None:
    load, _ = load_at(DL3031A)
    assert load.measure() == (12.0, 0.0)


@pytest.mark.parametrize(("mode", "level", "shown"), [
    ("CC", 40.5, "CC current 40.5 A is outside the DL3021 range 0..40 A"),
    ("CC", -0.1, "CC current -0.1 A is outside the DL3021 range 0..40 A"),
    ("CV", 151.0, "CV voltage 151 V is outside the DL3021 range 0..150 V"),
    ("CR", 0.05, "CR resistance 0.05 ohm is outside the DL3021 range 0.08..15000 ohm"),
    ("CP", 201.0, "CP power 201 W is outside the DL3021 range 0..200 W"),
    ("CC", float("nan"), "CC current nan A"),
])
def test_out_of_range_levels_are_refused_before_anything_is_sent(mode: str, level: float,
                                                                 shown: str) -> None:
    load, wire = load_at(DL3021, model="DL3021")
    wire.sent.clear()  # after open (its dialogue: test_open_identifies_...)
    assert_refused_before_sending(wire.sent, shown, load.set_mode, mode, level)


def test_ranges_follow_the_model_the_instrument_reports() -> None:
    big, big_wire = load_at(DL3031A)
    big.set_mode("CC", 55.0)  # open asked *IDN?: a DL3031A takes 60 A, on its 60 A range
    assert big_wire.sent == ["*IDN?", "SYST:ERR?",
                             ":SOUR:INP:STAT OFF", ":SOUR:FUNC:MODE FIX", ":SOUR:CURR:LEV:IMM 0",
                             ":SOUR:CURR:RANG 6", "SYST:ERR?", ":SOUR:FUNC:MODE?",
                             ":SOUR:CURR:RANG 60", "SYST:ERR?",
                             ":SOUR:CURR:LEV:IMM 55", ":SOUR:FUNC CURR", "SYST:ERR?"]
    small, small_wire = load_at(DL3021)
    with pytest.raises(RangeError, match="DL3021 range 0..40 A"):
        small.set_mode("CC", 55.0)
    assert small_wire.sent == OPENED_DL3021


def test_another_instrument_is_rejected_by_name_before_anything_else_is_sent() -> None:
    wire = visa_sim("rigol_dl3000", "USB0::0x1AB1::0x0E11::DP8C000000003::INSTR")
    with pytest.raises(InstrumentError, match=r"is a RIGOL TECHNOLOGIES DP832, not one of .*DL3021"):
        RigolDL3000(wire).open()
    assert wire.sent == ["*IDN?"]


def test_another_dl3000_than_the_station_expects_is_rejected_at_open() -> None:
    with pytest.raises(InstrumentError, match="is a DL3021; the station expects a DL3031A"):
        load_at(DL3021, model="DL3031A")


def test_a_garbled_reply_names_the_command_and_the_reply() -> None:
    load, _ = load_at("USB0::0x1AB1::0x0E11::DL3A000000666::INSTR", model="DL3021")
    with pytest.raises(InstrumentError, match=r"':MEAS:VOLT\?' answered '4.98 V': not a number"):
        load.measure()


def test_an_overload_reply_is_not_taken_for_a_current() -> None:
    load, _ = load_at("USB0::0x1AB1::0x0E11::DL3A000000777::INSTR", model="DL3021")
    with pytest.raises(InstrumentError, match=r"':MEAS:CURR\?' answered '\+9.90000000E\+37'"):
        load.measure()


def test_bad_options_are_refused_at_construction() -> None:
    wire = visa_sim("rigol_dl3000", DL3021)
    with pytest.raises(ValueError, match="model 'DL3050'"):
        RigolDL3000(wire, model="DL3050")
    load = RigolDL3000(wire, model="DL3021")
    with pytest.raises(ValueError, match="load mode 'CX'"):
        load.set_mode("CX", 1.0)  # type: ignore[arg-type]
    assert wire.sent == []


# --- against the twin (sim://): the twin is strict, so any stray command shows up --------

def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    load = open_instrument("rigol-dl3000", "sim://load", world=cell_world, model="DL3031A")
    assert isinstance(load, ElectronicLoad)
    assert load.identify().startswith("RIGOL TECHNOLOGIES,DL3031A,")
    modes = [("CC", 1.0), ("CV", 3.0), ("CR", 4.0), ("CP", 2.0), ("CC", 0.5)]
    cycle_load_through_modes(load, modes, sinks=False)
    assert load.transport.query("SYST:ERR?") == NO_ERROR


@pytest.mark.parametrize(("command", "error"), [
    (":SOUR:CURRE 1", '-113,"Undefined header"'),
    (":SOUR:CURR:LEV:IMM 41", '-222,"Data out of range"'),
    (":SOUR:CURR one", '-104,"Data type error"'),
    (":SOUR:FUNC AMPS", '-224,"Illegal parameter value"'),
    (":SOUR:INP:STAT", '-109,"Missing parameter"'),
    (":SOUR:FUNC:MODE SWEEP", '-224,"Illegal parameter value"'),
    (":SOUR:CURR:RANG 41", '-222,"Data out of range"'),
    (":SOUR:CURR:RANG MIN;:SOUR:CURR:LEV:IMM 4.5", '-222,"Data out of range"'),
    (":SOUR:CURR:RANG MAX;:SOUR:CURR:LEV:IMM 4.5;:SOUR:CURR:RANG 4", '-221,"Settings conflict"'),
])
def test_the_twin_queues_the_error_a_real_load_would(cell_world: object, command: str,
                                                     error: str) -> None:
    load = open_instrument("rigol-dl3000", "sim://load", world=cell_world, model="DL3021")
    assert_twin_queues(load, command, error)
