"""`bench instruments scan` and `check` as a technician runs them at a new bench: what is
attached and which driver fits it, then whether the station's instruments answer, read, and
are left safe. Exit codes: 0 all OK, 4 an instrument fault, 2 invalid input; never a traceback."""
from __future__ import annotations

import subprocess
import sys
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
    assert "safe state: load input not confirmed off: never opened (see above)" in result.output  # never assumed off
    assert bench_world["safe"] == 1 and not bench_world["world"].supply_output_on


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
