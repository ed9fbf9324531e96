"""Byte pipes to instruments, made from the resource string in a station file.

Drivers speak text commands through a `Transport` and never learn what carries them:
a VISA session (USB-TMC, LAN, GPIB, RS-232 through PyVISA and its pure-Python backend),
a serial line through pyserial, or a simulated twin in this process (`sim://`).
Every I/O failure, timeout included, surfaces as `InstrumentError` naming the resource,
so the bench handles one exception type for every kind of link.

`transport_for` makes a transport without I/O (a driver is built on it and connected by its
own open()); `open_transport` also opens it. pyvisa and pyserial are imported by open():
`bench --help` must start fast.
"""
from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import parse_qsl, urlsplit

from drivers.roles import InstrumentError

if TYPE_CHECKING:
    from drivers.sim.twins.scpi import ScpiTwin

ACCEPTED_FORMS = """\
accepted resource forms:
  VISA (PyVISA, pyvisa-py backend unless visa_library is given):
    USB0::0x1AB1::0x0E11::DL3A000000001::INSTR
    TCPIP::192.168.1.20::INSTR          TCPIP0::192.168.1.20::5025::SOCKET
    ASRL/dev/ttyUSB0::INSTR             GPIB0::5::INSTR
  serial line (pyserial):
    serial:///dev/ttyUSB0?baudrate=9600&parity=N&xonxoff=1     serial://COM3?baudrate=9600
    pyserial URLs: loop://  socket://host:port  rfc2217://host:port  spy://...
  simulation:
    sim://<name>   (needs the simulated world: open it through drivers.registry.open_instrument)"""

_VISA = re.compile(r"^(USB|TCPIP|GPIB|ASRL|VXI|PXI|VICP)[^:]*::.+", re.IGNORECASE)
_PYSERIAL_SCHEMES = ("loop", "socket", "rfc2217", "spy", "alt", "hwgrep", "cp2110")
_SERIAL_PARAMS: dict[str, Callable[[str], Any]] = {
    "baudrate": int,
    "bytesize": int,
    "parity": str.upper,
    "stopbits": float,
    "xonxoff": lambda v: v.lower() in ("1", "true", "on", "yes"),
    "rtscts": lambda v: v.lower() in ("1", "true", "on", "yes"),
    "dsrdtr": lambda v: v.lower() in ("1", "true", "on", "yes"),
}


class ResourceError(ValueError):
    """A resource string that names no transport this bench can open."""


@runtime_checkable
class Transport(Protocol):
    """A connection to one instrument: text messages with terminators, or raw bytes.

    Made without I/O: `open` connects (again after `close`) and does nothing while open.
    `query` is atomic (write then read under the connection's lock) so concurrent pollers
    cannot interleave replies. Replies come back without their terminator. Links to real
    instruments also say for how long the call in progress has run (`busy()`) and can cut a
    call that does not return (`sever()`): Station.safe() then switches off through a new one.
    """

    resource: str
    serial_line: bool  # bytes cross an RS-232 line: some instruments then need a remote-mode command

    def open(self) -> None: ...

    def write(self, message: str) -> None: ...

    def query(self, message: str) -> str: ...

    def read(self) -> str: ...

    def write_bytes(self, data: bytes) -> None: ...

    def read_bytes(self, n: int) -> bytes: ...

    def close(self) -> None: ...


def innermost(transport: Any) -> Any:
    """The link under any wrappers (pacing, query delays): what carries the bytes."""
    while hasattr(transport, "inner"):
        transport = transport.inner
    return transport


def transport_for(
    resource: str,
    *,
    read_termination: str = "\n",
    write_termination: str = "\n",
    timeout: float = 2.0,
    baudrate: int | None = None,
    visa_library: str | None = None,
    twin: ScpiTwin | None = None,
) -> Transport:
    """The transport the resource string names (see ACCEPTED_FORMS), not yet open.

    `baudrate` overrides the line speed of serial resources (a `?baudrate=` in the URL
    otherwise); `visa_library` selects another VISA implementation (e.g. "file.yaml@sim");
    `twin` is the simulated instrument a `sim://` resource talks to.
    """
    framing = dict(read_termination=read_termination, write_termination=write_termination,
                   timeout=timeout)
    kind = resource_kind(resource)
    if kind == "sim":
        if twin is None:
            raise ResourceError(f"{resource!r}: a sim:// resource needs its simulated instrument;"
                                " open it with drivers.registry.open_instrument(..., world=...)")
        from drivers.sim.transport import SimTransport

        return SimTransport(resource, twin, **framing)
    if kind == "serial":
        port, settings = _parse_serial_url(resource)
        if baudrate is not None:
            settings["baudrate"] = baudrate
        return SerialTransport(resource, port, settings, **framing)
    if kind == "pyserial":
        return SerialTransport(resource, resource, {} if baudrate is None else {"baudrate": baudrate},
                               **framing)
    return VisaTransport(resource, visa_library=visa_library, baudrate=baudrate, **framing)


