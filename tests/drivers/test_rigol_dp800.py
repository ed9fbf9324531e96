"""Rigol DP800 driver: the known state at open, confirmed set-points, protocol against pyvisa-sim
(rigol_dp800.yaml) and the whole dialogue inline, and its twin."""
from __future__ import annotations

from typing import Any

import pytest
from driver_helpers import (
    assert_refused_before_sending, assert_twin_queues, charge_the_cell_and_switch_off,
    driver_on_sim, visa_sim,
)

from dialogue import dialogue
from drivers.registry import open_instrument
from drivers.rigol_dp800 import RigolDP800
from drivers.roles import InstrumentError, PowerSupply, RangeError
from drivers.sim.transport import SimTransport
from drivers.sim.twins.rigol_dp800 import RigolDP800Twin

DP832 = "USB0::0x1AB1::0x0E11::DP8C180200001::INSTR"
DP821A = "TCPIP::192.168.1.42::INSTR"
RIGOL_NO_ERROR = '0,"No error"'
TWIN_NO_ERROR = '+0,"No error"'


supply_at = driver_on_sim(RigolDP800, "rigol_dp800")
# identify(), and what this driver does like others: test_shared_driver_behaviour.py


def opened(ch: int, tracking: tuple[int, ...] = (), sense: str | None = None) -> list[str]:
    """What open() sends a DP800 wired on `ch`: the output off, the programs that switch outputs
    off (of the channel, selected first), tracking off on both channels of a tracking pair, the protections off, remote sense
    where the channel has it, all confirmed, then the output read back off."""
    return ["*IDN?", "SYST:ERR?", f":OUTP CH{ch},OFF", f":INST:NSEL {ch}", ":TIME OFF", ":DELAY OFF",
            *(f":OUTP:TRAC CH{c},OFF" for c in tracking), f":OUTP:OCP CH{ch},OFF",
            f":OUTP:OVP CH{ch},OFF", *([f":OUTP:SENS CH{ch},{sense}"] if sense else []),
            "SYST:ERR?", f":OUTP? CH{ch}"]


def test_every_command_addresses_the_channel_of_the_station() -> None:
    supply, wire = supply_at(DP832, model="DP832", channel=2)
    supply.configure(12.5, 0.25)
    supply.set_output(True)
    assert supply.output_on() is True
    assert supply.measure() == (12.499, 0.25)
    supply.set_output(False)
    assert wire.sent == [*opened(2, tracking=(1, 2)),
                         ":APPL CH2,12.5,0.25", "SYST:ERR?", ":OUTP CH2,ON", ":OUTP? CH2",
                         ":MEAS:VOLT? CH2", ":MEAS:CURR? CH2", ":OUTP CH2,OFF"]
    assert wire.query("SYST:ERR?") == RIGOL_NO_ERROR


def test_the_top_of_each_channel_range_is_accepted() -> None:
    supply, wire = supply_at(DP832, model="DP832", channel=3)
    supply.configure(5.3, 3.2)  # CH3 of a DP832 is the 5 V output, outside the tracking pair
    assert wire.sent == [*opened(3), ":APPL CH3,5.3,3.2", "SYST:ERR?"]
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
    transport = visa_sim("rigol_dp800", DP832)
    supply = RigolDP800(transport, model=model, channel=channel)  # not opened: nothing sent
    assert_refused_before_sending(transport.sent, shown, supply.configure, voltage, current)


def test_the_negative_output_of_a_dp831_is_programmed_and_read_as_negative() -> None:
    supply, wire = supply_at("ASRL5::INSTR", model="DP831", channel=3)
    supply.configure(-15.0, 1.0)
    assert supply.measure() == (-14.999, 0.999)
    assert wire.sent == [*opened(3, tracking=(2, 3)),
                         ":APPL CH3,-15,1", "SYST:ERR?", ":MEAS:VOLT? CH3", ":MEAS:CURR? CH3"]


def test_ranges_follow_the_model_the_instrument_reports() -> None:
    supply, wire = supply_at(DP821A, channel=2)
    supply.configure(5.0, 10.0)  # CH2 of a DP821A is the 8 V / 10 A output
    assert wire.sent == [*opened(2, sense="OFF"), ":APPL CH2,5,10", "SYST:ERR?"]


