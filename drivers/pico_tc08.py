"""Pico Technology USB TC-08: an 8-channel thermocouple data logger on USB, driven through
Pico's SDK (the native usbtc08 library and Pico's picosdk Python wrappers, which bind it with
ctypes).

Source: Pico Technology "USB TC-08 Temperature Logger Programmer's Guide" (single-reading mode:
usb_tc08_open_unit, usb_tc08_set_mains, usb_tc08_set_channel, usb_tc08_get_single,
usb_tc08_get_unit_info2, usb_tc08_get_last_error, usb_tc08_close_unit), the SDK header
usbtc08.h (return conventions, channel 0 = cold junction and 1-8 = thermocouples, thermocouple
types as characters, units, info lines, error codes), and Pico's picosdk-python-wrappers
(picosdk/usbtc08.py and tc08Examples/tc08SingleModeExample.py, whose calls this driver makes).
Open inputs: Pico's support forum, https://www.picotech.com/support/topic29871.html (an open
thermocouple shows "the usual noisy fluctuations around room temperature"; one that opens
while logging "slowly returns to noisy ambient temperature levels") and
https://www.picotech.com/support/topic40407.html ("with no thermocouple connected the input
will float and therefore fluctuate, generating noise").

Resources: `usbtc08://` opens the first unit found; `usbtc08://A0061/123` also checks that the
unit's batch/serial is that one (identify()). `sim://` opens the simulated twin, which stands in
for the SDK at the ctypes-wrapper level: the driver's own calls, with the same ctypes arrays,
run against it; no USB is simulated. Without the SDK, opening a real unit is an
InstrumentError that says what to install.

Known state: open() sets the mains rejection filter (usb_tc08_set_mains, 50 or 60 Hz);
identify() sets every station channel to the station's thermocouple type
(usb_tc08_set_channel), then reads them `open_window` times (usb_tc08_get_single), so that an
input open from the start is a fault at the first read() of the run. Each SDK call's status is
checked (0 = refused, the reason from usb_tc08_get_last_error); `confirmed` lists what was set.

Faults: the SDK's one per-channel indication is the overflow bit field of
usb_tc08_get_single (bit n: channel n over range); a flagged channel or a NaN is a
ChannelFault. An open thermocouple sets no flag (Pico's support, above): it reads as a
plausible temperature near the cold junction's. It is found by plausibility
(drivers/plausibility.py: the mean of the last `open_window` readings within `open_band` degC
of the cold junction's, channel 0 of the same readings, and their scatter about a straight line
at least `open_noise` degC) and is then a ChannelFault saying so.

Not confirmed (no unit at hand): how much an open TC-08 input scatters. Pico says "noisy"
without a figure; the default limit, 0.5 degC, is ten times what a connected thermocouple
shows (the data sheet's 16.25 noise-free bits over +/-70 mV: about 2 uV, 0.05 degC on type K). An
open input quieter than `open_noise` reads as a thermocouple at room temperature and is not
found; for a critical channel, a second thermocouple beside the first is then the only check.
Whether usb_tc08_get_single blocks for a fresh conversion of every channel (about 100 ms per
channel plus the cold junction: Pico's "PicoLog Self-Help Guide" AR346-1, TC-08 sample rate)
or returns the latest one is not confirmed: repeated readings would only lower the scatter
(an open input found later, never a false fault). Nor is the cold junction's channel 0 being
filled when only channels 1-8 are set, as Pico's single-mode example reads it.
"""
from __future__ import annotations

import ctypes
import math
from collections.abc import Iterable, Mapping
from typing import Any

from drivers.base import DriverInfo
from drivers.plausibility import OpenInputRule, OpenInputWatch
from drivers.roles import ChannelFault, InstrumentError
from drivers.transports import ResourceError

SCHEME = "usbtc08://"
TC_TYPES: dict[str, tuple[float, float]] = {  # type -> range of its ITS-90 reference table, degC
    "B": (0.0, 1820.0), "E": (-270.0, 1000.0), "J": (-210.0, 1200.0), "K": (-270.0, 1372.0),
    "N": (-270.0, 1300.0), "R": (-50.0, 1768.0), "S": (-50.0, 1768.0), "T": (-270.0, 400.0),
}
CHANNELS = range(1, 9)
UNITS_CENTIGRADE = 0
INFO_DRIVER_VERSION, INFO_BATCH_AND_SERIAL = 0, 4
INFO_CHARS = 256
ERRORS = {  # usbtc08.h enUSBTC08Error
    0: "OK", 1: "operating system not supported", 2: "no channels set", 3: "invalid parameter",
    4: "hardware variant not supported (update the driver)", 5: "incorrect mode",
    6: "enumeration incomplete", 7: "unit not responding", 8: "firmware download failed",
    9: "missing or corrupted EEPROM", 10: "cannot find enumerated device", 11: "thread failure",
    12: "cannot get USB pipe information", 13: "no calibration date", 14: "picopp driver too old",
    15: "driver function error (communication lost, in SDK headers before 2022)",
    16: "communication with the unit lost",
}
INSTALL = ("install Pico's TC-08 driver library (libusbtc08, part of PicoSDK; Linux: Pico's "
           "libusbtc08 package) and its Python wrappers: pip install picosdk")


