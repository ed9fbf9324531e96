"""Multi-channel thermocouple input modules on RS-485 speaking Modbus RTU: modules laid out as
ICP DAS lays out its temperature modules (the tM-TH8's map), and the DIN-rail and board modules
sold as "8-ch K-type thermocouple Modbus RTU", one 16-bit register per channel holding the
temperature in tenths of a degree Celsius.

Source: ICP DAS "tM-TH8 User Manual" Rev. A1.1 (7MH-018-A11), 3.7 Modbus Address Mappings:
30001-30008 / 40001-40008 the channels' values, 00129-00136 / 10129-10136 their over/under
range status, coil 00267 the temperature scale (0 Fahrenheit, 1 Celsius), coil 00269 the data
format (0 hexadecimal, 1 engineering units); 1.8 Default Settings (address 1, 9600 bps,
Celsius). Modbus Organization, "MODBUS over Serial Line Specification and Implementation Guide
V1.02" (RTU framing, 3.5-character silence, CRC-16 in 6.2.2 and appendix B) and "MODBUS
Application Protocol Specification V1.1b3" (6.1 Read Coils 0x01, 6.2 Read Discrete Inputs
0x02, 6.3 Read Holding Registers 0x03, 6.4 Read Input Registers 0x04, 7 exception
responses). Frames are built and checked by minimalmodbus.

Addresses are written here as the manuals write them (PLC notation: coil 00129 is wire address
128 read with function 01, discrete input 10129 the same address with function 02, input
register 30001 wire address 0 with function 04); the options take wire addresses.

Known state at open(): coils 00267 and 00269 are read (function 01, one coil per request: the
manual lists no 00268) and must both be 1, Celsius and engineering units, the only setting in
which a register is a count of `scale` degC; anything else is an InstrumentError naming the
coil, and nothing is read. They are checked, not written: they are kept in the module's
EEPROM and another master on the bus (a PLC, a SCADA) may rely on them, so changing them is
the operator's decision (ICP DAS DCON Utility, or function 05 on the coil). Modules without
these coils: option format_coils = false.

Each read() takes the channels' registers in one request, then their flags in another; a set
flag (a nonzero status register) is a ChannelFault whatever the register holds, because the
manual gives no value for an over/under range channel.

The map is driver options (the station's [thermo] table), with the tM-TH8's as defaults:

| option | default | why |
|---|---|---|
| address | 1 | factory slave address (tM-TH8 1.8; Exemys RME1-TC too) |
| function_code | 4 | input registers, tM-TH8 3.7 (30001-30008 = channels); 3 for modules that use holding registers (Exemys RME1-TC 40001-40008) |
| start | 0 | wire address of channel 1 (30001/40001 is wire address 0) |
| channel_count | 8 | the channels the module has |
| scale | 0.1 | degC per count in engineering units: "temperature multiplied by 10" (Exemys RME1-TC table 5, Delta DVP08NTC "unit: 0.1 degC") |
| signed | true | two's complement: below 0 degC reads as 65535 and down |
| status_function | 2 | how the per-channel flags are read: 2 discrete inputs (tM-TH8 10129-10136), 1 coils (00129-00136, the same bits), 3 / 4 a block of holding / input registers (nonzero = fault) on other modules, 0 none |
| status_start | 128 | wire address of channel 1's flag (10129 / 00129) |
| format_coils | true | check coils 00267 and 00269 at open (above) |
| open_values | [0x7FFF, 0x8000] | GUESS: the usual "no value" codes of a signed 16-bit register, for modules without flags; no datasheet we found fixes them (modmux PM6RTD, an RTD module, uses 32768 / -32767 instead). Check yours: unplug a thermocouple and read the register |
| valid_range | [-270, 1372] | degC; the type K ITS-90 table. A reading outside it is an InstrumentError: wrong map or scale |

Not confirmed (no module at hand): the tM-TH8 itself measures thermistors (its manual, 1.1);
that ICP DAS's thermocouple modules keep the same coils and flags is assumed from the layout
the family's manuals share (the tM-AD5C Quick Start Guide has its flags at 00129 / 10129 too),
not read in their own manuals, and some families differ (the ZT-2005-C8's coil 00267 reads 0
for Celsius: there, format_coils = false). The register value of a flagged channel, and whether
engineering units are tenths of a degree for every type code, are not in the manual: `scale`
and `valid_range` say what is assumed.

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
# function code -> what it reads, and the manuals' (PLC) number of wire address 0
TABLES = {1: ("coil", 1), 2: ("discrete input", 10001), 3: ("holding register", 40001),
          4: ("input register", 30001)}
STATUS_FUNCTIONS = {0: "none", 1: "coils", 2: "discrete inputs", 3: "holding registers",
                    4: "input registers"}
MAX_REGISTERS = 125  # per read request (application protocol 6.3 / 6.4)
CELSIUS_COIL, ENGINEERING_COIL = 266, 268  # tM-TH8 3.7: coils 00267 and 00269, both 1 here
FORMAT_COILS = {  # coil -> (what 0 means, what 1 means)
    CELSIUS_COIL: ("Fahrenheit", "Celsius"),
    ENGINEERING_COIL: ("hexadecimal", "engineering units"),
}


def number(function: int, address: int) -> str:
    """A wire address as the manuals number it: 00129 for coil 128, 30001 for input register 0."""
    return f"{TABLES[function][1] + address:05d}"


def plc(function: int, address: int) -> str:
    """What a wire address is, in the manuals' words: "coil 00129", "input register 30001"."""
    return f"{TABLES[function][0]} {number(function, address)}"


