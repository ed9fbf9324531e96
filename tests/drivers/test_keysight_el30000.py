"""Keysight EL30000 driver: protocol against pyvisa-sim (keysight_el30000.yaml), whole dialogues
inline (with test_shared_driver_behaviour.py, which also pins what it does like other loads),
and against its twin; every channel-specific command names the station's input with a channel
list."""
from __future__ import annotations

from typing import Any

import pytest
from dialogue import dialogue
from driver_helpers import (
    NO_ERROR,
    assert_refused_before_sending,
    assert_twin_queues,
    cycle_load_through_modes,
    driver_on_sim,
    visa_sim,
)

from drivers.keysight_el30000 import KeysightEL30000
from drivers.registry import open_instrument
from drivers.roles import ElectronicLoad, InstrumentError, RangeError
from drivers.sim.transport import SimTransport
from drivers.sim.twins.keysight_el30000 import KeysightEL30000Twin

EL34243A = "USB0::0x2A8D::0x3902::MY60000001::INSTR"
EL34143A = "TCPIP0::192.168.1.32::5025::SOCKET"
IDN = "Keysight Technologies,EL34243A,MY60000001,A.01.02-A.01.01"


load_at = driver_on_sim(KeysightEL30000, "keysight_el30000")


def opened(ch: int = 1, sense: str = "INT") -> list[str]:
    """What open() sends: who it is, then the known state of input `ch`, confirmed."""
    return ["*IDN?", "SYST:ERR?", f"INP OFF,(@{ch})",
            f"CURR:MODE FIX,(@{ch})", f"VOLT:MODE FIX,(@{ch})", f"RES:MODE FIX,(@{ch})",
            f"POW:MODE FIX,(@{ch})", f"CURR 0,(@{ch})", f"CURR:RANG 0.6,(@{ch})",
            f"VOLT:SENS {sense},(@{ch})", "SYST:ERR?"]


# --- whole dialogues ----------------------------------------------------------------------

def test_a_lower_range_is_selected_after_the_level_that_fits_both() -> None:
    replies = {"*IDN?": IDN, "SYST:ERR?": NO_ERROR}
    with dialogue(KeysightEL30000, [
        *((message, replies.get(message)) for message in opened()),
        ("CURR:RANG 60,(@1)", None), ("SYST:ERR?", NO_ERROR),
        ("CURR 10,(@1)", None), ("MODE CURR,(@1)", None), ("SYST:ERR?", NO_ERROR),
        ("CURR 2,(@1)", None), ("SYST:ERR?", NO_ERROR),  # inside the 60 A range and the 6 A one
        ("CURR:RANG 6,(@1)", None), ("SYST:ERR?", NO_ERROR),
        ("CURR 0.5,(@1)", None), ("SYST:ERR?", NO_ERROR),
        ("CURR:RANG 0.6,(@1)", None), ("SYST:ERR?", NO_ERROR),
        ("CURR 0.4,(@1)", None), ("SYST:ERR?", NO_ERROR),  # the same range: the level alone
    ]) as load:
        load.open()
        for amps in (10.0, 2.0, 0.5, 0.4):
            load.set_mode("CC", amps)


# --- protocol against pyvisa-sim ----------------------------------------------------------

def test_open_identifies_then_sets_the_known_state_of_the_stations_input() -> None:
    _, wire = load_at(EL34243A, channel=2, model="EL34243A", sense="remote")
    assert wire.sent == opened(2, "EXT")
    _, single = load_at(EL34143A)
    assert single.sent == opened(1, "INT")