class SdkLink:
    """What a TC-08 resource stands for: the usbtc08 library (Pico's ctypes wrapper, loaded by
    open(), or on sim:// the twin standing in for it) and the batch/serial the station wants,
    if it names one."""

    serial_line = False

    def __init__(self, resource: str, library: Any = None, serial: str = "") -> None:
        self.resource = resource
        self.library = library
        self.serial = serial

    def open(self) -> None:
        if self.library is None:
            self.library = load_sdk(self.resource)

    def close(self) -> None:
        """Nothing to release: the driver closes the unit it opened."""


def load_sdk(resource: str) -> Any:
    """picosdk's usbtc08 library object, or InstrumentError saying what to install."""
    try:
        from picosdk.usbtc08 import usbtc08
    except ImportError as exc:
        raise InstrumentError(f"{resource}: Pico's Python wrappers are not installed ({exc}); "
                              f"{INSTALL}") from None
    except OSError as exc:  # picosdk's CannotFindPicoSDKError: the native library is missing
        raise InstrumentError(f"{resource}: Pico's TC-08 library was not found ({exc}); "
                              f"{INSTALL}") from None
    return usbtc08


def link_for(resource: str, *, twin: Any = None, **_framing: Any) -> SdkLink:
    """The link drivers.registry.open_instrument makes for a TC-08 resource (no byte transport:
    the SDK owns the USB connection)."""
    if resource.lower().startswith("sim://"):
        if twin is None:
            raise ResourceError(f"{resource!r}: a sim:// resource needs its simulated instrument;"
                                " open it with drivers.registry.open_instrument(..., world=...)")
        return SdkLink(resource, twin)
    if not resource.lower().startswith(SCHEME):
        raise ResourceError(f"cannot open {resource!r} as a Pico TC-08: its resources are "
                            f"{SCHEME} (the first unit found), {SCHEME}<batch/serial> "
                            f"(e.g. {SCHEME}A0061/123) or sim://")
    return SdkLink(resource, serial=resource[len(SCHEME):])


