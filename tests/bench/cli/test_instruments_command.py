"""`bench instruments scan` and `check` as a technician runs them at a new bench: what is
attached and which driver fits it, then whether the station's instruments answer, read, and
are left safe. Exit codes: 0 all OK, 4 an instrument fault, 2 invalid input; never a traceback."""
from __future__ import annotations

import logging
import subprocess
import sys
import types
import warnings
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import bench.cli.instruments as cli_instruments
import bench.run.session
from bench.cli.app import app
from bench.cli.instruments import SerialPort
from bench.station.instruments import Station

SCAN_YAML = Path(__file__).with_name("instruments_scan.yaml")
DL3021 = "USB0::0x1AB1::0x0E11::DL3A000000001::INSTR"
STRANGER = "USB0::0x1234::0x0001::0001::INSTR"
SILENT = "USB0::0x1234::0x0002::0002::INSTR"
runner = CliRunner()


def invoke(*args: str) -> Result:
    result = runner.invoke(app, list(args), env={"COLUMNS": "300"})  # table rows on one line
    assert "Traceback" not in result.output
    return result


def test_the_cli_starts_without_the_instrument_libraries() -> None:
    """`bench --help` must stay fast: pyvisa, pyserial and minimalmodbus load in commands only."""
    code = "import sys, bench.cli.app; print(sorted({'pyvisa', 'serial', 'minimalmodbus'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout == "[]\n"


# --- scan ---------------------------------------------------------------------------------

def test_scan_with_nothing_attached_says_so_and_exits_0() -> None:
    """The real listing of this machine (and CI's): no instrument, no USB serial adapter."""
    result = invoke("instruments", "scan")
    assert result.exit_code == 0, result.output
    assert "Nothing attached: no USB or GPIB instrument and no USB serial adapter found" in result.output
    assert "LAN not searched (--lan" in result.output  # nothing was broadcast


