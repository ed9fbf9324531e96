"""Rigol DP700 driver: the known state at open, the pause between commands on its RS-232 port,
protocol against pyvisa-sim (rigol_dp700.yaml) and the whole dialogue inline, and its twin."""
from __future__ import annotations

from typing import Any

import pytest
from driver_helpers import (
    Recorder, assert_twin_queues, charge_the_cell_and_switch_off, driver_on_sim, visa_sim,
)
from pacing_helpers import fake_clock

from dialogue import dialogue
from drivers.registry import open_instrument
from drivers.rigol_dp700 import COMMAND_DELAY, RigolDP700
from drivers.roles import InstrumentError, PowerSupply, RangeError
from drivers.sim.transport import SimTransport
from drivers.sim.twins.rigol_dp700 import RigolDP700Twin

RIGOL_NO_ERROR = '0,"No error"'

# the driver on pyvisa-sim without the pause between commands (pyvisa-sim drops nothing)
supply_at = driver_on_sim(RigolDP700, "rigol_dp700", command_delay=0.0)
# what open() sends a DP700: output off, the timer off, both protections off, confirmed, and
# the output read back off
OPENED = ["*IDN?", "SYST:ERR?", ":OUTP CH1,OFF", ":TIME OFF", ":OUTP:OCP OFF", ":OUTP:OVP OFF",
          "SYST:ERR?", ":OUTP? CH1"]


def test_the_one_output_is_driven_as_ch1_over_rs232() -> None:
    supply, wire = supply_at("ASRL1::INSTR")
    assert wire.serial_line
    supply.configure(5.0, 3.0)
    supply.set_output(True)
    assert supply.measure() == (4.999, 2.1)
    supply.set_output(False)
    assert supply.output_on() is False
    assert wire.sent == [*OPENED, ":APPL CH1,5,3", "SYST:ERR?", ":OUTP CH1,ON",
                         ":MEAS:VOLT? CH1", ":MEAS:CURR? CH1", ":OUTP CH1,OFF", ":OUTP? CH1"]
    assert wire.query("SYST:ERR?") == RIGOL_NO_ERROR


def test_ranges_follow_the_model() -> None:
    supply, wire = supply_at("ASRL2::INSTR")
    supply.configure(53.0, 3.2)  # the DP712's maxima
    with pytest.raises(RangeError, match=r"current limit 5 A is outside the DP712 range 0\.\.3\.2 A"):
        supply.configure(5.0, 5.0)
    with pytest.raises(RangeError, match=r"voltage 33 V is outside the DP711 range 0\.\.32 V"):
        RigolDP700(visa_sim("rigol_dp700", "ASRL1::INSTR"), model="DP711").configure(33.0, 1.0)
    assert wire.sent == [*OPENED, ":APPL CH1,53,3.2", "SYST:ERR?"]


def test_a_dp800_is_not_taken_for_a_dp700() -> None:
    with pytest.raises(InstrumentError, match=r"is a RIGOL TECHNOLOGIES DP832, not one of the "
                                              r"RigolDP700 models \(DP711, DP712\)"):
        supply_at("ASRL3::INSTR")


def test_the_dp700_takes_no_channel_and_no_sense_option() -> None:
    for option in ("channel", "sense"):
        with pytest.raises(TypeError, match=option):
            RigolDP700(visa_sim("rigol_dp700", "ASRL1::INSTR"), **{option: 1})  # type: ignore[arg-type]


# --- the whole dialogue inline -----------------------------------------------------------

IDN = "RIGOL TECHNOLOGIES,DP711,DP7A190100001,00.01.02"
KNOWN_STATE = [("*IDN?", IDN), ("SYST:ERR?", RIGOL_NO_ERROR), (":OUTP CH1,OFF", None),
               (":TIME OFF", None), (":OUTP:OCP OFF", None), (":OUTP:OVP OFF", None),
               ("SYST:ERR?", RIGOL_NO_ERROR), (":OUTP? CH1", "OFF")]


