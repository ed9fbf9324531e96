"""Keysight E36100 driver: the known state at open, confirmed set-points, protocol against
pyvisa-sim (keysight_e36100.yaml) and the whole dialogue inline, and its twin."""
from __future__ import annotations

from typing import Any

import pytest
from driver_helpers import (
    NO_ERROR, assert_refused_before_sending, assert_twin_queues,
    charge_the_cell_and_switch_off, driver_on_sim, visa_sim,
)

from dialogue import dialogue
from drivers.keysight_e36100 import KeysightE36100
from drivers.registry import open_instrument
from drivers.roles import InstrumentError, PowerSupply, RangeError
from drivers.sim.transport import SimTransport
from drivers.sim.twins.keysight_e36100 import KeysightE36100Twin

E36102A = "USB0::0x2A8D::0x1802::MY56000001::INSTR"
E36106B = "TCPIP::192.168.1.41::INSTR"


supply_at = driver_on_sim(KeysightE36100, "keysight_e36100")
# identify(), and what this driver does like others: test_shared_driver_behaviour.py
# what open() sends: who it is, then the output off, OCP off and local sense, confirmed
OPENED = ["*IDN?", "SYST:ERR?", "OUTP OFF", "CURR:PROT:STAT OFF", "VOLT:SENS:SOUR INT", "SYST:ERR?"]


