"""Tiny SCPI instruments on 127.0.0.1 (or on a pseudo-terminal), for the benchmarks and tests
that need real connections and real waits (pyvisa-sim answers at once and cannot wait).

Each one answers the commands that powerbench's drivers send to its model, after a set
delay, and keeps every message it receives with the time.monotonic() it arrived, so a
benchmark can tell when the load was told to switch its input off. powerbench talks to
them through its real transports: TCPIP SOCKET resources opened by PyVISA (pyvisa-py).
"""
from __future__ import annotations

import os
import select
import socketserver
import threading
import time
from collections.abc import Callable
from pathlib import Path

Reply = Callable[[], str]


class _Served:
    """One simulated instrument served on 127.0.0.1 (`handler` answers each connection, finding
    this object as its server's `served`) and, on request, on pseudo-terminals; `close()` ends
    every connection."""

    def __init__(self, handler: type[socketserver.BaseRequestHandler]) -> None:
        self._closed = threading.Event()
        self._ptys: list[int] = []
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        server.served = self  # type: ignore[attr-defined]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    @property
    def resource(self) -> str:
        return f"TCPIP0::127.0.0.1::{self._server.server_address[1]}::SOCKET"

    def _on_pty(self, take: Callable[[bytes, Callable[[bytes], None]], None]) -> str:
        """A new pseudo-terminal whose bytes a thread hands to `take`, chunk by chunk, with a
        function that writes back to the line; returns the device pyserial opens."""
        master, slave = os.openpty()
        self._ptys += [master, slave]

        def send(data: bytes) -> None:
            os.write(master, data)

        def serve() -> None:
            while not self._closed.is_set():
                if not select.select([master], [], [], 0.05)[0]:
                    continue
                try:
                    data = os.read(master, 4096)
                except OSError:
                    return
                take(data, send)
        threading.Thread(target=serve, daemon=True).start()
        return os.ttyname(slave)

    def close(self) -> None:
        """The instrument is gone: its connections close and nothing answers any more."""
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()
        for fd in self._ptys:
            try:
                os.close(fd)
            except OSError:
                pass


