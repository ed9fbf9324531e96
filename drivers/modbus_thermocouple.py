"""Multi-channel thermocouple input modules on RS-485 speaking Modbus RTU: the DIN-rail and
board modules sold as "8-ch K-type thermocouple Modbus RTU" (MAX6675/MAX31855 or ADC based),
one 16-bit register per channel holding the temperature in tenths of a degree Celsius.

Source: Modbus Organization, "MODBUS over Serial Line Specification and Implementation Guide
V1.02" (RTU framing, 3.5-character silence, CRC-16 in 6.2.2 and appendix B) and "MODBUS
Application Protocol Specification V1.1b3" (6.3 Read Holding Registers 0x03, 6.4 Read Input
Registers 0x04, 7 exception responses). Frames are built and checked by minimalmodbus.

These modules share no register map, so the map is driver options (the station's [thermo]
table) with these defaults:

| option | default | why |
|---|---|---|
| address | 1 | factory slave address of every module manual we read (ICP DAS tM-TH8, Exemys RME1-TC) |
| function_code | 4 | input registers, as ICP DAS tM-TH8 "3.7 Modbus Address Mappings" (30001-30008 = channels); 3 for modules that use holding registers (Exemys RME1-TC 40001-40008) |
| start | 0 | wire address of channel 1 (PLC notation 30001/40001 is wire address 0) |
| channel_count | 8 | the channels the module has |
| scale | 0.1 | degC per count: "temperature multiplied by 10" (Exemys RME1-TC table 5, Delta DVP08NTC "unit: 0.1 degC") |
| signed | true | two's complement: below 0 degC reads as 65535 and down |
| open_values | [0x7FFF, 0x8000] | GUESS: the usual "no value" codes of a signed 16-bit register; no datasheet we found fixes them for these modules (modmux PM6RTD, an RTD module, uses 32768 / -32767 instead). Check yours: unplug a thermocouple and read the register |
| status_start | none | wire address of a per-channel status block (nonzero = fault), for modules that flag an open input there instead of in the value (ICP DAS tM-TH8 keeps over/under range flags apart) |
| valid_range | [-270, 1372] | degC; the type K ITS-90 table. A reading outside it is an InstrumentError: wrong map or scale |

The line speed comes with the resource, like every serial instrument here:
`serial:///dev/ttyUSB0?baudrate=9600` (9600 8N1 is the factory setting of the modules above;
pyserial's default is the same). An RS-485 adapter that echoes what it sends is not handled.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from drivers.base import Driver, DriverInfo
from drivers.roles import ChannelFault, InstrumentError
from drivers.transports import Transport

MODEL = "Modbus thermocouple module"
DEFAULT_BAUDRATE = 9600
TABLES = {3: "holding", 4: "input"}
MAX_REGISTERS = 125  # per read request (application protocol 6.3 / 6.4)


def _whole(name: str, value: Any, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"modbus-thermocouple: option {name} = {value!r} is not a whole number "
                         f"in {low}..{high}")
    return value


def _number(name: str, value: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"modbus-thermocouple: option {name} = {value!r} is not a number")
    return float(value)


@dataclass(frozen=True, slots=True)
class RegisterMap:
    """Where a module keeps its temperatures and how to read them; validated on creation."""

    address: int = 1
    function_code: int = 4
    start: int = 0
    channel_count: int = 8
    scale: float = 0.1
    signed: bool = True
    open_values: tuple[int, ...] = (0x7FFF, 0x8000)
    status_start: int | None = None
    valid_range: tuple[float, float] = (-270.0, 1372.0)

    def __post_init__(self) -> None:
        _whole("address", self.address, 1, 247)
        if self.function_code not in TABLES:
            raise ValueError(f"modbus-thermocouple: option function_code = {self.function_code!r} "
                             "is not 3 (holding registers) or 4 (input registers)")
        _whole("channel_count", self.channel_count, 1, MAX_REGISTERS)
        _whole("start", self.start, 0, 0x10000 - self.channel_count)
        if self.status_start is not None:
            _whole("status_start", self.status_start, 0, 0x10000 - self.channel_count)
        if _number("scale", self.scale) <= 0:
            raise ValueError(f"modbus-thermocouple: option scale = {self.scale!r} must be above 0")
        if not isinstance(self.signed, bool):
            raise ValueError(f"modbus-thermocouple: option signed = {self.signed!r} is not true or false")
        for value in self.open_values:
            _whole("open_values", value, 0, 0xFFFF)
        if not self.open_values and self.status_start is None:
            raise ValueError("modbus-thermocouple: with no open_values and no status_start an open "
                             "thermocouple would read as a temperature; give one of them")
        low, high = (_number("valid_range", v) for v in self.valid_range)
        if not low < high:
            raise ValueError(f"modbus-thermocouple: option valid_range = {list(self.valid_range)!r}"
                             " is not [low, high] with low < high")

    @classmethod
    def from_options(cls, **options: Any) -> RegisterMap:
        """A map from station options (TOML arrays arrive as lists)."""
        for name in ("open_values", "valid_range"):
            if name in options:
                value = options[name]
                if not isinstance(value, (list, tuple)) or (name == "valid_range" and len(value) != 2):
                    raise ValueError(f"modbus-thermocouple: option {name} = {value!r} is not a list"
                                     + (" of two numbers" if name == "valid_range" else " of numbers"))
                options[name] = tuple(value)
        return cls(**options)

    def check_channel(self, channel: Any) -> int:
        if not isinstance(channel, int) or isinstance(channel, bool) or not 1 <= channel <= self.channel_count:
            raise ValueError(f"thermocouple channel {channel!r} is not a channel of this module "
                             f"(1..{self.channel_count}, option channel_count)")
        return channel

    def celsius(self, word: int) -> float:
        """The temperature a register word stands for."""
        count = word - 0x10000 if self.signed and word >= 0x8000 else word
        return count * self.scale


class _Line:
    """The pyserial-like port minimalmodbus talks through, carried by a bench Transport's raw
    byte methods (so sim:// twins and pseudo-terminals work like a real RS-485 adapter).

    minimalmodbus asks for the whole expected reply at once, but an exception reply is shorter
    (5 bytes): the reply is read as its 2-byte head, then the rest its function code announces.
    A read that times out returns what arrived; minimalmodbus then names what is missing.
    """

    is_open = True  # minimalmodbus must not open it: the driver's open() opens the transport

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.port = transport.resource
        query = urlsplit(transport.resource).query if "://" in transport.resource else ""
        self.baudrate = int(dict(parse_qsl(query)).get("baudrate", DEFAULT_BAUDRATE))  # sets the silence
        self.error: InstrumentError | None = None  # why the last read came up short

    def open(self) -> None:
        """minimalmodbus calls it only for a closed port; this one is never closed by it."""

    def close(self) -> None:
        """The driver closes the transport."""

    def write(self, data: bytes) -> int:
        self.transport.write_bytes(data)
        return len(data)

    def read(self, size: int) -> bytes:
        self.error = None
        head = self._take(2)
        if len(head) < 2:
            return head
        return head + self._take(3 if head[1] & 0x80 else size - 2)

    def _take(self, size: int) -> bytes:
        try:
            return self.transport.read_bytes(size)
        except InstrumentError as exc:
            self.error = exc
            return b""

    def drain(self) -> None:
        """Discard the rest of a broken reply, so that the next one starts on a frame boundary."""
        for _ in range(256):  # more than any frame; a chattering line cannot hold the bench here
            try:
                self.transport.read_bytes(1)
            except InstrumentError:
                return


class ModbusThermocouple(Driver):
    """Thermometer role. Options: channels (the station's {name: number} map, numbers from 1),
    and the register map: address, function_code, start, channel_count, scale, signed,
    open_values, status_start, valid_range (see the module docstring for defaults)."""

    TRANSPORT = {"read_termination": "", "write_termination": "", "timeout": 0.5}
    manufacturers: tuple[str, ...] = ()
    models = (MODEL,)

    def __init__(self, transport: Transport, *, channels: Mapping[str, int] | Iterable[int] = (),
                 address: int = 1, function_code: int = 4, start: int = 0, channel_count: int = 8,
                 scale: float = 0.1, signed: bool = True,
                 open_values: Sequence[int] = (0x7FFF, 0x8000), status_start: int | None = None,
                 valid_range: Sequence[float] = (-270.0, 1372.0)) -> None:
        self.map = RegisterMap.from_options(
            address=address, function_code=function_code, start=start, channel_count=channel_count,
            scale=scale, signed=signed, open_values=open_values, status_start=status_start,
            valid_range=valid_range)
        numbers = channels.values() if isinstance(channels, Mapping) else channels
        self.channels = tuple(sorted({self.map.check_channel(c) for c in numbers}))
        import minimalmodbus  # lazy: keeps CLI start-up fast

        super().__init__(transport)
        self._line = _Line(transport)
        self._bus = minimalmodbus.Instrument(self._line, self.map.address)
        self._bus.clear_buffers_before_each_transaction = False  # drained after errors instead
        self._modbus_errors = (minimalmodbus.ModbusException,)
        # minimalmodbus keeps the 3.5-character silence between frames by sleeping (wall time);
        # a simulated link has no line, and simulated time must not wait on wall time
        self._silence: dict[str, float] = (getattr(minimalmodbus, "_latest_read_times", {})
                                           if getattr(transport, "simulated", False) else {})

    def __repr__(self) -> str:
        return f"<ModbusThermocouple address {self.map.address} at {self.resource}>"

    def identify(self) -> str:
        """Modbus has no identity query: one read of the station's channels proves the module
        answers at this address with this map."""
        self.read(self.channels or (1,))
        m = self.map
        return (f"Modbus RTU,{MODEL},address {m.address},{m.channel_count} channels in "
                f"{TABLES[m.function_code]} registers from {m.start}")

    def read(self, channels: tuple[int, ...]) -> dict[int, float | ChannelFault]:
        m = self.map
        first = min(m.check_channel(c) for c in channels)
        count = max(channels) - first + 1
        words = self._registers(m.start + first - 1, count)
        status = None if m.status_start is None else self._registers(m.status_start + first - 1, count)
        low, high = m.valid_range
        readings: dict[int, float | ChannelFault] = {}
        for channel in channels:
            word = words[channel - first]
            if status is not None and status[channel - first]:
                readings[channel] = ChannelFault(channel, f"status register {m.status_start + channel - 1}"
                                                 f" = {status[channel - first]} (open or faulty thermocouple)")
            elif word in m.open_values:
                readings[channel] = ChannelFault(channel, f"open thermocouple or no reading (register "
                                                 f"value 0x{word:04X})")
            elif low <= (celsius := m.celsius(word)) <= high:
                readings[channel] = celsius
            else:
                raise InstrumentError(f"{self.resource}: channel {channel} register {m.start + channel - 1}"
                                      f" holds 0x{word:04X} = {celsius:g} degC, outside {low:g}..{high:g}"
                                      " degC: check the register map (start, scale, signed)")
        return readings

    def _registers(self, register: int, count: int) -> list[int]:
        try:
            words = self._bus.read_registers(register, count, functioncode=self.map.function_code)
            self._silence.pop(self._line.port, None)
            return words
        except self._modbus_errors as exc:
            line = f" ({self._line.error})" if self._line.error is not None else ""
            self._line.drain()
            raise InstrumentError(f"{self.resource}: reading {count} {TABLES[self.map.function_code]} "
                                  f"register(s) from {register} at Modbus address {self.map.address} "
                                  f"failed: {exc}{line}") from None


DRIVER = DriverInfo(
    name="modbus-thermocouple", driver=ModbusThermocouple, roles=("thermo",),
    models=ModbusThermocouple.models, interfaces=("RS-485",),
    source='Modbus "MODBUS over Serial Line V1.02" (RTU framing, CRC-16) and "MODBUS '
           'Application Protocol V1.1b3" (03/04 read registers); register map defaults after '
           "the ICP DAS tM-TH8 and Exemys RME1-TC manuals (open-circuit codes: a guess)",
    twin="drivers.sim.twins.modbus_thermocouple:ModbusThermocoupleTwin",
    twin_options=frozenset({"channels", "address", "function_code", "start", "channel_count",
                            "scale", "signed", "open_values", "status_start"}))
