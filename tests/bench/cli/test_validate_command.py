"""`bench validate` and `bench --help`: the plan for a good profile, one or two lines and exit 2
for a bad one, never a traceback; both answer without the heavy imports."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli.app import app

ROOT = Path(__file__).resolve().parents[3]
QUICK = ROOT / "profiles" / "quick-check.toml"
CLI = [sys.executable, "-c", "from bench.cli.app import main; main()"]
BAD = '''name = "Bad"
period = "1 s"
steps = [
    "Charge at 5 V, 3 A limit until 100 mA",
    "Rest for 30 min",
    "Charge at 5 V, 5 V limit until 100 mA",
]
[dut]
kind = "power bank"
'''
FIXED = BAD.replace('"Charge at 5 V, 5 V limit until 100 mA"', '"Rest for 1 min"')


@pytest.fixture
def cli():
    runner = CliRunner(env={"COLUMNS": "200"})  # no wrapping: the assertions read whole lines
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_validate_prints_the_steps_criteria_and_an_estimated_duration(cli):
    result = cli("validate", QUICK)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Quick check" in out
    for step in ("Charge at 5 V, 3 A limit until current < 100 mA for 60 s", "Rest for 30 min",
                 "Discharge at 2 A until 4.5 V"):
        assert step in out
    assert "criteria:" in out
    assert ("delivered capacity: discharge capacity of step 'discharge', min 5.16 Ah "
            "(= 86 % of rated output capacity)") in out
    assert "max temperature: max temperature of the run, max 45 degC" in out
    assert "estimated duration: ~" in out
    assert "abort if cell temperature > 60 degC" in out
    assert "Traceback" not in out


def test_validate_shows_the_names_of_named_steps(cli):
    # '[discharge]' is also rich markup: it must be printed, not swallowed
    assert "Discharge at 2 A until 4.5 V [discharge]" in cli("validate", QUICK).output


def test_validate_checks_against_the_station_given(cli, tmp_path):
    station = (ROOT / "stations" / "sim.toml").read_text(encoding="utf-8").replace('max_current = "8 A"',
                                                                                   'max_current = "1 A"')
    path = tmp_path / "small.toml"
    path.write_text(station, encoding="utf-8")
    result = cli("validate", QUICK, "--station", path)
    assert result.exit_code == 2
    (line,) = lines(result.output)
    assert f"{QUICK}: steps[1]:" in line and "hard limit 1 A" in line and str(path) in line


@pytest.mark.parametrize("text, key", [
    (BAD, "steps[3]"),
    (BAD.replace('kind = "power bank"', 'kind = "power bank"\ncolour = "red"'), "dut.colour"),
    (BAD.replace('period = "1 s"\n', ""), "period"),
    (BAD + '[[criteria]]\nname = "c"\nmetric = "discharge capacity"\nmin = "5 V"\n', "steps[3]"),
    (BAD.replace('"Charge at 5 V, 5 V limit until 100 mA"', '"Rest for 1 min"')
     + '[[criteria]]\nname = "c"\nmetric = "discharge capacity"\nmin = "5 V"\n', "criteria[1].min"),
    (BAD.replace("steps = [", "steps = [[", 1), ""),
    (BAD.replace('"Rest for 30 min"', '"Discharge at 9**9**9 A until 3 V"'), "steps[2]"),
    (FIXED.replace('"Rest for 30 min"', "{ repeat = 2, steps = [" * 200 + '"Rest for 1 min"' + "] }" * 200), "steps"),
    (FIXED.replace('period = "1 s"', 'period = "1e-9 s"'), "period"),
    (FIXED.replace('"Rest for 30 min"', '"Rest for 1e300 s"'), "steps[2]"),
    (FIXED.replace('"Rest for 30 min"', '"Rest' + " " * 16000 + 'x"'), "steps[2]"),
    (FIXED.replace('"Rest for 30 min"', '"Discharge at 70 W until 3 V"'), "steps[2]"),
])
def test_a_malformed_profile_exits_2_with_one_line_naming_the_file_and_key(cli, tmp_path, text, key):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    result = cli("validate", path)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    out = lines(result.output)
    assert 1 <= len(out) <= 2
    assert out[0].startswith(f"error: {path}: {key}: " if key else f"error: {path}: ")
    assert result.stderr.strip()  # the error goes to stderr


def test_the_readme_example_error_reads_as_documented(cli, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    (line,) = lines(cli("validate", path).output)
    assert line == (f"error: {path}: steps[3]: expected a current (e.g. '2 A' or '500 mA'), "
                    "got '5 V', which is a voltage")


def test_a_missing_file_exits_2_with_a_clear_message(cli, tmp_path):
    result = cli("validate", tmp_path / "nope.toml")
    assert result.exit_code == 2
    (line,) = lines(result.output)
    assert line == f"error: {tmp_path / 'nope.toml'}: cannot read the profile: No such file or directory"


def test_a_binary_file_exits_2_not_as_an_internal_error(cli, tmp_path):
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00\x01")
    result = cli("validate", path)
    assert result.exit_code == 2
    (line,) = lines(result.output)
    assert line.startswith(f"error: {path}: not a text file")


def test_a_missing_station_file_exits_2(cli, tmp_path):
    result = cli("validate", QUICK, "--station", tmp_path / "nope.toml")
    assert result.exit_code == 2
    assert lines(result.output) == [f"error: {tmp_path / 'nope.toml'}: cannot read the station file: "
                                    "No such file or directory"]


def test_help_lists_the_commands(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("run", "validate", "instruments", "sim"):
        assert f" {command} " in result.output


def test_validate_as_a_process_exits_2_on_a_bad_profile_without_a_traceback(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    bad = subprocess.run([*CLI, "validate", str(path)], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stdout + bad.stderr
    assert lines(bad.stdout + bad.stderr) == [f"error: {path}: steps[3]: expected a current (e.g. '2 A' or "
                                              "'500 mA'), got '5 V', which is a voltage"]
    good = subprocess.run([*CLI, "validate", str(QUICK)], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert good.returncode == 0, good.stderr
    assert "estimated duration" in good.stdout


def test_help_and_validate_leave_rich_pydantic_and_what_they_do_not_use_unimported():
    # Rich (help rendering, consoles) and pydantic (Typer's parameter adapters) cost more than the
    # commands; --help needs no logging, validate no live view and no twin of a simulated station
    script = (
        "import sys\n"
        "from bench.cli.app import app\n"
        "def heavy(names):\n"
        "    return 'HEAVY:' + ','.join(m for m in names if m in sys.modules)\n"
        "for args, names in ((['--help'], ('pint', 'pyvisa', 'serial', 'logging')),\n"
        "                    (['validate', 'quick-check'], ('bench.cli.live', 'bench.record.records', "
        "'drivers.sim.twins'))):\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "    print(heavy(names + ('rich', 'pydantic', 'matplotlib', 'numpy', 'pandas', 'pyarrow', 'sqlalchemy', "
        "'psycopg')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout and "valid" in done.stdout
    assert [line for line in done.stdout.splitlines() if line.startswith("HEAVY:")] == ["HEAVY:", "HEAVY:"]


def test_validate_names_the_simulated_dut_a_profile_of_its_kind_gets(cli):
    result = cli("validate", "dcir")
    assert result.exit_code == 0, result.output
    assert "product: INR21700-M50 (" in result.output and "lg-m50.toml), a cell; rated capacity 5000 mAh, nominal " \
        "voltage 3.63 V" in result.output
    assert "simulated DUT: lg-m50" in result.output


def test_validate_refuses_a_dut_of_another_kind_than_the_profile(cli):
    result = cli("validate", "quick-check", "--dut", "lg-m50")
    assert result.exit_code == 2
    assert "--dut: lg-m50: a cell, but " in result.output and 'written for a power bank' in result.output