def resource_kind(resource: str) -> str:
    """Which transport a resource string names: 'sim', 'serial', 'pyserial' or 'visa'; a
    ResourceError (its first line the reason) for a form none takes, or a serial:// URL whose
    settings are wrong, so a station file is checked before anything is opened."""
    scheme = resource.split("://", 1)[0].lower() if "://" in resource else ""
    if scheme == "sim":
        return "sim"
    if scheme == "serial":
        _parse_serial_url(resource)
        return "serial"
    if scheme in _PYSERIAL_SCHEMES:
        return "pyserial"
    if not scheme and _VISA.match(resource):
        return "visa"
    raise ResourceError(f"cannot open {resource!r}: unknown resource form\n{ACCEPTED_FORMS}")


def open_transport(resource: str, **settings: Any) -> Transport:
    """transport_for(resource, **settings), opened: for a caller that talks at once (a scan)."""
    transport = transport_for(resource, **settings)
    transport.open()
    return transport


def _parse_serial_url(resource: str) -> tuple[str, dict[str, Any]]:
    url = urlsplit(resource)
    port = url.netloc + url.path
    if not port:
        raise ResourceError(f"{resource!r} names no serial port\n{ACCEPTED_FORMS}")
    settings: dict[str, Any] = {}
    for key, value in parse_qsl(url.query, keep_blank_values=True):
        if key not in _SERIAL_PARAMS:
            raise ResourceError(f"{resource!r}: unknown serial setting {key!r};"
                                f" known: {', '.join(_SERIAL_PARAMS)}")
        try:
            settings[key] = _SERIAL_PARAMS[key](value)
        except ValueError:
            raise ResourceError(f"{resource!r}: bad value {value!r} for {key}") from None
    return port, settings


