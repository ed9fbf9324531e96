"""B&K Precision 8600 driver: protocol against pyvisa-sim (bk_8600.yaml) and against its twin;
its whole dialogues and what it does like other loads: test_shared_driver_behaviour.py."""
from __future__ import annotations

import pytest
from driver_helpers import (
    assert_refused_before_sending,
    assert_twin_queues,
    cycle_load_through_modes,
    driver_on_sim,
    visa_sim,
)

from drivers.bk_8600 import BK8600
from drivers.registry import open_instrument
from drivers.roles import ElectronicLoad, InstrumentError

BK8600_USB = "USB0::0xFFFF::0x8800::800000020737210001::INSTR"
BK8610_USB = "USB0::0xFFFF::0x8800::800000020737210002::INSTR"
BK8602_RS232 = "ASRL1::INSTR"
NO_ERROR = '0,"No error"'  # the 8600's error-queue format (bk_8600.yaml)
TWIN_NO_ERROR = '+0,"No error"'
IDN = "B&K Precision, 8600, 800000020737210001, 1.37-1.42"


load_at = driver_on_sim(BK8600, "bk_8600")


def opened(low: float = 3, sense: str = "OFF") -> list[str]:
    """What identify() sends: who it is, then the known state, confirmed (`low`: the model's
    low CC range)."""
    return ["*IDN?", "SYST:ERR?", "INP OFF", "FUNC:MODE FIX", "TRAN OFF", "CURR 0",
            f"CURR:RANG {low:g}", f"REM:SENS {sense}", "SYST:ERR?"]


# --- protocol against pyvisa-sim ----------------------------------------------------------

def test_identify_reads_the_model_from_the_spaced_idn_fields() -> None:
    load, wire = load_at(BK8600_USB)
    assert wire.sent == opened(3)
    assert load.identify() == IDN
    assert load.model == "8600"


