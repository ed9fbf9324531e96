"""Rigol DL3000 driver: protocol against pyvisa-sim (rigol_dl3000.yaml) and against its twin."""
from __future__ import annotations

import pytest
from driver_helpers import (
    NO_ERROR, assert_refused_before_sending, assert_twin_queues, cycle_load_through_modes,
    driver_on_sim, visa_sim,
)

from drivers.registry import open_instrument
from drivers.rigol_dl3000 import RigolDL3000
from drivers.roles import ElectronicLoad, InstrumentError, RangeError

DL3021 = "USB0::0x1AB1::0x0E11::DL3A000000001::INSTR"
DL3031A = "TCPIP0::192.168.1.30::5555::SOCKET"


load_at = driver_on_sim(RigolDL3000, "rigol_dl3000")
# identify(), and what this driver does like others: test_shared_driver_behaviour.py


def test_level_goes_before_the_function_and_the_function_only_when_it_changes() -> None:
    load, wire = load_at(DL3021, model="DL3021")
    load.set_mode("CC", 1.5)
    load.set_mode("CC", 2.0)
    load.set_mode("CV", 3.0)
    assert wire.sent == [":SOUR:CURR:LEV:IMM 1.5", ":SOUR:FUNC CURR", "SYST:ERR?",
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
    assert wire.sent == [level_command, function, "SYST:ERR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_input_on_and_off() -> None:
    load, wire = load_at(DL3021)
    load.set_input(True)
    load.set_input(False)
    assert wire.sent == [":SOUR:INP:STAT ON", ":SOUR:INP:STAT OFF"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_input_state_is_read_back() -> None:
    load, wire = load_at(DL3021)
    assert load.input_on() is True
    assert wire.sent == [":SOUR:INP:STAT?"]


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
    assert_refused_before_sending(wire.sent, shown, load.set_mode, mode, level)


def test_ranges_follow_the_model_the_instrument_reports() -> None:
    big, big_wire = load_at(DL3031A)
    big.set_mode("CC", 55.0)  # asks *IDN? first: a DL3031A takes 60 A
    assert big_wire.sent == ["*IDN?", "SYST:ERR?", ":SOUR:CURR:LEV:IMM 55", ":SOUR:FUNC CURR",
                             "SYST:ERR?"]
    small, small_wire = load_at(DL3021)
    with pytest.raises(RangeError, match="DL3021 range 0..40 A"):
        small.set_mode("CC", 55.0)
    assert small_wire.sent == ["*IDN?", "SYST:ERR?"]


def test_another_instrument_is_rejected_by_name() -> None:
    load, _ = load_at("USB0::0x1AB1::0x0E11::DP8C000000003::INSTR")
    with pytest.raises(InstrumentError, match=r"is a RIGOL TECHNOLOGIES DP832, not one of .*DL3021"):
        load.identify()


def test_another_dl3000_than_the_station_expects_is_rejected() -> None:
    load, _ = load_at(DL3021, model="DL3031A")
    with pytest.raises(InstrumentError, match="is a DL3021; the station expects a DL3031A"):
        load.identify()


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


@pytest.mark.parametrize("command", [":SOURCE:CURRENT:LEVEL:IMMEDIATE 1", "sour:curr:lev 1",
                                     "SOUR:CURR:IMM 1", "CURR 1", ":Source:Current 1"])
def test_the_twin_takes_every_spelling_the_manual_allows(cell_world: object, command: str) -> None:
    load = open_instrument("rigol-dl3000", "sim://load", world=cell_world)
    load.transport.write(command)
    assert load.transport.query(":SOUR:CURR?") == "+1.00000000E+00"
    assert load.transport.query("SYST:ERR?") == NO_ERROR


@pytest.mark.parametrize(("command", "error"), [
    (":SOUR:CURRE 1", '-113,"Undefined header"'),
    (":SOUR:CURR:LEV:IMM 41", '-222,"Data out of range"'),
    (":SOUR:CURR one", '-104,"Data type error"'),
    (":SOUR:FUNC AMPS", '-224,"Illegal parameter value"'),
    (":SOUR:INP:STAT", '-109,"Missing parameter"'),
])
def test_the_twin_queues_the_error_a_real_load_would(cell_world: object, command: str,
                                                     error: str) -> None:
    load = open_instrument("rigol-dl3000", "sim://load", world=cell_world, model="DL3021")
    assert_twin_queues(load, command, error)
