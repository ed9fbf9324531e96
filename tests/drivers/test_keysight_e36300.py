"""Keysight E36300 driver: protocol against pyvisa-sim (keysight_e36300.yaml) and its twin."""
from __future__ import annotations

import pytest
from driver_helpers import (
    NO_ERROR, assert_refused_before_sending, assert_twin_queues, driver_on_sim,
)

from drivers.keysight_e36300 import KeysightE36300
from drivers.registry import open_instrument
from drivers.roles import InstrumentError, PowerSupply

E36312A = "USB0::0x2A8D::0x1102::MY59000001::INSTR"
E36313A = "TCPIP::192.168.1.40::INSTR"


supply_at = driver_on_sim(KeysightE36300, "keysight_e36300")
# identify(), and what this driver does like others: test_shared_driver_behaviour.py


def test_configure_is_one_apply_that_leaves_the_output_alone() -> None:
    supply, wire = supply_at(E36312A, model="E36312A")
    supply.configure(5.0, 1.0)
    supply.configure(6.18, 5.15)  # the top of channel 1's programming range
    assert wire.sent == ["APPL CH1,5,1", "SYST:ERR?", "APPL CH1,6.18,5.15", "SYST:ERR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_output_state_is_read_back_for_the_channel() -> None:
    supply, wire = supply_at(E36312A)
    assert supply.output_on() is False
    assert wire.sent == ["OUTP? (@1)"]


def test_output_and_measurements_address_channel_1_by_default() -> None:
    supply, wire = supply_at(E36312A, model="E36312A")
    supply.set_output(True)
    assert supply.measure() == (5.0001, 0.1234)
    supply.set_output(False)
    assert wire.sent == ["OUTP ON,(@1)", "MEAS:VOLT? (@1)", "MEAS:CURR? (@1)", "OUTP OFF,(@1)"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_another_channel_is_addressed_everywhere() -> None:
    supply, wire = supply_at(E36312A, model="E36312A", channel=2)
    supply.configure(12.5, 0.25)
    supply.set_output(True)
    assert supply.measure() == (12.499, 0.25)
    assert wire.sent == ["APPL CH2,12.5,0.25", "SYST:ERR?", "OUTP ON,(@2)", "MEAS:VOLT? (@2)",
                         "MEAS:CURR? (@2)"]
    assert wire.query("SYST:ERR?") == NO_ERROR


@pytest.mark.parametrize(("channel", "voltage", "current", "shown"), [
    (1, 6.5, 1.0, "voltage 6.5 V is outside the E36312A CH1 range 0..6.18 V"),
    (1, 5.0, 5.2, "current limit 5.2 A is outside the E36312A CH1 range 0..5.15 A"),
    (2, 26.0, 0.5, "voltage 26 V is outside the E36312A CH2 range 0..25.75 V"),
    (3, 12.0, 1.5, "current limit 1.5 A is outside the E36312A CH3 range 0..1.03 A"),
    (1, -1.0, 1.0, "voltage -1 V is outside"),
])
def test_out_of_range_settings_are_refused_before_anything_is_sent(
        channel: int, voltage: float, current: float, shown: str) -> None:
    supply, wire = supply_at(E36312A, model="E36312A", channel=channel)
    assert_refused_before_sending(wire.sent, shown, supply.configure, voltage, current)


def test_ranges_follow_the_model_the_instrument_reports() -> None:
    supply, wire = supply_at(E36313A)
    supply.configure(5.0, 10.0)  # an E36313A channel 1 gives 10 A
    assert wire.sent == ["*IDN?", "SYST:ERR?", "APPL CH1,5,10", "SYST:ERR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_another_instrument_is_rejected_by_name() -> None:
    supply, _ = supply_at("USB0::0x0957::0x4D18::MY00000003::INSTR")
    with pytest.raises(InstrumentError, match="is a HEWLETT-PACKARD E3631A, not one of"):
        supply.identify()


def test_a_garbled_reply_names_the_command_and_the_reply() -> None:
    supply, _ = supply_at("USB0::0x2A8D::0x1102::MY59000666::INSTR", model="E36312A")
    with pytest.raises(InstrumentError, match=r"'MEAS:VOLT\? \(@1\)' answered '\+5.0001E\+00,"):
        supply.measure()


@pytest.mark.parametrize("channel", [0, 4, "1"])
def test_a_channel_the_supply_does_not_have_is_refused(channel: object) -> None:
    with pytest.raises(ValueError, match="channel"):
        supply_at(E36312A, channel=channel)


# --- against the twin (sim://) ----------------------------------------------------------

def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    supply = open_instrument("keysight-e36300", "sim://supply", world=cell_world,
                             model="E36313A", channel=2)
    assert isinstance(supply, PowerSupply)
    assert supply.identify().startswith("Keysight Technologies,E36313A,")
    supply.configure(4.2, 1.0)
    supply.set_output(True)
    assert supply.output_on() is True
    supply.measure()
    supply.configure(4.1, 0.5)
    supply.set_output(False)
    assert supply.output_on() is False
    supply.close()
    assert supply.transport.query("SYST:ERR?") == NO_ERROR


def test_the_twin_charges_the_cell_on_the_wired_channel_only(cell_world: object) -> None:
    supply = open_instrument("keysight-e36300", "sim://supply", world=cell_world, channel=1)
    supply.configure(4.2, 1.0)
    supply.set_output(True)
    volts, amps = supply.measure()
    assert 0.0 < amps <= 1.0 + 1e-9
    assert volts <= 4.2 + 1e-9
    twin = supply.transport
    assert twin.query("MEAS:CURR? (@2)") == "+0.00000000E+00"  # nothing wired to channel 2
    assert twin.query("OUTP? (@1:3)") == "1,0,0"


@pytest.mark.parametrize(("command", "error"), [
    ("APPL CH1,7,1", '-222,"Data out of range"'),
    ("APPL CH4,1,1", '-224,"Illegal parameter value"'),
    ("VOLT 1,(@5)", '-224,"Illegal parameter value"'),
    ("OUTP MAYBE,(@1)", '-224,"Illegal parameter value"'),
    ("OUTP ON,(@1),(@2)", '-108,"Parameter not allowed"'),
    ("MEAS:RES? (@1)", '-113,"Undefined header"'),
])
def test_the_twin_queues_the_error_a_real_supply_would(cell_world: object, command: str,
                                                       error: str) -> None:
    supply = open_instrument("keysight-e36300", "sim://supply", world=cell_world)
    assert_twin_queues(supply, command, error, then=None)