@pytest.mark.parametrize(("mode", "level", "level_command", "function"), [
    ("CC", 1.5, "CURR 1.5", "FUNC CURR"),
    ("CV", 4.2, "VOLT 4.2", "FUNC VOLT"),
    ("CR", 8.25, "RES 8.25", "FUNC RES"),
    ("CP", 12.5, "POW 12.5", "FUNC POW"),
])
def test_each_mode_writes_its_level_then_its_function(mode: str, level: float,
                                                      level_command: str, function: str) -> None:
    load, wire = load_at(BK8600_USB, model="8600")
    wire.sent.clear()  # after open (its dialogue: test_identify_reads_...)
    load.set_mode(mode, level)  # type: ignore[arg-type]
    assert wire.sent == [level_command, function, "SYST:ERR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_input_on_off_and_its_state_read_back() -> None:
    load, wire = load_at(BK8600_USB)
    wire.sent.clear()
    load.set_input(True)
    assert load.input_on() is True
    load.set_input(False)
    assert load.input_on() is False
    assert wire.sent == ["INP ON", "INP?", "INP OFF", "INP?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_measure_returns_volts_and_amps() -> None:
    load, wire = load_at(BK8600_USB, model="8600")
    wire.sent.clear()
    assert load.measure() == (4.98765, 1.50012)
    assert wire.sent == ["MEAS:VOLT?", "MEAS:CURR?"]


def test_over_rs232_the_load_is_put_in_remote_first_and_given_back_at_close() -> None:
    load, wire = load_at(BK8602_RS232)
    assert wire.serial_line
    load.set_mode("CV", 450.0)  # a 500 V model
    assert load.measure() == (450.0, 0.0)  # and a tiny negative current reads as 0 A
    assert wire.query("SYST:ERR?") == NO_ERROR
    load.close()
    assert wire.sent == ["SYST:REM", *opened(3), "VOLT 450", "FUNC VOLT", "SYST:ERR?",
                         "MEAS:VOLT?", "MEAS:CURR?", "SYST:ERR?", "SYST:LOC"]


def test_over_usb_no_remote_command_is_sent() -> None:
    load, wire = load_at(BK8600_USB)
    load.close()
    assert wire.sent == opened(3)


@pytest.mark.parametrize(("resource", "model", "mode", "level", "shown"), [
    (BK8600_USB, "8600", "CC", 31.0, "CC current 31 A is outside the 8600 range 0..30 A"),
    (BK8600_USB, "8600", "CC", float("nan"), "CC current nan A"),
    (BK8600_USB, "8600", "CV", 130.0, "CV voltage 130 V is outside the 8600 range 0..120 V"),
    (BK8600_USB, "8600", "CP", 151.0, "CP power 151 W is outside the 8600 range 0..150 W"),
    (BK8600_USB, "8600", "CR", 0.5, "CR resistance 0.5 ohm is outside the 8600 range 1..1000 ohm"),
    (BK8610_USB, "8610", "CC", 121.0, "CC current 121 A is outside the 8610 range 0..120 A"),
])
def test_out_of_range_levels_are_refused_before_anything_is_sent(
        resource: str, model: str, mode: str, level: float, shown: str) -> None:
    load, wire = load_at(resource, model=model)
    wire.sent.clear()
    assert_refused_before_sending(wire.sent, shown, load.set_mode, mode, level)


def test_ranges_follow_the_model_the_instrument_reports() -> None:
    load, wire = load_at(BK8610_USB)
    load.set_mode("CC", 100.0)  # 120 A on an 8610, far beyond an 8600's 30 A
    assert wire.sent == [*opened(12), "CURR:RANG 120", "SYST:ERR?", "CURR 100", "FUNC CURR",
                         "SYST:ERR?"]


def test_another_bk_instrument_is_rejected_by_name_before_anything_else_is_sent() -> None:
    wire = visa_sim("bk_8600", "USB0::0xFFFF::0x9130::802200020747010004::INSTR")
    with pytest.raises(InstrumentError, match="is a B&K Precision 9130B, not one of"):
        BK8600(wire).open()
    assert wire.sent == ["*IDN?"]


def test_another_8600_model_than_the_station_expects_is_rejected_at_open() -> None:
    with pytest.raises(InstrumentError, match="is a 8610; the station expects a 8600"):
        load_at(BK8610_USB, model="8600")


def test_garbled_replies_name_the_command_and_the_reply() -> None:
    load, _ = load_at("USB0::0xFFFF::0x8800::800000020737210666::INSTR", model="8600")
    with pytest.raises(InstrumentError, match=r"'MEAS:VOLT\?' answered '\+4.98E\+00V'"):
        load.measure()
    with pytest.raises(InstrumentError, match=r"'INP\?' answered '2': not a boolean"):
        load.input_on()


# --- against the twin (sim://) --------------------------------------------------------------

def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    load = open_instrument("bk-8600", "sim://load", world=cell_world, model="8601")
    assert isinstance(load, ElectronicLoad)
    assert load.identify().startswith("B&K Precision, 8601,")
    cycle_load_through_modes(load, [("CC", 1.0), ("CV", 3.9), ("CR", 4.0), ("CP", 2.0),
                                    ("CC", 8.0), ("CC", 0.5)])  # 8 A: the 60 A range
    assert load.transport.query("SYST:ERR?") == TWIN_NO_ERROR


@pytest.mark.parametrize(("command", "error"), [
    ("CURR 31", '-222,"Data out of range"'),
    ("CURR 4", '-222,"Data out of range"'),  # above the 3 A range the known state selected
    ("CURR:RANG 31", '-222,"Data out of range"'),
    ("FUNC AMPS", '-224,"Illegal parameter value"'),
    ("FUNC:MODE SWEEP", '-224,"Illegal parameter value"'),
    ("REM:SENS 2", '-224,"Illegal parameter value"'),
    ("INPUT:STATE", '-109,"Missing parameter"'),
])
def test_the_twin_queues_the_error_a_real_load_would(cell_world: object, command: str,
                                                     error: str) -> None:
    load = open_instrument("bk-8600", "sim://load", world=cell_world)
    assert_twin_queues(load, command, error)
