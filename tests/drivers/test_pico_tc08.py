"""Pico USB TC-08: the driver's SDK calls against the twin that stands in for picosdk's usbtc08
wrapper (the same ctypes arrays filled), open inputs found by plausibility (the unit flags none),
the resource forms, and, only where Pico's SDK and a unit are really there, a real reading.
Without the SDK those tests are skipped, saying why."""
from __future__ import annotations

import ctypes
import random
import re
import statistics
from typing import Any

import pytest

from drivers.pico_tc08 import PicoTC08, SdkLink, load_sdk
from drivers.plausibility import OpenInputRule, OpenInputWatch
from drivers.registry import open_instrument
from drivers.roles import ChannelFault, InstrumentError, Thermometer
from drivers.sim.twins.pico_tc08 import COLD_JUNCTION, PicoTC08Twin
from drivers.transports import ResourceError

CHANNELS = {"cell": 1, "surface": 2, "ambient": 3}
OPEN = r"open input \(by plausibility\): the last 10 readings scatter by [\d.]+ degC around [\d.]+ degC, " \
       r"the cold junction's [\d.]+ degC \(a connected thermocouple scatters under 0.5 degC\)"


def sdk_missing() -> str | None:
    """Why Pico's SDK cannot be loaded here, or None when it can."""
    try:
        load_sdk("usbtc08://")
    except InstrumentError as exc:
        return str(exc)
    return None


SDK_MISSING = sdk_missing()


class StubWorld:
    """A world whose thermocouples read fixed temperatures."""

    placements = ("cell", "surface", "ambient")

    def __init__(self, **temperatures: float) -> None:
        self.temperatures = temperatures

    def temperature(self, placement: str) -> float:
        return self.temperatures[placement]

    def link_random(self, name: str) -> random.Random:
        return random.Random(name)


def logger(world: object, serial: str = "", **options: object) -> tuple[PicoTC08, PicoTC08Twin]:
    twin = PicoTC08Twin(world, channels={**CHANNELS, "spare": 8})
    tc08 = PicoTC08(SdkLink("sim://tc08", twin, serial), **options)  # type: ignore[arg-type]
    tc08.open()
    return tc08, twin


def test_the_driver_reads_through_the_sdk_calls_of_the_twin(cell_world: object) -> None:
    tc08 = open_instrument("pico-tc08", "sim://tc08", world=cell_world, channels=CHANNELS, tc_type="T")
    twin = tc08.transport.library
    assert isinstance(tc08, Thermometer)
    assert tc08.identify() == "Pico Technology,USB TC-08,A0061/123,1.12.0.0"
    assert twin.enabled == {1: "T", 2: "T", 3: "T"}  # the station's channels, set at identify()
    assert tc08.confirmed == ["mains filter 50 Hz", "channels 1, 2, 3: type T"]
    readings = tc08.read((3, 1))
    assert list(readings) == [3, 1]
    assert all(isinstance(readings[c], float) and 20.0 < readings[c] < 30.0 for c in (1, 3))  # type: ignore[operator]
    tc08.read((4,))
    assert twin.enabled[4] == "T"  # a channel asked for is set on the way
    assert not twin.sixty_hertz
    tc08.close()
    tc08.close()  # twice is harmless
    assert not twin.is_open


# --- open inputs: noisy room temperature, no flag (Pico's support; see drivers/pico_tc08.py) ---

def single(twin: PicoTC08Twin) -> tuple[list[float], int]:
    """One usb_tc08_get_single on the twin: the nine temperatures and the overflow bits."""
    temperatures, overflow = (ctypes.c_float * 9)(), (ctypes.c_int16 * 1)()
    assert twin.usb_tc08_get_single(1, temperatures, overflow, 0) == 1
    return list(temperatures), overflow[0]


