"""What several drivers do alike, pinned once with one body per behaviour and one case per
driver (each against its pyvisa-sim library tests/drivers/<instrument>.yaml, its twin, or its
whole dialogue inline: tests/drivers/dialogue.py)."""
from __future__ import annotations

from typing import Any

import pytest
from dialogue import Dialogue, Exchange, dialogue
from driver_helpers import NO_ERROR, driver_on_sim, listen, refusing

import drivers.pacing
from drivers.bk_8600 import BK8600
from drivers.keysight_e36100 import KeysightE36100
from drivers.keysight_e36300 import KeysightE36300
from drivers.keysight_el30000 import KeysightEL30000
from drivers.keysight_n3300a import KeysightN3300A
from drivers.korad_kel103 import KoradKEL103
from drivers.registry import REGISTRY, open_instrument
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


@pytest.mark.parametrize("command", [":SOURCE:CURRENT:LEVEL:IMMEDIATE 1", "sour:curr:lev 1",
                                     "SOUR:CURR:IMM 1", "CURR 1", ":Source:Current 1"])
@pytest.mark.parametrize(("name", "level"), [("rigol-dl3000", "+1.00000000E+00"),
                                             ("siglent-sdl1000x", "1.000")])
def test_the_twin_takes_every_spelling_the_manual_allows(cell_world: object, name: str, level: str,
                                                         command: str) -> None:
    load = open_instrument(name, "sim://load", world=cell_world)
    load.transport.write(command)
    assert load.transport.query(":SOUR:CURR?") == level
    assert load.transport.query("SYST:ERR?") == NO_ERROR


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


# name, the header its twin is made to refuse, what is sent (and confirmed) before the refused
# set-point (a range it needs), the set-point's commands, the queue's answer
CONFIRMING = [
    ("bk-8600", "CURR", [], ["CURR 1", "FUNC CURR"], OUT_OF_RANGE),
    ("keysight-el30000", "CURR", ["CURR:RANG 6,(@1)", "SYST:ERR?"],
     ["CURR 1,(@1)", "MODE CURR,(@1)"], OUT_OF_RANGE),
    ("keysight-n3300a", "CURR", [], ["CHAN 1;:CURR 1", "CHAN 1;:FUNC CURR"], OUT_OF_RANGE),
    ("rigol-dl3000", "CURR", [], [":SOUR:CURR:LEV:IMM 1", ":SOUR:FUNC CURR"], OUT_OF_RANGE),
    ("keysight-e36100", "APPL", [], ["APPL 4.2,1"], OUT_OF_RANGE),
    ("keysight-e36300", "APPL", [], ["APPL CH1,4.2,1"], OUT_OF_RANGE),
    ("rigol-dp800", "APPL", [], [":APPL CH1,4.2,1"], OUT_OF_RANGE),
    ("rigol-dp700", "APPL", [], [":APPL CH1,4.2,1"], OUT_OF_RANGE),
    ("siglent-spd3303x", "VOLT", [], ["CH1:VOLT 4.200", "CH1:CURR 1.000"],
     "-222  Data out of range"),
]


@pytest.mark.parametrize(("name", "header", "before", "sent", "error"), CONFIRMING,
                         ids=[case[0] for case in CONFIRMING])
def test_a_set_point_the_instrument_refuses_never_leads_to_on(
        cell_world: Any, name: str, header: str, before: list[str], sent: list[str],
        error: str) -> None:
    instrument = open_instrument(name, BENCH, world=cell_world)
    instrument.identify()
    twin = instrument.transport.twin
    heard = listen(instrument)
    with refusing(twin, header), pytest.raises(InstrumentError) as refused:
        set_point_then_switch_on(instrument)  # a level inside the driver's range, not the twin's
    assert str(refused.value) == f"{BENCH} refused {'; '.join(sent)}: SYST:ERR? answered {error}"
    assert heard == [*before, *sent, "SYST:ERR?", "SYST:ERR?"]  # the refusal, then No error; never ON
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


