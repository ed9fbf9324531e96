"""Simulated Modbus RTU thermocouple module: a slave that answers read requests for bits
(function codes 01 / 02) and registers (03 / 04) byte for byte as the Modbus specifications of
drivers/modbus_thermocouple.py say, with its own CRC-16, so the driver's minimalmodbus code runs
for real against it (through the sim transport's byte path, or a pseudo-terminal).

It keeps the map the station gives (the same options as the driver), laid out as the ICP DAS
tM-TH8 manual's 3.7 lays out its own:
- temperatures as counts of `scale` degC from `start`, read with `function_code` only;
- each channel's over/under range flag from `status_start`: with status_function 1 or 2, bits
  that both function 01 and 02 read (the manual lists 00129-00136 and 10129-10136 for the same
  status) and no register does; with 3 or 4, a block of registers (1 = fault) read with that
  function;
- with format_coils, coils 00267 (1 = Celsius) and 00269 (1 = engineering units), read with
  function 01 one at a time (the manual lists no 00268); `coils` holds them, both 1 as the
  driver needs. The registers stay Celsius tenths whatever the coils say: the driver refuses
  another setting before it reads a temperature, so the other formats are not modelled.
An open thermocouple sets its flag and reads as the first of `open_values` (0 without any).

Like a real slave it stays silent for a frame with a bad CRC or another slave's address, and
answers an exception for an unknown function code (01), an address it does not have (02) or a
bad count (03).
"""
from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from typing import Any

from drivers.modbus_thermocouple import CELSIUS_COIL, ENGINEERING_COIL, MAX_REGISTERS, RegisterMap
from drivers.sim.twins.scpi import Twin

ILLEGAL_FUNCTION, ILLEGAL_DATA_ADDRESS, ILLEGAL_DATA_VALUE = 1, 2, 3
REQUEST_SIZE = 8  # address, function, start (2), count (2), CRC (2)
MAX_BITS = 2000  # per read request (application protocol 6.1 / 6.2)


def crc16(frame: bytes) -> bytes:
    """Modbus CRC-16 (polynomial 0xA001 reflected, start 0xFFFF), low byte first
    (Serial Line Specification V1.02, 6.2.2 and appendix B)."""
    crc = 0xFFFF
    for byte in frame:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc.to_bytes(2, "little")


def pack_bits(bits: list[int]) -> bytes:
    """Bits as a read-coils reply carries them: the first in the low bit of the first byte,
    the last byte padded with zeros (application protocol 6.1)."""
    packed = bytearray((len(bits) + 7) // 8)
    for i, bit in enumerate(bits):
        packed[i // 8] |= bool(bit) << (i % 8)
    return bytes(packed)


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
        self.coils = {CELSIUS_COIL: True, ENGINEERING_COIL: True} if self.map.format_coils else {}
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
        if function not in (1, 2, 3, 4):
            reply = bytes((address, function | 0x80, ILLEGAL_FUNCTION))
        elif not 1 <= count <= (MAX_BITS if function in (1, 2) else MAX_REGISTERS):
            reply = bytes((address, function | 0x80, ILLEGAL_DATA_VALUE))
        elif (values := self._values(function, first, count)) is None:
            reply = bytes((address, function | 0x80, ILLEGAL_DATA_ADDRESS))
        elif function in (1, 2):
            data = pack_bits(values)
            reply = bytes((address, function, len(data))) + data
        else:
            reply = struct.pack(f">BBB{count}H", address, function, 2 * count, *values)
        checksum = crc16(reply)
        if self._tamper == "garbled":
            checksum = bytes(b ^ 0xFF for b in checksum)
        return reply + checksum

    def _blocks(self, function: int) -> list[tuple[int, int, Callable[[int], int]]]:
        """What `function` reads here: (first address, length, value of the i-th) blocks."""
        m = self.map
        blocks: list[tuple[int, int, Callable[[int], int]]] = []
        if function == m.function_code:
            blocks.append((m.start, m.channel_count, lambda i: self._temperature_word(i + 1)))
        if (m.status_function in (1, 2) and function in (1, 2)) or function == m.status_function:
            blocks.append((m.status_start, m.channel_count, lambda i: self._flag(i + 1)))
        if function == 1:
            blocks += [(coil, 1, lambda _, coil=coil: int(self.coils[coil])) for coil in self.coils]
        return blocks

    def _values(self, function: int, first: int, count: int) -> list[int] | None:
        """The values of a block the module has, or None (illegal data address)."""
        for start, length, value in self._blocks(function):
            if start <= first and first + count <= start + length:
                return [value(first - start + i) for i in range(count)]
        return None

    def _temperature_word(self, channel: int) -> int:
        m = self.map
        if self._tamper == "out_of_range":
            return max(w for w in range(0x7FF0, 0x8000) if w not in m.open_values)
        count = self._count(channel)
        if count is None:
            return m.open_values[0] if m.open_values else 0  # 0: the flag tells
        return count & 0xFFFF

    def _flag(self, channel: int) -> int:
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
