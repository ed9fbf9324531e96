"""The whole path on the simulated bench: profile -> drivers -> simulated instruments ->
runner -> run folder -> verdict, and the bench left safe on every exit path."""
from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from runfolders import ROOT, read_run

from bench.record import schema
from bench.record.records import Sink
from bench.run.engine import Runner
from bench.run.session import Request, execute, make_world, prepare

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

QUICK_CHECK = ROOT / "profiles" / "quick-check.toml"

SHORT = """
name = "Short discharge"
period = "1 s"
steps = [{{ step = "Discharge at {current} until 4.5 V or step time > {minutes} min", name = "discharge" }}]
[dut]
kind = "power bank"
rated_capacity = "10000 mAh"
nominal_voltage = "3.7 V"
[safety]
abort_if = [{safety}]
[[criteria]]
name = "delivered capacity"
metric = "discharge capacity"
step = "discharge"
min = "0.1 Ah"
"""


def short_profile(write, current="2 A", minutes=60, safety=""):
    return write("short.toml", SHORT.format(current=current, minutes=minutes, safety=safety))


def run(tmp_path, profile, station=None, view=None, world=None, **kw):
    request = Request(Path(profile), station, tmp_path / "logs", **kw)
    if world is None:
        _, config = prepare(request)
        world = make_world(config, None, None)
    outcome, folder = execute(request, [view] if view else [], world=world)
    return outcome, folder, world


def assert_bench_safe(world, meta):
    assert world.load_input_on is False
    assert world.supply_output_on is False
    assert world.load_reading()[1] == 0.0
    assert world.supply_reading()[1] == 0.0
    assert meta["safe_state_confirmed"] is True