@pytest.mark.parametrize(("name", "heard"), [
    ("korad-ka3005p", ["*IDN?", "OUT0", "OCP0", "OVP0", "STATUS?", "VSET1:04.20", "ISET1:1.000",
                       "VSET1?", "ISET1?", "OUT1"]),
    ("korad-kel103", ["*IDN?", ":INP OFF", ":CURR 0.0000A", ":FUNC CC", ":SYST:COMP OFF", ":INP?",
                      ":CURR?", ":FUNC?", ":SYST:COMP?", ":CURR 1.0000A", ":CURR?", ":INP ON"]),
    ("siglent-sdl1000x", ["*IDN?", ":SOUR:INP:STAT OFF", ":SOUR:SHOR:STAT OFF",
                          ":SOUR:CURR:LEV:IMM 0", ":SOUR:FUNC CURRENT", ":SOUR:CURR:IRANG 5",
                          ":SOUR:CURR:VRANG 150", "SYST:SENS OFF", ":SOUR:INP:STAT?", ":SOUR:SHOR:STAT?",
                          ":SOUR:CURR:LEV:IMM?", ":SOUR:FUNC?", ":SOUR:CURR:IRANG?",
                          ":SOUR:CURR:VRANG?", "SYST:SENS?", ":SOUR:FUNC:MODE?",
                          ":SOUR:CURR:LEV:IMM 1", ":SOUR:CURR:LEV:IMM?", ":SOUR:INP:STAT ON"]),
])
def test_a_family_without_an_error_query_never_asks_for_one(cell_world: Any, name: str,
                                                            heard: list[str]) -> None:
    instrument = open_instrument(name, BENCH, world=cell_world)
    assert type(instrument).ERROR_QUERY is None
    said = listen(instrument)
    instrument.identify()
    set_point_then_switch_on(instrument)
    assert said == heard
    assert switched_on(cell_world, instrument)


# name, the header its twin is made to drop, what is sent and read back, the error
NOT_TAKEN = [
    ("korad-kel103", "CURR", [":CURR 1.0000A", ":CURR?"],
     "did not take :CURR 1.0000A: CC current set to 1 A reads back 0 A: clipped by the load's "
     "front-panel limit?"),
    ("siglent-sdl1000x", "CURR", [":SOUR:CURR:LEV:IMM 1", ":SOUR:CURR:LEV:IMM?"],
     "did not take :SOUR:CURR:LEV:IMM 1: :SOUR:CURR:LEV:IMM? answered '0.000'"),
]


@pytest.mark.parametrize(("name", "header", "sent", "error"), NOT_TAKEN,
                         ids=[case[0] for case in NOT_TAKEN])
def test_a_level_a_read_back_family_did_not_take_never_leads_to_on(
        cell_world: Any, name: str, header: str, sent: list[str], error: str) -> None:
    instrument = open_instrument(name, BENCH, world=cell_world)
    instrument.identify()
    twin = instrument.transport.twin
    heard = listen(instrument)
    with refusing(twin, header), pytest.raises(InstrumentError) as refused:
        set_point_then_switch_on(instrument)  # the twin drops the level: it reads back 0 A
    assert str(refused.value) == f"{BENCH} {error}"
    assert heard == sent  # the level and its read-back; never ON
    assert not switched_on(cell_world, instrument)
    set_point_then_switch_on(instrument)  # taken now: it reads back as written
    assert switched_on(cell_world, instrument)


# --- the input a crash left on, against the load twins (drivers/loads.py) -------------------

# every load driver, the options that wire it, its input-off command as the instrument hears it
INPUT_OFF = [
    ("bk-8600", {}, "INP OFF"),
    ("keysight-el30000", {"channel": 2}, "INP OFF,(@2)"),
    ("keysight-n3300a", {"channel": 1}, "CHAN 1;:INP OFF"),
    ("korad-kel103", {}, ":INP OFF"),
    ("rigol-dl3000", {}, ":SOUR:INP:STAT OFF"),
    ("siglent-sdl1000x", {}, ":SOUR:INP:STAT OFF"),
]


def test_every_load_driver_is_among_those_pinned_switching_their_input_off_first() -> None:
    assert {name for name, _, _ in INPUT_OFF} == {
        name for name, info in REGISTRY.items() if "load" in info.roles}


@pytest.mark.parametrize(("name", "options", "off"), INPUT_OFF, ids=[case[0] for case in INPUT_OFF])
def test_every_load_switches_its_input_off_first_when_it_opens(
        cell_world: Any, name: str, options: dict[str, Any], off: str) -> None:
    crashed = open_instrument(name, BENCH, world=cell_world, **options)
    set_point_then_switch_on(crashed)  # then the session dies, its input on with the DUT connected
    assert switched_on(cell_world, crashed)
    heard = listen(crashed)
    load = type(crashed)(crashed.transport, **options)  # the next session, on the same instrument
    load.open()
    first = heard.index(off)
    assert [message for message in heard if not message.endswith("?")][0] == off
    assert first > 0 and all(message.endswith("?") for message in heard[:first])  # identification
    assert load.confirmed[0] == off  # confirmed with the rest of the known state
    assert not switched_on(cell_world, load)


