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

from drivers.bk_8600 import BK8600
from drivers.keysight_34970a import Keysight34970A
from drivers.keysight_e36100 import KeysightE36100
from drivers.keysight_e36300 import KeysightE36300
from drivers.keysight_el30000 import KeysightEL30000
from drivers.keysight_n3300a import KeysightN3300A
from drivers.korad_ka3005p import KoradKA3005P
from drivers.korad_kel103 import KoradKEL103
from drivers.max31855_logger import Max31855Logger
from drivers.modbus_thermocouple import ModbusThermocouple
from drivers.pico_tc08 import PicoTC08
from drivers.rigol_dl3000 import RigolDL3000
from drivers.rigol_dp700 import RigolDP700
from drivers.rigol_dp800 import RigolDP800
from drivers.siglent_sdl1000x import SiglentSDL1000X
from drivers.siglent_spd3303x import SiglentSPD3303X
from drivers.sim.twins.bk_8600 import BK8600Twin
from drivers.sim.twins.keysight_34970a import Keysight34970ATwin
from drivers.sim.twins.keysight_e36100 import KeysightE36100Twin
from drivers.sim.twins.keysight_e36300 import KeysightE36300Twin
from drivers.sim.twins.keysight_el30000 import KeysightEL30000Twin
from drivers.sim.twins.keysight_n3300a import KeysightN3300ATwin
from drivers.sim.twins.korad_ka3005p import KoradKA3005PTwin
from drivers.sim.twins.korad_kel103 import KoradKEL103Twin
from drivers.sim.twins.max31855_logger import Max31855LoggerTwin
from drivers.sim.twins.modbus_thermocouple import ModbusThermocoupleTwin
from drivers.sim.twins.pico_tc08 import PicoTC08Twin
from drivers.sim.twins.rigol_dl3000 import RigolDL3000Twin
from drivers.sim.twins.rigol_dp700 import RigolDP700Twin
from drivers.sim.twins.rigol_dp800 import RigolDP800Twin
from drivers.sim.twins.siglent_sdl1000x import SiglentSDL1000XTwin
from drivers.sim.twins.siglent_spd3303x import SiglentSPD3303XTwin
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
    DriverInfo(
        name="siglent-sdl1000x", driver=SiglentSDL1000X, roles=("load",),
        models=SiglentSDL1000X.models, interfaces=("USB", "LAN"),
        source='Siglent "SDL1000X Programming Guide" (E02B), SOURce and MEASure subsystems '
               "([:SOURce]:FUNCtion, [:SOURce]:CURRent|VOLTage|RESistance|POWer[:LEVel]"
               "[:IMMediate], [:SOURce]:INPut[:STATe], MEASure:VOLTage|CURRent[:DC]?); "
               "checked against libsigrok siglent-sdl10x0 and PyMeasure Sdl1022X",
        twin=SiglentSDL1000XTwin, twin_options=frozenset({"model"})),
    DriverInfo(
        name="bk-8600", driver=BK8600, roles=("load",),
        models=BK8600.models, interfaces=("USB", "RS-232", "GPIB"),
        source='B&K Precision "8600 Series Programming Manual", SCPI command reference: '
               "SOURce ([SOURce:]FUNCtion, CURRent|VOLTage|RESistance|POWer levels, INPut), "
               "MEASure, SYSTem:REMote/LOCal; checked against py-bkprecision8600",
        twin=BK8600Twin, twin_options=frozenset({"model"})),
    DriverInfo(
        name="keysight-el30000", driver=KeysightEL30000, roles=("load",),
        models=KeysightEL30000.models, interfaces=("USB", "LAN"),
        source='Keysight "EL30000 Series Bench DC Electronic Loads Operating and Service '
               'Guide", SCPI Programming Reference ([SOURce:]MODE, CURRent|VOLTage|'
               "RESistance|POWer levels, INPut, MEASure with (@<chanlist>)); checked "
               "against PyICe EL34143A",
        twin=KeysightEL30000Twin, twin_options=frozenset({"model", "channel"})),
    DriverInfo(
        name="keysight-n3300a", driver=KeysightN3300A, roles=("load",),
        models=(*KeysightN3300A.models, *KeysightN3300A.modules), interfaces=("GPIB", "RS-232"),
        source='Agilent "Programming Guide, DC Electronic Loads Models N3300A ... N3307A" '
               "(5964-8198), ch. 4 Language Dictionary (CHANnel, FUNCtion, CURRent|"
               "RESistance|VOLTage, INPut, MEASure, *RDT?); checked against PyICe agilent_n3301",
        twin=KeysightN3300ATwin, twin_options=frozenset({"model", "channel", "module"})),
    DriverInfo(
        name="korad-kel103", driver=KoradKEL103, roles=("load",),
        models=KoradKEL103.models, interfaces=("USB (virtual serial)", "RS-232"),
        source="no vendor programming manual; Korad \"Communication Commands with Computer\" "
               "note as checked by the open drivers py-kelctl (KELSerial) and "
               "LB5JJ KEL100-Series-Load-Tool (:FUNC, :CURR <v>A, :INP, :MEAS:VOLT?)",
        twin=KoradKEL103Twin, twin_options=frozenset({"model"})),
    DriverInfo(
        name="keysight-e36100", driver=KeysightE36100, roles=("supply",),
        models=KeysightE36100.models, interfaces=("USB", "LAN"),
        source='Keysight "E36100 Series Programmable DC Power Supplies Operating and Service '
               'Guide", ch. 1 Programming Ranges, ch. 2 SCPI Programming (APPLy, OUTPut, '
               "MEASure)",
        twin=KeysightE36100Twin, twin_options=frozenset({"model"})),
    DriverInfo(
        name="rigol-dp800", driver=RigolDP800, roles=("supply",),
        models=RigolDP800.models, interfaces=("USB", "LAN", "RS-232"),
        source='RIGOL "DP800 Series Programmable Linear DC Power Supply Programming Guide", '
               "ch. 2 Command System (:APPLy and its range table, :OUTPut[:STATe], :MEASure); "
               "channel ratings checked against QCoDeS Rigol DP821/DP831/DP832",
        twin=RigolDP800Twin, twin_options=frozenset({"model", "channel"})),
    DriverInfo(
        name="rigol-dp700", driver=RigolDP700, roles=("supply",),
        models=RigolDP700.models, interfaces=("RS-232",),
        source='RIGOL "DP700 Series Programmable Linear DC Power Supply Programming Guide", '
               "ch. 2 Command System (:APPLy, :OUTPut[:STATe], :MEASure)",
        twin=RigolDP700Twin, twin_options=frozenset({"model"})),
    DriverInfo(
        name="siglent-spd3303x", driver=SiglentSPD3303X, roles=("supply",),
        models=SiglentSPD3303X.models, interfaces=("USB", "LAN"),
        source='Siglent "SPD3303X/SPD3303X-E Quick Start" (QS0503X-E01B), remote control '
               "commands (CHn:VOLTage|CURRent, OUTPut CHn,ON|OFF, MEASure, SYSTem:STATus?); "
               "quirks as handled by libsigrok scpi-pps (PR #77), labgrid, Fixate",
        twin=SiglentSPD3303XTwin, twin_options=frozenset({"model", "channel"})),
    DriverInfo(
        name="korad-ka3005p", driver=KoradKA3005P, roles=("supply",),
        models=KoradKA3005P.models, interfaces=("USB (virtual serial)", "RS-232"),
        source="no vendor programming manual; the byte protocol of libsigrok's korad-kaxxxxp "
               "driver (protocol.c: VSET1:/ISET1:/OUT1/VOUT1?/IOUT1?/STATUS?, reply sizes, "
               "80 ms processing time; api.c: identities and ranges)",
        twin=KoradKA3005PTwin, twin_options=frozenset({"model"})),
    DriverInfo(
        name="modbus-thermocouple", driver=ModbusThermocouple, roles=("thermo",),
        models=ModbusThermocouple.models, interfaces=("RS-485",),
        source='Modbus "MODBUS over Serial Line V1.02" (RTU framing, CRC-16) and "MODBUS '
               'Application Protocol V1.1b3" (03/04 read registers); register map defaults after '
               "the ICP DAS tM-TH8 and Exemys RME1-TC manuals (open-circuit codes: a guess)",
        twin=ModbusThermocoupleTwin,
        twin_options=frozenset({"channels", "address", "function_code", "start", "channel_count",
                                "scale", "signed", "open_values", "status_start"})),
    DriverInfo(
        name="max31855-logger", driver=Max31855Logger, roles=("thermo",),
        models=Max31855Logger.models, interfaces=("USB serial",),
        source='Maxim "MAX31855" datasheet (19-5793) memory map (D16 fault, D2 SCV, D1 SCG, '
               'D0 OC) and "MAX6675" datasheet (D2 open); Arduino Print::printFloat (nan, inf, '
               "ovf); line protocol defined by this bench",
        twin=Max31855LoggerTwin,
        twin_options=frozenset({"channels", "model", "line_format", "request"})),
    DriverInfo(
        name="pico-tc08", driver=PicoTC08, roles=("thermo",),
        models=PicoTC08.models, interfaces=("USB (Pico SDK)",),
        source='Pico Technology "USB TC-08 Temperature Logger Programmer\'s Guide" and '
               "usbtc08.h (single-reading mode), through Pico's picosdk Python wrappers",
        twin=PicoTC08Twin, twin_options=frozenset({"channels"})),
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
    open_link = getattr(info.driver, "open_link", open_transport)  # a vendor SDK may own the link
    transport = open_link(resource, visa_library=visa_library, twin=twin, **framing)
    try:
        return info.driver(transport, **options)
    except BaseException:
        transport.close()
        raise


def _subset(options: Mapping[str, Any], names: frozenset[str]) -> dict[str, Any]:
    return {key: value for key, value in options.items() if key in names}