@pytest.mark.parametrize(("mode", "level", "level_command", "function"), [
    ("CC", 1.5, "CURR 1.5,(@2)", "MODE CURR,(@2)"),
    ("CV", 4.2, "VOLT 4.2,(@2)", "MODE VOLT,(@2)"),
    ("CR", 8.25, "RES 8.25,(@2)", "MODE RES,(@2)"),
    ("CP", 12.5, "POW 12.5,(@2)", "MODE POW,(@2)"),
])
def test_each_mode_writes_its_level_then_its_mode_on_the_stations_input(
        mode: str, level: float, level_command: str, function: str) -> None:
    load, wire = load_at(EL34243A, channel=2, model="EL34243A")
    wire.sent.clear()  # after open (its dialogue: test_open_identifies_...)
    load.set_mode(mode, level)  # type: ignore[arg-type]
    ranged = ["CURR:RANG 6,(@2)", "SYST:ERR?"] if mode == "CC" else []  # 1.5 A: the 6 A range
    assert wire.sent == [*ranged, level_command, function, "SYST:ERR?"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_input_measure_and_readback_name_the_input() -> None:
    load, wire = load_at(EL34243A, channel=2, model="EL34243A")
    wire.sent.clear()
    load.set_input(True)
    assert load.input_on() is True
    load.set_input(False)
    assert load.input_on() is False
    assert load.measure() == (4.98765, 1.50012)
    assert wire.sent == ["INP ON,(@2)", "INP? (@2)", "INP OFF,(@2)", "INP? (@2)", "MEAS:VOLT? (@2)",
                         "MEAS:CURR? (@2)"]
    assert wire.query("SYST:ERR?") == NO_ERROR


def test_ranges_are_per_input_and_follow_the_model_reported() -> None:
    dual, dual_wire = load_at(EL34243A)
    dual.set_mode("CC", 55.0)
    assert dual_wire.sent == [*opened(1), "CURR:RANG 60,(@1)", "SYST:ERR?",
                              "CURR 55,(@1)", "MODE CURR,(@1)", "SYST:ERR?"]
    with pytest.raises(RangeError, match="CP power 340 W is outside the EL34243A input 1 "
                                         r"range 0\.\.300 W"):
        dual.set_mode("CP", 340.0)  # 300 W per input on the dual load...
    single, single_wire = load_at(EL34143A)
    single.set_mode("CP", 340.0)  # ...350 W on the single one
    assert single_wire.sent == [*opened(1), "POW 340,(@1)", "MODE POW,(@1)", "SYST:ERR?"]


@pytest.mark.parametrize(("mode", "level", "shown"), [
    ("CC", 61.0, "CC current 61 A is outside the EL34243A input 1 range 0..60 A"),
    ("CC", float("nan"), "CC current nan A"),
    ("CV", 151.0, "CV voltage 151 V is outside the EL34243A input 1 range 0..150 V"),
    ("CR", 0.04, "CR resistance 0.04 ohm is outside the EL34243A input 1 range 0.05..4000 ohm"),
])
def test_out_of_range_levels_are_refused_before_anything_is_sent(mode: str, level: float,
                                                                 shown: str) -> None:
    load, wire = load_at(EL34243A, model="EL34243A")
    wire.sent.clear()
    assert_refused_before_sending(wire.sent, shown, load.set_mode, mode, level)


def test_a_second_input_is_refused_on_the_single_input_model() -> None:
    with pytest.raises(ValueError, match="the EL34143A has one input; channel 2"):
        load_at(EL34143A, channel=2, model="EL34143A")
    with pytest.raises(InstrumentError, match="is an EL34143A, which has one input; channel 2"):
        load_at(EL34143A, channel=2)
    with pytest.raises(ValueError, match="channel 3 is not 1 or 2"):
        load_at(EL34243A, channel=3)


def test_another_keysight_instrument_is_rejected_by_name_before_anything_else_is_sent() -> None:
    wire = visa_sim("keysight_el30000", "USB0::0x2A8D::0x1102::MY00000001::INSTR")
    with pytest.raises(InstrumentError, match="is a Keysight Technologies E36312A, not one of"):
        KeysightEL30000(wire).open()
    assert wire.sent == ["*IDN?"]


def test_garbled_and_overload_replies_name_the_command_and_the_reply() -> None:
    load, _ = load_at(EL34143A, model="EL34143A")
    with pytest.raises(InstrumentError, match=r"'MEAS:CURR\? \(@1\)' answered '\+9.90000000E\+37'"):
        load.measure()
    with pytest.raises(InstrumentError, match=r"'INP\? \(@1\)' answered 'ON,OFF': not a boolean"):
        load.input_on()


# --- against the twin (sim://) --------------------------------------------------------------

def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    load = open_instrument("keysight-el30000", "sim://load", world=cell_world, channel=2)
    assert isinstance(load, ElectronicLoad)
    assert load.identify().startswith("Keysight Technologies,EL34243A,")
    cycle_load_through_modes(load, [("CC", 1.0), ("CV", 3.9), ("CR", 4.0), ("CP", 2.0),
                                    ("CC", 0.5), ("CC", 12.0)])
    assert load.transport.query("SYST:ERR?") == '+0,"No error"'


def test_only_the_wired_input_sinks_from_the_dut(cell_world: object) -> None:
    load = open_instrument("keysight-el30000", "sim://load", world=cell_world, channel=2)
    load.transport.write("CURR:RANG 6,(@1:2)")
    load.transport.write("CURR 1,(@1:2)")
    load.transport.write("INP ON,(@1,2)")
    assert load.transport.query("MEAS:CURR? (@1,2)") == "+0.00000000E+00,+1.00000000E+00"
    assert load.transport.query("INP? (@1:2)") == "1,1"
    assert load.transport.query("CURR:RANG? (@1:2)") == "+6.00000000E+00,+6.00000000E+00"


def test_each_input_wired_to_its_own_world_sinks_from_that_worlds_dut(rack_worlds: list[Any]) -> None:
    first, second, third = rack_worlds
    twin = KeysightEL30000Twin(first, channel=1)
    twin.wire(2, second)
    link = SimTransport("sim://load", twin)
    link.write("CURR:RANG 6,(@1:2);:CURR 0.5,(@1);:CURR 1,(@2);:INP ON,(@1:2)")
    assert link.query("MEAS:CURR? (@1:2)") == "+5.00000000E-01,+1.00000000E+00"
    assert [world.load_reading()[1] for world in rack_worlds] == pytest.approx([0.5, 1.0, 0.0])
    for channel, shown in [(2, "input 2 is already wired"), (3, "input 3 does not exist")]:
        with pytest.raises(ValueError, match=shown):
            twin.wire(channel, third)
    assert link.query("SYST:ERR?") == NO_ERROR


@pytest.mark.parametrize(("command", "error"), [
    ("CURRE 1,(@1)", '-113,"Undefined header"'),
    ("CURR 61,(@1)", '-222,"Data out of range"'),
    ("CURR 1,(@1)", '-222,"Data out of range"'),  # above the 0.6 A range the known state selected
    ("CURR:RANG 61,(@1)", '-222,"Data out of range"'),
    ("CURR:RANG 60,(@1);:CURR 5,(@1);:CURR:RANG 0.6,(@1)", '-221,"Settings conflict"'),
    ("INP ON,(@3)", '-224,"Illegal parameter value"'),
    ("MODE AMPS,(@1)", '-224,"Illegal parameter value"'),
    ("CURR:MODE ARB,(@1)", '-224,"Illegal parameter value"'),
    ("VOLT:SENS BOTH,(@1)", '-224,"Illegal parameter value"'),
])
def test_the_twin_queues_the_error_a_real_load_would(cell_world: object, command: str,
                                                     error: str) -> None:
    load = open_instrument("keysight-el30000", "sim://load", world=cell_world)
    assert_twin_queues(load, command, error)