class _TextTransport:
    """Shared text framing over a byte transport: terminators, latin-1 decoding, one lock;
    and the open link (a VISA session or a port) that subclasses make in open().

    Every call runs inside `_call`, which notes when it began (`busy()`) and, once the link has
    been severed under it, turns whatever the woken call raises into InstrumentError."""

    resource: str
    serial_line: bool
    SEVER_WAIT = 0.5  # s a severed call is given to return before its link is closed under it

    def __init__(self, resource: str, *, read_termination: str, write_termination: str,
                 timeout: float) -> None:
        self.resource = resource
        self._rterm = read_termination
        self._wterm = write_termination
        self._timeout = timeout
        self._lock = threading.Lock()
        self._link: Any = None  # the open session or port; None while closed
        self._io_errors: tuple[type[BaseException], ...] = ()  # the I/O library's, set by open()
        self._since = 0.0  # monotonic time the call in progress began; 0 when idle
        self._severed = False

    def open(self) -> None:
        if self._link is None:
            self._link = self._connect()

    def _connect(self) -> Any:
        """The open session or port, or InstrumentError naming the resource."""
        raise NotImplementedError

    @property
    def _opened(self) -> Any:
        if self._severed:
            raise InstrumentError(f"{self.resource}: connection cut after a call that did not return")
        if self._link is None:
            raise InstrumentError(f"{self.resource}: not open (open() it first)")
        return self._link

    def _call(self, action: Callable[[Any], Any]) -> Any:
        """Run `action(link)` alone on the connection; a caller never waits for ever on another
        caller's hung call (the lock is taken with a deadline)."""
        if not self._lock.acquire(timeout=self._timeout + self.SEVER_WAIT):
            raise InstrumentError(f"{self.resource}: busy: the call in progress has not returned "
                                  f"for {self.busy():.1f} s")
        self._since = time.monotonic()
        try:
            result = action(self._opened)
            if self._severed:  # a reply cut short may look complete (pyvisa-py returns what it had)
                raise InstrumentError(f"{self.resource}: call cut off: it had not returned")
            return result
        except InstrumentError:
            raise
        except Exception as exc:
            if self._severed:  # woken by sever(): what the library raises then is no news
                raise InstrumentError(f"{self.resource}: call cut off: it had not returned") from exc
            raise
        finally:
            self._since = 0.0
            self._lock.release()

    def busy(self) -> float:
        """Seconds the call in progress has run (0.0 when none is)."""
        since = self._since
        return time.monotonic() - since if since else 0.0

    def sever(self) -> None:
        """From another thread: wake a call that does not return and retire this connection for
        good (every later call fails); the caller connects afresh through a new transport."""
        self._severed = True
        link = self._link
        if link is None:
            return
        try:
            self._wake(link)
        except Exception:  # nothing more can be done for a link that is going away
            pass
        deadline = time.monotonic() + self.SEVER_WAIT
        while self._since and time.monotonic() < deadline:
            time.sleep(0.01)
        self.close()

    def _wake(self, link: Any) -> None:
        """Make a blocked read or write on `link` return now."""
        raise NotImplementedError

    def close(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            try:
                link.close()
            except (*self._io_errors, ValueError, TypeError):
                pass  # the link is gone either way; closing must not fail the safe path

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.resource}>"

    def _error(self, what: str, message: str | None, exc: BaseException) -> InstrumentError:
        about = f" {message!r}" if message is not None else ""
        return InstrumentError(f"{self.resource}: {what}{about}: {exc}")

    def _timeout_error(self, message: str | None) -> InstrumentError:
        about = f" to {message!r}" if message is not None else ""
        return InstrumentError(f"{self.resource}: no reply{about} within {self._timeout:g} s (timeout)")


def _wake_serial(port: Any) -> None:
    """pyserial: cancel a pending read or write (POSIX and Windows)."""
    for cancel in ("cancel_read", "cancel_write"):
        if hasattr(port, cancel):
            getattr(port, cancel)()


class VisaTransport(_TextTransport):
    """A PyVISA session; pyvisa-py ("@py") unless another VISA library is named."""

    _managers: dict[str, Any] = {}

    def __init__(self, resource: str, *, visa_library: str | None, baudrate: int | None,
                 read_termination: str, write_termination: str, timeout: float) -> None:
        super().__init__(resource, read_termination=read_termination,
                         write_termination=write_termination, timeout=timeout)
        self._library = visa_library or "@py"
        self._baudrate = baudrate
        self.serial_line = resource.upper().startswith("ASRL")

    def _connect(self) -> Any:
        import pyvisa  # lazy: keeps CLI start-up fast

        self._io_errors = (pyvisa.errors.Error, OSError, *_line_errors())
        self._timeout_code = pyvisa.constants.StatusCode.error_timeout
        try:
            manager = self._managers.get(self._library)
            if manager is None:
                manager = self._managers[self._library] = pyvisa.ResourceManager(self._library)
            session = manager.open_resource(
                self.resource, read_termination=self._rterm, write_termination=self._wterm,
                timeout=round(self._timeout * 1000), encoding="latin-1")
            if self._baudrate is not None and self.serial_line:
                session.baud_rate = self._baudrate
        except (*self._io_errors, ValueError) as exc:
            reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            if "PyUSB" in reason:  # pyvisa-py without its USB backend: say what to install, in one line
                reason = ("USB instruments need PyUSB and libusb: pip install 'powerbench[hardware]' "
                          "(README: Connecting a real bench)")
            raise InstrumentError(f"{self.resource}: cannot open through VISA library "
                                  f"{self._library!r}: {reason}") from exc
        return session

    def _wrap(self, exc: BaseException, what: str, message: str | None) -> InstrumentError:
        if getattr(exc, "error_code", None) == self._timeout_code:
            return self._timeout_error(message)
        return self._error(what, message, exc)

    def _visa(self, what: str, message: str | None, action: Callable[[Any], Any]) -> Any:
        def run(session: Any) -> Any:
            try:
                return action(session)
            except self._io_errors as exc:
                raise self._wrap(exc, what, message) from exc
        return self._call(run)

    def write(self, message: str) -> None:
        self._visa("write failed for", message, lambda session: session.write(message))

    def read(self) -> str:
        reply: str = self._visa("read failed", None, lambda session: session.read())
        return reply.rstrip("\r\n")

    def query(self, message: str) -> str:
        reply: str = self._visa("query failed for", message, lambda session: session.query(message))
        return reply.rstrip("\r\n")

    def write_bytes(self, data: bytes) -> None:
        self._visa("raw write failed", None, lambda session: session.write_raw(data))

    def read_bytes(self, n: int) -> bytes:
        data: bytes = self._visa("raw read failed", None, lambda session: session.read_bytes(n))
        return data

    def _wake(self, session: Any) -> None:
        """pyvisa-py: shut a TCP socket down (its read loop then ends), cancel a serial read."""
        inner = getattr(session.visalib, "sessions", {}).get(session.session)
        interface = getattr(inner, "interface", None)
        if isinstance(interface, socket.socket):
            interface.shutdown(socket.SHUT_RDWR)
        elif interface is not None:
            _wake_serial(interface)


