"""Korad KEL103 driver: protocol against pyvisa-sim (korad_kel103.yaml, a serial line), whole
dialogues inline (with test_shared_driver_behaviour.py, which also pins what it does like other
loads), and against its twin. The device has no error queue and stays silent on what it does
not understand, so replies are parsed strictly, every setting is read back, commands are
paced."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from dialogue import Dialogue, dialogue
from driver_helpers import (
    assert_refused_before_sending,
    cycle_load_through_modes,
    driver_on_sim,
    listen,
)

import drivers.pacing
from drivers.korad_kel103 import KoradKEL103
from drivers.registry import open_instrument
from drivers.roles import ElectronicLoad, InstrumentError

KEL103 = "ASRL1::INSTR"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """A simulated clock for the pacing (the waits it asked for): tests never sleep."""
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(drivers.pacing, "monotonic", lambda: now[0])
    monkeypatch.setattr(drivers.pacing, "sleep", sleep)
    yield waits


load_at = driver_on_sim(KoradKEL103, "korad_kel103")

# what open() sends: who it is, the known state, then each setting read back
KNOWN_STATE = [":INP OFF", ":CURR 0.0000A", ":FUNC CC", ":SYST:COMP OFF"]
OPENED = ["*IDN?", *KNOWN_STATE, ":INP?", ":CURR?", ":FUNC?", ":SYST:COMP?"]


def test_open_identifies_then_sets_the_known_state_and_reads_every_setting_back() -> None:
    load, wire = load_at(KEL103, model="KEL103")
    assert wire.sent == OPENED
    assert load.confirmed == KNOWN_STATE


def test_identify_finds_the_model_whatever_the_brand() -> None:
    korad, _ = load_at(KEL103)
    assert korad.identify() == "KORAD-KEL103 V3.30 SN:00000001"
    assert korad.model == "KEL103"
    rnd, _ = load_at("ASRL3::INSTR")
    assert rnd.model == "KEL102"


@pytest.mark.parametrize(("mode", "level", "sent"), [
    ("CC", 1.5, [":CURR 1.5000A", ":CURR?"]),  # the known state left CC selected
    ("CV", 4.2, [":VOLT 4.2000V", ":FUNC CV", ":VOLT?", ":FUNC?"]),
    ("CR", 8.25, [":RES 8.2500OHM", ":FUNC CR", ":RES?", ":FUNC?"]),
    ("CP", 12.5, [":POW 12.5000W", ":FUNC CW", ":POW?", ":FUNC?"]),
])
def test_each_mode_writes_its_level_with_unit_then_its_function_and_reads_both_back(
        mode: str, level: float, sent: list[str]) -> None:
    load, wire = load_at(KEL103, model="KEL103")
    load.set_mode(mode, level)  # type: ignore[arg-type]
    assert wire.sent[len(OPENED):] == sent
    assert load.confirmed[len(KNOWN_STATE):] == [c for c in sent if not c.endswith("?")]


def test_input_on_off_its_state_and_measure_parse_the_units() -> None:
    load, wire = load_at(KEL103, model="KEL103")
    load.set_input(True)
    assert load.input_on() is True
    load.set_input(False)
    assert load.input_on() is False
    assert load.measure() == (12.0, 1.5001)
    assert wire.sent[len(OPENED):] == [":INP ON", ":INP?", ":INP OFF", ":INP?", ":MEAS:VOLT?",
                                       ":MEAS:CURR?"]


def test_commands_on_a_real_line_are_paced_50_ms_apart(clock: list[float]) -> None:
    load, _ = load_at(KEL103, model="KEL103")
    assert clock == [pytest.approx(0.05)] * (len(OPENED) - 1)  # before each command but the first
    clock.clear()
    load.set_input(True)
    load.set_input(False)
    load.measure()
    assert clock == [pytest.approx(0.05)] * 4


def test_the_simulated_twin_is_not_paced(cell_world: object, clock: list[float]) -> None:
    load = open_instrument("korad-kel103", "sim://load", world=cell_world)
    load.set_input(True)
    load.measure()
    assert clock == []


@pytest.mark.parametrize(("resource", "error"), [
    ("ASRL4::INSTR", r"':MEAS:VOLT\?' answered '12.000': not a number in V"),
    ("ASRL5::INSTR", r"':MEAS:CURR\?' answered '1.5001V': not a number in A"),
])
def test_garbled_or_unit_bearing_replies_name_the_command_and_the_reply(resource: str,
                                                                        error: str) -> None:
    load, _ = load_at(resource, model="KEL103")
    with pytest.raises(InstrumentError, match=error):
        load.measure()


def test_a_garbled_input_state_is_an_instrument_error() -> None:
    load, _ = load_at("ASRL4::INSTR", model="KEL103")
    load.set_input(True)  # its input read back OFF at open; once on, it answers garbled
    with pytest.raises(InstrumentError, match=r"':INP\?' answered 'OM': not a boolean"):
        load.input_on()


@pytest.mark.parametrize(("model", "mode", "level", "shown"), [
    ("KEL103", "CC", 31.0, "CC current 31 A is outside the KEL103 range 0..30 A"),
    ("KEL103", "CV", 121.0, "CV voltage 121 V is outside the KEL103 range 0..120 V"),
    ("KEL102", "CP", 200.0, "CP power 200 W is outside the KEL102 range 0..150 W"),
    ("KEL103", "CR", 0.5, "CR resistance 0.5 ohm is outside the KEL103 range 1..1000 ohm"),
])
def test_out_of_range_levels_are_refused_before_anything_is_sent(model: str, mode: str,
                                                                 level: float, shown: str) -> None:
    load, wire = load_at("ASRL3::INSTR" if model == "KEL102" else KEL103, model=model)
    wire.sent.clear()  # after open (its dialogue: test_open_identifies_...)
    assert_refused_before_sending(wire.sent, shown, load.set_mode, mode, level)


def test_another_korad_instrument_or_model_is_rejected_by_name_at_open() -> None:
    with pytest.raises(InstrumentError, match="answered 'KORAD KA3005P V5.8 SN:03379314': not a "
                                              "Korad KEL102 or KEL103"):
        load_at("ASRL6::INSTR")
    with pytest.raises(InstrumentError, match="is a KEL102; the station expects a KEL103"):
        load_at("ASRL3::INSTR", model="KEL103")


def test_bad_options_are_refused_at_construction() -> None:
    line = Dialogue([])
    with pytest.raises(ValueError, match="sense 'both' is not 'local' or 'remote'"):
        KoradKEL103(line, sense="both")
    with pytest.raises(ValueError, match="model 'KEL104'"):
        KoradKEL103(line, model="KEL104")
    assert line.done == 0


# --- whole dialogues inline (tests/drivers/dialogue.py) --------------------------------------

IDN = "KORAD-KEL103 V3.30 SN:00000001"


def opened(compensation: str = "OFF") -> list[tuple[str, str | None]]:
    """The dialogue of open(): identity, the known state, each setting read back."""
    return [("*IDN?", IDN), (":INP OFF", None), (":CURR 0.0000A", None), (":FUNC CC", None),
            (f":SYST:COMP {compensation}", None),
            (":INP?", "OFF"), (":CURR?", "0.0000A"), (":FUNC?", "CC"),
            (":SYST:COMP?", compensation)]


def test_a_function_the_load_did_not_take_is_an_error_naming_command_and_reply() -> None:
    with dialogue(KoradKEL103, [
        *opened(),
        (":VOLT 4.2000V", None), (":FUNC CV", None), (":VOLT?", "4.2000V"), (":FUNC?", "BATTERY"),
        (":VOLT 4.2000V", None), (":FUNC CV", None), (":VOLT?", "4.2000V"), (":FUNC?", "CV"),
    ]) as load:
        load.open()
        with pytest.raises(InstrumentError, match=r"dialogue://instrument did not take :FUNC CV: "
                                                  r":FUNC\? answered 'BATTERY'"):
            load.set_mode("CV", 4.2)
        load.set_mode("CV", 4.2)  # the function is sent again: it was never confirmed


# --- against the twin (sim://): no error queue, so what it dropped is checked instead --------

def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    load = open_instrument("korad-kel103", "sim://load", world=cell_world, model="KEL103")
    assert isinstance(load, ElectronicLoad)
    assert load.identify().startswith("KORAD-KEL103 ")
    cycle_load_through_modes(load)
    assert load.transport.twin.rejected == []


def test_the_twin_stays_silent_on_what_it_does_not_understand(cell_world: object) -> None:
    load = open_instrument("korad-kel103", "sim://load", world=cell_world)
    for query in ("SYST:ERR?", ":MEAS:VOLTS?", "*OPC?"):
        with pytest.raises(InstrumentError, match="no reply to .* \\(timeout\\)"):
            load.transport.query(query)
    twin = load.transport.twin
    twin.rejected.clear()
    load.transport.write(":CURR 2")  # no unit: dropped, the level stays
    load.transport.write(":FUNC BATT")  # a test is started with its parameters, not by :FUNC
    assert twin.rejected == ["-104,Data type error", "-224,Illegal parameter value"]
    assert load.transport.query(":CURR?") == "0.0000A"
    assert load.transport.query(":FUNC?") == "CC"
    assert load.transport.query("*IDN?").startswith("KORAD-KEL103")  # still in step


def test_the_twin_clips_a_level_to_the_front_panel_limit_and_the_driver_notices(
        cell_world: object) -> None:
    load = open_instrument("korad-kel103", "sim://load", world=cell_world)
    load.transport.write(":CURR:UPP 2A")
    heard = listen(load)
    with pytest.raises(InstrumentError, match="set to 3 A reads back 2 A: clipped"):
        load.set_mode("CC", 3.0)
    assert heard == [":CURR 3.0000A", ":CURR?"]
    assert not load.transport.twin.inputs[1].on