def test_configure_is_one_apply_that_leaves_the_output_alone() -> None:
    supply, wire = supply_at(E36102A, model="E36102A")
    supply.configure(5.0, 3.0)
    supply.configure(6.18, 5.15)  # the top of the E36102A's programming range
    assert wire.sent == [*OPENED, "APPL 5,3", "SYST:ERR?", "APPL 6.18,5.15", "SYST:ERR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_output_is_switched_and_read_back_and_an_offset_is_no_current() -> None:
    supply, wire = supply_at(E36102A, model="E36102A")
    supply.set_output(True)
    assert supply.output_on() is True
    assert supply.measure() == (5.0003, 0.0)  # the reply was -0.2 mA: offset noise
    supply.set_output(False)
    assert wire.sent == [*OPENED, "OUTP ON", "OUTP?", "MEAS:VOLT?", "MEAS:CURR?", "OUTP OFF"]
    assert wire.query("SYST:ERR?") == NO_ERROR


@pytest.mark.parametrize(("voltage", "current", "shown"), [
    (6.2, 1.0, "voltage 6.2 V is outside the E36102A range 0..6.18 V"),
    (5.0, 5.2, "current limit 5.2 A is outside the E36102A range 0..5.15 A"),
    (-0.5, 1.0, "voltage -0.5 V is outside"),
    (float("nan"), 1.0, "voltage nan V is outside"),
])
def test_out_of_range_settings_are_refused_before_anything_is_sent(
        voltage: float, current: float, shown: str) -> None:
    wire = visa_sim("keysight_e36100", E36102A)
    supply = KeysightE36100(wire, model="E36102A")  # not opened: nothing sent
    assert_refused_before_sending(wire.sent, shown, supply.configure, voltage, current)


def test_ranges_follow_the_model_the_instrument_reports() -> None:
    supply, wire = supply_at(E36106B)
    supply.configure(100.0, 0.4)  # an E36106B gives 100 V, and only 0.4 A
    with pytest.raises(RangeError, match="0..0.412 A"):
        supply.configure(5.0, 3.0)
    assert wire.sent == [*OPENED, "APPL 100,0.4", "SYST:ERR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_another_instrument_is_rejected_by_name_before_anything_else_is_sent() -> None:
    wire = visa_sim("keysight_e36100", "USB0::0x2A8D::0x1102::MY59000001::INSTR")
    with pytest.raises(InstrumentError, match="is a Keysight Technologies E36312A, not one of "
                                              "the KeysightE36100 models"):
        KeysightE36100(wire).open()
    assert wire.sent == ["*IDN?"]


def test_a_model_the_station_did_not_expect_is_rejected() -> None:
    with pytest.raises(InstrumentError, match="is a E36106B; the station expects a E36102A"):
        supply_at(E36106B, model="E36102A")


def test_remote_sense_is_external_sensing() -> None:
    supply, wire = supply_at(E36102A, sense="remote")
    assert wire.sent == ["*IDN?", "SYST:ERR?", "OUTP OFF", "CURR:PROT:STAT OFF", "VOLT:SENS:SOUR EXT",
                         "SYST:ERR?"]
    assert supply.confirmed == ["OUTP OFF", "CURR:PROT:STAT OFF", "VOLT:SENS:SOUR EXT"]


def test_a_sense_other_than_local_or_remote_is_refused_before_anything_is_sent() -> None:
    wire = visa_sim("keysight_e36100", E36102A)
    with pytest.raises(ValueError, match="sense '4w' is not 'local' or 'remote'"):
        KeysightE36100(wire, sense="4w")
    assert wire.sent == []


@pytest.mark.parametrize(("resource", "call", "shown"), [
    ("MY56000666", "measure", r"'MEAS:VOLT\?' answered '\+5.0#03E\+00': not a number"),
    ("MY56000666", "output_on", r"'OUTP\?' answered '2': not a boolean"),
    ("MY56000667", "measure", r"'MEAS:CURR\?' answered '\+3.00000000E\+00': outside"),
])
def test_a_garbled_or_implausible_reply_names_the_command_and_the_reply(
        resource: str, call: str, shown: str) -> None:
    supply = KeysightE36100(visa_sim("keysight_e36100", f"USB0::0x2A8D::0x1802::{resource}::INSTR"),
                            model="E36103A")  # not opened: these answer nothing else
    with pytest.raises(InstrumentError, match=shown):
        getattr(supply, call)()


# --- the whole dialogue inline -----------------------------------------------------------

IDN = "Keysight Technologies,E36103A,MY56000003,1.0.3-1.0.1-1.00"
KNOWN_STATE = [("*IDN?", IDN), ("SYST:ERR?", NO_ERROR), ("OUTP OFF", None), ("CURR:PROT:STAT OFF", None),
               ("VOLT:SENS:SOUR INT", None), ("SYST:ERR?", NO_ERROR)]


def test_the_whole_dialogue_of_open_configure_confirm_on_and_off() -> None:
    with dialogue(KeysightE36100, [
        *KNOWN_STATE,
        ("APPL 4.2,1", None), ("SYST:ERR?", NO_ERROR),
        ("OUTP ON", None), ("OUTP OFF", None), ("OUTP?", "0"),
    ]) as supply:
        supply.open()
        assert supply.confirmed == ["OUTP OFF", "CURR:PROT:STAT OFF", "VOLT:SENS:SOUR INT"]
        supply.configure(4.2, 1.0)
        supply.set_output(True)
        supply.set_output(False)
        assert supply.output_on() is False
    assert supply.confirmed[-1] == "APPL 4.2,1"


def test_a_refused_set_point_is_an_error_naming_the_command_and_the_reply_before_any_on() -> None:
    with dialogue(KeysightE36100, [
        *KNOWN_STATE,
        ("APPL 4.2,1", None), ("SYST:ERR?", '-222,"Data out of range"'), ("SYST:ERR?", NO_ERROR),
    ]) as supply:
        supply.open()
        with pytest.raises(InstrumentError, match=r"refused APPL 4.2,1: SYST:ERR\? answered "
                                                  r'-222,"Data out of range"'):
            supply.configure(4.2, 1.0)


# --- against the twin (sim://) ----------------------------------------------------------

def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    supply = open_instrument("keysight-e36100", "sim://supply", world=cell_world, model="E36103A")
    assert isinstance(supply, PowerSupply)
    assert supply.identify().startswith("Keysight Technologies,E36103A,")
    charge_the_cell_and_switch_off(supply)
    assert not cell_world.supply_output_on  # type: ignore[attr-defined]
    supply.close()
    assert supply.transport.query("SYST:ERR?") == NO_ERROR


@pytest.mark.parametrize(("command", "error"), [
    ("APPL 7,1", '-222,"Data out of range"'),
    ("APPL 5,5.2", '-222,"Data out of range"'),
    ("APPL", '-109,"Missing parameter"'),
    ("OUTP MAYBE", '-224,"Illegal parameter value"'),
    ("MEAS:VOLT? (@1)", '-108,"Parameter not allowed"'),  # one output: no channel list
    ("MEAS:RES?", '-113,"Undefined header"'),
    ("VOLT:SENS:SOUR BOTH", '-224,"Illegal parameter value"'),
    ("CURR:PROT:STAT MAYBE", '-224,"Illegal parameter value"'),
])
def test_the_twin_queues_the_error_a_real_supply_would(cell_world: object, command: str,
                                                       error: str) -> None:
    supply = open_instrument("keysight-e36100", "sim://supply", world=cell_world)
    assert_twin_queues(supply, command, error, then=None)


def test_open_turns_a_front_panel_ocp_off_and_sets_the_sense_the_station_asks(cell_world: Any) -> None:
    twin = KeysightE36100Twin(cell_world)
    for command in ("CURR:PROT:STAT ON", "OUTP ON"):
        twin.write(command)
    supply = KeysightE36100(SimTransport("sim://supply", twin), sense="remote")
    supply.open()
    assert (twin.outputs.on[1], twin.ocp, twin.sense, twin.errors()) == (False, False, "EXT", ())
    twin.write("VOLT:SENS:SOUR?")
    assert twin.read() == "1"  # the guide: 0 (INT) or 1 (EXT)


def test_an_ocp_left_on_switches_a_charge_at_its_limit_off_in_the_twin(cell_world: Any) -> None:
    twin = KeysightE36100Twin(cell_world)
    for command in ("CURR:PROT:STAT ON", "APPL 4.2,0.0001", "OUTP ON"):  # the cell takes more
        twin.write(command)
    twin.write("MEAS:CURR?")
    assert float(twin.read() or "") == 0.0  # in CC with OCP on: off, the charge looks finished
    twin.write("OUTP?")
    assert twin.read() == "0"
