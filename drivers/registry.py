"""Driver names as station files write them, and how to open one.

`open_instrument("rigol-dl3000", "USB0::...::INSTR")` makes the transport with the driver's
own framing, builds the driver on it and opens it; with a `sim://` resource the other end is
the driver's simulated twin bound to the given world. `bench instruments list` shows REGISTRY.

Each driver module declares itself (`DRIVER = DriverInfo(...)`, drivers/base.py); the registry
only knows which module holds which name, and imports a module when its name is looked up, so
checking a station or opening its instruments loads those drivers alone, and the simulator
only for a sim:// resource. The index is a static table here rather than Python entry points:
importing importlib.metadata (~50 ms) and scanning every installed distribution's metadata
(~5 ms) would cost twice the whole look-up (~25 ms), and a new driver would be seen only
after reinstalling the package; the drivers all live in this package, so one line here per
driver is cheaper. test_registry_meta.py checks the table against the modules.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import import_module
from typing import Any

from drivers import transports
from drivers.base import DriverInfo

MODULES: dict[str, str] = {  # driver name -> the module that declares it
    "rigol-dl3000": "drivers.rigol_dl3000",
    "keysight-e36300": "drivers.keysight_e36300",
    "keysight-34970a": "drivers.keysight_34970a",
    "siglent-sdl1000x": "drivers.siglent_sdl1000x",
    "bk-8600": "drivers.bk_8600",
    "keysight-el30000": "drivers.keysight_el30000",
    "keysight-n3300a": "drivers.keysight_n3300a",
    "korad-kel103": "drivers.korad_kel103",
    "keysight-e36100": "drivers.keysight_e36100",
    "rigol-dp800": "drivers.rigol_dp800",
    "rigol-dp700": "drivers.rigol_dp700",
    "siglent-spd3303x": "drivers.siglent_spd3303x",
    "korad-ka3005p": "drivers.korad_ka3005p",
    "modbus-thermocouple": "drivers.modbus_thermocouple",
    "max31855-logger": "drivers.max31855_logger",
    "pico-tc08": "drivers.pico_tc08",
}


class _Registry(Mapping[str, DriverInfo]):
    """Driver name -> DriverInfo. Names and `in` import nothing; `registry[name]` imports that
    driver's module; items() and values() import every driver (listing them all)."""

    def __getitem__(self, name: str) -> DriverInfo:
        info: DriverInfo = import_module(MODULES[name]).DRIVER
        return info

    def __contains__(self, name: object) -> bool:
        return name in MODULES

    def __iter__(self) -> Iterator[str]:
        return iter(MODULES)

    def __len__(self) -> int:
        return len(MODULES)


REGISTRY: Mapping[str, DriverInfo] = _Registry()


def driver_info(name: str) -> DriverInfo:
    """The registry entry of a driver name, or ValueError listing the known names."""
    if name not in REGISTRY:
        raise ValueError(f"unknown instrument driver {name!r}; known drivers: "
                         f"{', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]


def open_instrument(name: str, resource: str, *, world: Any = None, timeout: float | None = None,
                    visa_library: str | None = None, **options: Any) -> Any:
    """A connected driver for `resource`: built (nothing sent), then opened, which sends only
    what the instrument needs first (e.g. RS-232 remote mode). `options` are the driver's
    (and, for `sim://`, its twin's); `world` is required for `sim://` resources."""
    info = driver_info(name)
    unknown = sorted(set(options) - set(info.options))
    if unknown:
        raise ValueError(f"{name}: unknown option(s) {', '.join(unknown)}; "
                         f"accepted: {', '.join(info.options) or 'none'}")
    framing: dict[str, Any] = dict(info.driver.TRANSPORT)
    if timeout is not None:
        framing["timeout"] = timeout
    twin = None
    if resource.lower().startswith("sim://"):
        if world is None:
            raise ValueError(f"{name} at {resource}: a sim:// resource needs the simulated world "
                             "(open_instrument(..., world=world))")
        twin_options = {key: value for key, value in options.items() if key in info.twin_options}
        twin = info.twin_class()(world, **twin_options)
    # a vendor SDK may own the link
    transport_for = getattr(info.driver, "transport_for", transports.transport_for)
    instrument = info.driver(transport_for(resource, visa_library=visa_library, twin=twin, **framing),
                             **options)
    try:
        instrument.open()
    except BaseException:
        instrument.close()
        raise
    return instrument
