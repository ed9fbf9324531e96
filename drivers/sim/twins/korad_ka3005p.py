"""Simulated Korad KA3005P-family supply: the byte protocol of drivers/korad_ka3005p.py's
source (libsigrok's korad-kaxxxxp driver), its output wired to the world's DUT.

No terminators either way: commands are recognised in the byte stream as they arrive, in
whatever pieces the line delivers them. VSET1:/ISET1: take the five characters the
drivers send ("05.00", "1.000"); a value the unit cannot set is ignored, as is anything
unknown: the twin stays silent, so a query for it times out, as on the real unit (which
has no error queue). Replies are fixed width: 5 bytes for numbers, 1 byte for STATUS?
(bit 0 CV, bit 5 OCP on, bit 6 output on, bit 7 OVP on: libsigrok's reading), the model's
identity string for *IDN?. OCP1 / OCP0 and OVP1 / OVP0 switch the protections; with OCP on, an
output in current limit switches itself off (checked when the output is read).

Timing, with option `clock` (a monotonic clock in seconds): a command that arrives before the
unit has processed the previous one is lost - not executed, not answered (libsigrok PR #210) -
80 ms after any command, 450 ms more after a setting or STATUS? on the slow firmware (the
identity of a Velleman PS3005D V1.3, option `identity`). Without a clock (the simulated bench,
whose drivers do not pause) nothing is lost (drivers/sim/twins/timing.py, shared with the
SPD3303X twin).

Not modelled: the sixth byte some firmware appends to ISET1? replies (its value is unknown; the
driver's tolerance of it is tested on a scripted line), and OVP tripping (a supply in CV never
rises above its set voltage here).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drivers.korad_ka3005p import (
    COMMAND_DELAY,
    EXTRA_PROCESSING,
    PROGRAMMING_RANGES,
    SLOW_FIRMWARE,
    STATUS_CV,
    STATUS_OCP,
    STATUS_OUTPUT,
    STATUS_OVP,
    firmware,
    slow_after,
)
from drivers.sim.twins.dc_supply import Outputs, wired_spans
from drivers.sim.twins.scpi import Twin
from drivers.sim.twins.timing import Clock, CommandTiming

# what each model answers to *IDN? (libsigrok's model table)
IDENTITIES = {
    "KA3005P": "KORADKA3005PV2.0", "KD3005P": "KORAD KD3005P V2.0", "KD6005P": "KORAD KD6005P V2.2",
    "72-2535": "TENMA 72-2535 V2.1", "72-2540": "TENMA 72-2540 V2.1", "72-2550": "TENMA72-2550V2.0",
    "PS3005D": "VELLEMANPS3005DV2.0", "LABPS3005D": "VELLEMANLABPS3005DV2.0",
}
SETTING_WIDTH = 5  # characters after VSET1: / ISET1:
Action = Callable[["KoradKA3005PTwin", str], bytes]


class KoradKA3005PTwin(Twin):
    """Options: model (one of IDENTITIES; default KA3005P). For tests: identity (what *IDN?
    answers instead of the model's usual identity, e.g. another firmware version) and clock
    (lose commands that come too soon, see above)."""

    input_terminators = ("",)
    output_terminator = ""
    serial_line = True

    def __init__(self, world: Any, *, model: str = "KA3005P", identity: str | None = None,
                 clock: Clock | None = None) -> None:
        spans = wired_spans(type(self).__name__, PROGRAMMING_RANGES, model, 1)
        self.world = world
        self.span = spans[1]
        self.outputs = Outputs(world, spans, wired=1)
        identity = identity or IDENTITIES[model]
        self.identity = identity.encode("latin-1")
        self.ocp = self.ovp = False
        self._extra = EXTRA_PROCESSING if firmware(identity) in SLOW_FIRMWARE else 0.0
        self._timing = CommandTiming(clock)
        self._inbox = bytearray()
        self._pending: bytes = b""

    # --- the byte stream -------------------------------------------------------------

    def feed(self, data: bytes) -> bytes:
        self._inbox += data
        out = bytearray()
        while self._inbox:
            for header, (width, action) in _COMMANDS.items():
                if self._inbox.startswith(header):
                    end = len(header) + width
                    if len(self._inbox) < end:
                        return bytes(out)  # the setting is still on its way
                    argument = self._inbox[len(header):end].decode("latin-1")
                    del self._inbox[:end]
                    if self._ready(header.decode("latin-1")):
                        out += action(self, argument)
                    break
            else:
                if any(header.startswith(self._inbox) for header in _COMMANDS):
                    break  # the start of a command: wait for the rest
                del self._inbox[0]  # not the start of any command: ignored
        return bytes(out)

    def _ready(self, command: str) -> bool:
        """Whether a command arriving now is taken (and, if so, the unit busy processing it)."""
        return self._timing.take(COMMAND_DELAY + (self._extra if slow_after(command) else 0.0))

    def write(self, message: str) -> None:
        self._pending = self.feed(message.encode("latin-1"))

    def read(self) -> str | None:
        reply, self._pending = self._pending, b""
        return reply.decode("latin-1") if reply else None

    # --- the commands: each takes its argument ("" for most) and returns its reply ----

    def _protect(self) -> None:
        """Over-current protection: an output in current limit switches itself off."""
        if self.ocp and self.outputs.constant_current(1):
            self.outputs.switch(1, False)

    def _identify(self, _: str) -> bytes:
        return self.identity

    def _set_volts(self, argument: str) -> bytes:
        volts = _setting(argument, self.span.vmax)
        if volts is not None:
            self.outputs.program(1, volts, self.outputs.amps[1])
        return b""

    def _set_amps(self, argument: str) -> bytes:
        amps = _setting(argument, self.span.imax)
        if amps is not None:
            self.outputs.program(1, self.outputs.volts[1], amps)
        return b""

    def _volts_setting(self, _: str) -> bytes:
        return _volts(self.outputs.volts[1])

    def _amps_setting(self, _: str) -> bytes:
        return _amps(self.outputs.amps[1])

    def _volts_out(self, _: str) -> bytes:
        self._protect()
        return _volts(self.outputs.reading(1)[0])

    def _amps_out(self, _: str) -> bytes:
        self._protect()
        return _amps(self.outputs.reading(1)[1])

    def _status(self, _: str) -> bytes:
        self._protect()
        status = 0 if self.outputs.constant_current(1) else STATUS_CV
        flags = ((self.outputs.on[1], STATUS_OUTPUT), (self.ocp, STATUS_OCP), (self.ovp, STATUS_OVP))
        for flag, bit in flags:
            status |= bit if flag else 0
        return bytes([status])


def _setting(argument: str, maximum: float) -> float | None:
    try:
        value = float(argument)
    except ValueError:
        return None
    return value if 0.0 <= value <= maximum else None


def _volts(value: float) -> bytes:
    return f"{min(max(value, 0.0), 99.99):05.2f}".encode("ascii")


def _amps(value: float) -> bytes:
    return f"{min(max(value, 0.0), 9.999):05.3f}".encode("ascii")


def _output(on: bool) -> Action:
    def switch(twin: KoradKA3005PTwin, _: str) -> bytes:
        twin.outputs.switch(1, on)
        return b""
    return switch


def _protection(name: str, on: bool) -> Action:
    def protect(twin: KoradKA3005PTwin, _: str) -> bytes:
        setattr(twin, name, on)
        return b""
    return protect


# header -> (characters of its argument, action)
_COMMANDS: dict[bytes, tuple[int, Action]] = {
    b"*IDN?": (0, KoradKA3005PTwin._identify),
    b"VSET1:": (SETTING_WIDTH, KoradKA3005PTwin._set_volts),
    b"ISET1:": (SETTING_WIDTH, KoradKA3005PTwin._set_amps),
    b"VSET1?": (0, KoradKA3005PTwin._volts_setting),
    b"ISET1?": (0, KoradKA3005PTwin._amps_setting),
    b"VOUT1?": (0, KoradKA3005PTwin._volts_out),
    b"IOUT1?": (0, KoradKA3005PTwin._amps_out),
    b"STATUS?": (0, KoradKA3005PTwin._status),
    b"OUT1": (0, _output(True)),
    b"OUT0": (0, _output(False)),
    b"OCP1": (0, _protection("ocp", True)),
    b"OCP0": (0, _protection("ocp", False)),
    b"OVP1": (0, _protection("ovp", True)),
    b"OVP0": (0, _protection("ovp", False)),
}
