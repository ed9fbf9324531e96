"""Lot screening (`bench lot`): a lot of simulated cells with manufacturing spread, one of them
with a changed separator (a micro-short), screened with robust statistics; and the unit-to-unit
spread of the simulated world it rests on."""
from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli.app import app
from bench.analysis.lot import Metric, collect, floor_for, screen, stats_of, z_score
from bench.run.session import Request, execute
from drivers.sim.defects import MicroShort
from drivers.sim.presets import PRESETS
from drivers.sim.spread import Spread
from drivers.sim.world import World

runner = CliRunner()

# An incoming screen of LG M50 cells as they arrive (about 30 % SOC, the air-freight limit):
# charge, 2 h rest (rest-voltage decay: the K value), a 10 s DCIR pulse, top-up charge.
SCREEN = """
name = "Incoming cell screen"
period = "10 s"
steps = [
    { step = "Charge at 4.2 V, 2.5 A limit until current < 100 mA", name = "charge" },
    { step = "Rest for 2 h", name = "rest" },
    { step = "Discharge at 5 A for 10 s (1 s period)", name = "pulse" },
    { step = "Charge at 4.2 V, 2.5 A limit until current < 100 mA", name = "top-up" },
]
[dut]
kind = "cell"
rated_capacity = "5000 mAh"
nominal_voltage = "3.63 V"
[safety]
abort_if = ["cell temperature > 45 degC"]
[[criteria]]
name = "charge capacity"
metric = "charge capacity"
step = "charge"
min = "2.5 Ah"
[[criteria]]
name = "rest voltage decay"
metric = "voltage decay"
step = "rest"
max = "5 mV/h"
[[criteria]]
name = "rest end voltage"
metric = "end voltage"
step = "rest"
min = "4.1 V"
[[criteria]]
name = "dcir"
metric = "dcir"
step = "pulse"
max = "60 mOhm"
[[criteria]]
name = "top-up charge"
metric = "charge capacity"
step = "top-up"
max = "0.2 Ah"
[[criteria]]
name = "rest temperature span"
metric = "cell temperature span"
step = "rest"
max = "2 K"
[[criteria]]
name = "max temperature"
metric = "max temperature"
max = "40 degC"
"""

# (first seed, index of the odd unit, its micro-short): three lots with the default short
# (100 ohm from the start, as `--defect micro-short` gives it) and one with a short 30 times
# weaker (3 kohm: about 10 times the healthy self-discharge).
LOTS = {
    "A": (1000, 2, MicroShort()),
    "B": (2000, 5, MicroShort()),
    "C": (3000, 7, MicroShort()),
    "weak": (4000, 0, MicroShort(resistance=3000.0)),
}


def _run_lot(root: Path, first_seed: int, odd: int, short: MicroShort) -> tuple[Path, str]:
    profile = root / "screen.toml"
    profile.write_text(SCREEN, encoding="utf-8")
    folder = root / "logs"
    for i in range(8):
        world = World(dut="lg-m50", seed=first_seed + i, spread=Spread(), overrides={"initial_soc": 0.3},
                      defects=[short] if i == odd else [])
        outcome, _ = execute(Request(profile, None, folder, serial=f"SN{first_seed + i}"), world=world)
        assert outcome.verdict in ("PASS", "FAIL"), outcome.reason
    return folder, f"SN{first_seed + odd}"