# --- what the front panel leaves behind, against the load twins ------------------------------

# name, what the front panel does after the driver selected the high CC range for 10 A, what
# the driver then sends for 12 A, its error, (CC range, CC level) left, the high range
LOWERED = [
    ("rigol-dl3000", [":SOUR:CURR:LEV:IMM 1", ":SOUR:CURR:RANG MIN"],
     [":SOUR:CURR:LEV:IMM 12", "SYST:ERR?", "SYST:ERR?"],
     f"refused :SOUR:CURR:LEV:IMM 12: SYST:ERR? answered {OUT_OF_RANGE}", (4.0, 1.0), 40.0),
    ("siglent-sdl1000x", [":SOUR:CURR:LEV:IMM 1", ":SOUR:CURR:IRANG 5"],
     [":SOUR:CURR:LEV:IMM 12", ":SOUR:CURR:LEV:IMM?"],
     "did not take :SOUR:CURR:LEV:IMM 12: :SOUR:CURR:LEV:IMM? answered '1.000'", (5.0, 1.0), 30.0),
    ("keysight-el30000", ["CURR 1,(@1)", "CURR:RANG 6,(@1)"],
     ["CURR 12,(@1)", "SYST:ERR?", "SYST:ERR?"],
     f"refused CURR 12,(@1): SYST:ERR? answered {OUT_OF_RANGE}", (6.0, 1.0), 60.0),
    ("keysight-n3300a", ["CHAN 1;:CURR:RANG 3"],  # the guide's value coupling: the level drops to 3 A
     ["CHAN 1;:CURR 12", "SYST:ERR?", "SYST:ERR?"],
     f"refused CHAN 1;:CURR 12: SYST:ERR? answered {OUT_OF_RANGE}", (3.0, 3.0), 30.0),
    ("bk-8600", ["CURR:RANG 3"],  # the manual's p. 47: the level drops to 3 A
     ["CURR 12", "SYST:ERR?", "SYST:ERR?"],
     f"refused CURR 12: SYST:ERR? answered {OUT_OF_RANGE}", (3.0, 3.0), 30.0),
]


@pytest.mark.parametrize(("name", "front_panel", "sent", "error", "left", "high"), LOWERED,
                         ids=[case[0] for case in LOWERED])
def test_a_range_the_front_panel_lowered_refuses_the_level_and_nothing_is_switched_on(
        cell_world: Any, name: str, front_panel: list[str], sent: list[str], error: str,
        left: tuple[float, float], high: float) -> None:
    load = open_instrument(name, BENCH, world=cell_world)
    twin = load.transport.twin
    state = twin.inputs[twin.wired]
    load.set_mode("CC", 10.0)
    for command in front_panel:
        load.transport.write(command)
    heard = listen(load)
    with pytest.raises(InstrumentError) as refused:
        load.set_mode("CC", 12.0)
        load.set_input(True)
    assert str(refused.value) == f"{BENCH} {error}"
    assert heard == sent
    assert (state.ranges["CC", "I"], state.levels["CC"]) == left  # the level unchanged
    assert not switched_on(cell_world, load)
    load.identify()  # a new session: the known state again, then the range the level needs
    load.set_mode("CC", 12.0)
    assert (state.ranges["CC", "I"], state.levels["CC"]) == (high, 12.0)


# name, options, then for a CC level up and one down: (level, the CC range it is set in,
# what the driver sends for it)
CC_RANGES = [
    ("rigol-dl3000", {},
     (10.0, 40.0, [":SOUR:CURR:RANG 40", "SYST:ERR?", ":SOUR:CURR:LEV:IMM 10", ":SOUR:FUNC CURR",
                   "SYST:ERR?"]),
     (1.0, 4.0, [":SOUR:CURR:LEV:IMM 1", "SYST:ERR?", ":SOUR:CURR:RANG 4", "SYST:ERR?"])),
    ("siglent-sdl1000x", {},
     (10.0, 30.0, [":SOUR:CURR:IRANG 30", ":SOUR:CURR:IRANG?", ":SOUR:CURR:LEV:IMM 10",
                   ":SOUR:CURR:LEV:IMM?"]),
     (1.0, 5.0, [":SOUR:CURR:LEV:IMM 1", ":SOUR:CURR:LEV:IMM?", ":SOUR:CURR:IRANG 5",
                 ":SOUR:CURR:IRANG?"])),
    ("keysight-el30000", {"channel": 2},  # input 1 keeps its range
     (1.0, 6.0, ["CURR:RANG 6,(@2)", "SYST:ERR?", "CURR 1,(@2)", "MODE CURR,(@2)", "SYST:ERR?"]),
     (0.5, 0.6, ["CURR 0.5,(@2)", "SYST:ERR?", "CURR:RANG 0.6,(@2)", "SYST:ERR?"])),
    ("keysight-n3300a", {"module": "N3305A"},
     (10.0, 60.0, ["CHAN 1;:CURR:RANG 60", "SYST:ERR?", "CHAN 1;:CURR 10", "CHAN 1;:FUNC CURR",
                   "SYST:ERR?"]),
     (1.0, 6.0, ["CHAN 1;:CURR 1", "SYST:ERR?", "CHAN 1;:CURR:RANG 6", "SYST:ERR?"])),
    ("bk-8600", {},
     (10.0, 30.0, ["CURR:RANG 30", "SYST:ERR?", "CURR 10", "FUNC CURR", "SYST:ERR?"]),
     (1.0, 3.0, ["CURR 1", "SYST:ERR?", "CURR:RANG 3", "SYST:ERR?"])),
]