def test_the_whole_dialogue_of_open_configure_confirm_on_and_off() -> None:
    with dialogue(RigolDP700, [
        *KNOWN_STATE,
        (":APPL CH1,4.2,1", None), ("SYST:ERR?", RIGOL_NO_ERROR),
        (":OUTP CH1,ON", None), (":OUTP CH1,OFF", None), (":OUTP? CH1", "OFF"),
    ], command_delay=0.0) as supply:  # the pause itself: test_on_its_serial_line_...
        supply.open()
        assert supply.confirmed == [":OUTP CH1,OFF", ":TIME OFF", ":OUTP:OCP OFF", ":OUTP:OVP OFF"]
        supply.configure(4.2, 1.0)
        supply.set_output(True)
        supply.set_output(False)
        assert supply.output_on() is False


def test_a_refused_set_point_is_an_error_naming_the_command_and_the_reply_before_any_on() -> None:
    with dialogue(RigolDP700, [
        *KNOWN_STATE,
        (":APPL CH1,4.2,1", None), ("SYST:ERR?", '-222,"Data out of range"'),
        ("SYST:ERR?", RIGOL_NO_ERROR),
    ], command_delay=0.0) as supply:
        supply.open()
        with pytest.raises(InstrumentError, match=r"refused :APPL CH1,4.2,1: SYST:ERR\? answered "
                                                  r'-222,"Data out of range"'):
            supply.configure(4.2, 1.0)


# --- the pause between commands ------------------------------------------------------------

def test_on_its_serial_line_each_command_waits_for_the_last_to_be_done(
        cell_world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = fake_clock(monkeypatch)
    line = Recorder(SimTransport("sim://dp700", RigolDP700Twin(cell_world)))  # not seen as simulated
    supply = RigolDP700(line)
    supply.open()
    supply.configure(4.2, 1.0)
    assert line.sent == [*OPENED, ":APPL CH1,4.2,1", "SYST:ERR?"]
    assert clock.slept == [COMMAND_DELAY] * (len(line.sent) - 1)  # before each but the first
    simulated = open_instrument("rigol-dp700", "sim://dp700", world=cell_world)
    simulated.configure(4.2, 1.0)  # the simulated bench never pauses
    assert clock.slept == [COMMAND_DELAY] * (len(line.sent) - 1)


def test_a_negative_pause_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="command delay -0.1 s is negative"):
        RigolDP700(visa_sim("rigol_dp700", "ASRL1::INSTR"), command_delay=-0.1)


# --- against the twin (sim://) ----------------------------------------------------------

def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    supply = open_instrument("rigol-dp700", "sim://supply", world=cell_world, model="DP712")
    assert isinstance(supply, PowerSupply)
    assert supply.transport.serial_line
    assert supply.identify().startswith("RIGOL TECHNOLOGIES,DP712,")
    charge_the_cell_and_switch_off(supply)
    supply.close()
    assert supply.transport.query(":SYST:ERR?") == '+0,"No error"'


def test_open_turns_a_timer_and_protections_left_on_off(cell_world: Any) -> None:
    twin = RigolDP700Twin(cell_world)
    for command in (":TIME ON", ":OUTP:OCP ON", ":OUTP:OVP ON"):
        twin.write(command)
    RigolDP700(SimTransport("sim://supply", twin)).open()
    assert (twin.timer[1], twin.ocp[1], twin.ovp[1], twin.errors()) == (False, False, False, ())


@pytest.mark.parametrize(("command", "error"), [
    (":APPL P30V,5,1", '+0,"No error"'),  # the DP711's output by its range name
    (":APPL P50V,5,1", '-224,"Illegal parameter value"'),  # the DP712's
    (":APPL CH2,5,1", '-224,"Illegal parameter value"'),
    (":APPL CH1,32.5,1", '-222,"Data out of range"'),
    (":DELAY OFF", '-113,"Undefined header"'),  # the DP800's delayer, tracking and sense:
    (":OUTP:TRAC CH1,OFF", '-113,"Undefined header"'),  # not in the DP700 guide
    (":OUTP:SENS CH1,OFF", '-113,"Undefined header"'),
])
def test_the_twin_takes_what_a_dp711_takes(cell_world: object, command: str, error: str) -> None:
    supply = open_instrument("rigol-dp700", "sim://supply", world=cell_world)
    assert_twin_queues(supply, command, error, then=None, error_query=":SYST:ERR?")