class PicoTC08:
    """Thermometer role. Options: channels (the station's {name: number} map, 1-8),
    tc_type (B/E/J/K/N/R/S/T, default K, all channels), mains_hz (50 or 60: the noise
    rejection filter, default 50), and the open-input rule (module docstring): open_noise
    (degC, default 0.5), open_band (degC, default 3), open_window (readings, default 10)."""

    TRANSPORT: dict[str, Any] = {}
    manufacturers = ("Pico Technology",)
    models = ("USB TC-08",)
    transport_for = staticmethod(link_for)

    def __init__(self, transport: SdkLink, *, channels: Mapping[str, int] | Iterable[int] = (),
                 tc_type: str = "K", mains_hz: int = 50, open_noise: float = 0.5,
                 open_band: float = 3.0, open_window: int = 10) -> None:
        numbers = channels.values() if isinstance(channels, Mapping) else channels
        self.channels = tuple(sorted({_check_channel(c) for c in numbers}))
        if tc_type not in TC_TYPES:
            raise ValueError(f"pico-tc08: tc_type {tc_type!r} is not one of {', '.join(TC_TYPES)}")
        if mains_hz not in (50, 60):
            raise ValueError(f"pico-tc08: mains_hz {mains_hz!r} is not 50 or 60")
        try:
            self.open_rule = OpenInputRule(open_noise, open_band, open_window)
        except ValueError as exc:
            raise ValueError(f"pico-tc08: {exc}") from None
        self.transport = transport
        self.tc_type = tc_type
        self.mains_hz = mains_hz
        self._enabled: set[int] = set()
        self._handle = 0  # the open unit's; 0 until open()
        self._watch = OpenInputWatch(self.open_rule)
        self.confirmed: list[str] = []  # what the unit took this session (bench instruments check)

    @property
    def resource(self) -> str:
        return self.transport.resource

    @property
    def _lib(self) -> Any:
        return self.transport.library

    @property
    def _unit(self) -> int:
        """The open unit's handle, or InstrumentError before open()."""
        if not self._handle:
            raise InstrumentError(f"{self.resource}: not open (open() it first)")
        return self._handle

    def __repr__(self) -> str:
        return f"<PicoTC08 at {self.resource}>"

    def open(self) -> None:
        """Load the SDK, open the first unit and set its mains filter; close() undoes a
        failure halfway."""
        if self._handle:
            return
        self.transport.open()
        handle = self._lib.usb_tc08_open_unit()
        if handle == 0:
            raise InstrumentError(f"{self.resource}: no USB TC-08 found (plugged in? not open in "
                                  "PicoLog or another program?)")
        if handle < 0:
            reason = ERRORS.get(self._lib.usb_tc08_get_last_error(0), "unknown error")
            raise InstrumentError(f"{self.resource}: usb_tc08_open_unit failed: {reason}")
        self._handle = handle
        self._enabled.clear()  # a new session: no channel is set yet, no reading seen
        self._watch.forget()
        self._check(self._lib.usb_tc08_set_mains(handle, int(self.mains_hz == 60)),
                    "usb_tc08_set_mains")
        self.confirmed = [f"mains filter {self.mains_hz} Hz"]

    def _check(self, status: int, call: str) -> None:
        """SDK calls return 0 on failure; the reason is then the unit's last error."""
        if status == 0:
            code = self._lib.usb_tc08_get_last_error(self._handle)
            raise InstrumentError(f"{self.resource}: {call} failed: "
                                  f"{ERRORS.get(code, f'unknown error {code}')}")

    def _info(self, line: int) -> str:
        text = ctypes.create_string_buffer(INFO_CHARS)
        self._check(self._lib.usb_tc08_get_unit_info2(self._unit, text, INFO_CHARS, line),
                    "usb_tc08_get_unit_info2")
        return text.value.decode("ascii", "replace").strip()

    def identify(self) -> str:
        """maker,model,batch/serial,driver version; InstrumentError if the station named
        another unit. Then the known state: the station's channels set, and read a window's
        worth of times so that an open input is already known (module docstring)."""
        serial = self._info(INFO_BATCH_AND_SERIAL)
        if self.transport.serial and serial != self.transport.serial:
            raise InstrumentError(f"{self.resource} opened TC-08 {serial}, not "
                                  f"{self.transport.serial} (with several units, unplug the others)")
        identity = f"Pico Technology,USB TC-08,{serial},{self._info(INFO_DRIVER_VERSION)}"
        self._watch.forget()
        if self.channels:
            self._set_channels(self.channels)
            self.confirmed = [f"mains filter {self.mains_hz} Hz",
                              f"channels {', '.join(map(str, self.channels))}: type {self.tc_type}"]
            for _ in range(self.open_rule.window):
                self.read(self.channels)
        return identity

    def _set_channels(self, channels: Iterable[int]) -> None:
        """Enable `channels` for the station's thermocouple type, those not set this session."""
        for channel in sorted({_check_channel(c) for c in channels} - self._enabled):
            self._check(self._lib.usb_tc08_set_channel(self._unit, channel, ord(self.tc_type)),
                        "usb_tc08_set_channel")
            self._enabled.add(channel)

    def read(self, channels: tuple[int, ...]) -> dict[int, float | ChannelFault]:
        self._set_channels((*channels, *self.channels))
        temperatures = (ctypes.c_float * 9)()  # [0] is the cold junction
        overflow = (ctypes.c_int16 * 1)()
        self._check(self._lib.usb_tc08_get_single(self._unit, temperatures, overflow,
                                                  UNITS_CENTIGRADE), "usb_tc08_get_single")
        cold_junction = temperatures[0]
        if not math.isfinite(cold_junction):  # every channel is compensated with it
            raise InstrumentError(f"{self.resource}: usb_tc08_get_single gave the cold junction as "
                                  f"{cold_junction:g} degC")
        low, high = TC_TYPES[self.tc_type]
        readings: dict[int, float | ChannelFault] = {}
        for channel in channels:
            value = temperatures[channel]
            if overflow[0] >> channel & 1:
                readings[channel] = ChannelFault(channel, "over range (overflow flag): beyond "
                                                 f"the type {self.tc_type} table")
            elif math.isnan(value):
                readings[channel] = ChannelFault(channel, "no reading (NaN)")
            elif not low <= value <= high:
                raise InstrumentError(f"{self.resource}: usb_tc08_get_single gave {value:g} degC "
                                      f"on channel {channel}, outside the type {self.tc_type} range "
                                      "without its overflow flag")
            elif reason := self._watch.judge(channel, value, cold_junction):
                readings[channel] = ChannelFault(channel, reason)
            else:
                readings[channel] = value
        return readings

    def close(self) -> None:
        """Release the unit (another program may then open it); safe to call twice."""
        if self._handle:
            handle, self._handle = self._handle, 0
            self._lib.usb_tc08_close_unit(handle)
        self.transport.close()


def _check_channel(channel: object) -> int:
    if not isinstance(channel, int) or isinstance(channel, bool) or channel not in CHANNELS:
        raise ValueError(f"thermocouple channel {channel!r} is not a TC-08 channel (1-8)")
    return channel


DRIVER = DriverInfo(
    name="pico-tc08", driver=PicoTC08, roles=("thermo",),
    models=PicoTC08.models, interfaces=("USB (Pico SDK)",),
    source='Pico Technology "USB TC-08 Temperature Logger Programmer\'s Guide" and '
           "usbtc08.h (single-reading mode), through Pico's picosdk Python wrappers; open "
           "inputs by plausibility after Pico's support forum (topics 29871, 40407)",
    twin="drivers.sim.twins.pico_tc08:PicoTC08Twin", twin_options=frozenset({"channels"}))