@pytest.fixture
def attached(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three USB instruments (answered by pyvisa-sim) and a USB serial adapter."""
    monkeypatch.setattr(cli_instruments, "visa_listing",
                        lambda library, lan: ([DL3021, STRANGER, SILENT], ["USB: listed by a test"]))
    monkeypatch.setattr(cli_instruments, "serial_listing",
                        lambda: [SerialPort("/dev/ttyUSB7", "USB-Serial CH340", True),
                                 SerialPort("/dev/ttyS0", "n/a", False)])


def row(output: str, first_cell: str) -> str:
    """The table row that starts with `first_cell`."""
    (line,) = [line for line in output.splitlines() if line.startswith(f"│ {first_cell} ")]
    return line


def test_scan_suggests_the_driver_whose_maker_and_model_answer(attached: None) -> None:
    result = invoke("instruments", "scan", "--visa-library", f"{SCAN_YAML}@sim", "--timeout", "0.1")
    assert result.exit_code == 0, result.output
    assert "RIGOL TECHNOLOGIES,DL3021" in row(result.output, DL3021)
    assert row(result.output, DL3021).rstrip(" │").endswith("rigol-dl3000")
    assert "no registered driver" in row(result.output, STRANGER)
    assert "no answer to *IDN?" in row(result.output, SILENT)
    adapter = row(result.output, "/dev/ttyUSB7")
    assert "not asked (--probe-serial)" in adapter  # an unknown serial device is sent nothing
    assert "modbus-thermocouple" in adapter and "max31855-logger" in adapter  # what may sit there
    assert "note: USB: listed by a test" in result.output


def test_scan_asks_serial_ports_only_when_told(attached: None, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def ask(resource: str, timeout: float, visa_library: str | None) -> str:
        asked.append(resource)
        return "HEWLETT-PACKARD,34970A,0,13-2-2"

    monkeypatch.setattr(cli_instruments, "visa_listing", lambda library, lan: ([], []))
    monkeypatch.setattr(cli_instruments, "ask_idn", ask)
    assert invoke("instruments", "scan").exit_code == 0 and asked == []
    result = invoke("instruments", "scan", "--probe-serial", "--baud", "19200")
    assert asked == ["serial:///dev/ttyUSB7?baudrate=19200", "serial:///dev/ttyS0?baudrate=19200"]
    assert row(result.output, "/dev/ttyUSB7").rstrip(" │").endswith("keysight-34970a")


# --- scan without and with the optional packages (powerbench[hardware]) ---------------------

@pytest.fixture
def nothing_found(monkeypatch: pytest.MonkeyPatch) -> type:
    """pyvisa-py loaded as installed here, then its discovery stubbed to find nothing on USB, GPIB
    and LAN (no bus read, nothing broadcast), and no serial port. Returns the stub session class."""
    import pyvisa_py.highlevel  # noqa: F401  its interface modules load now, before a test hides a package
    from pyvisa.constants import InterfaceType
    from pyvisa_py.sessions import Session

    class Nothing:
        @staticmethod
        def list_resources() -> list[str]:
            return []

    sessions = [((InterfaceType[name], "INSTR"), Nothing) for name in ("usb", "gpib", "tcpip")]
    monkeypatch.setattr(Session, "iter_valid_session_classes", lambda: iter(sessions))
    monkeypatch.setattr(cli_instruments, "serial_listing", lambda: [])
    return Nothing


def assert_clean(result: Result) -> None:
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output and "warnings.warn" not in result.output


@pytest.mark.parametrize("capability", cli_instruments.CAPABILITIES, ids=lambda c: c.modules[0])
def test_scan_names_a_missing_package_in_one_line(capability: Any, nothing_found: type,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for module in capability.modules:
        monkeypatch.setitem(sys.modules, module, None)  # `import` fails as when it is not installed
    result = invoke("instruments", "scan", "--lan")
    assert_clean(result)
    assert result.output.count(f"note: {capability.missing}\n") == 1


def test_scan_with_the_hardware_packages_says_only_that_nothing_is_attached(
        nothing_found: type, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyvisa_py.sessions import Session

    for module in ("usb", "psutil", "zeroconf", "gpib_ctypes"):
        monkeypatch.setitem(sys.modules, module, types.ModuleType(module))  # as if installed
    monkeypatch.setattr(Session, "iter_session_classes_issues", lambda: iter([]))  # and usable
    result = invoke("instruments", "scan", "--lan")
    assert_clean(result)
    assert result.output == "Nothing attached: no USB or GPIB instrument and no USB serial adapter found.\n"


def test_scan_turns_what_pyvisa_py_warns_and_logs_into_one_note_each(
        nothing_found: type, monkeypatch: pytest.MonkeyPatch) -> None:
    denied = ("User does not have permission to read from or write to /dev/bus/usb/001/004, so the "
              "above USB INSTR device cannot be used by pyvisa")
    defaults = "VI_WARN_CONFIG_NLOADED (1073676407): VISA-specified defaults will be used."

    def noisy() -> list[str]:  # what pyvisa-py says at a bench without psutil and udev rule
        warnings.warn("TCPIP:instr resource discovery is limited to the default interface."
                      "Install psutil: pip install psutil if you want to scan all interfaces.", UserWarning)
        warnings.warn(defaults, UserWarning)
        try:
            raise PermissionError(13, "Access denied (insufficient permissions)")
        except PermissionError:
            logging.getLogger("pyvisa").exception(f"{denied}\nsecond line")
        return []

    monkeypatch.setattr(nothing_found, "list_resources", staticmethod(noisy))
    monkeypatch.setitem(sys.modules, "psutil", None)
    result = invoke("instruments", "scan", "--lan")
    assert_clean(result)
    notes = result.output.splitlines()
    assert notes.count(f"note: PyVISA: {denied}") == 1 and notes.count(f"note: PyVISA: {defaults}") == 1
    assert "second line" not in result.output and "PermissionError" not in result.output
    assert result.output.count("psutil") == 1  # the note saying what to install; the warning is dropped


def test_scan_with_a_visa_library_that_is_not_installed_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_instruments, "serial_listing", lambda: [])
    result = invoke("instruments", "scan", "--visa-library", "@nosuch")
    assert_clean(result)
    assert "note: VISA instruments not searched: cannot load VISA library '@nosuch' (" in result.output


# --- check --------------------------------------------------------------------------------

@pytest.fixture
def bench_world(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The simulated world `check` builds, and whether the bench was put in safe state."""
    seen: dict[str, Any] = {"safe": 0}
    make_world, safe = bench.run.session.make_world, Station.safe

    def keep_world(*args: Any, **kwargs: Any) -> Any:
        seen["world"] = make_world(*args, **kwargs)
        return seen["world"]

    def count_safe(station: Station) -> list[str]:
        seen["safe"] += 1
        return safe(station)

    monkeypatch.setattr(bench.run.session, "make_world", keep_world)
    monkeypatch.setattr(Station, "safe", count_safe)
    return seen


def test_check_of_the_simulated_station_is_all_ok_and_leaves_it_safe(bench_world: dict[str, Any]) -> None:
    result = invoke("instruments", "check")
    assert result.exit_code == 0, result.output
    for role in ("load", "supply", "thermo", "safe state"):
        assert row(result.output, role).rstrip(" │").endswith("OK"), role
    assert "cell 2" in row(result.output, "thermo")  # every channel read, by name
    assert "all instruments OK" in result.output
    world = bench_world["world"]
    assert bench_world["safe"] == 1 and not world.load_input_on and not world.supply_output_on


def test_check_names_a_broken_resource_and_exits_4(sim_station: Any, bench_world: dict[str, Any]) -> None:
    station = sim_station({'driver = "rigol-dl3000"\nresource = "sim://"':
                           'driver = "rigol-dl3000"\nresource = "serial:///dev/no-such-port?baudrate=9600"'})
    result = invoke("instruments", "check", "--station", str(station))
    assert result.exit_code == 4, result.output
    assert "FAIL load (rigol-dl3000 at serial:///dev/no-such-port?baudrate=9600): cannot open:" in result.output
    assert row(result.output, "supply").rstrip(" │").endswith("OK")
    # never assumed off: switching it off was tried again through a new connection, which failed too
    problem = next(line for line in result.output.splitlines() if "safe state: load input not confirmed off: " in line)
    assert "no-such-port" in problem
    assert bench_world["safe"] == 1 and not bench_world["world"].supply_output_on


def test_check_says_what_a_usb_load_needs_without_eating_its_brackets(sim_station: Any, bench_world: dict[str, Any],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import pyvisa

    def no_pyusb(self: Any, resource: str, **kwargs: Any) -> Any:
        raise ValueError("Please install PyUSB to use this resource type.\nNo module named 'usb'")
    monkeypatch.setattr(pyvisa.ResourceManager, "open_resource", no_pyusb)
    usb = "USB0::0x1AB1::0x0E11::DL3A000000001::INSTR"
    station = sim_station({'driver = "rigol-dl3000"\nresource = "sim://"': f'driver = "rigol-dl3000"\nresource = "{usb}"'})
    result = invoke("instruments", "check", "--station", str(station))
    assert result.exit_code == 4, result.output
    assert (f"FAIL load (rigol-dl3000 at {usb}): cannot open: {usb}: cannot open through VISA library '@py': USB "
            "instruments need PyUSB and libusb: pip install 'powerbench[hardware]' (README: Connecting a real bench)"
            ) in result.output


def test_check_fails_reversed_leads_across_a_cell_before_anything_is_switched_on(sim_station: Any,
                                                                                  bench_world: dict[str, Any]) -> None:
    station = sim_station({'dut = "powerbank-10000"': 'dut = "lg-m50"'})
    result = invoke("instruments", "check", "--station", str(station), "--defect", "reversed-load")
    assert result.exit_code == 4, result.output
    assert "FAIL wiring: the load reads -4.200 V: its leads are reversed (polarity)" in result.output
    assert row(result.output, "load").rstrip(" │").endswith("OK")  # the instrument itself answers
    world = bench_world["world"]
    assert not world.load_input_on and not world.supply_output_on


def test_check_of_a_product_of_another_kind_simulates_that_product(bench_world: dict[str, Any]) -> None:
    """The default station simulates a bank, which sleeps (0 V at its output): judged as the cell
    given, that is an open lead, so the simulated bench holds the cell given instead."""
    result = invoke("instruments", "check", "--product", "lg-m50")
    assert result.exit_code == 0, result.output
    assert bench_world["world"].dut_name == "lg-m50"
    assert "INR21700-M50, a cell" in " ".join(row(result.output, "wiring").split())


def test_check_judges_the_wiring_against_the_product_given(sim_station: Any, bench_world: dict[str, Any],
                                                           tmp_path: Path) -> None:
    """A cell station's LG M50 (4.2 V) checked as a cell of another chemistry rated far lower."""
    station = sim_station({'dut = "powerbank-10000"': 'dut = "lg-m50"'})
    lfp = tmp_path / "lfp.toml"
    lfp.write_text('kind = "cell"\nmodel = "LFP-18650"\nchemistry = "LiFePO4"\nrated_capacity = "1500 mAh"\n'
                   'nominal_voltage = "3.2 V"\n', encoding="utf-8")
    assert invoke("instruments", "check", "--station", str(station)).exit_code == 0
    result = invoke("instruments", "check", "--station", str(station), "--product", str(lfp))
    assert result.exit_code == 4, result.output
    assert "FAIL wiring: the load reads 4.200 V across the cell: expected" in result.output


def test_check_names_an_open_thermocouple_by_its_channel(sim_station: Any) -> None:
    station = sim_station({"ambient = 103\n": "ambient = 103\nspare = 104\n"})
    result = invoke("instruments", "check", "--station", str(station))
    assert result.exit_code == 4, result.output
    assert "FAIL thermo (keysight-34970a at sim://): channel spare (104): open thermocouple" in result.output


def test_check_drives_a_modbus_module_with_its_register_map_options(sim_station: Any) -> None:
    station = sim_station({'driver = "keysight-34970a"\nresource = "sim://"\ntc_type = "K"\n':
                           'driver = "modbus-thermocouple"\nresource = "sim://"\naddress = 3\n'
                           "start = 0x10\nopen_values = [0x7FFF]\n",
                           "cell = 101\nsurface = 102\nambient = 103\n": "cell = 1\nsurface = 2\nambient = 3\n"})
    result = invoke("instruments", "check", "--station", str(station))
    assert result.exit_code == 0, result.output
    assert "address 3" in row(result.output, "thermo")


def test_check_refuses_a_bad_driver_option_as_invalid_input(sim_station: Any) -> None:
    station = sim_station({'driver = "keysight-34970a"\nresource = "sim://"\ntc_type = "K"\n':
                           'driver = "modbus-thermocouple"\nresource = "sim://"\naddress = 300\n',
                           "cell = 101\nsurface = 102\nambient = 103\n": "cell = 1\nsurface = 2\nambient = 3\n"})
    result = invoke("instruments", "check", "--station", str(station))
    assert result.exit_code == 2, result.output
    assert "option address = 300 is not a whole number in 1..247" in result.output


def test_check_of_an_invalid_station_exits_2(write: Any) -> None:
    result = invoke("instruments", "check", "--station", str(write("bad.toml", 'name = "x"\n')))
    assert result.exit_code == 2
    assert "bad.toml: load: missing" in result.output


def test_check_of_a_real_bench_prints_each_identity_and_the_known_state_it_confirmed(tmp_path: Path) -> None:
    """Three SCPI instruments on TCP sockets (benchmarks/loopback.py), through pyvisa-py."""
    from benchmarks import loopback

    instruments = loopback.bench()
    try:
        result = invoke("instruments", "check", "--station", str(loopback.station_file(instruments, tmp_path)))
    finally:
        for instrument in instruments.values():
            instrument.close()
    assert result.exit_code == 0, result.output
    assert "RIGOL TECHNOLOGIES,DL3021" in row(result.output, "load")
    assert ("load known state, confirmed: :SOUR:INP:STAT OFF; :SOUR:FUNC:MODE FIX; :SOUR:CURR:LEV:IMM 0; "
            ":SOUR:CURR:RANG 4"
            in result.output)
    assert "all instruments OK" in result.output
    assert not instruments["load"].on and not instruments["supply"].on


@pytest.mark.parametrize("columns", [80, 200])
def test_instruments_list_never_cuts_a_driver_or_option_name(monkeypatch, columns):
    """A table when the names fit whole, else a list: every name a station file needs, whole."""
    from drivers.registry import REGISTRY

    result = CliRunner(env={"COLUMNS": str(columns)}).invoke(app, ["instruments", "list"])
    assert result.exit_code == 0, result.output
    words = set(result.output.replace("│", " ").replace(",", " ").split())
    for name, info in REGISTRY.items():
        assert name in words and set(info.options) <= words, name
    assert ("┃ driver" in result.output) == (columns == 200)  # at 80 columns: a list
