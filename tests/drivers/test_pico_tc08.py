"""Pico USB TC-08: the driver's SDK calls against the twin that stands in for picosdk's usbtc08
wrapper (the same ctypes arrays filled), the resource forms, and, only where Pico's SDK and a
unit are really there, a real reading. Without the SDK those tests are skipped, saying why."""
from __future__ import annotations

import pytest

from drivers.pico_tc08 import PicoTC08, SdkLink, load_sdk
from drivers.registry import open_instrument
from drivers.roles import ChannelFault, InstrumentError, Thermometer
from drivers.sim.twins.pico_tc08 import PicoTC08Twin
from drivers.transports import ResourceError

CHANNELS = {"cell": 1, "surface": 2, "ambient": 3}


def sdk_missing() -> str | None:
    """Why Pico's SDK cannot be loaded here, or None when it can."""
    try:
        load_sdk("usbtc08://")
    except InstrumentError as exc:
        return str(exc)
    return None


SDK_MISSING = sdk_missing()


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
    readings = tc08.read((3, 1, 4))
    assert list(readings) == [3, 1, 4]
    assert all(isinstance(readings[c], float) and 20.0 < readings[c] < 30.0 for c in (1, 3))  # type: ignore[operator]
    assert readings[4] == ChannelFault(4, "over range (overflow flag): open thermocouple or beyond "
                                          "the type's range")
    assert twin.enabled == {1: "T", 2: "T", 3: "T", 4: "T"}  # the station's channels and the asked
    assert not twin.sixty_hertz
    tc08.close()
    tc08.close()  # twice is harmless
    assert not twin.is_open


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
