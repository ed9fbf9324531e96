"""What every registered driver owes the bench, checked over the whole registry so that a
driver added tomorrow is held to it without a line here: a declaration the registry's index
finds, a cited source, a simulated twin, a protocol test of its own, no I/O before open(), and,
on its twin, errors of the right kind for a reply that is garbled or out of range and for a
setpoint out of range.

Faults are injected on the twin's side of the link. Twins whose protocol is not text (binary
frames, a vendor SDK) corrupt their own replies on request (`twin.tamper(kind)`); for every
other twin the driver's transport is wrapped and its text or byte replies are corrupted here.
"""
from __future__ import annotations

import dataclasses
import inspect
import pkgutil
import re
import sys
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest

import drivers
from drivers.base import DriverInfo
from drivers.registry import MODULES, REGISTRY, open_instrument
from drivers.roles import InstrumentError, RangeError

TESTS = Path(__file__).parent
VISA_INTERFACES = {"USB", "LAN", "GPIB"}  # what a VISA resource reaches (USBTMC, VXI-11/HiSLIP, GPIB)
SERIAL_WORDS = ("rs-232", "rs-485", "serial")
SETPOINT_ROLES = {"load", "supply"}
# channel numbering schemes a thermometer may use, tried in turn on the world's placements
CHANNEL_MAPS = ({"cell": 1, "surface": 2, "ambient": 3}, {"cell": 101, "surface": 102, "ambient": 103})
NAMES = sorted(REGISTRY)
SETPOINT_NAMES = [n for n in NAMES if SETPOINT_ROLES & set(REGISTRY[n].roles)]


def module_of(info: DriverInfo) -> str:
    return info.driver.__module__.rsplit(".", 1)[-1]


def speaks_visa(info: DriverInfo) -> bool:
    """Reached through a VISA resource: its protocol test is a pyvisa-sim YAML."""
    return not hasattr(info.driver, "transport_for") and bool(VISA_INTERFACES & set(info.interfaces))


def on_serial_line(info: DriverInfo) -> bool:
    return any(word in i.lower() for i in info.interfaces for word in SERIAL_WORDS)


def test_the_index_names_every_driver_module_under_its_declared_name() -> None:
    declared = {}
    for module in pkgutil.iter_modules(drivers.__path__, "drivers."):
        info = getattr(import_module(module.name), "DRIVER", None)
        if isinstance(info, DriverInfo):
            declared[info.name] = module.name
    assert declared == MODULES


@pytest.mark.parametrize("name", NAMES)
def test_the_driver_module_cites_its_source(name: str) -> None:
    doc = sys.modules[REGISTRY[name].driver.__module__].__doc__ or ""
    cited = re.search(r"Source:\s*(.+)", doc)
    assert cited is not None and len(cited.group(1).strip()) >= 20, (
        f"{name}: the module docstring must say 'Source:' and which manual or open driver")


@pytest.mark.parametrize("name", NAMES)
def test_the_registry_entry_names_its_source_and_a_twin_taking_driver_options(name: str) -> None:
    info = REGISTRY[name]
    assert info.source.strip(), f"{name}: DriverInfo.source is empty"
    assert callable(info.twin_class()), f"{name}: no simulated twin"
    assert info.twin_options <= set(info.options), f"{name}: the twin takes options the driver does not"


@pytest.mark.parametrize("name", NAMES)
def test_the_registry_entry_declares_the_model_its_twin_simulates_by_default(name: str) -> None:
    # what validate checks a sim:// role's set-points against without importing the twin
    info = REGISTRY[name]
    default = inspect.signature(info.twin_class()).parameters.get("model")
    assert info.twin_model == (None if default is None else default.default), name


@pytest.mark.parametrize("name", NAMES)
def test_a_protocol_test_exercises_the_driver(name: str) -> None:
    info = REGISTRY[name]
    module = module_of(info)
    test = TESTS / f"test_{module}.py"
    assert test.is_file(), f"{name}: no protocol test module {test.name}"
    text = test.read_text(encoding="utf-8")
    assert info.driver.__name__ in text or f'"{name}"' in text, f"{test.name} never uses {name}"
    yaml = (TESTS / f"{module}.yaml").is_file() and (f'"{module}"' in text or f"{module}.yaml" in text)
    on_bytes = "openpty" in text or "PtyLine" in text or ".feed(" in text
    if speaks_visa(info):
        assert yaml, f"{name}: {test.name} loads no pyvisa-sim description {module}.yaml"
    elif on_serial_line(info):
        assert yaml or on_bytes, (f"{name}: a serial driver needs {module}.yaml (a VISA ASRL "
                                  "resource) or a byte-level test (a pseudo-terminal or the twin's feed)")


class NothingAttached:
    """A transport stub that records the calls made on it; its open() fails, as with no
    instrument attached, so any call before or after it would be a driver touching the line
    too early."""

    resource = "stub://nothing-attached"
    simulated = False  # paced drivers wrap it as they would a real line

    def __init__(self, serial_line: bool) -> None:
        self.serial_line = serial_line
        self.calls: list[str] = []

    def open(self) -> None:
        self.calls.append("open")
        raise InstrumentError(f"{self.resource}: nothing attached")

    def __getattr__(self, name: str) -> Any:
        return lambda *_: self.calls.append(name)


