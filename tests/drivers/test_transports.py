"""Opening transports from resource strings; every failure an InstrumentError naming the resource."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from driver_helpers import sim_library

from drivers.roles import InstrumentError
from drivers.sim.transport import SimTransport
from drivers.sim.twins.keysight_34970a import Keysight34970ATwin
from drivers.transports import ResourceError, SerialTransport, Transport, VisaTransport, open_transport

ROOT = Path(__file__).resolve().parents[2]
DL3021 = "USB0::0x1AB1::0x0E11::DL3A000000001::INSTR"


@pytest.mark.parametrize("resource", ["COM3", "/dev/ttyUSB0", "http://192.168.1.5", "USB0", "",
                                      "tcp://192.168.1.5:5025"])
def test_an_unknown_resource_form_lists_the_accepted_ones(resource: str) -> None:
    with pytest.raises(ResourceError, match="accepted resource forms") as caught:
        open_transport(resource)
    for example in ("USB0::", "TCPIP0::", "ASRL/dev/ttyUSB0::INSTR", "GPIB0::5::INSTR",
                    "serial:///dev/ttyUSB0?baudrate=9600", "loop://", "sim://"):
        assert example in str(caught.value)


@pytest.mark.parametrize(("resource", "shown"), [
    ("serial:///dev/ttyUSB0?speed=9600", "unknown serial setting 'speed'"),
    ("serial:///dev/ttyUSB0?baudrate=fast", "bad value 'fast' for baudrate"),
    ("serial://?baudrate=9600", "names no serial port"),
])
def test_a_bad_serial_url_says_what_is_wrong(resource: str, shown: str) -> None:
    with pytest.raises(ResourceError, match=shown):
        open_transport(resource)


def test_a_missing_serial_port_is_an_instrument_error_naming_it() -> None:
    with pytest.raises(InstrumentError, match="serial:///dev/no-such-tty.*cannot open serial port"):
        open_transport("serial:///dev/no-such-tty?baudrate=9600&parity=E&xonxoff=1")


def test_pyserial_urls_carry_text_with_terminators() -> None:
    line = open_transport("loop://", baudrate=9600, timeout=0.05)
    assert isinstance(line, SerialTransport) and isinstance(line, Transport)
    assert line.serial_line
    assert line.query("*IDN?") == "*IDN?"  # a loopback answers with what it was sent
    line.write_bytes(b"\x01\x02")
    assert line.read_bytes(2) == b"\x01\x02"
    line.close()


def test_a_silent_serial_line_times_out_as_an_instrument_error() -> None:
    line = open_transport("loop://", timeout=0.05)
    with pytest.raises(InstrumentError, match=r"loop://: no reply within 0.05 s \(timeout\)"):
        line.read()
    with pytest.raises(InstrumentError, match="timeout"):
        line.read_bytes(1)


def test_a_serial_line_whose_device_went_away_is_an_instrument_error() -> None:
    """A pty whose other end closed (a USB-serial adapter pulled): pyserial's flush before a query
    raises termios.error, which is no OSError; it must reach the bench as an InstrumentError."""
    master, slave = os.openpty()
    line = open_transport(f"serial://{os.ttyname(slave)}", timeout=0.05)
    os.close(master)
    os.close(slave)
    with pytest.raises(InstrumentError, match="serial://"):
        line.query("*IDN?")
    line.close()


def test_visa_resources_go_through_the_given_visa_library() -> None:
    session = open_transport(DL3021, visa_library=sim_library("rigol_dl3000"))
    assert isinstance(session, VisaTransport) and isinstance(session, Transport)
    assert not session.serial_line
    assert session.query("*IDN?").startswith("RIGOL TECHNOLOGIES,DL3021,")
    session.close()
    session.close()  # closing twice is harmless: safe paths may close again


def test_an_unanswered_visa_query_times_out_as_an_instrument_error_naming_the_resource() -> None:
    session = open_transport(DL3021, visa_library=sim_library("rigol_dl3000"), timeout=0.05)
    with pytest.raises(InstrumentError, match=rf"{DL3021}: no reply to ':MEAS:POW\?' within 0.05 s"):
        session.query(":MEAS:POW?")


def test_an_absent_visa_resource_is_an_instrument_error_naming_it() -> None:
    resource = "ASRL/dev/no-such-tty::INSTR"  # through pyvisa-py, the default library
    with pytest.raises(InstrumentError, match=f"{resource}: cannot open through VISA library '@py'"):
        open_transport(resource, baudrate=9600)


def test_visa_serial_resources_are_serial_lines() -> None:
    session = open_transport("ASRL1::INSTR", visa_library=sim_library("keysight_34970a"))
    assert session.serial_line


def test_sim_resources_need_their_twin() -> None:
    with pytest.raises(ResourceError, match="open_instrument"):
        open_transport("sim://thermo")


def test_the_sim_transport_refuses_framing_the_twin_would_not_understand(cell_world: object) -> None:
    twin = Keysight34970ATwin(cell_world, channels={"cell": 101})  # RS-232: replies end in CR LF
    with pytest.raises(InstrumentError, match=r"ends replies with '\\r\\n', never '\\r'"):
        SimTransport("sim://thermo", twin, read_termination="\r")
    with pytest.raises(InstrumentError, match=r"does not take '\\r' as message terminator"):
        SimTransport("sim://thermo", twin, write_termination="\r")


def test_the_sim_transport_byte_path_frames_like_the_line(cell_world: object) -> None:
    line = open_transport("sim://thermo", twin=Keysight34970ATwin(cell_world, channels={"cell": 101}))
    assert isinstance(line, Transport) and line.serial_line
    line.write_bytes(b"SYST:REM\r\n*IDN?\r\n")
    assert line.read_bytes(9) == b"HEWLETT-P"
    assert line.read() == "ACKARD,34970A,0,13-2-2"
    with pytest.raises(InstrumentError, match="sim://thermo: no reply within"):
        line.read()


def test_opening_the_registry_imports_neither_pyvisa_nor_pyserial() -> None:
    probe = ("import sys, drivers.registry, drivers.transports; "
             "print(sorted(m for m in ('pyvisa', 'serial') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                          check=True, env={"PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "[]"


def test_a_usb_resource_without_pyusb_says_in_one_line_what_to_install(monkeypatch) -> None:
    import pyvisa

    def no_pyusb(self, resource, **kwargs):
        raise ValueError("Please install PyUSB to use this resource type.\nNo module named 'usb'")
    monkeypatch.setattr(pyvisa.ResourceManager, "open_resource", no_pyusb)
    with pytest.raises(InstrumentError) as error:
        open_transport("USB0::0x1AB1::0x0E11::DL3A000000001::INSTR")
    assert "\n" not in str(error.value)
    assert str(error.value) == ("USB0::0x1AB1::0x0E11::DL3A000000001::INSTR: cannot open through VISA library '@py': "
                                "USB instruments need PyUSB and libusb: pip install 'powerbench[hardware]' "
                                "(README: Connecting a real bench)")