@pytest.mark.parametrize(("name", "options", "up", "down"), CC_RANGES,
                         ids=[case[0] for case in CC_RANGES])
def test_a_cc_level_is_set_in_the_range_the_driver_selected_for_it(
        cell_world: Any, name: str, options: dict[str, Any], up: tuple[float, float, list[str]],
        down: tuple[float, float, list[str]]) -> None:
    load = open_instrument(name, BENCH, world=cell_world, **options)
    twin = load.transport.twin
    state = twin.inputs[twin.wired]
    others = {ch: dict(other.ranges) for ch, other in twin.inputs.items() if other is not state}
    heard = listen(load)
    for level, top, sent in (up, down):  # up: the range first; down: the level first
        heard.clear()
        load.set_mode("CC", level)
        assert heard == sent
        assert (state.ranges["CC", "I"], state.levels["CC"]) == (top, level)
    load.set_input(True)
    assert load.measure()[1] == pytest.approx(down[0], abs=0.01)
    load.set_mode("CR", 4.0)  # other modes leave the CC range alone
    assert state.ranges["CC", "I"] == down[1]
    assert {ch: twin.inputs[ch].ranges for ch in others} == others
    assert twin.errors() == ()


# name, the commands that leave a program running, or the program the front panel started
# (the twins simulate no command that starts a test)
PROGRAMS = [
    ("rigol-dl3000", [":SOUR:FUNC:MODE BATT"], None),
    ("siglent-sdl1000x", [], "BATTERY"),
    ("korad-kel103", [], "BATTERY"),
    ("keysight-el30000", ["CURR:MODE LIST,(@1)"], None),
    ("keysight-n3300a", ["CHAN 1;:TRAN ON"], None),
    ("keysight-n3300a", ["CHAN 1;:CURR:MODE LIST"], None),
    ("bk-8600", ["FUNC:MODE LIST"], None),
    ("bk-8600", ["TRAN ON"], None),
]


@pytest.mark.parametrize(("name", "commands", "program"), PROGRAMS,
                         ids=[f"{name}-{commands[0] if commands else program}"
                              for name, commands, program in PROGRAMS])
def test_a_program_left_running_sinks_at_input_on_until_identify_ends_it(
        cell_world: Any, name: str, commands: list[str], program: str | None) -> None:
    load = open_instrument(name, BENCH, world=cell_world)
    twin = load.transport.twin
    twin.program_amps = 3.0
    for command in commands:
        load.transport.write(command)
    if program is not None:
        twin.inputs[twin.wired].program = program
        twin.apply(twin.wired)
    set_point_then_switch_on(load)
    assert load.measure()[1] == pytest.approx(3.0, abs=0.01)  # the program's, not the 1 A level
    load.set_input(False)
    load.identify()
    set_point_then_switch_on(load)
    assert load.measure()[1] == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize(("name", "command"), [
    ("siglent-sdl1000x", ":SOUR:SHOR:STAT ON"),
    ("korad-kel103", ":FUNC SHOR"),
])
def test_a_short_the_front_panel_left_on_is_ended_by_identify(cell_world: Any, name: str,
                                                              command: str) -> None:
    load = open_instrument(name, BENCH, world=cell_world)
    load.transport.write(command)  # the front panel, between sessions
    load.identify()
    load.set_input(True)
    twin = load.transport.twin
    assert twin.inputs[twin.wired].short is False
    assert load.measure()[1] == pytest.approx(0.0)  # the known state's 0 A, not a short


