"""`bench instruments ...`: the drivers the bench knows, what is attached, and whether a
station's instruments answer. pyvisa and pyserial are imported inside the commands."""
# annotations evaluated as the module loads, not from strings: see bench.cli.group

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import typer

from bench.cli import exits
from bench.cli.console import console as _console
from bench.cli.group import BenchGroup
from drivers.roles import InstrumentError

instruments_app = typer.Typer(cls=BenchGroup, no_args_is_help=True, help="Instrument drivers.")

LOCAL_VISA = ("usb", "gpib")  # interfaces listed without touching the network
SERIAL_WORDS = ("rs-232", "rs-485", "serial")


@instruments_app.command("list")
def instruments_list() -> None:
    """Registered drivers, their roles and where their commands come from."""
    from bench.cli.console import listing
    from drivers.registry import REGISTRY

    rows = [(name, ", ".join(info.roles), ", ".join(info.models), ", ".join(info.interfaces), ", ".join(info.options),
             info.source) for name, info in REGISTRY.items()]
    listing(_console(), ("driver", "roles", "models", "interface", "options", "commands from"), rows)


# --- scan ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SerialPort:
    """A serial port as pyserial lists it; `usb` when it is a USB adapter (it has a VID:PID)."""

    device: str
    description: str
    usb: bool


HARDWARE = "install powerbench[hardware]"


@dataclass(frozen=True, slots=True)
class Capability:
    """A part of pyvisa-py's discovery that needs an optional package (README: Connecting a
    real bench). Without it, `scan` prints `missing` and, if `blocks`, does not search the
    interface at all."""

    interface: str            # pyvisa-py's name for it
    modules: tuple[str, ...]  # any one of them will do
    missing: str
    blocks: bool = True
    unusable: str = ""        # when the package imports but pyvisa-py still cannot use it


CAPABILITIES = (
    Capability("usb", ("usb",), f"USB instruments not searched: {HARDWARE} (PyUSB) and libusb",
               unusable="USB instruments not searched: PyUSB finds no libusb "
                        "(Debian/Ubuntu: sudo apt install libusb-1.0-0)"),
    Capability("gpib", ("gpib", "gpib_ctypes"),
               "GPIB instruments not searched: needs the GPIB adapter's driver and gpib-ctypes "
               "or linux-gpib's Python bindings"),
    Capability("tcpip", ("psutil",), "LAN searched through the default network interface only: "
               f"{HARDWARE} (psutil) for every interface", blocks=False),
    Capability("tcpip", ("zeroconf",), f"HiSLIP instruments not searched: {HARDWARE} (zeroconf)",
               blocks=False),
)


def _importable(module: str) -> bool:
    import importlib

    try:
        importlib.import_module(module)
    except Exception:  # absent, or present and broken: unusable either way
        return False
    return True


def _first_line(text: object) -> str:
    lines = str(text).strip().splitlines()
    return lines[0] if lines else ""


@contextmanager
def _heard() -> Iterator[list[str]]:
    """What PyVISA and pyvisa-py say meanwhile (warnings, and log records of WARNING and above),
    kept as first lines instead of reaching stderr raw."""
    import logging

    heard: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            heard.append(record.getMessage())

    logger, keep = logging.getLogger("pyvisa"), Keep(logging.WARNING)
    propagate, logger.propagate = logger.propagate, False
    logger.addHandler(keep)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)  # Python's own defaults hide the rest
            yield heard
    finally:
        logger.removeHandler(keep)
        logger.propagate = propagate
    heard[:] = dict.fromkeys(line for line in map(_first_line, heard + [w.message for w in caught]) if line)


def visa_listing(visa_library: str, lan: bool) -> tuple[list[str], list[str]]:
    """VISA instrument resources and one note per thing that could not be searched.

    With pyvisa-py, only USB and GPIB are listed unless `lan`: its LAN discovery broadcasts
    (VXI-11) and queries mDNS (HiSLIP), which a lab network may forbid. Serial ports are listed
    by pyserial instead. Another VISA library lists what it lists.
    """
    import pyvisa

    hushed: set[str] = set()  # modules whose absence a note already names
    with _heard() as heard:
        try:
            manager = pyvisa.ResourceManager(visa_library)
        except (OSError, ValueError) as exc:  # that VISA library is not installed
            return [], [f"VISA instruments not searched: cannot load VISA library {visa_library!r} "
                        f"({_first_line(exc).rstrip(':')}): install it, or leave out --visa-library "
                        "for pyvisa-py"]
        if visa_library != "@py":
            found, notes = list(manager.list_resources("?*::INSTR")), []
        else:
            found, notes, hushed = _pyvisa_py_listing(lan)
    notes += [f"PyVISA: {line}" for line in heard if not any(re.search(rf"\b{m}\b", line) for m in hushed)]
    return found, notes


