"""Each mistake a new user made that `bench validate` called valid and `bench run` then failed
on (hours in, with a run folder, an internal class name) is now exit 2 from both, one line naming
the file and the key, and no run folder; a plausibility warning is the same with --strict."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli.app import app

ROOT = Path(__file__).resolve().parents[3]
SIM = (ROOT / "stations" / "sim.toml").read_text(encoding="utf-8")
CAPACITY = (ROOT / "profiles" / "capacity.toml").read_text(encoding="utf-8")
QUICK = (ROOT / "profiles" / "quick-check.toml").read_text(encoding="utf-8")


def edited(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


# (case, profile text or shipped name, station text or None, words of the error, strict)
MISTAKES = [
    ("pass-through on a channel-2 station", "pass-through", edited(SIM, "channel = 1", "channel = 2"),
     "current limit 3 A is outside the range of the supply, E36312A CH2", False),
    ("an unknown world DUT", "capacity", edited(SIM, 'dut = "powerbank-10000"', 'dut = "powerbank-5000"'),
     "unknown DUT preset 'powerbank-5000'", False),
    ("a world override of the wrong dimension", "capacity", SIM + '[world.overrides]\ncapacity = "3 V"\n',
     "world.overrides.capacity: expected a capacity (e.g. '10000 mAh' or '2.5 Ah'), got '3 V', which is a voltage", False),
    ("a misspelt world override", "capacity", SIM + '[world.overrides]\ncapacty = "3 Ah"\n',
     "world.overrides.capacty: not a parameter of 'powerbank-10000'", False),
    ("a supply channel the model lacks", "capacity", edited(SIM, "channel = 1", "channel = 7"),
     "channel 7 is not one of 1, 2, 3", False),
    ("an unknown thermocouple type", "capacity", edited(SIM, 'tc_type = "K"', 'tc_type = "Q"'),
     "thermo: keysight-34970a: thermocouple type 'Q'", False),
    ("an unknown supply model", "capacity",
     edited(SIM, 'driver = "keysight-e36300"', 'driver = "keysight-e36300"\nmodel = "E36999A"'), "E36999A", False),
    ("a sample period of a day", edited(CAPACITY, 'period = "1 s"', 'period = "1 day"'), None, "period", False),
    ("a billion repeats", edited(QUICK, '    "Rest for 30 min",', '    { repeat = 1000000000, steps = ["Rest for 30 min"] },'),
     None, "repeat = 1000000000 runs", False),
    ("a discharge until 40 V on a 5 V bank",
     edited(QUICK, '"Discharge at 2 A until 4.5 V"', '"Discharge at 2 A until 40 V"'), None,
     "is met from the first sample", True),
    ("a safety limit above the station's", edited(CAPACITY, '"cell temperature > 60 degC",', '"cell temperature > 90 degC",'),
     None, "never trips: the station's hard limit 70 degC", True),
]


@pytest.mark.parametrize("profile, station, words, strict", [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_validate_and_run_refuse_the_mistake_before_anything_is_switched_on(tmp_path, profile, station, words, strict):
    runner = CliRunner(env={"COLUMNS": "400"})
    args = []
    if not profile.replace("-", "").isalpha():
        (tmp_path / "p.toml").write_text(profile, encoding="utf-8")
        profile = tmp_path / "p.toml"
    if station is not None:
        (tmp_path / "station.toml").write_text(station, encoding="utf-8")
        args += ["--station", tmp_path / "station.toml"]
    if strict:
        args.append("--strict")
    logs = tmp_path / "logs"
    checked = runner.invoke(app, [str(a) for a in ["validate", profile, *args]])
    ran = runner.invoke(app, [str(a) for a in ["run", profile, *args, "--log-dir", logs]])
    for result in (checked, ran):
        assert result.exit_code == 2, result.output
        error = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert len(error) == 1 and words in error[0], result.output
        assert "Traceback" not in result.output and "Error(" not in result.output
    assert not logs.exists()