def test_a_channel_the_instrument_lacks_is_refused_at_open() -> None:
    with pytest.raises(RangeError, match=r"the DP821A has no channel 3 \(channels 1, 2\)"):
        supply_at(DP821A, channel=3)


@pytest.mark.parametrize(("options", "shown"), [
    ({"channel": 0}, "channel 0 is not one of 1, 2, 3"),
    ({"channel": "1"}, "channel '1' is not one of"),
    ({"channel": True}, "channel True is not one of"),
    ({"channel": 2, "model": "DP811"}, "the DP811 has no channel 2"),
    ({"model": "DP932"}, "model 'DP932' is not one of"),
    ({"sense": "4-wire"}, "sense '4-wire' is not 'local' or 'remote'"),
    ({"sense": "remote", "model": "DP832"}, "the DP832 CH1 has no remote sense"),
    ({"sense": "remote", "model": "DP821", "channel": 1}, "the DP821 CH1 has no remote sense"),
])
def test_bad_options_are_refused_before_anything_is_sent(options: dict[str, object],
                                                         shown: str) -> None:
    transport = visa_sim("rigol_dp800", DP832)
    with pytest.raises(ValueError, match=shown):
        RigolDP800(transport, **options)
    assert transport.sent == []


def test_remote_sense_on_a_channel_without_it_is_refused_once_the_model_is_known() -> None:
    with pytest.raises(InstrumentError, match="the DP832 CH1 has no remote sense"):
        supply_at(DP832, sense="remote")


def test_another_instrument_is_rejected_by_name_before_anything_else_is_sent() -> None:
    wire = visa_sim("rigol_dp800", "USB0::0x1AB1::0x0E11::DL3A000000001::INSTR")
    with pytest.raises(InstrumentError, match="is a RIGOL TECHNOLOGIES DL3021, not one of the "
                                              "RigolDP800 models"):
        RigolDP800(wire).open()
    assert wire.sent == ["*IDN?"]


@pytest.mark.parametrize(("call", "shown"), [
    ("output_on", r"':OUTP\? CH1' answered 'MAYBE': not a boolean"),
    ("measure", r"':MEAS:VOLT\? CH1' answered '12.0035,1.5023,18.0278': not a number"),
])
def test_a_garbled_reply_names_the_command_and_the_reply(call: str, shown: str) -> None:
    transport = visa_sim("rigol_dp800", "USB0::0x1AB1::0x0E11::DP8C180200666::INSTR")
    supply = RigolDP800(transport, model="DP832A")  # not opened: its output reads back MAYBE
    with pytest.raises(InstrumentError, match=shown):
        getattr(supply, call)()


def test_an_output_that_stays_on_after_the_known_state_is_an_error_at_open() -> None:
    with pytest.raises(InstrumentError, match=r"CH1 still reports its output ON after ':OUTP CH1,OFF'"):
        supply_at("USB0::0x1AB1::0x0E11::DP8C180200777::INSTR")


# --- the whole dialogue inline -----------------------------------------------------------

IDN = "RIGOL TECHNOLOGIES,DP832,DP8C180200001,00.01.16"
KNOWN_STATE = [("*IDN?", IDN), ("SYST:ERR?", RIGOL_NO_ERROR),
               (":OUTP CH1,OFF", None), (":INST:NSEL 1", None), (":TIME OFF", None), (":DELAY OFF", None),
               (":OUTP:TRAC CH1,OFF", None), (":OUTP:TRAC CH2,OFF", None),
               (":OUTP:OCP CH1,OFF", None), (":OUTP:OVP CH1,OFF", None),
               ("SYST:ERR?", RIGOL_NO_ERROR), (":OUTP? CH1", "OFF")]