def _whole(name: str, value: Any, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"modbus-thermocouple: option {name} = {value!r} is not a whole number "
                         f"in {low}..{high}")
    return value


def _number(name: str, value: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"modbus-thermocouple: option {name} = {value!r} is not a number")
    return float(value)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"modbus-thermocouple: option {name} = {value!r} is not true or false")
    return value


@dataclass(frozen=True, slots=True)
class RegisterMap:
    """Where a module keeps its temperatures and flags and how to read them; validated on
    creation."""

    address: int = 1
    function_code: int = 4
    start: int = 0
    channel_count: int = 8
    scale: float = 0.1
    signed: bool = True
    open_values: tuple[int, ...] = (0x7FFF, 0x8000)
    status_function: int = 2
    status_start: int = 128
    format_coils: bool = True
    valid_range: tuple[float, float] = (-270.0, 1372.0)

    def __post_init__(self) -> None:
        _whole("address", self.address, 1, 247)
        if self.function_code not in (3, 4):
            raise ValueError(f"modbus-thermocouple: option function_code = {self.function_code!r} "
                             "is not 3 (holding registers) or 4 (input registers)")
        _whole("channel_count", self.channel_count, 1, MAX_REGISTERS)
        _whole("start", self.start, 0, 0x10000 - self.channel_count)
        if (not isinstance(self.status_function, int) or isinstance(self.status_function, bool)
                or self.status_function not in STATUS_FUNCTIONS):
            choices = [f"{code} ({what})" for code, what in STATUS_FUNCTIONS.items()]
            raise ValueError(f"modbus-thermocouple: option status_function = {self.status_function!r}"
                             f" is not {', '.join(choices[:-1])} or {choices[-1]}")
        _whole("status_start", self.status_start, 0, 0x10000 - self.channel_count)
        if _number("scale", self.scale) <= 0:
            raise ValueError(f"modbus-thermocouple: option scale = {self.scale!r} must be above 0")
        _flag("signed", self.signed)
        _flag("format_coils", self.format_coils)
        for value in self.open_values:
            _whole("open_values", value, 0, 0xFFFF)
        if not self.open_values and not self.status_function:
            raise ValueError("modbus-thermocouple: with no open_values and status_function = 0 an "
                             "open thermocouple would read as a temperature; give one of them")
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
    open_values, status_function, status_start, format_coils, valid_range (see the module
    docstring for defaults)."""

    TRANSPORT = {"read_termination": "", "write_termination": "", "timeout": 0.5}
    manufacturers: tuple[str, ...] = ()
    models = (MODEL,)

    def __init__(self, transport: Transport, *, channels: Mapping[str, int] | Iterable[int] = (),
                 address: int = 1, function_code: int = 4, start: int = 0, channel_count: int = 8,
                 scale: float = 0.1, signed: bool = True,
                 open_values: Sequence[int] = (0x7FFF, 0x8000), status_function: int = 2,
                 status_start: int = 128, format_coils: bool = True,
                 valid_range: Sequence[float] = (-270.0, 1372.0)) -> None:
        self.map = RegisterMap.from_options(
            address=address, function_code=function_code, start=start, channel_count=channel_count,
            scale=scale, signed=signed, open_values=open_values, status_function=status_function,
            status_start=status_start, format_coils=format_coils, valid_range=valid_range)
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
        self.confirmed: list[str] = []  # the known state read back this session

    def __repr__(self) -> str:
        return f"<ModbusThermocouple address {self.map.address} at {self.resource}>"

    def open(self) -> None:
        """Connect, then check that the module reports Celsius in engineering units (coils
        00267 and 00269), the setting the scale assumes; InstrumentError otherwise."""
        super().open()
        self.confirmed = []
        if not self.map.format_coils:
            return
        for coil, (other, wanted) in FORMAT_COILS.items():
            hint = " (a module without the tM series' format coils: option format_coils = false)"
            if not self._read(1, coil, 1, hint)[0]:
                raise InstrumentError(
                    f"{self.resource}: the module at Modbus address {self.map.address} reports "
                    f"{plc(1, coil)} = 0 ({other}), not 1 ({wanted}): its registers would not be "
                    f"{self.map.scale:g} degC counts. Set the coil to 1 (ICP DAS DCON Utility, or "
                    "Modbus function 05) and open again")
            self.confirmed.append(f"{plc(1, coil)} = 1 ({wanted})")

    def identify(self) -> str:
        """Modbus has no identity query: one read of the station's channels proves the module
        answers at this address with this map."""
        self.read(self.channels or (1,))
        m = self.map
        return (f"Modbus RTU,{MODEL},address {m.address},{m.channel_count} channels from "
                f"{plc(m.function_code, m.start)}")

    def read(self, channels: tuple[int, ...]) -> dict[int, float | ChannelFault]:
        m = self.map
        first = min(m.check_channel(c) for c in channels)
        count = max(channels) - first + 1
        words = self._read(m.function_code, m.start + first - 1, count)
        status = (self._read(m.status_function, m.status_start + first - 1, count)
                  if m.status_function else None)
        low, high = m.valid_range
        readings: dict[int, float | ChannelFault] = {}
        for channel in channels:
            word = words[channel - first]
            if status is not None and (flag := status[channel - first]):
                readings[channel] = ChannelFault(channel, self._flagged(channel, flag))
            elif word in m.open_values:
                readings[channel] = ChannelFault(channel, f"open thermocouple or no reading (register "
                                                 f"value 0x{word:04X})")
            elif low <= (celsius := m.celsius(word)) <= high:
                readings[channel] = celsius
            else:
                raise InstrumentError(f"{self.resource}: channel {channel} register "
                                      f"{number(m.function_code, m.start + channel - 1)} holds "
                                      f"0x{word:04X} = {celsius:g} degC, outside {low:g}..{high:g}"
                                      " degC: check the register map (start, scale, signed)")
        return readings

    def _flagged(self, channel: int, value: int) -> str:
        """Why a channel whose flag or status register is set has no temperature."""
        where = plc(self.map.status_function, self.map.status_start + channel - 1)
        if self.map.status_function in (1, 2):
            return f"over/under range flag set ({where}): open or out-of-range thermocouple"
        return f"status {where} = {value}: open or out-of-range thermocouple"

    def _read(self, function: int, address: int, count: int, hint: str = "") -> list[int]:
        """`count` bits (functions 01 / 02) or registers (03 / 04) from `address`; a failure is
        an InstrumentError naming them as the manuals do."""
        try:
            if function in (1, 2):
                values = self._bus.read_bits(address, count, functioncode=function)
            else:
                values = self._bus.read_registers(address, count, functioncode=function)
            self._silence.pop(self._line.port, None)
            return values
        except self._modbus_errors as exc:
            line = f" ({self._line.error})" if self._line.error is not None else ""
            self._line.drain()
            raise InstrumentError(f"{self.resource}: reading {count} {TABLES[function][0]}(s) from "
                                  f"{number(function, address)} at Modbus address "
                                  f"{self.map.address} failed: {exc}{line}{hint}") from None


DRIVER = DriverInfo(
    name="modbus-thermocouple", driver=ModbusThermocouple, roles=("thermo",),
    models=ModbusThermocouple.models, interfaces=("RS-485",),
    source='ICP DAS "tM-TH8 User Manual" A1.1, 3.7 Modbus Address Mappings (channels, '
           "over/under range flags 10129-10136, format coils 00267/00269); Modbus \"MODBUS over "
           'Serial Line V1.02" (RTU framing, CRC-16) and "MODBUS Application Protocol V1.1b3" '
           "(01/02 read bits, 03/04 read registers); open-circuit codes without flags: a guess",
    twin="drivers.sim.twins.modbus_thermocouple:ModbusThermocoupleTwin",
    twin_options=frozenset({"channels", "address", "function_code", "start", "channel_count",
                            "scale", "signed", "open_values", "status_function", "status_start",
                            "format_coils"}))
