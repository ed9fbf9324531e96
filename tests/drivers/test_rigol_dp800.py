"""Rigol DP800 driver: protocol against pyvisa-sim (rigol_dp800.yaml) and its twin."""
from __future__ import annotations

import pytest
from driver_helpers import (
    assert_refused_before_sending, assert_twin_queues, charge_the_cell_and_switch_off,
    driver_on_sim, visa_sim,
)

from drivers.registry import open_instrument
from drivers.rigol_dp800 import RigolDP800
from drivers.roles import InstrumentError, PowerSupply, RangeError
from drivers.sim.twins.rigol_dp800 import RigolDP800Twin

DP832 = "USB0::0x1AB1::0x0E11::DP8C180200001::INSTR"
DP821A = "TCPIP::192.168.1.42::INSTR"
RIGOL_NO_ERROR = '0,"No error"'


supply_at = driver_on_sim(RigolDP800, "rigol_dp800")
# identify(), and what this driver does like others: test_shared_driver_behaviour.py


def test_every_command_addresses_the_channel_of_the_station() -> None:
    supply, wire = supply_at(DP832, model="DP832", channel=2)
    supply.configure(12.5, 0.25)
    supply.set_output(True)
    assert supply.output_on() is True
    assert supply.measure() == (12.499, 0.25)
    supply.set_output(False)
    assert wire.sent == [":APPL CH2,12.5,0.25", "SYST:ERR?", ":OUTP CH2,ON", ":OUTP? CH2",
                         ":MEAS:VOLT? CH2", ":MEAS:CURR? CH2", ":OUTP CH2,OFF"]
    assert wire.query("SYST:ERR?") == RIGOL_NO_ERROR


def test_the_top_of_each_channel_range_is_accepted() -> None:
    supply, wire = supply_at(DP832, model="DP832", channel=3)
    supply.configure(5.3, 3.2)  # CH3 of a DP832 is the 5 V output
    assert wire.sent == [":APPL CH3,5.3,3.2", "SYST:ERR?"]
    assert wire.query("SYST:ERR?") == RIGOL_NO_ERROR


@pytest.mark.parametrize(("model", "channel", "voltage", "current", "shown"), [
    ("DP832", 1, 32.5, 1.0, "voltage 32.5 V is outside the DP832 CH1 range 0..32 V"),
    ("DP832", 3, 6.0, 1.0, "voltage 6 V is outside the DP832 CH3 range 0..5.3 V"),
    ("DP832", 2, 5.0, 3.3, "current limit 3.3 A is outside the DP832 CH2 range 0..3.2 A"),
    ("DP831", 3, 5.0, 1.0, "voltage 5 V is outside the DP831 CH3 range -32..0 V"),
    ("DP811", 1, 5.0, 6.0, "current limit 6 A is outside the DP811 range 0..5.3 A"),
])
def test_out_of_range_settings_are_refused_before_anything_is_sent(
        model: str, channel: int, voltage: float, current: float, shown: str) -> None:
    supply, wire = supply_at(DP832, model=model, channel=channel)
    assert_refused_before_sending(wire.sent, shown, supply.configure, voltage, current)


def test_the_negative_output_of_a_dp831_is_programmed_and_read_as_negative() -> None:
    supply, wire = supply_at("ASRL5::INSTR", model="DP831", channel=3)
    supply.configure(-15.0, 1.0)
    assert supply.measure() == (-14.999, 0.999)
    assert wire.sent == [":APPL CH3,-15,1", "SYST:ERR?", ":MEAS:VOLT? CH3", ":MEAS:CURR? CH3"]


def test_ranges_follow_the_model_the_instrument_reports() -> None:
    supply, wire = supply_at(DP821A, channel=2)
    supply.configure(5.0, 10.0)  # CH2 of a DP821A is the 8 V / 10 A output
    assert wire.sent == ["*IDN?", "SYST:ERR?", ":APPL CH2,5,10", "SYST:ERR?"]


def test_a_channel_the_instrument_lacks_is_refused_before_any_setting() -> None:
    supply, wire = supply_at(DP821A, channel=3)
    with pytest.raises(RangeError, match=r"the DP821A has no channel 3 \(channels 1, 2\)"):
        supply.configure(5.0, 1.0)
    assert wire.sent == ["*IDN?", "SYST:ERR?"]