def test_the_whole_dialogue_of_open_configure_confirm_on_and_off() -> None:
    with dialogue(RigolDP800, [
        *KNOWN_STATE,
        (":APPL CH1,4.2,1", None), ("SYST:ERR?", RIGOL_NO_ERROR),
        (":OUTP CH1,ON", None), (":OUTP CH1,OFF", None), (":OUTP? CH1", "OFF"),
    ]) as supply:
        supply.open()
        assert supply.confirmed == [":OUTP CH1,OFF", ":INST:NSEL 1", ":TIME OFF", ":DELAY OFF", ":OUTP:TRAC CH1,OFF",
                                    ":OUTP:TRAC CH2,OFF", ":OUTP:OCP CH1,OFF", ":OUTP:OVP CH1,OFF"]
        supply.configure(4.2, 1.0)
        supply.set_output(True)
        supply.set_output(False)
        assert supply.output_on() is False
    assert supply.confirmed[-1] == ":APPL CH1,4.2,1"


def test_remote_sense_is_part_of_the_known_state_where_the_channel_has_it() -> None:
    with dialogue(RigolDP800, [
        ("*IDN?", "RIGOL TECHNOLOGIES,DP821A,DP8D180200002,00.01.16"), ("SYST:ERR?", RIGOL_NO_ERROR),
        (":OUTP CH2,OFF", None), (":INST:NSEL 2", None), (":TIME OFF", None), (":DELAY OFF", None),
        (":OUTP:OCP CH2,OFF", None), (":OUTP:OVP CH2,OFF", None), (":OUTP:SENS CH2,ON", None),
        ("SYST:ERR?", RIGOL_NO_ERROR), (":OUTP? CH2", "OFF"),
    ], channel=2, sense="remote") as supply:
        supply.open()
    assert supply.confirmed[-1] == ":OUTP:SENS CH2,ON"


def test_a_refused_set_point_is_an_error_naming_the_command_and_the_reply_before_any_on() -> None:
    with dialogue(RigolDP800, [
        *KNOWN_STATE,
        (":APPL CH1,4.2,1", None), ("SYST:ERR?", '-222,"Data out of range"'),
        ("SYST:ERR?", RIGOL_NO_ERROR),
    ]) as supply:
        supply.open()
        with pytest.raises(InstrumentError, match=r"refused :APPL CH1,4.2,1: SYST:ERR\? answered "
                                                  r'-222,"Data out of range"'):
            supply.configure(4.2, 1.0)


# --- against the twin (sim://) ----------------------------------------------------------

def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    supply = open_instrument("rigol-dp800", "sim://supply", world=cell_world, model="DP821",
                             channel=2, sense="remote")
    assert isinstance(supply, PowerSupply)
    assert supply.identify().startswith("RIGOL TECHNOLOGIES,DP821,")
    assert supply.transport.twin.sense[2] is True
    charge_the_cell_and_switch_off(supply)
    supply.close()
    assert supply.transport.query(":SYST:ERR?") == TWIN_NO_ERROR


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


def twin_left_by_the_front_panel(world: Any, *commands: str, **options: Any) -> RigolDP800Twin:
    """A twin after `commands` from the front panel (or another program), errors cleared."""
    twin = RigolDP800Twin(world, **options)
    for command in commands:
        twin.write(command)
    assert twin.errors() == ()
    return twin


def ask(twin: RigolDP800Twin, query: str) -> str | None:
    twin.write(query)
    return twin.read()


def driver_on(twin: RigolDP800Twin, **options: Any) -> RigolDP800:
    return RigolDP800(SimTransport("sim://supply", twin), **options)


def test_open_turns_tracking_off_so_the_other_channel_keeps_its_voltage(cell_world: Any) -> None:
    twin = twin_left_by_the_front_panel(cell_world, ":APPL CH2,12,1", ":OUTP:TRAC CH1,ON")
    supply = driver_on(twin, channel=1)
    supply.open()
    assert twin.tracking == {1: False, 2: False}
    supply.configure(4.2, 1.0)
    assert (twin.outputs.volts[1], twin.outputs.volts[2]) == (4.2, 12.0)


def test_tracking_left_on_moves_the_partner_channel_in_the_twin(cell_world: Any) -> None:
    twin = twin_left_by_the_front_panel(cell_world, ":APPL CH2,12,1", ":OUTP:TRAC CH1,ON")
    twin.write(":APPL CH1,4.2,1")  # why open() turns tracking off
    assert (twin.outputs.volts[1], twin.outputs.volts[2]) == (4.2, 4.2)