def test_the_twins_open_input_wanders_around_the_cold_junction_without_the_overflow_flag(
        cell_world: object) -> None:
    twin = PicoTC08Twin(cell_world, channels={"cell": 1})  # channel 2 is wired to nothing
    twin.usb_tc08_open_unit()
    twin.usb_tc08_set_channel(1, 2, ord("K"))
    readings = []
    for _ in range(30):
        temperatures, overflow = single(twin)
        assert overflow == 0
        readings.append(temperatures[2])
    assert temperatures[0] == COLD_JUNCTION
    assert abs(statistics.fmean(readings) - COLD_JUNCTION) < 1.5
    assert statistics.stdev(readings) > 1.0


def test_an_input_open_from_the_start_is_a_fault_at_the_first_read(cell_world: object) -> None:
    tc08 = open_instrument("pico-tc08", "sim://tc08", world=cell_world,
                           channels={**CHANNELS, "spare": 4})
    tc08.identify()  # the known state, then a window of readings of every station channel
    readings = tc08.read((1, 2, 3, 4))
    assert all(isinstance(readings[c], float) for c in (1, 2, 3))
    fault = readings[4]
    assert isinstance(fault, ChannelFault) and fault.channel == 4
    assert re.fullmatch(OPEN, fault.reason), fault.reason


def test_a_thermocouple_that_opens_during_a_run_is_a_fault_within_one_window(cell_world: Any) -> None:
    tc08 = open_instrument("pico-tc08", "sim://tc08", world=cell_world, channels=CHANNELS)
    tc08.identify()
    assert isinstance(tc08.read((2,))[2], float)
    cell_world.open_thermocouple("surface", cell_world.t)
    seen = [tc08.read((1, 2)) for _ in range(tc08.open_rule.window)]
    assert all(isinstance(r[1], float) for r in seen)
    faults = [r[2] for r in seen if isinstance(r[2], ChannelFault)]
    assert faults and all("overflow" not in f.reason for f in faults)
    assert isinstance(seen[-1][2], ChannelFault)  # and it stays one


def test_a_thermocouple_at_the_cold_junction_temperature_is_not_taken_for_open(cell_world: Any) -> None:
    tc08 = open_instrument("pico-tc08", "sim://tc08", world=cell_world, channels=CHANNELS)
    tc08.identify()
    for _ in range(200):
        readings = tc08.read((1, 2, 3))
        assert all(isinstance(v, float) and abs(v - COLD_JUNCTION) < 1.0
                   for v in readings.values()), readings


def test_the_overflow_flag_is_still_a_fault() -> None:
    tc08, _ = logger(StubWorld(cell=500.0, surface=25.0, ambient=25.0), tc_type="T")  # type T ends at 400
    assert tc08.read((1, 2)) == {1: ChannelFault(1, "over range (overflow flag): beyond the type T "
                                                    "table"), 2: 25.0}


@pytest.mark.parametrize(("options", "shown"), [
    ({"open_noise": 0}, "open_noise = 0 is not a number above 0"),
    ({"open_band": -1.0}, "open_band = -1.0 is not a number above 0"),
    ({"open_window": 2}, "open_window = 2 is not a whole number in 3..100"),
])
def test_the_open_input_rule_is_checked_before_the_unit_is_opened(
        cell_world: object, options: dict[str, object], shown: str) -> None:
    twin = PicoTC08Twin(cell_world)
    with pytest.raises(ValueError, match=f"pico-tc08: option {shown}"):
        PicoTC08(SdkLink("sim://tc08", twin), **options)  # type: ignore[arg-type]
    assert not twin.is_open


# --- the plausibility rule itself (drivers/plausibility.py) ---------------------------------

def judged(watch: OpenInputWatch, values: list[float], cold: float = 25.0) -> list[str | None]:
    return [watch.judge(1, value, cold) for value in values]


def test_nothing_is_judged_before_a_whole_window() -> None:
    wild = [25.0 + 3.0 * (-1) ** i for i in range(10)]
    assert judged(OpenInputWatch(OpenInputRule()), wild)[:9] == [None] * 9


def test_a_warming_or_cooling_dut_is_a_trend_not_scatter() -> None:
    rng = random.Random(1)
    ramp = [24.0 + 0.4 * i + rng.gauss(0.0, 0.05) for i in range(10)]  # through the cold junction
    assert judged(OpenInputWatch(OpenInputRule()), ramp) == [None] * 10


