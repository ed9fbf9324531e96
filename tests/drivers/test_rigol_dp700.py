"""Rigol DP700 driver: protocol on RS-232 against pyvisa-sim (rigol_dp700.yaml) and its twin."""
from __future__ import annotations

import pytest
from driver_helpers import (
    assert_twin_queues, charge_the_cell_and_switch_off, driver_on_sim, visa_sim,
)

from drivers.registry import open_instrument
from drivers.rigol_dp700 import RigolDP700
from drivers.roles import InstrumentError, PowerSupply, RangeError


supply_at = driver_on_sim(RigolDP700, "rigol_dp700")


def test_the_one_output_is_driven_as_ch1_over_rs232() -> None:
    supply, wire = supply_at("ASRL1::INSTR")
    assert wire.serial_line
    supply.configure(5.0, 3.0)
    supply.set_output(True)
    assert supply.measure() == (4.999, 2.1)
    supply.set_output(False)
    assert supply.output_on() is False
    assert wire.sent == ["*IDN?", "SYST:ERR?", ":APPL CH1,5,3", "SYST:ERR?", ":OUTP CH1,ON",
                         ":MEAS:VOLT? CH1", ":MEAS:CURR? CH1", ":OUTP CH1,OFF", ":OUTP? CH1"]
    assert wire.query("SYST:ERR?") == '0,"No error"'


def test_ranges_follow_the_model() -> None:
    supply, wire = supply_at("ASRL2::INSTR")
    supply.configure(53.0, 3.2)  # the DP712's maxima
    with pytest.raises(RangeError, match=r"current limit 5 A is outside the DP712 range 0\.\.3\.2 A"):
        supply.configure(5.0, 5.0)
    with pytest.raises(RangeError, match=r"voltage 33 V is outside the DP711 range 0\.\.32 V"):
        RigolDP700(visa_sim("rigol_dp700", "ASRL1::INSTR"), model="DP711").configure(33.0, 1.0)
    assert wire.sent == ["*IDN?", "SYST:ERR?", ":APPL CH1,53,3.2", "SYST:ERR?"]


def test_a_dp800_is_not_taken_for_a_dp700() -> None:
    supply, _ = supply_at("ASRL3::INSTR")
    with pytest.raises(InstrumentError, match=r"is a RIGOL TECHNOLOGIES DP832, not one of the "
                                              r"RigolDP700 models \(DP711, DP712\)"):
        supply.identify()


def test_the_dp700_takes_no_channel_option() -> None:
    with pytest.raises(TypeError, match="channel"):
        RigolDP700(visa_sim("rigol_dp700", "ASRL1::INSTR"), channel=1)  # type: ignore[call-arg]


# --- against the twin (sim://) ----------------------------------------------------------

def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    supply = open_instrument("rigol-dp700", "sim://supply", world=cell_world, model="DP712")
    assert isinstance(supply, PowerSupply)
    assert supply.transport.serial_line
    assert supply.identify().startswith("RIGOL TECHNOLOGIES,DP712,")
    charge_the_cell_and_switch_off(supply)
    supply.close()
    assert supply.transport.query(":SYST:ERR?") == '+0,"No error"'


@pytest.mark.parametrize(("command", "error"), [
    (":APPL P30V,5,1", '+0,"No error"'),  # the DP711's output by its range name
    (":APPL P50V,5,1", '-224,"Illegal parameter value"'),  # the DP712's
    (":APPL CH2,5,1", '-224,"Illegal parameter value"'),
    (":APPL CH1,32.5,1", '-222,"Data out of range"'),
])
def test_the_twin_takes_the_names_a_dp711_takes(cell_world: object, command: str,
                                                error: str) -> None:
    supply = open_instrument("rigol-dp700", "sim://supply", world=cell_world)
    assert_twin_queues(supply, command, error, then=None, error_query=":SYST:ERR?")
