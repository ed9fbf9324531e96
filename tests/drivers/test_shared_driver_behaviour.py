"""What several drivers do alike, pinned once with one body per behaviour and one case per
driver (each against its pyvisa-sim library tests/drivers/<instrument>.yaml, or its twin)."""
from __future__ import annotations

from typing import Any

import pytest
from driver_helpers import driver_on_sim

from drivers.keysight_e36100 import KeysightE36100
from drivers.keysight_e36300 import KeysightE36300
from drivers.registry import open_instrument
from drivers.rigol_dl3000 import RigolDL3000
from drivers.rigol_dp800 import RigolDP800
from drivers.siglent_sdl1000x import SiglentSDL1000X

DL3021 = "USB0::0x1AB1::0x0E11::DL3A000000001::INSTR"
SDL1020XE = "USB0::0xF4EC::0x1621::SDL13GCX5R0001::INSTR"


@pytest.mark.parametrize(("driver", "instrument", "resource", "idn", "model"), [
    pytest.param(KeysightE36100, "keysight_e36100", "USB0::0x2A8D::0x1802::MY56000001::INSTR",
                 "Keysight Technologies,E36102A,MY56000001,1.0.3-1.0.1-1.00", "E36102A",
                 id="keysight-e36100"),
    pytest.param(KeysightE36300, "keysight_e36300", "USB0::0x2A8D::0x1102::MY59000001::INSTR",
                 "Keysight Technologies,E36312A,MY59000001,1.0.4-1.0.4-1.12", "E36312A",
                 id="keysight-e36300"),
    pytest.param(RigolDP800, "rigol_dp800", "USB0::0x1AB1::0x0E11::DP8C180200001::INSTR",
                 "RIGOL TECHNOLOGIES,DP832,DP8C180200001,00.01.16", "DP832", id="rigol-dp800"),
    pytest.param(RigolDL3000, "rigol_dl3000", DL3021,
                 "RIGOL TECHNOLOGIES,DL3021,DL3A000000001,00.01.05.00.01", "DL3021",
                 id="rigol-dl3000"),
    pytest.param(SiglentSDL1000X, "siglent_sdl1000x", SDL1020XE,
                 "Siglent Technologies,SDL1020X-E,SDL13GCX5R0001,1.1.1.21", "SDL1020X-E",
                 id="siglent-sdl1000x"),
])
def test_identify_returns_the_idn_and_learns_the_model(driver: Any, instrument: str,
                                                       resource: str, idn: str,
                                                       model: str) -> None:
    instance, _ = driver_on_sim(driver, instrument)(resource)
    assert instance.identify() == idn
    assert instance.model == model


@pytest.mark.parametrize(("driver", "instrument", "resource", "model", "function"), [
    pytest.param(RigolDL3000, "rigol_dl3000", DL3021, "DL3021", ":SOUR:FUNC CURR",
                 id="rigol-dl3000"),
    pytest.param(SiglentSDL1000X, "siglent_sdl1000x", SDL1020XE, "SDL1020X-E",
                 ":SOUR:FUNC CURRENT", id="siglent-sdl1000x"),
])
def test_a_new_session_resends_the_function(driver: Any, instrument: str, resource: str,
                                            model: str, function: str) -> None:
    load, wire = driver_on_sim(driver, instrument)(resource, model=model)
    load.set_mode("CC", 2.0)
    load.identify()  # the front panel may have changed the function since
    load.set_mode("CC", 2.0)
    assert wire.sent.count(function) == 2


@pytest.mark.parametrize("name", ["rigol-dl3000", "siglent-sdl1000x"])
def test_the_twin_sinks_what_the_driver_asks(cell_world: object, name: str) -> None:
    load = open_instrument(name, "sim://load", world=cell_world)
    load.set_mode("CC", 1.0)
    load.set_input(True)
    volts, amps = load.measure()
    assert amps == pytest.approx(1.0)
    assert 2.5 < volts < 4.3
    load.set_input(False)
    assert load.measure()[1] == 0.0
