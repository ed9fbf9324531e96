"""What several drivers do alike, pinned once with one body per behaviour and one case per
driver (each against its pyvisa-sim library tests/drivers/<instrument>.yaml, or its twin)."""
from __future__ import annotations

from typing import Any

import pytest
from driver_helpers import driver_on_sim, listen, refusing

from drivers.keysight_e36100 import KeysightE36100
from drivers.keysight_e36300 import KeysightE36300
from drivers.registry import open_instrument
from drivers.rigol_dl3000 import RigolDL3000
from drivers.rigol_dp800 import RigolDP800
from drivers.roles import ElectronicLoad, InstrumentError
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


# --- set-points confirmed through the error queue (ERROR_QUERY), against the twins ----------

BENCH = "sim://bench"
OUT_OF_RANGE = '-222,"Data out of range"'


def set_point_then_switch_on(instrument: Any) -> None:
    """What the bench does with a load or a supply: a set-point, then the input or output on."""
    if isinstance(instrument, ElectronicLoad):
        instrument.set_mode("CC", 1.0)
        instrument.set_input(True)
    else:
        instrument.configure(4.2, 1.0)
        instrument.set_output(True)


def switched_on(world: Any, instrument: Any) -> bool:
    """Whether the twin's input (load) or output (supply) is on, as the cell sees it."""
    return bool(world.load_input_on if isinstance(instrument, ElectronicLoad)
                else world.supply_output_on)


# name, the header its twin is made to refuse, the set-point's commands, the queue's answer
CONFIRMING = [
    ("bk-8600", "CURR", ["CURR 1", "FUNC CURR"], OUT_OF_RANGE),
    ("keysight-el30000", "CURR", ["CURR 1,(@1)", "MODE CURR,(@1)"], OUT_OF_RANGE),
    ("keysight-n3300a", "CURR", ["CHAN 1;:CURR 1", "CHAN 1;:FUNC CURR"], OUT_OF_RANGE),
    ("rigol-dl3000", "CURR", [":SOUR:CURR:LEV:IMM 1", ":SOUR:FUNC CURR"], OUT_OF_RANGE),
    ("keysight-e36100", "APPL", ["APPL 4.2,1"], OUT_OF_RANGE),
    ("keysight-e36300", "APPL", ["APPL CH1,4.2,1"], OUT_OF_RANGE),
    ("rigol-dp800", "APPL", [":APPL CH1,4.2,1"], OUT_OF_RANGE),
    ("rigol-dp700", "APPL", [":APPL CH1,4.2,1"], OUT_OF_RANGE),
    ("siglent-spd3303x", "VOLT", ["CH1:VOLT 4.200", "CH1:CURR 1.000"], "-222  Data out of range"),
]


@pytest.mark.parametrize(("name", "header", "sent", "error"), CONFIRMING,
                         ids=[case[0] for case in CONFIRMING])
def test_a_set_point_the_instrument_refuses_never_leads_to_on(
        cell_world: Any, name: str, header: str, sent: list[str], error: str) -> None:
    instrument = open_instrument(name, BENCH, world=cell_world)
    instrument.identify()
    twin = instrument.transport.twin
    heard = listen(instrument)
    with refusing(twin, header), pytest.raises(InstrumentError) as refused:
        set_point_then_switch_on(instrument)  # a level inside the driver's range, not the twin's
    assert str(refused.value) == f"{BENCH} refused {'; '.join(sent)}: SYST:ERR? answered {error}"
    assert heard == [*sent, "SYST:ERR?", "SYST:ERR?"]  # the refusal, then No error; never ON
    assert not switched_on(cell_world, instrument)
    assert twin.errors() == ()
    set_point_then_switch_on(instrument)  # taken now: the next confirmation finds the queue empty
    assert switched_on(cell_world, instrument)


@pytest.mark.parametrize("name", [name for name, *_ in CONFIRMING])
def test_identify_clears_what_an_earlier_session_left_in_the_queue(cell_world: Any,
                                                                   name: str) -> None:
    instrument = open_instrument(name, BENCH, world=cell_world)
    instrument.transport.write("SYST:BOGUS")  # an earlier session's mistake, still queued
    assert instrument.transport.twin.errors() != ()
    instrument.identify()
    assert instrument.transport.twin.errors() == ()
    set_point_then_switch_on(instrument)  # not blamed for the stale error
    assert switched_on(cell_world, instrument)


@pytest.mark.parametrize(("name", "dialogue"), [
    ("korad-ka3005p", ["*IDN?", "VSET1:04.20", "ISET1:1.000", "OUT1"]),
    ("korad-kel103", ["*IDN?", ":CURR 1.0000A", ":FUNC CC", ":CURR?", ":INP ON"]),
    ("siglent-sdl1000x", ["*IDN?", ":SOUR:CURR:LEV:IMM 1", ":SOUR:FUNC CURRENT",
                          ":SOUR:INP:STAT ON"]),
])
def test_a_family_without_an_error_query_never_asks_for_one(cell_world: Any, name: str,
                                                            dialogue: list[str]) -> None:
    instrument = open_instrument(name, BENCH, world=cell_world)
    assert type(instrument).ERROR_QUERY is None
    heard = listen(instrument)
    instrument.identify()
    set_point_then_switch_on(instrument)
    assert heard == dialogue
    assert switched_on(cell_world, instrument)
