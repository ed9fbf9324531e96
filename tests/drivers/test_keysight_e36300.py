"""Keysight E36300 driver: the known state at open, independent outputs, the current limit's
minimum, protocol against pyvisa-sim (keysight_e36300.yaml) and the whole dialogue inline, and
its twin."""
from __future__ import annotations

from typing import Any

import pytest
from driver_helpers import (
    NO_ERROR, assert_refused_before_sending, assert_twin_queues, driver_on_sim, visa_sim,
)

from dialogue import dialogue
from drivers.keysight_e36300 import KeysightE36300
from drivers.registry import open_instrument
from drivers.roles import InstrumentError, PowerSupply
from drivers.sim.transport import SimTransport
from drivers.sim.twins.keysight_e36300 import KeysightE36300Twin

E36312A = "USB0::0x2A8D::0x1102::MY59000001::INSTR"
E36313A = "TCPIP::192.168.1.40::INSTR"
PAIRED = "USB0::0x2A8D::0x1102::MY59000011::INSTR"  # CH2 and CH3 in series


supply_at = driver_on_sim(KeysightE36300, "keysight_e36300")
# identify(), and what this driver does like others: test_shared_driver_behaviour.py


def opened(ch: int, sense: str = "INT") -> list[str]:
    """What open() sends for output `ch`: the output off, OCP off, the sense, confirmed; then,
    for CH2 and CH3, the pairing read back (they are the outputs OUTP:PAIR couples)."""
    return ["*IDN?", "SYST:ERR?", f"OUTP OFF,(@{ch})", f"CURR:PROT:STAT OFF,(@{ch})",
            f"VOLT:SENS:SOUR {sense},(@{ch})", "SYST:ERR?", *(["OUTP:PAIR?"] if ch > 1 else [])]