@pytest.mark.parametrize(("name", "options", "command"), [
    ("siglent-sdl1000x", {}, "SYST:SENS ON"),
    ("korad-kel103", {}, ":SYST:COMP ON"),
    ("keysight-el30000", {"channel": 2}, "VOLT:SENS EXT,(@2)"),
    ("bk-8600", {}, "REM:SENS ON"),
])
def test_remote_sense_from_the_station_is_confirmed_and_reaches_the_wired_input(
        cell_world: Any, name: str, options: dict[str, Any], command: str) -> None:
    load = open_instrument(name, BENCH, world=cell_world, sense="remote", **options)
    twin = load.transport.twin
    assert {ch: state.remote_sense for ch, state in twin.inputs.items()} == {
        ch: ch == twin.wired for ch in twin.inputs}
    assert load.confirmed[-1] == command


@pytest.mark.parametrize("sense", ["4-wire", "REMOTE", "", None])
@pytest.mark.parametrize("name", ["siglent-sdl1000x", "korad-kel103", "keysight-el30000", "bk-8600"])
def test_a_sense_other_than_local_or_remote_is_refused_at_construction(name: str,
                                                                       sense: Any) -> None:
    line = Dialogue([])
    with pytest.raises(ValueError, match=f"sense {sense!r} is not 'local' or 'remote'"):
        REGISTRY[name].driver(line, sense=sense)
    assert line.done == 0


# --- whole dialogues of the SCPI loads inline (tests/drivers/dialogue.py) -------------------------

BK_NO_ERROR = '0,"No error"'  # the 8600's error-queue format (bk_8600.yaml)
UNDEFINED = '-113,"Undefined header"'


def answered(messages: list[str], replies: dict[str, str]) -> list[Exchange]:
    """Messages as a dialogue: those in `replies` answered, the others written."""
    return [(message, replies.get(message)) for message in messages]


def written(exchanges: list[Exchange]) -> list[str]:
    return [message for message, reply in exchanges if reply is None]


def dl3021() -> list[Exchange]:
    """What open() exchanges with a DL3021: who it is, its known state confirmed, its mode."""
    return answered(["*IDN?", "SYST:ERR?", ":SOUR:INP:STAT OFF", ":SOUR:FUNC:MODE FIX",
                     ":SOUR:CURR:LEV:IMM 0", ":SOUR:CURR:RANG 4", "SYST:ERR?", ":SOUR:FUNC:MODE?"],
                    {"*IDN?": "RIGOL TECHNOLOGIES,DL3021,DL3A000000001,00.01.05.00.01",
                     "SYST:ERR?": NO_ERROR, ":SOUR:FUNC:MODE?": "FIX"})


def el34243a(ch: int = 1, sense: str = "INT") -> list[Exchange]:
    """What open() exchanges with an EL34243A: who it is, the known state of input `ch`."""
    at = f",(@{ch})"
    fixed = (f"{node}:MODE FIX{at}" for node in ("CURR", "VOLT", "RES", "POW"))
    return answered(["*IDN?", "SYST:ERR?", f"INP OFF{at}", *fixed,
                     f"CURR 0{at}", f"CURR:RANG 0.6{at}", f"VOLT:SENS {sense}{at}", "SYST:ERR?"],
                    {"*IDN?": "Keysight Technologies,EL34243A,MY60000001,A.01.02-A.01.01",
                     "SYST:ERR?": NO_ERROR})


def n3300a(ch: int = 3, low: float = 6) -> list[Exchange]:
    """What open() exchanges with an N3300A holding an N3302A in slot 1 and an N3305A in slot
    3: the mainframe, its modules, the known state of the module in `ch` (low CC range `low`)."""
    state = ["INP OFF", "INP:SHOR OFF", "TRAN OFF", "CURR:MODE FIX", "RES:MODE FIX",
             "VOLT:MODE FIX", "CURR 0", f"CURR:RANG {low:g}"]
    return answered(["*IDN?", "SYST:ERR?", "*RDT?", *(f"CHAN {ch};:{command}" for command in state),
                     "SYST:ERR?"],
                    {"*IDN?": "Agilent Technologies,N3300A,0,A.03.01", "SYST:ERR?": NO_ERROR,
                     "*RDT?": "CHANNEL 1:N3302A;CHANNEL 3:N3305A"})


def bk8600(sense: str = "OFF") -> list[Exchange]:
    """What open() exchanges with an 8600 (3 A / 30 A) over USB."""
    return answered(["*IDN?", "SYST:ERR?", "INP OFF", "FUNC:MODE FIX", "TRAN OFF", "CURR 0",
                     "CURR:RANG 3", f"REM:SENS {sense}", "SYST:ERR?"],
                    {"*IDN?": "B&K Precision, 8600, 800000020737210001, 1.37-1.42",
                     "SYST:ERR?": BK_NO_ERROR})