def _line_errors() -> tuple[type[Exception], ...]:
    """termios.error: a POSIX serial line whose device went away (an adapter pulled) fails with
    it, and it is no OSError."""
    try:
        from termios import error
    except ImportError:  # Windows
        return ()
    return (error,)


class SerialTransport(_TextTransport):
    """A pyserial port or pyserial URL; replies are read up to the read terminator."""

    serial_line = True

    def __init__(self, resource: str, port: str, settings: dict[str, Any], *,
                 read_termination: str, write_termination: str, timeout: float) -> None:
        super().__init__(resource, read_termination=read_termination,
                         write_termination=write_termination, timeout=timeout)
        self._port = port
        self._settings = settings
        self._rterm_bytes = read_termination.encode("latin-1")

    def _connect(self) -> Any:
        import serial  # lazy: keeps CLI start-up fast

        self._io_errors = (serial.SerialException, OSError, *_line_errors())
        try:
            return serial.serial_for_url(self._port, timeout=self._timeout,
                                               write_timeout=self._timeout, **self._settings)
        except (*self._io_errors, ValueError) as exc:
            raise InstrumentError(f"{self.resource}: cannot open serial port: {exc}") from exc

    def _send(self, port: Any, message: str) -> None:
        try:
            port.write((message + self._wterm).encode("latin-1"))
        except self._io_errors as exc:
            raise self._error("write failed for", message, exc) from exc
        except UnicodeEncodeError as exc:
            raise InstrumentError(f"{self.resource}: cannot send non-latin-1 text {message!r}") from exc

    def _receive(self, port: Any, message: str | None) -> str:
        try:
            data = port.read_until(self._rterm_bytes)
        except self._io_errors as exc:
            raise self._error("read failed after", message, exc) from exc
        if not data.endswith(self._rterm_bytes):
            raise self._timeout_error(message)
        return data[: -len(self._rterm_bytes)].decode("latin-1").rstrip("\r\n")

    def write(self, message: str) -> None:
        self._call(lambda port: self._send(port, message))

    def read(self) -> str:
        reply: str = self._call(lambda port: self._receive(port, None))
        return reply

    def query(self, message: str) -> str:
        def exchange(port: Any) -> str:
            try:
                port.reset_input_buffer()  # a late reply to a timed-out query must not shift every later one
            except self._io_errors as exc:
                raise self._error("flush failed before", message, exc) from exc
            self._send(port, message)
            return self._receive(port, message)
        reply: str = self._call(exchange)
        return reply

    def write_bytes(self, data: bytes) -> None:
        def send(port: Any) -> None:
            try:
                port.write(data)
            except self._io_errors as exc:
                raise self._error("raw write failed", None, exc) from exc
        self._call(send)

    def read_bytes(self, n: int) -> bytes:
        def receive(port: Any) -> bytes:
            try:
                return bytes(port.read(n))
            except self._io_errors as exc:
                raise self._error("raw read failed", None, exc) from exc
        data: bytes = self._call(receive)
        if len(data) < n:
            raise self._timeout_error(None)
        return data

    def _wake(self, port: Any) -> None:
        _wake_serial(port)