def _pyvisa_py_listing(lan: bool) -> tuple[list[str], list[str], set[str]]:
    """pyvisa-py's resources, the notes, and the missing modules pyvisa-py will warn about (it
    still searches without them) that a note names already."""
    from pyvisa_py.sessions import Session  # pyvisa-py's own registry of interfaces (pyvisa-info uses it)

    wanted = LOCAL_VISA + (("tcpip",) if lan else ())
    lacking = [c for c in CAPABILITIES if c.interface in wanted and not any(map(_importable, c.modules))]
    notes = [c.missing for c in lacking]
    skipped = {c.interface for c in lacking if c.blocks}
    for (interface, _), issue in Session.iter_session_classes_issues():
        if interface.name in wanted and interface.name not in skipped:
            unusable = next((c.unusable for c in CAPABILITIES if c.interface == interface.name), "")
            generic = f"{interface.name.upper()} instruments not searched: {_first_line(issue)}"
            notes.append(unusable or generic)
            skipped.add(interface.name)
    found: list[str] = []
    for (interface, kind), session in Session.iter_valid_session_classes():
        if kind == "INSTR" and interface.name in wanted and interface.name not in skipped:
            found += session.list_resources()
    if not lan:
        notes.append("LAN not searched (--lan to broadcast for VXI-11 and HiSLIP instruments)")
    return found, notes, {m for c in lacking if not c.blocks for m in c.modules}  # searched: warned of


def serial_listing() -> list[SerialPort]:
    from serial.tools import list_ports

    return [SerialPort(p.device, p.description, p.vid is not None) for p in list_ports.comports()]


def ask_idn(resource: str, timeout: float, visa_library: str | None) -> str:
    """The instrument's *IDN? answer, or InstrumentError."""
    from drivers.transports import open_transport

    transport = open_transport(resource, timeout=timeout, visa_library=visa_library)
    try:
        return transport.query("*IDN?").strip()
    finally:
        transport.close()


def suggest(idn: str) -> list[str]:
    """Registered drivers whose manufacturer and model match an IEEE 488.2 identification."""
    from drivers.registry import REGISTRY

    fields = [f.strip() for f in idn.split(",")]
    if len(fields) < 2:
        return []
    maker, model = fields[0].upper(), fields[1]
    return [name for name, info in REGISTRY.items()
            if model in info.models and maker in (m.upper() for m in info.driver.manufacturers)]


def serial_drivers() -> list[str]:
    """Drivers of serial instruments that no *IDN? can find (they speak no SCPI)."""
    from drivers.registry import REGISTRY
    from drivers.scpi import ScpiInstrument

    return [name for name, info in REGISTRY.items()
            if any(word in i.lower() for i in info.interfaces for word in SERIAL_WORDS)
            and not issubclass(info.driver, ScpiInstrument)]


@instruments_app.command("scan")
def instruments_scan(
    timeout: float = typer.Option(0.5, "--timeout", min=0.01, metavar="S", help="Seconds to wait for each answer."),
    lan: bool = typer.Option(False, "--lan", help="Also search the LAN (VXI-11 broadcast, HiSLIP mDNS)."),
    probe_serial: bool = typer.Option(False, "--probe-serial",
                                      help="Also ask *IDN? on serial ports (at --baud). Off by default: "
                                           "an Arduino resets when its port opens, and a Modbus bus or "
                                           "an unknown device should not be sent stray bytes."),
    baud: int = typer.Option(9600, "--baud", min=50, metavar="BAUD", help="Line speed for --probe-serial."),
    visa_library: Optional[str] = typer.Option(None, "--visa-library", metavar="LIBRARY", show_default=False,
                                               help="VISA implementation (default: pyvisa-py '@py'; "
                                                    "'@ivi' for NI-VISA / Keysight IO Libraries)."),
) -> None:
    """List attached instruments (VISA USB/GPIB, serial ports), ask each *IDN? where that is
    safe, and suggest the registered driver that matches. What could not be searched (a package
    missing, a VISA library absent) is one note line each, with what to install. Exit 0, found or not."""
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    resources, notes = visa_listing(visa_library or "@py", lan)
    ports = serial_listing()
    # (shown as, what it is, address to ask, VISA library, on a serial line)
    targets = [(r, "VISA", r, visa_library, r.upper().startswith("ASRL")) for r in resources]
    targets += [(p.device, f"serial port ({p.description})" if p.usb else "built-in serial port",
                 f"serial://{p.device}?baudrate={baud}", None, True) for p in ports]
    table = Table()
    for header in ("resource", "what", "identity", "suggested driver"):
        table.add_column(header, overflow="fold")
    identified = 0
    for shown, what, address, library, serial in targets:
        maybe = ", ".join(serial_drivers()) if serial else ""  # what *IDN? cannot find
        if serial and not probe_serial:
            table.add_row(escape(shown), escape(what), "not asked (--probe-serial)", maybe)
            continue
        try:
            idn = ask_idn(address, timeout, library)
        except InstrumentError as exc:
            table.add_row(escape(shown), escape(what), escape(f"no answer to *IDN?: {exc}"), maybe)
            continue
        table.add_row(escape(shown), escape(what), escape(idn), ", ".join(suggest(idn)) or "no registered driver")
        identified += 1
    attached = resources or [p for p in ports if p.usb or probe_serial]
    if attached:
        console.print(table)
        if not identified:
            console.print("No instrument identified.")
    else:
        builtin = ", ".join(p.device for p in ports)
        console.print("Nothing attached: no USB or GPIB instrument and no USB serial adapter found"
                      + (f" (built-in serial ports {builtin} were not asked: --probe-serial)." if builtin
                         else "."))
    for note in notes:
        console.print(f"note: {note}", soft_wrap=True, markup=False)  # [hardware] is no style


