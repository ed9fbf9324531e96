"""Driver names as station files write them, and how to open one.

`open_instrument("rigol-dl3000", "USB0::...::INSTR")` opens the transport with the
driver's own framing and returns the connected driver; with a `sim://` resource the other
end is the driver's simulated twin bound to the given world. `bench instruments list`
shows REGISTRY.
"""
from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drivers.keysight_34970a import Keysight34970A
from drivers.keysight_e36300 import KeysightE36300
from drivers.rigol_dl3000 import RigolDL3000
from drivers.sim.twins.keysight_34970a import Keysight34970ATwin
from drivers.sim.twins.keysight_e36300 import KeysightE36300Twin
from drivers.sim.twins.rigol_dl3000 import RigolDL3000Twin
from drivers.transports import open_transport


@dataclass(frozen=True, slots=True)
class DriverInfo:
    """What a station file's driver name stands for."""

    name: str
    driver: type
    roles: tuple[str, ...]
    models: tuple[str, ...]
    interfaces: tuple[str, ...]
    source: str  # the manual the command strings come from
    twin: type
    twin_options: frozenset[str]  # the options the twin also takes (same meaning as the driver's)

    @property
    def options(self) -> tuple[str, ...]:
        """The keyword options the driver accepts."""
        parameters = inspect.signature(self.driver.__init__).parameters.values()
        return tuple(p.name for p in parameters if p.kind is p.KEYWORD_ONLY)


REGISTRY: dict[str, DriverInfo] = {info.name: info for info in (
    DriverInfo(
        name="rigol-dl3000", driver=RigolDL3000, roles=("load",),
        models=RigolDL3000.models, interfaces=("USB", "LAN", "RS-232"),
        source='RIGOL "DL3000 Series Programmable DC Electronic Load Programming Guide", '
               "ch. 2 :SOURce and :MEASure commands",
        twin=RigolDL3000Twin, twin_options=frozenset({"model"})),
    DriverInfo(
        name="keysight-e36300", driver=KeysightE36300, roles=("supply",),
        models=KeysightE36300.models, interfaces=("USB", "LAN"),
        source='Keysight "E36300 Series Programmable DC Power Supplies Programming Guide" '
               "(E36311-90008), ch. 2 APPLy, OUTPut, MEASure subsystems",
        twin=KeysightE36300Twin, twin_options=frozenset({"model", "channel"})),
    DriverInfo(
        name="keysight-34970a", driver=Keysight34970A, roles=("thermo",),
        models=Keysight34970A.models, interfaces=("RS-232", "GPIB", "USB", "LAN"),
        source='Keysight "34970A/34972A Data Acquisition / Switch Unit User\'s Guide", '
               "ch. 5 Remote Interface Reference (CONFigure:TEMPerature, "
               "TEMPerature:TRANsducer:TCouple, READ?, RS-232 interface commands)",
        twin=Keysight34970ATwin, twin_options=frozenset({"model", "channels"})),
)}


def driver_info(name: str) -> DriverInfo:
    """The registry entry of a driver name, or ValueError listing the known names."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown instrument driver {name!r}; known drivers: "
                         f"{', '.join(sorted(REGISTRY))}") from None


def open_instrument(name: str, resource: str, *, world: Any = None, timeout: float | None = None,
                    visa_library: str | None = None, **options: Any) -> Any:
    """A connected driver for `resource` (its transport open, nothing sent yet unless the
    instrument needs it first, e.g. RS-232 remote mode). `options` are the driver's
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
        twin = info.twin(world, **_subset(options, info.twin_options))
    transport = open_transport(resource, visa_library=visa_library, twin=twin, **framing)
    try:
        return info.driver(transport, **options)
    except BaseException:
        transport.close()
        raise


def _subset(options: Mapping[str, Any], names: frozenset[str]) -> dict[str, Any]:
    return {key: value for key, value in options.items() if key in names}