def sdl1020xe(sense: str = "OFF", answer: str = "0") -> list[Exchange]:
    """What open() exchanges with an SDL1020X-E: who it is, the known state, each setting read
    back, its mode."""
    return [("*IDN?", "Siglent Technologies,SDL1020X-E,SDL13GCX5R0001,1.1.1.21"),
            (":SOUR:INP:STAT OFF", None), (":SOUR:SHOR:STAT OFF", None),
            (":SOUR:CURR:LEV:IMM 0", None), (":SOUR:FUNC CURRENT", None),
            (":SOUR:CURR:IRANG 5", None), (":SOUR:CURR:VRANG 150", None), (f"SYST:SENS {sense}", None),
            (":SOUR:INP:STAT?", "0"), (":SOUR:SHOR:STAT?", "0"), (":SOUR:CURR:LEV:IMM?", "0.000"),
            (":SOUR:FUNC?", "CURRENT"),
            (":SOUR:CURR:IRANG?", "5.000"), (":SOUR:CURR:VRANG?", "150.000"), ("SYST:SENS?", answer),
            (":SOUR:FUNC:MODE?", "BASIC")]


def kel103(compensation: str = "OFF") -> list[Exchange]:
    """What open() exchanges with a KEL103: who it is, the known state, each setting read back."""
    return [("*IDN?", "KORAD-KEL103 V3.30 SN:00000001"), (":INP OFF", None),
            (":CURR 0.0000A", None), (":FUNC CC", None), (f":SYST:COMP {compensation}", None),
            (":INP?", "OFF"), (":CURR?", "0.0000A"), (":FUNC?", "CC"),
            (":SYST:COMP?", compensation)]


@pytest.fixture
def unpaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """The KEL103's 50 ms between commands taken on a clock that never sleeps."""
    monkeypatch.setattr(drivers.pacing, "sleep", lambda seconds: None)


# the driver, its options, what open() exchanges, what a set-point exchanges (the range it
# needs first, then the level, confirmed), what on, off and the read-back exchange, the set-point
WHOLE = [
    pytest.param(RigolDL3000, {}, dl3021(),
                 [(":SOUR:CURR:RANG 40", None), ("SYST:ERR?", NO_ERROR),
                  (":SOUR:CURR:LEV:IMM 10", None), (":SOUR:FUNC CURR", None), ("SYST:ERR?", NO_ERROR)],
                 [(":SOUR:INP:STAT ON", None), (":SOUR:INP:STAT OFF", None), (":SOUR:INP:STAT?", "0")],
                 ("CC", 10.0), id="rigol-dl3000"),
    pytest.param(KeysightEL30000, {"channel": 2, "sense": "remote"}, el34243a(2, "EXT"),
                 [("CURR:RANG 60,(@2)", None), ("SYST:ERR?", NO_ERROR),
                  ("CURR 10,(@2)", None), ("MODE CURR,(@2)", None), ("SYST:ERR?", NO_ERROR)],
                 [("INP ON,(@2)", None), ("INP OFF,(@2)", None), ("INP? (@2)", "0")],
                 ("CC", 10.0), id="keysight-el30000"),
    pytest.param(KeysightN3300A, {"channel": 3}, n3300a(3, 6),
                 [("CHAN 3;:CURR:RANG 60", None), ("SYST:ERR?", NO_ERROR),
                  ("CHAN 3;:CURR 10", None), ("CHAN 3;:FUNC CURR", None), ("SYST:ERR?", NO_ERROR)],
                 [("CHAN 3;:INP ON", None), ("CHAN 3;:INP OFF", None), ("CHAN 3;:INP?", "0")],
                 ("CC", 10.0), id="keysight-n3300a"),
    pytest.param(BK8600, {"sense": "remote"}, bk8600("ON"),
                 [("CURR:RANG 30", None), ("SYST:ERR?", BK_NO_ERROR),
                  ("CURR 10", None), ("FUNC CURR", None), ("SYST:ERR?", BK_NO_ERROR)],
                 [("INP ON", None), ("INP OFF", None), ("INP?", "0")],
                 ("CC", 10.0), id="bk-8600"),
    pytest.param(SiglentSDL1000X, {"sense": "remote"}, sdl1020xe("ON", "1"),
                 [(":SOUR:CURR:IRANG 30", None), (":SOUR:CURR:IRANG?", "30.000"),
                  (":SOUR:CURR:LEV:IMM 10", None), (":SOUR:CURR:LEV:IMM?", "10.000")],
                 [(":SOUR:INP:STAT ON", None), (":SOUR:INP:STAT OFF", None), (":SOUR:INP:STAT?", "0")],
                 ("CC", 10.0), id="siglent-sdl1000x"),
    pytest.param(KoradKEL103, {"sense": "remote"}, kel103("ON"),
                 [(":VOLT 3.0000V", None), (":FUNC CV", None), (":VOLT?", "3.0000V"), (":FUNC?", "CV")],
                 [(":INP ON", None), (":INP OFF", None), (":INP?", "OFF")],
                 ("CV", 3.0), id="korad-kel103"),
]