class Instrument(_Served):
    """One instrument: `replies` maps each query to what it answers; `switch`, if any, is the
    command that turns its input or output on or off and the query that reads it back."""

    def __init__(self, idn: str, replies: dict[str, Reply], switch: tuple[str, str] | None = None) -> None:
        self.replies = {"*IDN?": lambda: idn, "SYST:ERR?": lambda: '+0,"No error"', **replies}
        self.switch = switch
        self.on = False
        self.delay = 0.0  # s before every reply
        self.received: list[tuple[float, str]] = []
        self.hang: str | None = None  # queries starting with this get half a reply, then nothing...
        self.trickle = False  # ...or the rest one byte at a time, for ever, never the terminator
        self.hung_at: float | None = None  # monotonic time of the first hang
        super().__init__(_Handler)

    def answer(self, message: str) -> str | None:
        self.received.append((time.monotonic(), message))
        if self.switch is not None:
            command, query = self.switch
            if message.startswith(command):
                self.on = message[len(command):].startswith("ON")
                return None
            if message == query:
                return "1" if self.on else "0"
        if "?" not in message:
            return None  # a setting: accepted
        if self.delay:
            time.sleep(self.delay)
        return self.replies[message]()

    def respond(self, message: str, send: Callable[[bytes], None]) -> None:
        """Answer one message through `send`; a query that hangs holds the caller (the
        connection's handler) until the instrument is closed."""
        reply = self.answer(message)
        if reply is None:
            return
        data = reply.encode("latin-1") + b"\n"
        if self.hang is None or not message.startswith(self.hang):
            send(data)
            return
        if self.hung_at is None:
            self.hung_at = time.monotonic()
        try:
            send(data[: len(data) // 2])
            if not self.trickle:
                self._closed.wait()
            while not self._closed.wait(0.05):
                send(b"0")
        except OSError:  # the other end gave up on the connection
            return

    def switched_off_after(self, t: float) -> float | None:
        """When the instrument was first told to switch off after monotonic time `t`, if it was."""
        if self.switch is None:
            return None
        command = self.switch[0]
        return next((at for at, m in self.received
                     if at >= t and m.startswith(command) and not m[len(command):].startswith("ON")), None)

    def switched_on_after(self, t: float) -> bool:
        """Whether the instrument was told to switch on after monotonic time `t`."""
        command = self.switch[0] if self.switch is not None else None
        return command is not None and any(at >= t and m.startswith(command + "ON") for at, m in self.received)

    def queries(self) -> int:
        return sum("?" in message for _, message in self.received)

    def serve_pty(self) -> str:
        """Serve this instrument on a pseudo-terminal too; returns the device pyserial opens.
        A hung reply there holds the line until the next command comes in."""
        pending = bytearray()

        def take(data: bytes, send: Callable[[bytes], None]) -> None:
            pending.extend(data)
            while (end := pending.find(b"\n")) >= 0:
                message = pending[:end].decode("latin-1").strip()
                del pending[:end + 1]
                if self.hang is not None and message.startswith(self.hang):  # the line takes the next command
                    threading.Thread(target=self.respond, args=(message, send), daemon=True).start()
                else:
                    self.respond(message, send)
        return self._on_pty(take)


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        instrument: Instrument = self.server.served  # type: ignore[attr-defined]
        for line in self.rfile:
            instrument.respond(line.decode("latin-1").strip(), self.wfile.write)


def bench(temperature: Callable[[], float] = lambda: 25.0) -> dict[str, Instrument]:
    """A Rigol DL3021 load, a Keysight E36312A supply and a 34970A reading three thermocouples
    (cell = `temperature()`, surface and ambient 25 degC), the station's three roles."""
    def scan() -> str:
        return ",".join(f"{t:+.8E},{c}" for t, c in ((temperature(), 101), (25.0, 102), (25.0, 103)))

    return {
        "load": Instrument("RIGOL TECHNOLOGIES,DL3021,DL3A000000001,00.01.05.00.01",
                           {":MEAS:VOLT?": lambda: "+4.98765000E+00", ":MEAS:CURR?": lambda: "+1.50012000E+00",
                            ":SOUR:FUNC:MODE?": lambda: "FIX"},
                           (":SOUR:INP:STAT ", ":SOUR:INP:STAT?")),
        "supply": Instrument("Keysight Technologies,E36312A,MY00000001,1.0.4-1.0.4-1.12",
                             {"MEAS:VOLT? (@1)": lambda: "+0.00000000E+00", "MEAS:CURR? (@1)": lambda: "+0.00000000E+00"},
                             ("OUTP ", "OUTP? (@1)")),
        "thermo": Instrument("Agilent Technologies,34970A,0,13-2-2", {"READ?": scan}),
    }


STATION = """\
name = "loopback bench"
[load]
driver = "rigol-dl3000"
resource = "{load}"
[supply]
driver = "keysight-e36300"
resource = "{supply}"
channel = 1
[thermo]
driver = "keysight-34970a"
resource = "{thermo}"
critical = ["cell", "surface"]
[thermo.channels]
cell = 101
surface = 102
ambient = 103
[limits]
max_voltage = "21 V"
max_current = "5 A"
max_power = "60 W"
max_temperature = "70 degC"
"""


def station_file(instruments: dict[str, Instrument], folder: Path, resources: dict[str, str] | None = None,
                 extra: str = "") -> Path:
    """A station file naming the loopback instruments' resources (a real, non-simulated bench),
    or the `resources` given (e.g. serial:// ones from serve_pty()), with `extra` TOML appended."""
    path = folder / "loopback-station.toml"
    named = resources or {role: i.resource for role, i in instruments.items()}
    path.write_text(STATION.format(**named) + extra, encoding="utf-8")
    return path


class TwinServer(_Served):
    """A simulated instrument (a drivers.sim twin, wired to simulated DUTs) served on 127.0.0.1
    and, on request, on a pseudo-terminal: the real transports (pyvisa-py TCPIP SOCKET, pyserial)
    then carry the same command set the sim:// path speaks, byte for byte through the twin's own
    framing. One lock: the twin answers one message at a time, as an instrument does."""

    def __init__(self, twin: object) -> None:
        self.twin = twin
        self.lock = threading.Lock()
        super().__init__(_TwinHandler)

    def feed(self, data: bytes) -> bytes:
        with self.lock:
            return self.twin.feed(data)  # type: ignore[attr-defined]

    def serve_pty(self) -> str:
        """Serve the twin on a pseudo-terminal too; returns the device pyserial opens."""
        def take(data: bytes, send: Callable[[bytes], None]) -> None:
            out = self.feed(data)
            if out:
                send(out)
        return self._on_pty(take)


class _TwinHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: TwinServer = self.server.served  # type: ignore[attr-defined]
        while not server._closed.is_set():
            data = self.request.recv(4096)
            if not data:
                return
            out = server.feed(data)
            if out:
                self.request.sendall(out)