# --- check --------------------------------------------------------------------------------

@dataclass(slots=True)
class RoleCheck:
    """What `check` found for one role."""

    role: str
    driver: str
    resource: str
    identity: str = ""
    reading: str = ""
    known: tuple[str, ...] = ()  # the known state and set-points the instrument took and confirmed
    measured: tuple[float, float] | None = None  # a load's or supply's volts and amps
    problem: str = ""
    invalid: bool = False  # the station's options or resource were refused (exit 2)


class _NotOpen:
    """Stands for an instrument that could not be opened: every call fails, so that
    Station.safe() reports what it could not switch off instead of skipping it."""

    def __getattr__(self, name: str) -> Any:
        def fail(*_: Any) -> Any:
            raise InstrumentError("never opened (see above)")
        return fail


def _describe(exc: Exception) -> str:
    return str(exc) if isinstance(exc, InstrumentError) else f"{type(exc).__name__}: {exc}"


def _read_once(check: RoleCheck, instrument: Any, channels: dict[str, int]) -> None:
    """The role's reading, as numbers and text, and the faults found in it."""
    from drivers.roles import ChannelFault

    if check.role != "thermo":
        check.measured = volts, amps = instrument.measure()
        check.reading = f"{volts:.4g} V, {amps:.4g} A"
        return
    readings = instrument.read(tuple(channels.values()))
    shown, faults = [], []
    for name, number in channels.items():
        value = readings[number]
        if isinstance(value, ChannelFault):
            shown.append(f"{name} FAULT")
            faults.append(f"channel {name} ({number}): {value.reason}")
        else:
            shown.append(f"{name} {value:.2f} degC")
    check.reading, check.problem = ", ".join(shown), "; ".join(faults)


def check_station(config: Any, world: Any, product: Any = None) -> tuple[list[RoleCheck], list[str], list[str]]:
    """Open, identify and read every instrument of the station, check the wiring to the DUT
    `product` stands for (bench.run.wiring; None: polarity only), then put the bench in safe
    state; the result per role, what is wrong with the wiring and what safe state could not
    confirm. Never raises."""
    from bench.run import wiring
    from bench.run.regulation import Tolerances
    from bench.station.instruments import Station
    from drivers.registry import open_instrument

    checks: list[RoleCheck] = []
    instruments: dict[str, Any] = {}
    for role, rc in config.roles.items():
        check = RoleCheck(role, rc.driver, rc.resource)
        checks.append(check)
        options = dict(rc.options, channels=dict(config.channels)) if role == "thermo" else dict(rc.options)
        try:
            instruments[role] = open_instrument(rc.driver, rc.resource, world=world, timeout=rc.timeout, **options)
        except Exception as exc:  # reported in the table; the other roles are still checked
            check.problem = f"cannot open: {_describe(exc)}"
            check.invalid = isinstance(exc, ValueError)  # a bad option or resource form
            instruments[role] = _NotOpen()
            continue
        try:
            check.identity = instruments[role].identify()
            check.known = tuple(getattr(instruments[role], "confirmed", ()))
            _read_once(check, instruments[role], config.channels)
        except Exception as exc:
            check.problem = _describe(exc)
    read = {c.role: c.measured for c in checks if c.measured is not None}
    miswired = [] if len(read) < 2 else wiring.problems(read["load"], read["supply"], product, Tolerances(config))
    station = Station(config, instruments)
    try:
        problems = station.safe()
    finally:
        station.close()
    return checks, miswired, problems