@pytest.mark.usefixtures("unpaced")
@pytest.mark.parametrize(("make", "options", "opening", "setting", "switching", "set_point"), WHOLE)
def test_the_whole_dialogue_of_open_a_confirmed_set_point_on_and_off(
        make: Any, options: dict[str, Any], opening: list[Exchange], setting: list[Exchange],
        switching: list[Exchange], set_point: tuple[str, float]) -> None:
    with dialogue(make, [*opening, *setting, *switching], **options) as load:
        load.open()
        assert load.confirmed == written(opening)  # the known state
        load.set_mode(*set_point)
        assert load.confirmed == [*written(opening), *written(setting)]
        load.set_input(True)
        load.set_input(False)
        assert load.input_on() is False


def queue_answers(*entries: str, empty: str = NO_ERROR) -> list[Exchange]:
    """The error queue read after a set-point: `entries`, then empty."""
    return [("SYST:ERR?", entry) for entry in (*entries, empty)]


# error-queue families: the name, the driver, its options, what open() exchanges, the commands
# of a CR set-point of 2 ohm the instrument refuses, its queue's "No error"
QUEUE_REFUSALS = [
    ("rigol-dl3000", RigolDL3000, {}, dl3021(), [":SOUR:RES:LEV:IMM 2", ":SOUR:FUNC RES"], NO_ERROR),
    ("keysight-el30000", KeysightEL30000, {}, el34243a(), ["RES 2,(@1)", "MODE RES,(@1)"], NO_ERROR),
    ("keysight-n3300a", KeysightN3300A, {"channel": 3}, n3300a(),
     ["CHAN 3;:RES 2", "CHAN 3;:FUNC RES"], NO_ERROR),
    ("bk-8600", BK8600, {}, bk8600(), ["RES 2", "FUNC RES"], BK_NO_ERROR),
]

# the driver, its options, what open() exchanges, what the refused set-point exchanges, the
# set-point, the error
REFUSED = [
    *(pytest.param(make, options, opening,
                   [*((command, None) for command in sent), *queue_answers(OUT_OF_RANGE, empty=empty)],
                   ("CR", 2.0), f"refused {'; '.join(sent)}: SYST:ERR? answered {OUT_OF_RANGE}",
                   id=name) for name, make, options, opening, sent, empty in QUEUE_REFUSALS),
    pytest.param(SiglentSDL1000X, {}, sdl1020xe(),
                 [(":SOUR:CURR:LEV:IMM 2", None), (":SOUR:CURR:LEV:IMM?", "0.000")],  # still 0 A
                 ("CC", 2.0), "did not take :SOUR:CURR:LEV:IMM 2: :SOUR:CURR:LEV:IMM? answered '0.000'",
                 id="siglent-sdl1000x"),
    pytest.param(KoradKEL103, {}, kel103(),
                 [(":CURR 20.0000A", None), (":CURR?", "10.000A")], ("CC", 20.0),  # the panel's limit
                 "did not take :CURR 20.0000A: CC current set to 20 A reads back 10 A: clipped by "
                 "the load's front-panel limit?", id="korad-kel103"),
]


@pytest.mark.usefixtures("unpaced")
@pytest.mark.parametrize(("make", "options", "opening", "refusal", "set_point", "error"), REFUSED)
def test_a_refused_level_is_an_error_naming_the_command_and_the_reply_before_any_on(
        make: Any, options: dict[str, Any], opening: list[Exchange], refusal: list[Exchange],
        set_point: tuple[str, float], error: str) -> None:
    with dialogue(make, [*opening, *refusal], **options) as load:
        load.open()
        with pytest.raises(InstrumentError) as refused:
            load.set_mode(*set_point)
    assert str(refused.value) == f"{Dialogue.resource} {error}"
    assert load.confirmed == written(opening)  # the known state, nothing of the refused level