def test_an_ocp_left_on_switches_a_charge_off_in_the_twin(cell_world: Any) -> None:
    twin = twin_left_by_the_front_panel(cell_world, ":OUTP:OCP:VAL CH1,0.0001", ":OUTP:OCP CH1,ON")
    for command in (":APPL CH1,4.2,1", ":OUTP CH1,ON"):
        twin.write(command)
    assert float(ask(twin, ":MEAS:CURR? CH1") or "") == 0.0  # tripped: the charge looks finished
    assert ask(twin, ":OUTP? CH1") == "OFF"


def test_open_turns_a_front_panel_ocp_off_so_a_charge_regulates_at_its_limit(cell_world: Any) -> None:
    twin = twin_left_by_the_front_panel(cell_world, ":OUTP:OCP:VAL CH1,0.0001", ":OUTP:OCP CH1,ON")
    supply = driver_on(twin, channel=1)
    supply.open()
    supply.configure(4.2, 1.0)
    supply.set_output(True)
    assert supply.measure()[1] > 0.0001
    assert supply.output_on() is True


@pytest.mark.parametrize(("model", "command", "error"), [
    ("DP832", ":APPL CH1,33,1", '-222,"Data out of range"'),
    ("DP832", ":APPL CH3,5,3.3", '-222,"Data out of range"'),
    ("DP832", ":APPL CH4,1,1", '-224,"Illegal parameter value"'),
    ("DP821", ":OUTP CH3,ON", '-224,"Illegal parameter value"'),
    ("DP832", ":OUTP CH1,MAYBE", '-224,"Illegal parameter value"'),
    ("DP832", ":MEAS:RES? CH1", '-113,"Undefined header"'),
    ("DP832", ":OUTP:TRAC CH3,OFF", '-224,"Illegal parameter value"'),  # CH3 cannot track
    ("DP832", ":OUTP:SENS CH1,ON", '-224,"Illegal parameter value"'),  # no sense terminals
    ("DP821", ":OUTP:SENS CH1,ON", '-224,"Illegal parameter value"'),
])
def test_the_twin_queues_the_error_a_real_supply_would(cell_world: object, model: str,
                                                       command: str, error: str) -> None:
    supply = open_instrument("rigol-dp800", "sim://supply", world=cell_world, model=model)
    assert_twin_queues(supply, command, error, then=None, error_query=":SYST:ERR?")


def test_the_twin_answers_what_the_front_panel_left(cell_world: object) -> None:
    twin = twin_left_by_the_front_panel(cell_world, ":OUTP:TRAC CH2,ON", ":TIME ON", ":OUTP:OVP CH1,ON")
    assert [ask(twin, q) for q in (":OUTP:TRAC? CH2", ":OUTP:TRAC? CH3", ":TIME?", ":DELAY?",
                                    ":OUTP:OVP? CH1", ":OUTP:OCP? CH1", ":OUTP:SENS? CH1")] == \
        ["ON", "NONE", "ON", "OFF", "ON", "OFF", "NONE"]


def test_the_dut_cannot_be_wired_to_a_negative_output(cell_world: object) -> None:
    with pytest.raises(ValueError, match="CH3 is a negative output"):
        RigolDP800Twin(cell_world, model="DP831", channel=3)


def test_a_timer_and_delayer_armed_on_the_wired_channel_are_switched_off_whatever_channel_is_selected(
        cell_world: object) -> None:
    """The front panel left CH1 selected, with CH2's timer and delayer on: :TIME OFF and :DELAY
    OFF act on the selected channel, so the driver selects CH2 first."""
    twin = twin_left_by_the_front_panel(cell_world, ":INST:NSEL 2", ":TIME ON", ":DELAY ON", ":INST:NSEL 1",
                                        channel=2)
    RigolDP800(SimTransport("sim://supply", twin), channel=2).open()
    assert (twin.timer[2], twin.delayer[2], twin.errors()) == (False, False, ())