@pytest.mark.parametrize("serial_line", [False, True], ids=["bus", "serial-line"])
@pytest.mark.parametrize("name", NAMES)
def test_a_driver_is_built_without_io_and_its_open_opens_the_transport_first(
        name: str, serial_line: bool) -> None:
    line = NothingAttached(serial_line)
    instrument = REGISTRY[name].driver(line)
    assert line.calls == [], f"{name}: the constructor used the line"
    with pytest.raises(InstrumentError, match="nothing attached"):
        instrument.open()
    assert line.calls == ["open"], f"{name}: open() used the line before opening it"


# --- on the twin -----------------------------------------------------------------------

def _numbers_out_of_range(text: str) -> str:
    """Every decimal number of a text reply (not channel numbers, flags or codes) 9999 times
    larger or more, in the same format ("5.000V" -> "99995.000V")."""
    return re.sub(r"\d*\.\d", lambda m: "9999" + m.group(), text)


def _digits_out_of_range(data: bytes) -> bytes:
    """The same for fixed-size byte replies: every digit of a number a 9, the length kept."""
    return re.sub(rb"\d+\.\d+", lambda m: re.sub(rb"\d", b"9", m.group()), data)


class Tampered:
    """A driver's transport whose replies come back garbled or out of range."""

    def __init__(self, inner: Any, kind: str) -> None:
        self.inner = inner
        self.kind = kind

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _text(self, reply: str) -> str:
        return "#?\x15garbled" if self.kind == "garbled" else _numbers_out_of_range(reply)

    def query(self, message: str) -> str:
        return self._text(self.inner.query(message))

    def read(self) -> str:
        return self._text(self.inner.read())

    def read_bytes(self, n: int) -> bytes:
        data = self.inner.read_bytes(n)
        return b"?" * len(data) if self.kind == "garbled" else _digits_out_of_range(data)


@dataclasses.dataclass
class OnTwin:
    name: str
    instrument: Any
    twin: Any
    channels: tuple[int, ...]

    def read_each_role(self) -> None:
        roles = REGISTRY[self.name].roles
        if "load" in roles or "supply" in roles:
            self.instrument.measure()
        if "thermo" in roles:
            self.instrument.read(self.channels)

    def tamper(self, kind: str) -> None:
        if hasattr(self.twin, "tamper"):
            self.twin.tamper(kind)
        else:
            self.instrument.transport = Tampered(self.instrument.transport, kind)


@pytest.fixture
def on_twin(request: pytest.FixtureRequest, cell_world: Any,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[OnTwin]:
    """The driver opened through the registry on its twin, read once cleanly (which also
    configures scanners); the twin is kept to tamper with."""
    name = request.param
    info = REGISTRY[name]
    twins: list[Any] = []

    def keep(world: Any, **options: Any) -> Any:
        twins.append(twin_class(world, **options))
        return twins[-1]

    twin_class = info.twin_class()
    monkeypatch.setattr(DriverInfo, "twin_class", lambda _: keep)
    candidates: tuple[dict[str, int], ...] = CHANNEL_MAPS if "thermo" in info.roles else ({},)
    for channels in candidates:
        try:
            instrument = open_instrument(name, f"sim://{name}", world=cell_world,
                                         **({"channels": channels} if channels else {}))
            break
        except ValueError:  # not this driver's channel numbering
            if channels is candidates[-1]:
                raise
    on = OnTwin(name, instrument, twins[-1], tuple(channels.values()))
    on.read_each_role()
    yield on
    instrument.close()


@pytest.mark.parametrize("on_twin", NAMES, indirect=True)
def test_a_garbled_reply_is_an_instrument_error(on_twin: OnTwin) -> None:
    on_twin.tamper("garbled")
    with pytest.raises(InstrumentError):
        on_twin.read_each_role()


@pytest.mark.parametrize("on_twin", NAMES, indirect=True)
def test_an_out_of_range_reply_is_an_instrument_error(on_twin: OnTwin) -> None:
    on_twin.tamper("out_of_range")
    with pytest.raises(InstrumentError):
        on_twin.read_each_role()


@pytest.mark.parametrize("on_twin", SETPOINT_NAMES, indirect=True)
def test_an_out_of_range_setpoint_is_a_range_error(on_twin: OnTwin) -> None:
    instrument, roles = on_twin.instrument, REGISTRY[on_twin.name].roles
    attempts = []
    if "load" in roles:
        attempts += [lambda: instrument.set_mode("CC", 1e6), lambda: instrument.set_mode("CC", -1.0)]
    if "supply" in roles:
        attempts += [lambda: instrument.configure(1e6, 0.1), lambda: instrument.configure(1.0, 1e6)]
    for attempt in attempts:
        with pytest.raises(RangeError):
            attempt()


def test_the_text_corruptions_keep_what_is_not_a_reading() -> None:
    """Why the out-of-range rules leave integers and the format alone: channel numbers, status
    codes and the reply's shape must stay valid, so that only the reading is implausible."""
    assert _numbers_out_of_range("+2.5E+01,101,-0.5,102") == "+99992.5E+01,101,-99990.5,102"
    assert _numbers_out_of_range('+0,"No error";5.000V') == '+0,"No error";99995.000V'
    assert _digits_out_of_range(b"05.00") == b"99.99"