# the driver, its options, what open() exchanges, the exchanges that replace its own from the
# last one with the same message on, what the error says
KNOWN_STATE_REFUSED = [
    pytest.param(RigolDL3000, {}, dl3021(), [(":SOUR:FUNC:MODE?", "BATT")],
                 r"stays in BATT mode after ':SOUR:FUNC:MODE FIX'", id="rigol-dl3000-battery"),
    pytest.param(KeysightEL30000, {}, el34243a(), queue_answers(UNDEFINED),
                 r"refused INP OFF,\(@1\); CURR:MODE FIX,\(@1\);.*VOLT:SENS INT,\(@1\): SYST:ERR\? "
                 'answered -113,"Undefined header"', id="keysight-el30000"),
    pytest.param(KeysightN3300A, {"channel": 3}, n3300a(), queue_answers(UNDEFINED),
                 r"refused CHAN 3;:INP OFF; CHAN 3;:INP:SHOR OFF; CHAN 3;:TRAN OFF; .*"
                 r"CHAN 3;:CURR:RANG 6: SYST:ERR\? "
                 'answered -113,"Undefined header"', id="keysight-n3300a"),
    pytest.param(BK8600, {}, bk8600(), queue_answers(UNDEFINED, empty=BK_NO_ERROR),
                 r"refused INP OFF; FUNC:MODE FIX; TRAN OFF; CURR 0; CURR:RANG 3; REM:SENS OFF: "
                 r'SYST:ERR\? answered -113,"Undefined header"', id="bk-8600"),
    *(pytest.param(SiglentSDL1000X, {}, sdl1020xe(), [(query, reply)], shown,
                   id=f"siglent-sdl1000x-{query}{reply}") for query, reply, shown in [
        (":SOUR:INP:STAT?", "1",  # an input still on (a crash left it on) fails the open
         r"did not take :SOUR:INP:STAT OFF: :SOUR:INP:STAT\? answered '1'"),
        (":SOUR:INP:STAT?", "maybe",
         r"did not take :SOUR:INP:STAT OFF: :SOUR:INP:STAT\? answered 'maybe'"),
        (":SOUR:FUNC?", "LED", r"did not take :SOUR:FUNC CURRENT: :SOUR:FUNC\? answered 'LED'"),
        (":SOUR:CURR:IRANG?", "30.000",
         r"did not take :SOUR:CURR:IRANG 5: :SOUR:CURR:IRANG\? answered '30.000'"),
        ("SYST:SENS?", "1", r"did not take SYST:SENS OFF: SYST:SENS\? answered '1'"),
        (":SOUR:SHOR:STAT?", "ON", r"did not take :SOUR:SHOR:STAT OFF"),
        (":SOUR:CURR:LEV:IMM?", "zero", r"':SOUR:CURR:LEV:IMM\?' answered 'zero': not a number"),
        (":SOUR:FUNC:MODE?", "LIST",
         r"stays in LIST mode after ':SOUR:FUNC CURRENT': its program would run at input ON"),
    ]),
    *(pytest.param(KoradKEL103, {}, kel103(), [(query, reply)], shown,
                   id=f"korad-kel103-{query}{reply}") for query, reply, shown in [
        (":INP?", "ON", r"did not take :INP OFF: :INP\? answered 'ON'"),  # still on
        (":INP?", "OM", r"did not take :INP OFF: :INP\? answered 'OM'"),
        (":FUNC?", "BATTERY", r"did not take :FUNC CC: :FUNC\? answered 'BATTERY'"),
        (":FUNC?", "CONTINUOUS CC", r"did not take :FUNC CC: :FUNC\? answered 'CONTINUOUS CC'"),
        (":CURR?", "0.5000A", r"CC current set to 0 A reads back 0.5 A"),
        (":SYST:COMP?", "ON", r"did not take :SYST:COMP OFF: :SYST:COMP\? answered 'ON'"),
    ]),
]


@pytest.mark.usefixtures("unpaced")
@pytest.mark.parametrize(("make", "options", "opening", "refusal", "shown"), KNOWN_STATE_REFUSED)
def test_a_known_state_the_load_did_not_take_fails_the_open(
        make: Any, options: dict[str, Any], opening: list[Exchange], refusal: list[Exchange],
        shown: str) -> None:
    cut = max(i for i, (message, _) in enumerate(opening) if message == refusal[0][0])
    with dialogue(make, [*opening[:cut], *refusal], **options) as load, \
            pytest.raises(InstrumentError, match=shown):
        load.open()