def test_configure_is_one_apply_that_leaves_the_output_alone() -> None:
    supply, wire = supply_at(E36312A, model="E36312A")
    supply.configure(5.0, 1.0)
    supply.configure(6.18, 5.15)  # the top of channel 1's programming range
    assert wire.sent == [*opened(1), "APPL CH1,5,1", "SYST:ERR?", "APPL CH1,6.18,5.15", "SYST:ERR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_output_state_is_read_back_for_the_channel() -> None:
    supply, wire = supply_at(E36312A)
    assert supply.output_on() is False
    assert wire.sent == [*opened(1), "OUTP? (@1)"]


def test_output_and_measurements_address_channel_1_by_default() -> None:
    supply, wire = supply_at(E36312A, model="E36312A")
    supply.set_output(True)
    assert supply.measure() == (5.0001, 0.1234)
    supply.set_output(False)
    assert wire.sent == [*opened(1), "OUTP ON,(@1)", "MEAS:VOLT? (@1)", "MEAS:CURR? (@1)",
                         "OUTP OFF,(@1)"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_another_channel_is_addressed_everywhere_and_its_pairing_read_back() -> None:
    supply, wire = supply_at(E36312A, model="E36312A", channel=2)
    supply.configure(12.5, 0.25)
    supply.set_output(True)
    assert supply.measure() == (12.499, 0.25)
    assert wire.sent == [*opened(2), "APPL CH2,12.5,0.25", "SYST:ERR?", "OUTP ON,(@2)",
                         "MEAS:VOLT? (@2)", "MEAS:CURR? (@2)"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_a_paired_output_is_refused_at_open_after_its_known_state() -> None:
    with pytest.raises(InstrumentError, match=r"CH2 and CH3 of the E36312A are paired \(OUTP:PAIR\? "
                                              r"answered SER\); CH3 is not used until they are independent"):
        supply_at(PAIRED, channel=3)


def test_channel_1_is_used_whatever_the_pairing_of_ch2_and_ch3() -> None:
    _, wire = supply_at(PAIRED, channel=1)
    assert wire.sent == opened(1)


@pytest.mark.parametrize(("channel", "voltage", "current", "shown"), [
    (1, 6.5, 1.0, "voltage 6.5 V is outside the E36312A CH1 range 0..6.18 V"),
    (1, 5.0, 5.2, "current limit 5.2 A is outside the E36312A CH1 range 0.002..5.15 A"),
    (2, 26.0, 0.5, "voltage 26 V is outside the E36312A CH2 range 0..25.75 V"),
    (3, 12.0, 1.5, "current limit 1.5 A is outside the E36312A CH3 range 0.001..1.03 A"),
    (1, -1.0, 1.0, "voltage -1 V is outside"),
    (1, 4.2, 0.0, "current limit 0 A is outside the E36312A CH1 range 0.002..5.15 A"),
    (2, 4.2, 0.0005, "current limit 0.0005 A is outside the E36312A CH2 range 0.001..1.03 A"),
])
def test_out_of_range_settings_are_refused_before_anything_is_sent(
        channel: int, voltage: float, current: float, shown: str) -> None:
    wire = visa_sim("keysight_e36300", E36312A)
    supply = KeysightE36300(wire, model="E36312A", channel=channel)  # not opened: nothing sent
    assert_refused_before_sending(wire.sent, shown, supply.configure, voltage, current)


def test_ranges_follow_the_model_the_instrument_reports() -> None:
    supply, wire = supply_at(E36313A)
    supply.configure(5.0, 10.0)  # an E36313A channel 1 gives 10 A
    assert wire.sent == [*opened(1), "APPL CH1,5,10", "SYST:ERR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_remote_sense_is_external_sensing_on_the_wired_channel() -> None:
    supply, wire = supply_at(E36313A, sense="remote")
    assert wire.sent == opened(1, sense="EXT")
    assert supply.confirmed == ["OUTP OFF,(@1)", "CURR:PROT:STAT OFF,(@1)", "VOLT:SENS:SOUR EXT,(@1)"]


def test_another_instrument_is_rejected_by_name_before_anything_else_is_sent() -> None:
    wire = visa_sim("keysight_e36300", "USB0::0x0957::0x4D18::MY00000003::INSTR")
    with pytest.raises(InstrumentError, match="is a HEWLETT-PACKARD E3631A, not one of"):
        KeysightE36300(wire).open()
    assert wire.sent == ["*IDN?"]


def test_a_garbled_reply_names_the_command_and_the_reply() -> None:
    supply = KeysightE36300(visa_sim("keysight_e36300", "USB0::0x2A8D::0x1102::MY59000666::INSTR"),
                            model="E36312A")  # not opened: it answers nothing else
    with pytest.raises(InstrumentError, match=r"'MEAS:VOLT\? \(@1\)' answered '\+5.0001E\+00,"):
        supply.measure()


@pytest.mark.parametrize(("options", "shown"), [
    ({"channel": 0}, "channel 0 is not one of 1, 2, 3"),
    ({"channel": 4}, "channel 4 is not one of 1, 2, 3"),
    ({"channel": "1"}, "channel '1' is not one of"),
    ({"sense": "EXT"}, "sense 'EXT' is not 'local' or 'remote'"),
])
def test_bad_options_are_refused_before_anything_is_sent(options: dict[str, Any], shown: str) -> None:
    wire = visa_sim("keysight_e36300", E36312A)
    with pytest.raises(ValueError, match=shown):
        KeysightE36300(wire, **options)
    assert wire.sent == []


# --- the whole dialogue inline -----------------------------------------------------------

IDN = "Keysight Technologies,E36312A,MY59000001,1.0.4-1.0.4-1.12"


def known_state(ch: int, pairing: str | None = None) -> list[tuple[str, str | None]]:
    return [("*IDN?", IDN), ("SYST:ERR?", NO_ERROR), (f"OUTP OFF,(@{ch})", None),
            (f"CURR:PROT:STAT OFF,(@{ch})", None), (f"VOLT:SENS:SOUR INT,(@{ch})", None),
            ("SYST:ERR?", NO_ERROR), *([("OUTP:PAIR?", pairing)] if pairing else [])]


def test_the_whole_dialogue_of_open_configure_confirm_on_and_off() -> None:
    with dialogue(KeysightE36300, [
        *known_state(2, pairing="OFF"),
        ("APPL CH2,4.2,1", None), ("SYST:ERR?", NO_ERROR),
        ("OUTP ON,(@2)", None), ("OUTP OFF,(@2)", None), ("OUTP? (@2)", "0"),
    ], channel=2) as supply:
        supply.open()
        assert supply.confirmed == ["OUTP OFF,(@2)", "CURR:PROT:STAT OFF,(@2)", "VOLT:SENS:SOUR INT,(@2)"]
        supply.configure(4.2, 1.0)
        supply.set_output(True)
        supply.set_output(False)
        assert supply.output_on() is False
    assert supply.confirmed[-1] == "APPL CH2,4.2,1"


def test_a_refused_set_point_is_an_error_naming_the_command_and_the_reply_before_any_on() -> None:
    with dialogue(KeysightE36300, [
        *known_state(1),
        ("APPL CH1,4.2,1", None), ("SYST:ERR?", '-222,"Data out of range"'), ("SYST:ERR?", NO_ERROR),
    ]) as supply:
        supply.open()
        with pytest.raises(InstrumentError, match=r"refused APPL CH1,4.2,1: SYST:ERR\? answered "
                                                  r'-222,"Data out of range"'):
            supply.configure(4.2, 1.0)


# --- against the twin (sim://) ----------------------------------------------------------

def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    supply = open_instrument("keysight-e36300", "sim://supply", world=cell_world,
                             model="E36313A", channel=2, sense="remote")
    assert isinstance(supply, PowerSupply)
    assert supply.identify().startswith("Keysight Technologies,E36313A,")
    assert supply.transport.twin.sense[2] == "EXT"
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


def twin_left_by_the_front_panel(world: Any, *commands: str, **options: Any) -> KeysightE36300Twin:
    twin = KeysightE36300Twin(world, **options)
    for command in commands:
        twin.write(command)
    assert twin.errors() == ()
    return twin


def test_open_refuses_outputs_the_front_panel_left_paired_after_switching_them_off(cell_world: Any) -> None:
    twin = twin_left_by_the_front_panel(cell_world, "OUTP:PAIR PAR", "OUTP ON,(@2)", channel=2)
    supply = KeysightE36300(SimTransport("sim://supply", twin), channel=2)
    with pytest.raises(InstrumentError, match=r"paired \(OUTP:PAIR\? answered PAR\)"):
        supply.open()
    assert not twin.outputs.on[2] and not cell_world.supply_output_on


def test_open_turns_a_front_panel_ocp_off_so_a_charge_regulates_at_its_limit(cell_world: Any) -> None:
    twin = twin_left_by_the_front_panel(cell_world, "CURR:PROT:STAT ON,(@1)")
    twin.write("APPL CH1,4.3,0.002")  # the cell takes more: the output is in current limit
    twin.write("OUTP ON,(@1)")
    twin.write("MEAS:CURR? (@1)")
    assert float(twin.read() or "") == 0.0 and not twin.outputs.on[1]  # tripped: looks finished
    supply = KeysightE36300(SimTransport("sim://supply", twin))
    supply.open()
    supply.configure(4.3, 0.002)
    supply.set_output(True)
    assert supply.measure()[1] == pytest.approx(0.002)  # held at its limit, and still on
    assert supply.output_on() is True


@pytest.mark.parametrize(("command", "error"), [
    ("APPL CH1,7,1", '-222,"Data out of range"'),
    ("APPL CH1,4.2,0", '-222,"Data out of range"'),  # below CH1's 2 mA minimum
    ("CURR 0.0005,(@2)", '-222,"Data out of range"'),  # below CH2's 1 mA minimum
    ("APPL CH4,1,1", '-224,"Illegal parameter value"'),
    ("VOLT 1,(@5)", '-224,"Illegal parameter value"'),
    ("OUTP MAYBE,(@1)", '-224,"Illegal parameter value"'),
    ("OUTP ON,(@1),(@2)", '-108,"Parameter not allowed"'),
    ("MEAS:RES? (@1)", '-113,"Undefined header"'),
    ("OUTP:PAIR TRIPLE", '-224,"Illegal parameter value"'),
    ("VOLT:SENS:SOUR BOTH,(@1)", '-224,"Illegal parameter value"'),
])
def test_the_twin_queues_the_error_a_real_supply_would(cell_world: object, command: str,
                                                       error: str) -> None:
    supply = open_instrument("keysight-e36300", "sim://supply", world=cell_world)
    assert_twin_queues(supply, command, error, then=None)


def test_a_current_limit_below_the_minimum_leaves_the_old_one(cell_world: Any) -> None:
    twin = twin_left_by_the_front_panel(cell_world, "APPL CH1,4.2,1")
    twin.write("APPL CH1,4.2,0")
    assert (twin.outputs.volts[1], twin.outputs.amps[1]) == (4.2, 1.0)
    assert twin.errors() == ('-222,"Data out of range"',)


def test_an_output_wired_to_its_own_world_feeds_that_world_only(rack_worlds: list[Any]) -> None:
    first, second, third = rack_worlds
    third.set_supply_output(True)  # whatever the twin or its world held, an output wired later starts off
    twin = twin_left_by_the_front_panel(first, "APPL CH3,9,0.5", "OUTP ON,(@3)", model="E36313A")
    twin.wire(3, third)
    twin.wire(2, second)
    assert (twin.outputs.volts[3], twin.outputs.on[3], third.supply_output_on) == (0.0, False, False)
    link = SimTransport("sim://supply", twin, **KeysightE36300.TRANSPORT)
    supplies = [KeysightE36300(link, channel=ch) for ch in (1, 2, 3)]
    for supply in supplies:
        supply.open()
    supplies[2].configure(5.0, 1.0)
    supplies[2].set_output(True)
    assert [world.supply_output_on for world in rack_worlds] == [False, False, True]
    volts, amps = supplies[2].measure()
    assert (volts, amps) == pytest.approx(third.supply_reading()) and amps > 0.1  # a charge from CH3
    assert [supply.output_on() for supply in supplies] == [False, False, True]
    for channel, shown in [(3, "CH3 is already wired"), (4, "the E36313A has no channel 4")]:
        with pytest.raises(ValueError, match=shown):
            twin.wire(channel, second)
    assert twin.errors() == ()