def simulated_as(config: Any, label: Any) -> str | None:
    """The DUT a simulated station holds for a check of `label` (--product): the station's own
    when of the product's kind, else the product's own preset, else the standard one of its kind
    (a power bank's bench checking a cell's wiring would see a bank's 5 V); None: the station's."""
    if label is None or config.world is None:
        return None
    from bench.run.preflight import STANDARD_DUT
    from drivers.sim.presets import PRESETS, dut_type

    if dut_type(config.world.dut).kind == label.kind:
        return None
    stem = Path(label.source).stem  # a shipped product is its preset's label, of the same name
    own = PRESETS.get(stem)
    return stem if own is not None and own.kind == label.kind else STANDARD_DUT[label.kind]


@instruments_app.command("check")
def instruments_check(
    station: Optional[Path] = typer.Option(None, "--station", "-s", metavar="FILE", show_default=False,
                                           help="Station file (default: the simulated bench)."),
    product: Optional[Path] = typer.Option(
        None, "--product", "-p", metavar="FILE", show_default=False,
        help="The DUT wired to the bench: a product file, or a shipped one by name (bench products), for the wiring "
             "check (default: on a simulated station its DUT preset's label; else polarity only)."),
    defect: list[str] = typer.Option(
        [], "--defect", show_default=False, metavar="NAME[:param=value,...]",
        help="Simulated bench only, repeatable: a DUT or bench defect, e.g. 'reversed-load' (bench sim list)."),
) -> None:
    """Open every instrument of the station, identify it, read it once, check its wiring to the DUT, leave the
    bench safe. Exit 0 when all is OK, 4 when an instrument or the wiring fails, 2 for an invalid station (or
    options)."""
    from rich.markup import escape
    from rich.table import Table

    from bench.errors import InputError
    from bench.product.label import load_product
    from bench.run.preflight import preset_label
    from bench.run.session import make_world
    from bench.station.config import load_station

    try:
        config = load_station(station)
        if defect and not config.simulated:
            raise InputError(config.source, "world", "--defect applies to a simulated station only")
        given = load_product(product) if product is not None else None
        world = make_world(config, None, simulated_as(config, given), tuple(defect))
        label = given if given is not None else preset_label(getattr(world, "dut_name", None))
    except InputError as exc:
        _console(stderr=True).print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(exits.INVALID) from None
    checks, miswired, unsafe = check_station(config, world, label)
    console = _console()
    table = Table(title=escape(f"{config.name} ({config.source})"))
    for header in ("role", "driver", "resource", "identity", "reading", "result"):
        table.add_column(header, overflow="fold")  # a log keeps every character, folded
    for c in checks:
        table.add_row(c.role, c.driver, escape(c.resource), escape(c.identity), escape(c.reading),
                      "[red]FAIL[/]" if c.problem else "[green]OK[/]")
    if all(c.measured is not None for c in checks if c.role != "thermo"):
        dut = "no DUT given (--product)" if label is None else f"{label.name}, a {label.kind}"
        table.add_row("wiring", "", "", escape(dut), "polarity" if label is None else "polarity, the DUT's voltage",
                      "[red]FAIL[/]" if miswired else "[green]OK[/]")
    table.add_row("safe state", "", "", "", "not confirmed" if unsafe else
                  "load input off, supply output off (read back)",
                  "[red]FAIL[/]" if unsafe else "[green]OK[/]")
    console.print(table)
    for c in checks:
        if c.known:
            console.print(f"{c.role} known state, confirmed: {escape('; '.join(c.known))}", soft_wrap=True)
    failures = [f"{c.role} ({c.driver} at {c.resource}): {c.problem}" for c in checks if c.problem]
    failures += [f"wiring: {problem}" for problem in miswired]
    failures += [f"safe state: {problem}" for problem in unsafe]
    for failure in failures:
        console.print(f"[red]FAIL[/] {escape(failure)}", soft_wrap=True)  # e.g. 'powerbench[hardware]' kept
    console.print("all instruments OK" if not failures else f"{len(failures)} problem(s)")
    if any(c.invalid for c in checks):
        raise typer.Exit(exits.INVALID)
    raise typer.Exit(exits.FAULT if failures else exits.OK)
