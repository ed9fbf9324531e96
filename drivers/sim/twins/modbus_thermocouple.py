"""Simulated Modbus RTU thermocouple module: a slave that answers read-register requests
(function codes 03 / 04) byte for byte as the Modbus specifications of
drivers/modbus_thermocouple.py say, with its own CRC-16, so the driver's minimalmodbus code runs
for real against it (through the sim transport's byte path, or a pseudo-terminal).

It keeps the register map the station gives (the same options as the driver): temperatures as
counts of `scale` degC from `start`, an open thermocouple as the first of `open_values` (and
1 in the status block, if there is one). Like a real slave it stays silent for a frame with a
bad CRC or another slave's address, and answers an exception for an unknown function code
(01), registers it does not have (02) or a bad register count (03).
"""
from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

from drivers.modbus_thermocouple import MAX_REGISTERS, RegisterMap
from drivers.sim.twins.scpi import Twin

ILLEGAL_FUNCTION, ILLEGAL_DATA_ADDRESS, ILLEGAL_DATA_VALUE = 1, 2, 3
REQUEST_SIZE = 8  # address, function, start (2), count (2), CRC (2)


def crc16(frame: bytes) -> bytes:
    """Modbus CRC-16 (polynomial 0xA001 reflected, start 0xFFFF), low byte first
    (Serial Line Specification V1.02, 6.2.2 and appendix B)."""
    crc = 0xFFFF
    for byte in frame:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc.to_bytes(2, "little")


class ModbusThermocoupleTwin(Twin):
    """Options: channels ({placement: channel number}, e.g. {"cell": 1}) and the driver's
    register map options. A channel wired to no placement of the world reads as open."""

    input_terminators = ("",)  # binary frames: nothing ends a message but silence
    output_terminator = ""
    serial_line = True

    def __init__(self, world: Any, *, channels: Mapping[str, int] | None = None,
                 **register_map: Any) -> None:
        self.map = RegisterMap.from_options(**register_map)
        self.world = world
        self.placement_of = {self.map.check_channel(number): placement
                             for placement, number in (channels or {}).items()
                             if placement in world.placements}
        self._inbox = bytearray()
        self._tamper: str | None = None

    def tamper(self, kind: str | None) -> None:
        """From now on answer `garbled` (a broken CRC) or `out_of_range` (every temperature at
        the largest count that is no open code): the faults a driver must report; None: answer
        normally again."""
        self._tamper = kind

    def feed(self, data: bytes) -> bytes:
        self._inbox += data
        out = bytearray()
        while len(self._inbox) >= REQUEST_SIZE:
            frame = bytes(self._inbox[:REQUEST_SIZE])
            if crc16(frame[:-2]) != frame[-2:]:
                self._inbox.clear()  # line noise: a slave waits for the next silence
                break
            del self._inbox[:REQUEST_SIZE]
            if frame[0] == self.map.address:
                out += self._answer(frame)
        return bytes(out)

    def _answer(self, frame: bytes) -> bytes:
        address, function, first, count = struct.unpack(">BBHH", frame[:-2])
        if function not in (3, 4):
            reply = bytes((address, function | 0x80, ILLEGAL_FUNCTION))
        elif not 1 <= count <= MAX_REGISTERS:
            reply = bytes((address, function | 0x80, ILLEGAL_DATA_VALUE))
        elif (words := self._registers(function, first, count)) is None:
            reply = bytes((address, function | 0x80, ILLEGAL_DATA_ADDRESS))
        else:
            reply = struct.pack(f">BBB{count}H", address, function, 2 * count, *words)
        checksum = crc16(reply)
        if self._tamper == "garbled":
            checksum = bytes(b ^ 0xFF for b in checksum)
        return reply + checksum

    def _registers(self, function: int, first: int, count: int) -> list[int] | None:
        """The words of a block the module has, or None (illegal data address)."""
        m = self.map
        if function != m.function_code:
            return None
        for block, word in ((m.start, self._temperature_word), (m.status_start, self._status_word)):
            if block is not None and block <= first and first + count <= block + m.channel_count:
                return [word(first - block + 1 + i) for i in range(count)]
        return None

    def _temperature_word(self, channel: int) -> int:
        m = self.map
        if self._tamper == "out_of_range":
            return max(w for w in range(0x7FF0, 0x8000) if w not in m.open_values)
        count = self._count(channel)
        if count is None:
            return m.open_values[0] if m.open_values else 0  # 0: the status block tells
        return count & 0xFFFF

    def _status_word(self, channel: int) -> int:
        return int(self._count(channel) is None)

    def _count(self, channel: int) -> int | None:
        """The channel's temperature in counts, or None: open, or beyond what a register holds."""
        placement = self.placement_of.get(channel)
        celsius = self.world.temperature(placement) if placement is not None else None
        if celsius is None:
            return None
        count = round(celsius / self.map.scale)
        low, high = (-0x8000, 0x7FFF) if self.map.signed else (0, 0xFFFF)
        return count if low <= count <= high else None
