"""Keysight (Agilent, HP) 34970A data acquisition unit and its successor DAQ970A, read as
a thermocouple scanner (34901A/34902A/34908A multiplexers), typically over RS-232.

Source: Keysight "34970A/34972A Data Acquisition / Switch Unit User's Guide", chapter 5
"Remote Interface Reference": CONFigure:TEMPerature TCouple,<type>,(@<ch_list>) (which also
redefines the scan list), UNIT:TEMPerature, [SENSe:]TEMPerature:TRANsducer:TCouple:RJUNction:TYPE
INTernal, [SENSe:]TEMPerature:TRANsducer:TCouple:CHECk ON (open thermocouple check: above
5 kohm the channel reads as overload, +9.90000000E+37), FORMat:READing:CHANnel ON, READ?,
"Scanning Overview" (ROUTe:SCAN (@<scan_list>) selects the channels a READ? scans) and
"RS-232 Interface Commands" (SYSTem:REMote must precede any other command over RS-232,
SYSTem:LOCal gives the front panel back); chapter 4 "Remote Interface Configuration"
(RS-232: factory flow control XON/XOFF, so use serial://...?xonxoff=1) and "To Build a Scan
List From the Remote Interface" (CONFigure and ROUTe:SCAN each redefine the scan list; only
MEASure? and CONFigure reset a channel's configuration). Replies are read up to LF with a CR
before it stripped, so either RS-232 line ending works. The DAQ970A keeps these commands
(Keysight "DAQ970A/DAQ973A Programming Guide", SENSe and ROUTe subsystems).

The known state the driver sends before it reads (and again whenever it configures, see
below), in order, all proved by the one SYSTem:ERRor? after them:
- ABORt first: a scan in progress (a front-panel or logging-software scan, or a READ? left
  waiting for its trigger) is stopped before anything is reconfigured (guide ch. 5 "Scanning
  Overview", ABORt; DAQ970A Programming Guide ROUTe:SCAN: "If you abort a scan that is running
  (ABORt command), the instrument will terminate any reading in progress").
- *CLS, then CONFigure:TEMPerature TCouple,<type>, UNIT:TEMPerature C, internal reference
  junction, open-thermocouple check ON and FORMat:READing:CHANnel ON for every channel.
- TRIGger:SOURce IMMediate and TRIGger:COUNt 1: CONFigure resets range, resolution, channel
  delay, reading format and Mx+B (guide ch. 4 "CONFigure") but not the trigger system, which
  a front-panel logging setup may have left at BUS, EXTernal, ALARm1-4 or TIMer, or at a count
  of several sweeps: READ? would then wait for a trigger until it times out (with BUS it is a
  "trigger deadlock"), or answer count x N readings. Guide ch. 5 "Scanning Overview":
  TRIGger:SOURce {BUS|IMMediate|EXTernal|ALARm{1|2|3|4}|TIMer}, default IMMediate, and
  TRIGger:COUNt {<count>|MIN|MAX|INFinity}, 1 to 50,000 sweeps, each sweep one pass through
  the scan list; the DAQ970A keeps both (Programming Guide TRIGger:SOURce, which adds
  INTernal). The short forms are the ones other open 3497xA drivers send: "abor;*rst;*cls"
  before a setup (Dennis-van-Gils/python-dvg-devices, Keysight_3497xA_protocol_SCPI.py),
  TRIG:SOURCE / TRIG:COUNT 1 before each single scan (PyExpLabSys' Agilent 34972A driver).
  Not tried on an instrument.

One driver may serve several DUTs on one scanner (a rack; its caller holds a lock per
connection): the configuration is sent once for every channel of the `channels` option (a
handful of commands, then one SYSTem:ERRor? to prove it took), and again, for those and every
channel asked before, only when a read asks for a channel outside them or after identify()
(the instrument may have been changed meanwhile). A read of some of the configured channels
selects them with one ROUTe:SCAN, then READ?; a read of the same channels again is a single
READ?. That ROUTe:SCAN keeps the configuration of the channels it leaves out is read from the
guide, not tried on an instrument. Channel numbers are requested in the reply because the
instrument scans in ascending order whatever order the station lists; a reply that does not
match the scan list also catches a scan list changed behind the driver's back.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from drivers.base import DriverInfo
from drivers.roles import ChannelFault, InstrumentError
from drivers.scpi import ScpiInstrument
from drivers.transports import Transport

# thermocouple type -> range of its ITS-90 reference table, degC (anything outside is garbage)
TC_RANGES: dict[str, tuple[float, float]] = {
    "B": (0.0, 1820.0), "E": (-270.0, 1000.0), "J": (-210.0, 1200.0), "K": (-270.0, 1372.0),
    "N": (-270.0, 1300.0), "R": (-50.0, 1768.0), "S": (-50.0, 1768.0), "T": (-270.0, 400.0),
}
OVERLOAD = 9.9e37


def check_channel(channel: int) -> int:
    """A multiplexer channel number sCC: slot 1-3, channel 01-40."""
    if not (isinstance(channel, int) and 1 <= channel // 100 <= 3 and 1 <= channel % 100 <= 40):
        raise ValueError(f"thermocouple channel {channel!r} is not a 34970A channel "
                         "(slot 1-3, channel 01-40, e.g. 101)")
    return channel


class Keysight34970A(ScpiInstrument):
    """Thermometer role. Options: channels (the station's {name: number} map or numbers,
    scanned together), tc_type (J/K/T/E/N/R/S/B, default K), model, rs232 (send the
    RS-232 remote-mode command; default: when the transport is a serial line)."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 5.0}
    manufacturers = ("HEWLETT-PACKARD", "Agilent Technologies", "Keysight Technologies")
    models = ("34970A", "DAQ970A")

    def __init__(self, transport: Transport, *, channels: Mapping[str, int] | Iterable[int] = (),
                 tc_type: str = "K", model: str | None = None, rs232: bool | None = None) -> None:
        numbers = channels.values() if isinstance(channels, Mapping) else channels
        self.channels = tuple(sorted({check_channel(c) for c in numbers}))
        if tc_type not in TC_RANGES:
            raise ValueError(f"thermocouple type {tc_type!r} is not one of {', '.join(TC_RANGES)}")
        super().__init__(transport, model=model)
        self.tc_type = tc_type
        self._plausible = TC_RANGES[tc_type]
        self._configured: frozenset[int] | None = None  # channels configured; None = unknown
        self._scan: tuple[int, ...] | None = None  # the instrument's scan list; None = unknown
        self._scan_lists: dict[tuple[int, ...], tuple[int, ...]] = {}  # request -> its scan list
        self.rs232 = transport.serial_line if rs232 is None else rs232

    def open(self) -> None:
        super().open()
        if self.rs232:
            self.transport.write("SYST:REM")

    def identify(self) -> str:
        self._configured = self._scan = None  # a new session: the instrument may have been changed
        return super().identify()

    def read(self, channels: tuple[int, ...]) -> dict[int, float | ChannelFault]:
        scan = self._scan_lists.get(channels)
        if scan is None:
            scan = self._scan_lists[channels] = tuple(sorted({check_channel(c) for c in channels}))
        if scan != self._scan:
            self._select(scan)
        try:
            readings = self._scan_once(scan)
        except InstrumentError:
            self._scan = None  # the scan list may not be what was selected: select it again
            raise
        return readings if channels == scan else {c: readings[c] for c in channels}

    def _select(self, scan: tuple[int, ...]) -> None:
        """Make `scan` the instrument's scan list: configure first if a channel of it is not
        (CONFigure leaves every channel it configured as the scan list), then ROUTe:SCAN."""
        configured = self._configured
        if configured is None or not configured.issuperset(scan):
            self._configure(tuple(sorted({*self.channels, *(configured or ()), *scan})))
        if scan != self._scan:
            self._scan = None
            self.transport.write(f"ROUT:SCAN {_chanlist(scan)}")
            self._scan = scan

    def _configure(self, channels: tuple[int, ...]) -> None:
        self._configured = self._scan = None
        chanlist = _chanlist(channels)
        for command in ("ABOR",  # a scan in progress stops before anything changes
                        "*CLS",
                        f"CONF:TEMP TC,{self.tc_type},{chanlist}",
                        f"UNIT:TEMP C,{chanlist}",
                        f"TEMP:TRAN:TC:RJUN:TYPE INT,{chanlist}",
                        f"TEMP:TRAN:TC:CHEC ON,{chanlist}",
                        "FORM:READ:CHAN ON",
                        "TRIG:SOUR IMM",  # CONFigure leaves the trigger system as it was:
                        "TRIG:COUN 1"):  # one sweep per READ?, at once
            self.transport.write(command)
        error = self.transport.query("SYST:ERR?")
        if not error.startswith(("+0,", "0,")):
            raise InstrumentError(f"{self.resource}: configuring thermocouples {chanlist} failed: "
                                  f"'SYST:ERR?' answered {error!r}")
        self._configured, self._scan = frozenset(channels), channels

    def _scan_once(self, scan: tuple[int, ...]) -> dict[int, float | ChannelFault]:
        reply = self.transport.query("READ?")
        fields = reply.split(",")
        if len(fields) != 2 * len(scan):
            raise InstrumentError(f"'READ?' answered {reply!r}: expected reading,channel "
                                  f"pairs for channels {scan}")
        low, high = self._plausible
        readings: dict[int, float | ChannelFault] = {}
        for expected, value_text, channel_text in zip(scan, fields[::2], fields[1::2]):
            try:
                value, channel = float(value_text), int(channel_text)
            except ValueError:
                raise InstrumentError(f"'READ?' answered {reply!r}: not reading,channel pairs") from None
            if channel != expected:
                raise InstrumentError(f"'READ?' answered {reply!r}: channel {channel} where "
                                      f"{expected} was due")
            if abs(value) >= OVERLOAD:
                readings[channel] = ChannelFault(channel, "open thermocouple or overload (+9.9E37)")
            elif low <= value <= high:
                readings[channel] = value
            else:
                raise InstrumentError(f"'READ?' answered {reply!r}: {value:g} degC on channel "
                                      f"{channel} is outside the type {self.tc_type} range")
        return readings

    def close(self) -> None:
        if self.rs232:
            try:
                self.transport.write("SYST:LOC")  # front panel usable again
            except InstrumentError:
                pass  # the line is gone: nothing to give back
        super().close()


def _chanlist(channels: tuple[int, ...]) -> str:
    return f"(@{','.join(map(str, channels))})"


DRIVER = DriverInfo(
    name="keysight-34970a", driver=Keysight34970A, roles=("thermo",),
    models=Keysight34970A.models, interfaces=("RS-232", "GPIB", "USB", "LAN"),
    source='Keysight "34970A/34972A Data Acquisition / Switch Unit User\'s Guide", '
           "ch. 5 Remote Interface Reference (CONFigure:TEMPerature, "
           "TEMPerature:TRANsducer:TCouple, ROUTe:SCAN, TRIGger:SOURce, TRIGger:COUNt, ABORt, "
           "READ?, RS-232 interface commands)",
    twin="drivers.sim.twins.keysight_34970a:Keysight34970ATwin",
    twin_options=frozenset({"model", "channels"}), twin_model="34970A")