@pytest.fixture(scope="module")
def lots(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """Each lot's log folder (eight run folders) and the serial of its micro-shorted cell."""
    return {name: _run_lot(tmp_path_factory.mktemp(f"lot-{name}"), *spec) for name, spec in LOTS.items()}


def bench_lot(*args: object):
    return runner.invoke(app, ["lot", *map(str, args)])


def outliers_by_serial(result) -> dict[str, list[str]]:
    return {result.units[i].serial: [m.name for m in ms] for i, ms in result.outliers.items()}


# --- the simulated lot -----------------------------------------------------------------------


@pytest.mark.slow  # simulated lots of units
@pytest.mark.parametrize("lot", ["A", "B", "C"])
def test_lot_screen_singles_out_the_micro_shorted_cell_and_only_it(lots, lot):
    folder, odd = lots[lot]
    result = screen(collect([folder]))
    assert len(result.counted) == 8
    flagged = outliers_by_serial(result)
    assert list(flagged) == [odd]
    assert {"rest voltage decay", "rest end voltage", "top-up charge", "max temperature"} <= set(flagged[odd])
    index = next(i for i, u in enumerate(result.units) if u.serial == odd)
    decay = Metric("rest voltage decay", "mV/h")
    assert result.z[index, decay] > 50  # measured ~197: tens of mV/h against ~0.1 mV/h
    others = [abs(z) for (i, _), z in result.z.items() if i != index]
    assert max(others) < 2.5  # the healthy cells of a normal spread stay well inside 3.5


@pytest.mark.slow  # simulated lots of units
def test_a_weak_micro_short_shows_on_the_rest_voltage_decay_alone(lots):
    folder, odd = lots["weak"]
    result = screen(collect([folder]))
    assert outliers_by_serial(result) == {odd: ["rest voltage decay"]}
    index = next(i for i, u in enumerate(result.units) if u.serial == odd)
    assert 5 < result.z[index, Metric("rest voltage decay", "mV/h")] < 12  # measured ~7


@pytest.mark.slow  # simulated lots of units
def test_bench_lot_exits_1_names_the_odd_unit_and_writes_the_table_with_units(lots, tmp_path):
    folder, odd = lots["A"]
    out = tmp_path / "lot.csv"
    result = bench_lot(*sorted(folder.iterdir()), "--out", out)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (line,) = [s for s in result.output.splitlines() if s.startswith("OUTLIER")]
    assert odd in line and "rest voltage decay / mV/h" in line
    assert "Iglewicz and Hoaglin" in result.output
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 8
    header = list(rows[0])
    for column in ("Run ID", "DUT Serial", "rest voltage decay / mV/h", "charge capacity / Ah",
                   "rest end voltage / V", "dcir / mOhm", "max temperature / degC", "run charge capacity / Ah",
                   "run duration / s", "run cell max temperature / degC", "rest voltage decay z / 1"):
        assert column in header
    by_serial = {r["DUT Serial"]: r for r in rows}
    assert by_serial[odd]["Outliers"].split("; ")[:2] == ["rest voltage decay", "rest end voltage"]
    assert all(r["Outliers"] == "" for s, r in by_serial.items() if s != odd)
    assert float(by_serial[odd]["rest voltage decay / mV/h"]) > 10
    assert all(r["Compared"] == "yes" for r in rows)


@pytest.mark.slow  # simulated lots of units
def test_a_lot_without_the_odd_unit_exits_0(lots):
    folder, odd = lots["B"]
    healthy = [f for f in sorted(folder.iterdir()) if not f.name.endswith(odd)]
    result = bench_lot(*healthy)
    assert result.exit_code == 0, result.output
    assert "no outlier" in result.output


@pytest.mark.slow  # simulated lots of units
def test_a_folder_holding_the_run_folders_stands_for_them(lots):
    folder, odd = lots["C"]
    assert bench_lot(folder).exit_code == 1
    assert len(collect([folder])) == 8


@pytest.mark.slow  # simulated lots of units
def test_a_higher_threshold_lets_the_weak_short_through(lots):
    folder, _ = lots["weak"]
    assert bench_lot(folder, "--threshold", "20").exit_code == 0
    assert bench_lot(folder, "--threshold", "0").exit_code == 2


# --- the statistic ---------------------------------------------------------------------------


def test_modified_z_score_is_iglewicz_hoaglin_on_a_worked_example():
    volts = [4.100, 4.102, 4.098, 4.104, 4.096, 4.101, 4.099, 4.060]
    stats = stats_of(Metric("v", "V"), volts)
    assert stats.median == pytest.approx(4.0995)
    assert stats.mad == pytest.approx(0.002) and not stats.floored  # above the 1 mV floor
    assert z_score(4.060, stats) == pytest.approx(0.6745 * -0.0395 / 0.002)  # -13.3
    assert z_score(4.104, stats) == pytest.approx(0.6745 * 0.0045 / 0.002)  # 1.52


def test_a_mad_of_zero_falls_back_to_the_floor_and_never_divides_by_zero():
    same = stats_of(Metric("v", "V"), [4.2] * 8)
    assert same.mad == 0 and same.floored and same.spread == pytest.approx(0.001)
    assert z_score(4.2, same) == 0
    seven = stats_of(Metric("v", "V"), [4.2] * 7 + [4.203])
    assert seven.mad == 0 and z_score(4.203, seven) == pytest.approx(0.6745 * 3)  # 2.0: a 3 mV step is not odd
    assert z_score(4.190, seven) == pytest.approx(-0.6745 * 10)  # 6.7: 10 mV is
    zeros = stats_of(Metric("count", "widgets"), [0.0] * 5)  # an unknown unit with a median of 0
    assert zeros.spread == pytest.approx(1e-12) and z_score(0.0, zeros) == 0
    # quantities that scale with the unit: 1 % of the median (3 % for a resistance)
    assert floor_for("Ah", 5.0) == pytest.approx(0.05) and floor_for("mOhm", 40.0) == pytest.approx(1.2)
    assert floor_for("V", 4.2) == pytest.approx(0.001)


def test_identical_units_differing_below_the_resolution_are_no_outliers(tmp_path):
    folders = [fake_run(tmp_path, f"u{i}", criteria=[("rest end voltage", 4.2 + (0.003 if i == 0 else 0), "V")])
               for i in range(8)]
    assert bench_lot(*folders).exit_code == 0
    folders.append(fake_run(tmp_path, "odd", criteria=[("rest end voltage", 4.19, "V")]))
    result = bench_lot(*folders)
    assert result.exit_code == 1 and "OUTLIER odd" in result.output


# --- which runs count, and bad input ---------------------------------------------------------


def fake_run(root: Path, name: str, *, sha: str = "a" * 64, profile: str = "Screen", status: str = "finished",
             verdict: str | None = "PASS", reason: str = "", criteria=(), totals=None) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    meta = {"id": name, "status": status, "verdict": verdict, "reason": reason, "dut": {"serial": name},
            "profile": {"name": profile, "sha256": sha, "path": "p.toml", "text": ""},
            "criteria": [{"name": n, "value": v, "unit": u, "outcome": "PASS"} for n, v, u in criteria],
            "totals": totals}
    (folder / "run.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def cap(value: float):
    return [("delivered capacity", value, "Ah")]


def test_runs_of_another_profile_are_refused_unless_mixed(tmp_path):
    folders = [fake_run(tmp_path, f"u{i}", criteria=cap(5.0 + 0.01 * i)) for i in range(4)]
    folders.append(fake_run(tmp_path, "other", sha="b" * 64, profile="Other", criteria=cap(5.0)))
    result = bench_lot(*folders)
    assert result.exit_code == 2
    assert "different profiles" in result.output and "other" in result.output and "--mixed" in result.output
    assert "Traceback" not in result.output
    mixed = bench_lot(*folders, "--mixed")
    assert mixed.exit_code == 0 and "runs of different profiles compared" in mixed.output


def test_unfinished_aborted_and_error_runs_are_listed_but_left_out(tmp_path):
    folders = [fake_run(tmp_path, f"u{i}", criteria=cap(5.0 + 0.01 * i)) for i in range(3)]
    folders.append(fake_run(tmp_path, "tripped", verdict="ABORTED", reason="cell temperature > 45 degC",
                            criteria=cap(1.0)))
    folders.append(fake_run(tmp_path, "crashed", status="running", verdict=None, criteria=cap(0.5)))
    folders.append(fake_run(tmp_path, "faulted", verdict="ERROR", reason="instrument fault", criteria=cap(0.1)))
    folders.append(fake_run(tmp_path, "failed", verdict="FAIL", criteria=cap(5.02)))  # a FAIL still counts
    result = screen(collect(folders))
    assert [u.run_id for u in result.counted] == ["u0", "u1", "u2", "failed"]
    assert result.outliers == {}  # 1.0, 0.5 and 0.1 Ah are not judged: they are not measurements of the DUT
    cli = bench_lot(*folders)
    assert cli.exit_code == 0, cli.output
    assert "left out of the statistics: tripped: ended ABORTED: cell temperature > 45 degC" in cli.output
    assert "left out of the statistics: crashed: did not finish" in cli.output
    assert "left out of the statistics: faulted: ended ERROR" in cli.output


def test_a_unit_a_safety_limit_stopped_is_named_last_and_the_lot_exits_1(tmp_path):
    """A latent defect that overheats fast ends its run ABORTED: not a measurement to compare,
    but the unit of the lot that most needs a look, never hidden behind 'no outlier'."""
    folders = [fake_run(tmp_path, f"u{i}", criteria=cap(5.0 + 0.01 * i)) for i in range(3)]
    hot = fake_run(tmp_path, "hot", verdict="ABORTED", reason="safety limit: cell dT/dt > 1 K/min", criteria=cap(2.0))
    (hot / "events.jsonl").write_text('{"event": "run_start", "test_time_s": 0.0}\n'
                                      '{"event": "safety_trip", "test_time_s": 900.0}\n', encoding="utf-8")
    stopped = fake_run(tmp_path, "stopped", verdict="ABORTED", reason="operator stop (Ctrl-C)", criteria=cap(1.0))
    cli = bench_lot(*folders, hot, stopped)
    assert cli.exit_code == 1, cli.output
    last = cli.output.strip().splitlines()
    assert "SAFETY LIMIT hot: cell dT/dt > 1 K/min (not compared: its run was stopped)" in last[-2]
    assert last[-1] == "no outlier among the 3 compared units"
    assert "SAFETY LIMIT stopped" not in cli.output  # an operator's stop says nothing of the DUT
    assert bench_lot(*folders, stopped).exit_code == 0


def test_fewer_than_three_comparable_units_is_an_error(tmp_path):
    folders = [fake_run(tmp_path, f"u{i}", criteria=cap(5.0)) for i in range(2)]
    folders.append(fake_run(tmp_path, "tripped", verdict="ABORTED", criteria=cap(1.0)))
    result = bench_lot(*folders)
    assert result.exit_code == 2
    assert "2 unit(s) can be compared, at least 3 are needed" in result.output and "tripped" in result.output


@pytest.mark.parametrize("case, message", [
    ("missing", "no such folder"),
    ("empty", "not a run folder (no run.json)"),
    ("torn", "run.json: unreadable or torn"),
    ("file", "not a folder"),
])
def test_bad_input_is_one_line_naming_the_folder(tmp_path, case, message):
    good = [fake_run(tmp_path, f"u{i}", criteria=cap(5.0)) for i in range(3)]
    bad = tmp_path / case
    if case == "empty":
        bad.mkdir()
    elif case == "torn":
        bad.mkdir()
        (bad / "run.json").write_text('{"id": "torn", "status": "fini', encoding="utf-8")
    elif case == "file":
        bad.write_text("x", encoding="utf-8")
    result = bench_lot(*good, bad)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and message in lines[0], result.output


def test_a_folder_given_twice_is_refused(tmp_path):
    folders = [fake_run(tmp_path, f"u{i}", criteria=cap(5.0)) for i in range(3)]
    result = bench_lot(*folders, folders[0])
    assert result.exit_code == 2 and "given twice" in result.output


def test_per_cycle_figures_from_cycles_csv(tmp_path):
    from bench.record.schema import CYCLE_COLUMNS  # the columns the logbook writes

    header = [name for name, _ in CYCLE_COLUMNS]
    for column in ("Cycle Count / 1", "Discharging Capacity / Ah", "Coulombic Efficiency / %",
                   "Max Temperature / degC"):
        assert column in header
    folder = fake_run(tmp_path, "cycled", totals={"duration_s": 36000.0, "discharge_capacity_Ah": 24.9,
                                                  "max_temperature_degC": {"cell": 31.0, "surface": 29.5}})
    lines = [",".join(header)]
    for cycle in range(1, 6):
        q_out = 5.0 - 0.01 * (cycle - 1)
        lines.append(f"{cycle},{cycle * 7200},{q_out / 0.99:.6f},{q_out:.6f},{q_out * 4:.6f},{q_out * 3.6:.6f},"
                     f"99.0000,{90 + cycle}.0000,{30 + cycle}.000")
    lines.append("6,43200,5.1")  # torn last line: skipped
    (folder / "cycles.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (unit,) = collect([folder])
    values = {m.header: v for m, v in unit.values.items()}
    assert values["cycles / 1"] == 5
    assert values["last cycle discharge capacity / Ah"] == pytest.approx(4.96)
    assert values["last cycle energy efficiency / %"] == pytest.approx(95.0)
    assert values["capacity retention / %"] == pytest.approx(99.2)
    assert values["capacity fade / mAh/cycle"] == pytest.approx(10.0)
    assert values["cycles max temperature / degC"] == pytest.approx(35.0)
    assert values["run duration / s"] == 36000.0 and values["run surface max temperature / degC"] == 29.5


# --- unit-to-unit spread of the simulated world ----------------------------------------------


def test_spread_gives_each_seed_its_own_unit_and_the_same_seed_the_same_unit():
    preset = PRESETS["lg-m50"].params
    a, b, c = (World(dut="lg-m50", seed=s, spread=Spread()).params for s in (1, 1, 2))
    assert a == b and a != c
    assert World(dut="lg-m50", seed=1).params == preset  # no spread by default
    assert a.rated_capacity == preset.rated_capacity and a.cycle_fade == preset.cycle_fade  # label, ageing law
    only_r0 = World(dut="lg-m50", seed=1, spread=Spread(capacity=0, r1=0, tau1=0, self_discharge_resistance=0)).params
    assert only_r0.capacity == preset.capacity and only_r0.r0 == a.r0  # a sigma of 0 shifts no other draw


def test_spread_has_the_documented_relative_sigmas_and_overrides_come_first():
    units = [World(dut="lg-m50", seed=s, spread=Spread(), overrides={"capacity": 3.0 * 3600}).params
             for s in range(300)]
    for name, sigma in (("capacity", 0.01), ("r0", 0.03), ("self_discharge_resistance", 0.10)):
        values = [getattr(u, name) for u in units]
        assert statistics.stdev(values) / statistics.mean(values) == pytest.approx(sigma, rel=0.15), name
    assert statistics.median(u.capacity for u in units) == pytest.approx(3.0 * 3600, rel=0.003)
    assert max(u.capacity for u in units) < 3.0 * 3600 * 1.031  # draws clipped at 3 sigma


def test_spread_does_not_shift_the_sensor_noise():
    plain, spread = World(dut="lg-m50", seed=5), World(dut="lg-m50", seed=5, spread=Spread())
    assert [plain.temperature("ambient") for _ in range(5)] == [spread.temperature("ambient") for _ in range(5)]


def test_a_spread_out_of_range_is_refused():
    with pytest.raises(ValueError, match="spread of 'r0' must be a relative sigma between 0 and 0.5"):
        Spread(r0=-0.1)
