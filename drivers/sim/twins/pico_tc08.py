"""Simulated Pico USB TC-08, at the level of Pico's SDK: an object with the usb_tc08_* functions
of picosdk's usbtc08 wrapper, taking the same arguments (handles, channel numbers, thermocouple
type characters, ctypes arrays it fills) and returning what the usbtc08.h header documents
(1 / 0 status, the unit's last error). The driver's ctypes code runs unchanged against it; the
USB link and the unit's firmware are not simulated.

An open thermocouple (the world's open-thermocouple defect, or a channel wired to no placement)
behaves as Pico's support describes a real one (drivers/pico_tc08.py): no overflow flag, and a
reading that wanders around the cold junction's temperature, here Gaussian noise of
OPEN_SCATTER degC about it, fresh at every usb_tc08_get_single. The figure is a stand-in (Pico
gives none), and an input that opens mid-run jumps to the cold junction at once instead of
drifting back. The noise comes from a generator the world keeps (`world.link_random`), so a
checkpoint holds it and a resumed run reads the same. A temperature beyond the type's table
sets the overflow flag. The cold junction is the room the logger sits in, outside any chamber:
COLD_JUNCTION, constant.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drivers.pico_tc08 import CHANNELS, INFO_BATCH_AND_SERIAL, INFO_DRIVER_VERSION, TC_TYPES

HANDLE = 1
SERIAL = "A0061/123"
DRIVER_VERSION = "1.12.0.0"
ERROR_NO_CHANNELS_SET, ERROR_INVALID_PARAMETER, ERROR_COMMUNICATION = 2, 3, 16
OVER_RANGE_READING = 2000.0  # degC: what a flagged channel holds (unconfirmed; the driver ignores it)
COLD_JUNCTION = 25.0
OPEN_SCATTER = 2.0  # degC, standard deviation of an open input's readings (a stand-in figure)


class PicoTC08Twin:
    """Options: channels ({placement: channel number}, e.g. {"cell": 1})."""

    def __init__(self, world: Any, *, channels: Mapping[str, int] | None = None) -> None:
        self.world = world
        self.placement_of = {number: placement for placement, number in (channels or {}).items()
                             if placement in world.placements}
        self.is_open = False
        self.enabled: dict[int, str] = {}  # channel -> thermocouple type
        self.sixty_hertz = False
        self._error = 0
        self._tamper: str | None = None
        self._floating = world.link_random(f"{type(self).__name__}:open inputs")

    def tamper(self, kind: str | None) -> None:
        """From now on answer `garbled` (the unit stops communicating) or `out_of_range`
        (readings far outside any table, without the overflow flag); None: answer normally."""
        self._tamper = kind

    def _fail(self, error: int) -> int:
        self._error = error
        return 0

    def usb_tc08_open_unit(self) -> int:
        if self.is_open:
            return 0  # no further unit found
        self.is_open = True
        return HANDLE

    def usb_tc08_close_unit(self, handle: int) -> int:
        if handle != HANDLE or not self.is_open:
            return self._fail(ERROR_INVALID_PARAMETER)
        self.is_open = False
        self.enabled.clear()
        return 1

    def usb_tc08_get_last_error(self, handle: int) -> int:
        return self._error

    def usb_tc08_set_mains(self, handle: int, sixty_hertz: int) -> int:
        if handle != HANDLE or sixty_hertz not in (0, 1):
            return self._fail(ERROR_INVALID_PARAMETER)
        self.sixty_hertz = bool(sixty_hertz)
        return 1

    def usb_tc08_set_channel(self, handle: int, channel: int, tc_type: int) -> int:
        kind = chr(tc_type)
        if handle != HANDLE or channel not in CHANNELS or kind not in TC_TYPES:
            return self._fail(ERROR_INVALID_PARAMETER)
        self.enabled[channel] = kind
        return 1

    def usb_tc08_get_unit_info2(self, handle: int, text: Any, length: int, line: int) -> int:
        info = {INFO_DRIVER_VERSION: DRIVER_VERSION, INFO_BATCH_AND_SERIAL: SERIAL}.get(line)
        if handle != HANDLE or info is None or length <= len(info):
            return self._fail(ERROR_INVALID_PARAMETER)
        text.value = info.encode("ascii")
        return len(info)

    def usb_tc08_get_single(self, handle: int, temperatures: Any, overflow: Any, units: int) -> int:
        if handle != HANDLE or units != 0:  # only Celsius is simulated
            return self._fail(ERROR_INVALID_PARAMETER)
        if not self.enabled:
            return self._fail(ERROR_NO_CHANNELS_SET)
        if self._tamper == "garbled":
            return self._fail(ERROR_COMMUNICATION)
        flags = 0
        temperatures[0] = COLD_JUNCTION
        for channel, kind in self.enabled.items():
            placement = self.placement_of.get(channel)
            celsius = self.world.temperature(placement) if placement is not None else None
            low, high = TC_TYPES[kind]
            if self._tamper == "out_of_range":
                celsius = 1e6
            elif celsius is None:
                celsius = self._floating.gauss(COLD_JUNCTION, OPEN_SCATTER)
            elif not low <= celsius <= high:
                flags |= 1 << channel
                celsius = OVER_RANGE_READING
            temperatures[channel] = celsius
        overflow[0] = flags
        return 1
