"""SimBench, what the pytest plugin's fixtures run: a profile on the simulated bench through
the run path of `bench run`, its outcome as plain values, bad input as InputError."""
from __future__ import annotations

import json

import pytest

from bench.errors import InputError
from bench.testing.simbench import PlausibilityWarning, SimBench

PULSE = """
name = "DCIR screen"
period = "1 s"
steps = ["Rest for 1 min", { step = "Discharge at 0.5C for 10 s", name = "pulse" }]
[dut]
kind = "cell"
rated_capacity = "5000 mAh"
nominal_voltage = "3.63 V"
[safety]
abort_if = ["cell temperature > 50 degC"]
[[criteria]]
name = "DCIR"
metric = "dcir"
step = "pulse"
max = "55 mOhm"
"""


@pytest.fixture(scope="module")
def said() -> list[str]:
    return []


@pytest.fixture(scope="module")
def sim(tmp_path_factory, said) -> SimBench:
    return SimBench(tmp_path_factory.mktemp("sim"), echo=said.append)


@pytest.fixture(scope="module")
def passed(sim):
    return sim.run(text=PULSE)


def test_a_run_gives_the_verdict_exit_code_and_criteria_run_json_records(sim, passed, said):
    dcir = passed.criteria["DCIR"]
    assert (passed.verdict, passed.exit_code, passed.reason, passed.warnings) == ("PASS", 0, "all criteria met", ())
    assert (dcir.unit, dcir.min, dcir.max, dcir.outcome) == ("mOhm", None, 55.0, "PASS")
    assert 25 < dcir.value < 45  # the simulated LG M50: ~35 mOhm at a 0.5C pulse
    meta = json.loads((passed.folder / "run.json").read_text())
    assert meta["verdict"] == "PASS" and meta["criteria"][0]["value"] == dcir.value
    assert passed.folder.name.endswith("-profile") and meta["profile"]["text"] == PULSE
    assert passed.summary.splitlines() == ["PASS: all criteria met", f"  {dcir.text}", f"run folder: {passed.folder}"]
    assert said[0] == f"{sim.folder / 'profile.toml'}: {passed.summary}"


def test_a_missed_criterion_is_fail_with_exit_code_1(sim):
    result = sim.run(sim.write_profile(PULSE, "screen"), dut="lg-m50", defect=["high-resistance:factor=2"])
    assert (result.verdict, result.exit_code) == ("FAIL", 1)
    assert result.criteria["DCIR"].outcome == "FAIL" and result.criteria["DCIR"].value > 55
    assert "DCIR" in result.reason


def test_invalid_input_raises_input_error_naming_file_and_key_before_a_run_folder(tmp_path):
    sim = SimBench(tmp_path)
    with pytest.raises(InputError) as caught:
        sim.run(text=PULSE.replace("period", "periood"))
    assert caught.value.source == str(tmp_path / "profile.toml") and caught.value.key == "periood"
    with pytest.raises(InputError, match="lg-m51: unknown DUT preset"):
        sim.run(text=PULSE, dut="lg-m51")
    assert not (tmp_path / "logs").exists()


def test_a_station_with_real_instruments_is_refused(tmp_path):
    with pytest.raises(InputError, match="example-lab.toml: a station with real instruments"):
        SimBench(tmp_path, "example-lab").run(text=PULSE)


def test_plausibility_warnings_are_python_warnings_and_strict_refuses_them(sim):
    implausible = PULSE.replace("50 degC", "90 degC")  # above the station's 70 degC hard limit
    with pytest.warns(PlausibilityWarning, match=r"abort_if\[1\].*never trips") as caught:
        result = sim.run(text=implausible)
    assert result.warnings == (str(caught[0].message),) and caught[0].filename == __file__
    with pytest.raises(InputError, match="never trips"):
        sim.run(text=implausible, strict=True)


def test_a_plausibility_warning_made_an_error_stops_the_test_before_the_run(tmp_path):
    """-W error::...PlausibilityWarning: as strict=True, nothing runs (it ran the whole profile,
    then failed the test)."""
    import warnings

    sim = SimBench(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PlausibilityWarning)
        with pytest.raises(PlausibilityWarning, match="never trips"):
            sim.run(text=PULSE.replace("50 degC", "90 degC"))
    assert not (tmp_path / "logs").exists()