def test_healthy_power_bank_passes_quick_check_with_a_complete_run_folder(tmp_path):
    outcome, folder, world = run(tmp_path, QUICK_CHECK, serial="PB-0001", operator="ana")
    assert outcome.verdict == "PASS", outcome.reason
    meta, events, rows = read_run(folder)
    assert_bench_safe(world, meta)
    assert folder.name.endswith("quick-check-PB-0001")
    assert meta["verdict"] == "PASS" and meta["status"] == "finished"
    assert meta["dut"]["serial"] == "PB-0001" and meta["operator"] == "ana"
    assert meta["profile"]["sha256"] == hashlib.sha256(QUICK_CHECK.read_bytes()).hexdigest()
    assert meta["instruments"]["load"]["identity"].startswith("RIGOL TECHNOLOGIES,DL3021")
    assert meta["instruments"]["supply"]["identity"].startswith("Keysight Technologies,E36312A")
    assert meta["temperature_channels"] == {"cell": "Temperature T1 / degC", "surface": "Temperature T2 / degC",
                                            "ambient": schema.AMBIENT_TEMPERATURE}
    criteria = {c["name"]: c for c in meta["criteria"]}
    assert criteria["delivered capacity"]["outcome"] == "PASS"
    assert 6.0 < criteria["delivered capacity"]["value"] < 7.0  # 2 x 5 Ah cells at ~90 % into 5 V
    assert criteria["max temperature"]["value"] < 45

    assert len(rows) == meta["samples"] > 10_000
    times = [float(r["Test Time / s"]) for r in rows]
    assert times == sorted(times)
    assert [r["Step Type"] for r in rows][:: len(rows) - 1] == ["charge", "discharge"]
    charge = [r for r in rows if r["Step Type"] == "charge"]
    discharge = [r for r in rows if r["Step Type"] == "discharge"]
    # a bank's voltage and current are its output port's, where it never charges (BDF: positive charges)
    assert all(float(r[schema.INPUT_CURRENT]) > 0 and float(r[schema.CURRENT]) == 0 for r in charge[:100])
    assert all(float(r[schema.CURRENT]) == -float(r[schema.OUTPUT_CURRENT]) < 0 for r in discharge[:100])
    last = discharge[-1]
    assert float(last[schema.STEP_DISCHARGING_CAPACITY]) == pytest.approx(criteria["delivered capacity"]["value"],
                                                                         abs=1e-5)
    assert float(last["Output Voltage / V"]) < 4.5  # ended at the bank's cut-off

    kinds = [e["event"] for e in events]
    assert kinds.count("step_start") == kinds.count("step_end") == 3
    assert kinds[-1] == "safe_state" and events[-1]["confirmed"] is True
    ends = [e["ended_by"] for e in events if e["event"] == "step_end"]
    assert ends == ["current < 100 mA for 60 s", "duration 1800 s", "4.5 V"]

    suite = ET.parse(folder / "junit.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "0", "0")


def test_counterfeit_capacity_fails_naming_the_capacity_criterion(tmp_path, sim_station):
    station = sim_station(append='[world.overrides]\ncapacity = "6000 mAh"\n')
    outcome, folder, world = run(tmp_path, QUICK_CHECK, station)
    assert outcome.verdict == "FAIL"
    assert "delivered capacity" in outcome.reason and "max temperature" not in outcome.reason
    meta, _, _ = read_run(folder)
    assert_bench_safe(world, meta)
    result = {c["name"]: c for c in meta["criteria"]}["delivered capacity"]
    assert result["outcome"] == "FAIL" and 3.0 < result["value"] < 5.2
    failures = ET.parse(folder / "junit.xml").getroot().findall(".//testcase/failure/..")
    assert [case.get("name") for case in failures] == ["delivered capacity"]


def test_profile_temperature_limit_aborts_with_load_and_supply_off(tmp_path, write):
    profile = short_profile(write, current="2.1 A", minutes=120, safety='"surface temperature > 27 degC"')
    outcome, folder, world = run(tmp_path, profile)
    assert outcome.verdict == "ABORTED"
    assert "surface temperature > 27 degC" in outcome.reason and "measured" in outcome.reason
    meta, events, rows = read_run(folder)
    assert_bench_safe(world, meta)
    assert float(rows[-1]["Temperature T2 / degC"]) > 27  # the row that tripped is on disk
    kinds = [e["event"] for e in events]
    assert "safety_trip" in kinds and kinds[-1] == "safe_state"
    run_case = ET.parse(folder / "junit.xml").getroot().find(".//testcase[@name='run']/failure")
    assert run_case is not None and run_case.get("message").startswith("ABORTED")


def test_station_hard_limit_aborts_even_when_the_profile_allows_more(tmp_path, write, sim_station):
    station = sim_station({'max_temperature = "70 degC"': 'max_temperature = "26.5 degC"'})
    outcome, folder, world = run(tmp_path, short_profile(write), station)
    assert outcome.verdict == "ABORTED" and "station hard limit: temperature > 26.5 degC" in outcome.reason
    assert_bench_safe(world, read_run(folder)[0])


class StopAfter(Sink):
    """A live view that raises on the n-th sample, as Ctrl-C or a bug would mid-run."""

    def __init__(self, n: int, exc: BaseException) -> None:
        self.n, self.exc = n, exc

    def sample(self, record) -> None:
        self.n -= 1
        if self.n == 0:
            raise self.exc


def test_ctrl_c_aborts_and_leaves_the_bench_safe(tmp_path, write):
    outcome, folder, world = run(tmp_path, short_profile(write), view=StopAfter(100, KeyboardInterrupt()))
    assert outcome.verdict == "ABORTED" and "operator stop" in outcome.reason
    meta, events, rows = read_run(folder)
    assert_bench_safe(world, meta)
    assert len(rows) == 100 and "operator_stop" in [e["event"] for e in events]


def test_an_internal_error_is_an_error_verdict_with_the_bench_safe(tmp_path, write, monkeypatch):
    checks = iter(range(10**6))
    real = Runner._check_safety

    def broken(self, now, sample):  # a bug in the engine itself, 50 samples in
        if next(checks) == 50:
            raise RuntimeError("boom")
        real(self, now, sample)
    monkeypatch.setattr(Runner, "_check_safety", broken)
    outcome, folder, world = run(tmp_path, short_profile(write))
    assert outcome.verdict == "ERROR" and "RuntimeError: boom" in outcome.reason
    meta, events, _ = read_run(folder)
    assert_bench_safe(world, meta)
    fault = next(e for e in events if e["event"] == "fault")
    assert "Traceback" in fault["traceback"]


def test_open_critical_thermocouple_stops_the_run_at_once(tmp_path, write, sim_station):
    station = sim_station({"ambient = 103\n": "ambient = 103\nspare = 104\n",
                           'critical = ["cell", "surface"]': 'critical = ["cell", "surface", "spare"]'})
    outcome, folder, world = run(tmp_path, short_profile(write), station)
    assert outcome.verdict == "ERROR" and "'spare' (channel 104)" in outcome.reason
    assert_bench_safe(world, read_run(folder)[0])


def test_open_non_critical_thermocouple_is_logged_and_left_blank(tmp_path, write, sim_station):
    station = sim_station({"ambient = 103\n": "ambient = 103\nspare = 104\n"})
    outcome, folder, _ = run(tmp_path, short_profile(write, minutes=5), station)
    assert outcome.verdict == "PASS", outcome.reason
    meta, events, rows = read_run(folder)
    assert [e["channel"] for e in events if e["event"] == "channel_fault"] == ["spare"]  # once, not per sample
    assert rows[-1][meta["temperature_channels"]["spare"]] == "nan"


def test_loops_count_cycles_and_steps(tmp_path, write):
    profile = write("loop.toml", """
name = "Loop"
period = "10 s"
steps = [{ repeat = 3, steps = ["Discharge at 1 A for 2 min", "Rest for 1 min"] }, "Rest for 1 min"]
[dut]
kind = "power bank"
""")
    outcome, folder, _ = run(tmp_path, profile)
    assert outcome.verdict == "PASS"
    _, events, rows = read_run(folder)
    starts = [(e["cycle"], e["count"], e["index"]) for e in events if e["event"] == "step_start"]
    assert starts == [(1, 1, 1), (1, 2, 2), (2, 3, 1), (2, 4, 2), (3, 5, 1), (3, 6, 2), (3, 7, 3)]
    assert {r["Cycle Count / 1"] for r in rows} == {"1", "2", "3"}


def test_integrated_capacity_matches_the_set_current(tmp_path, write):
    profile = write("cc.toml", """
name = "CC"
period = "5 s"
steps = [{ step = "Discharge at 1.5 A for 1 h", name = "cc" }]
[dut]
kind = "power bank"
[[criteria]]
name = "charge out"
metric = "discharge capacity"
step = "cc"
min = "1.49 Ah"
max = "1.51 Ah"
""")
    outcome, _, _ = run(tmp_path, profile)
    assert outcome.verdict == "PASS", outcome.reason
    assert outcome.results[0].value / 3600 == pytest.approx(1.5, rel=1e-3)


def test_a_run_folder_is_never_reused(tmp_path, write):
    profile = short_profile(write, minutes=1)
    _, first, _ = run(tmp_path, profile)
    _, second, _ = run(tmp_path, profile)
    assert first != second and (first / schema.SAMPLES).exists() and (second / schema.SAMPLES).exists()


def test_a_run_identifies_each_instrument_and_sends_its_known_state_once(tmp_path, write, monkeypatch):
    from drivers.sim.twins.scpi import ScpiTwin

    heard: list[tuple[str, str]] = []
    take = ScpiTwin.write
    monkeypatch.setattr(ScpiTwin, "write", lambda twin, message: (heard.append((type(twin).__name__, message)),
                                                                 take(twin, message))[1])
    outcome, folder = execute(Request(short_profile(write, minutes=5), log_dir=tmp_path))
    assert outcome.verdict.value == "PASS"
    asked = [twin for twin, message in heard if message == "*IDN?"]
    assert sorted(asked) == ["Keysight34970ATwin", "KeysightE36300Twin", "RigolDL3000Twin"]
    assert [m for t, m in heard if t == "RigolDL3000Twin"].count(":SOUR:FUNC:MODE FIX") == 1
    assert [m for t, m in heard if t == "KeysightE36300Twin"].count("CURR:PROT:STAT OFF,(@1)") == 1
    assert read_run(folder)[0]["instruments"]["load"]["identity"].startswith("RIGOL TECHNOLOGIES,DL3021")