@pytest.mark.parametrize(("options", "shown"), [
    ({"channel": 0}, "channel 0 is not one of 1, 2, 3"),
    ({"channel": "1"}, "channel '1' is not one of"),
    ({"channel": True}, "channel True is not one of"),
    ({"channel": 2, "model": "DP811"}, "the DP811 has no channel 2"),
    ({"model": "DP932"}, "model 'DP932' is not one of"),
])
def test_bad_options_are_refused_before_anything_is_sent(options: dict[str, object],
                                                         shown: str) -> None:
    transport = visa_sim("rigol_dp800", DP832)
    with pytest.raises(ValueError, match=shown):
        RigolDP800(transport, **options)
    assert transport.sent == []


def test_another_instrument_is_rejected_by_name() -> None:
    supply, _ = supply_at("USB0::0x1AB1::0x0E11::DL3A000000001::INSTR")
    with pytest.raises(InstrumentError, match="is a RIGOL TECHNOLOGIES DL3021, not one of the "
                                              "RigolDP800 models"):
        supply.identify()


@pytest.mark.parametrize(("call", "shown"), [
    ("output_on", r"':OUTP\? CH1' answered 'MAYBE': not a boolean"),
    ("measure", r"':MEAS:VOLT\? CH1' answered '12.0035,1.5023,18.0278': not a number"),
])
def test_a_garbled_reply_names_the_command_and_the_reply(call: str, shown: str) -> None:
    supply, _ = supply_at("USB0::0x1AB1::0x0E11::DP8C180200666::INSTR", model="DP832A")
    with pytest.raises(InstrumentError, match=shown):
        getattr(supply, call)()


# --- against the twin (sim://) ----------------------------------------------------------

def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    supply = open_instrument("rigol-dp800", "sim://supply", world=cell_world, model="DP821",
                             channel=2)
    assert isinstance(supply, PowerSupply)
    assert supply.identify().startswith("RIGOL TECHNOLOGIES,DP821,")
    charge_the_cell_and_switch_off(supply)
    supply.close()
    assert supply.transport.query(":SYST:ERR?") == '+0,"No error"'


def test_the_twin_charges_the_cell_on_the_wired_channel_only(cell_world: object) -> None:
    supply = open_instrument("rigol-dp800", "sim://supply", world=cell_world, channel=1)
    supply.configure(4.2, 1.0)
    supply.set_output(True)
    twin = supply.transport
    twin.write(":APPL CH2,12,1")
    twin.write(":OUTP CH2,ON")
    assert twin.query(":MEAS:VOLT? CH2") == "12.0000"
    assert twin.query(":MEAS:CURR? CH2") == "0.0000"  # nothing wired to CH2
    assert float(twin.query(":MEAS:CURR? CH1")) > 0.0
    assert twin.query(":OUTP? CH3") == "OFF"


@pytest.mark.parametrize(("model", "command", "error"), [
    ("DP832", ":APPL CH1,33,1", '-222,"Data out of range"'),
    ("DP832", ":APPL CH3,5,3.3", '-222,"Data out of range"'),
    ("DP832", ":APPL CH4,1,1", '-224,"Illegal parameter value"'),
    ("DP821", ":OUTP CH3,ON", '-224,"Illegal parameter value"'),
    ("DP832", ":OUTP CH1,MAYBE", '-224,"Illegal parameter value"'),
    ("DP832", ":MEAS:RES? CH1", '-113,"Undefined header"'),
])
def test_the_twin_queues_the_error_a_real_supply_would(cell_world: object, model: str,
                                                       command: str, error: str) -> None:
    supply = open_instrument("rigol-dp800", "sim://supply", world=cell_world, model=model)
    assert_twin_queues(supply, command, error, then=None, error_query=":SYST:ERR?")


def test_the_dut_cannot_be_wired_to_a_negative_output(cell_world: object) -> None:
    with pytest.raises(ValueError, match="CH3 is a negative output"):
        RigolDP800Twin(cell_world, model="DP831", channel=3)