def test_scatter_far_from_the_cold_junction_is_not_an_open_input() -> None:
    rng = random.Random(2)
    hot_and_noisy = [60.0 + rng.gauss(0.0, 2.0) for _ in range(30)]
    assert set(judged(OpenInputWatch(OpenInputRule()), hot_and_noisy)) == {None}


def test_an_open_input_stays_open_until_its_scatter_falls_below_half_the_limit() -> None:
    watch = OpenInputWatch(OpenInputRule(noise=0.5, window=4))
    assert judged(watch, [23.0, 27.0, 23.0, 27.0])[-1] is not None
    assert judged(watch, [24.7, 25.3, 24.7, 25.3])[-1] is not None  # 0.38 degC: under 0.5, above 0.25
    assert judged(watch, [25.0, 25.1, 25.0, 25.1])[-1] is None
    assert judged(watch, [24.7, 25.3, 24.7, 25.3])[-1] is None  # not enough to be judged open again


def test_mains_rejection_follows_the_option(cell_world: object) -> None:
    assert logger(cell_world, mains_hz=60)[1].sixty_hertz


def test_a_unit_other_than_the_one_named_is_refused(cell_world: object) -> None:
    tc08, _ = logger(cell_world, serial="B0042/7")
    with pytest.raises(InstrumentError, match="opened TC-08 A0061/123, not B0042/7"):
        tc08.identify()


def test_an_sdk_failure_names_the_units_last_error(cell_world: object) -> None:
    tc08, twin = logger(cell_world)
    twin.tamper("garbled")
    with pytest.raises(InstrumentError, match="usb_tc08_get_single failed: communication with the "
                                              "unit lost"):
        tc08.read((1,))


def test_a_second_program_holding_the_unit_is_named(cell_world: object) -> None:
    _, twin = logger(cell_world)  # the twin's only unit is now open
    with pytest.raises(InstrumentError, match="no USB TC-08 found .plugged in. not open in PicoLog"):
        PicoTC08(SdkLink("sim://tc08", twin)).open()


@pytest.mark.parametrize(("options", "shown"), [
    ({"tc_type": "X"}, "tc_type 'X' is not one of B, E, J, K, N, R, S, T"),
    ({"mains_hz": 55}, "mains_hz 55 is not 50 or 60"),
    ({"channels": {"cell": 9}}, "channel 9 is not a TC-08 channel"),
])
def test_bad_options_are_refused_before_the_unit_is_opened(cell_world: object,
                                                           options: dict[str, object], shown: str) -> None:
    twin = PicoTC08Twin(cell_world)
    with pytest.raises(ValueError, match=shown):
        PicoTC08(SdkLink("sim://tc08", twin), **options)  # type: ignore[arg-type]
    assert not twin.is_open


def test_another_resource_form_lists_the_tc08_forms() -> None:
    with pytest.raises(ResourceError, match=r"its resources are usbtc08:// .the first unit found., "
                                            r"usbtc08://<batch/serial>"):
        open_instrument("pico-tc08", "USB0::0x0CE9::0x1000::A0061::INSTR")


@pytest.mark.skipif(SDK_MISSING is None, reason="Pico's SDK is installed here")
def test_without_the_sdk_opening_a_unit_says_what_to_install() -> None:
    with pytest.raises(InstrumentError, match="usbtc08://: Pico's .* install .*pip install picosdk"):
        open_instrument("pico-tc08", "usbtc08://")


@pytest.mark.skipif(SDK_MISSING is not None, reason=f"needs Pico's SDK: {SDK_MISSING}")
def test_a_real_unit_reads_through_the_sdk() -> None:
    try:
        tc08 = open_instrument("pico-tc08", "usbtc08://", channels=(1,))
    except InstrumentError as exc:
        pytest.skip(f"Pico's SDK is installed but no unit answers: {exc}")
    try:
        assert tc08.identify().startswith("Pico Technology,USB TC-08,")
        reading = tc08.read((1,))[1]
        assert isinstance(reading, (float, ChannelFault))
    finally:
        tc08.close()
