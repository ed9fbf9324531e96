"""The samples are Battery Data Format 1.3.0 as BDF defines its columns: capacities and energies
counted from the run's start, step-scoped ones from the step's, Step ID / Count / Time, the
voltage and current of one fixed port of the DUT, the ambient temperature, and a metadata
sidecar; the BDF package's own reader takes them with no warning and every column kept.

Two short runs on the simulated bench, shared by the module: a pass-through power bank (two
discharge passes of a loop, then a charge while its output is loaded) on the default station,
exported to Parquet too, and a cell charged and discharged on a station without an ambient
thermocouple."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from runfolders import read_bdf, read_run

from bench.errors import InputError
from bench.record import parquet, schema
from bench.run.session import Request, execute
from bench.station.config import default_station_path

pytestmark = pytest.mark.slow  # two whole runs on the simulated bench (about a second)

BANK = """
name = "Bank"
period = "10 s"
steps = [
  { repeat = 2, steps = ["Discharge at 2 A for 5 min", "Rest for 1 min"] },
  { step = "Charge at 5 V, 3 A limit for 5 min", with = "Discharge at 1 A" },
]
[dut]
kind = "power bank"
"""
CELL = """
name = "Cell"
period = "10 s"
steps = ["Discharge at 5 A for 5 min", "Rest for 1 min", "Charge at 2.5 A until 4.2 V or step time > 5 min"]
[dut]
kind = "cell"
rated_capacity = "5 Ah"
nominal_voltage = "3.63 V"
"""


def _run(where: Path, profile: str, station: str, dut: str, **request) -> tuple[Path, dict, list[dict]]:
    (where / "profile.toml").write_text(profile)
    (where / "station.toml").write_text(station)
    outcome, folder = execute(Request(where / "profile.toml", where / "station.toml", where / "logs", dut=dut,
                                      **request))
    assert outcome.verdict == "PASS", outcome.reason
    meta, _, rows = read_run(folder)
    return folder, meta, [{k: v if k == schema.STEP_TYPE else float(v) for k, v in r.items()} for r in rows]


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    station = Path(default_station_path()).read_text() + '\n[world.overrides]\npass_through = "1"\n'
    return _run(tmp_path_factory.mktemp("bank"), BANK, station, "powerbank-10000", parquet=True)


@pytest.fixture(scope="module")
def cell(tmp_path_factory):
    station = Path(default_station_path()).read_text()
    assert "ambient = 103\n" in station
    return _run(tmp_path_factory.mktemp("cell"), CELL, station.replace("ambient = 103\n", ""), "lg-m50")


def test_the_bdf_reader_takes_the_samples_as_they_are_and_the_sidecar_says_what_they_are(bank, cell):
    for folder, meta, rows in (bank, cell):
        assert len(read_bdf(folder)) == len(rows) == meta["samples"]
    folder, meta, _ = bank
    sidecar = json.loads((folder / schema.METADATA).read_text())
    assert sidecar["bdf"] == {"version": "1.3.0", "data": schema.SAMPLES, "terms": schema.BDF_TERMS,
                              "parquet": schema.PARQUET}
    assert sidecar["test"]["id"] == meta["id"] == folder.name
    dut = sidecar["test_object"]
    assert (dut["kind"], dut["simulated_preset"], dut["product"]["name"]) == ("power bank", "powerbank-10000",
                                                                           "powerbank-10000")
    assert sidecar["test_protocol"]["sha256"] == meta["profile"]["sha256"]
    assert sidecar["test_equipment"]["instruments"] == meta["instruments"] and sidecar["test"]["host"]
    assert sidecar["port"] == schema.BANK_PORT
    assert [(t["column"], t["channel"], t["number"]) for t in sidecar["temperatures"]] == [
        ("Temperature T1 / degC", "cell", 101), ("Temperature T2 / degC", "surface", 102),
        (schema.AMBIENT_TEMPERATURE, "ambient", 103)]
    terms = {c["name"]: c["term"] for c in sidecar["columns"]}
    assert terms[schema.STEP_ID] == schema.BDF_TERMS + "step_id" and terms[schema.INPUT_CAPACITY] is None


def test_capacities_and_energies_count_from_the_run_start_and_the_step_ones_from_the_step_start(bank):
    _, meta, rows = bank
    out = [r[schema.DISCHARGING_CAPACITY] for r in rows]
    assert out == sorted(out) and out[-1] == pytest.approx(meta["totals"]["discharge_capacity_Ah"], abs=1e-6)
    assert rows[-1][schema.DISCHARGING_ENERGY] == pytest.approx(meta["totals"]["discharge_energy_Wh"], abs=1e-6)
    assert rows[-1][schema.INPUT_CAPACITY] == pytest.approx(meta["totals"]["charge_capacity_Ah"], abs=1e-6)
    firsts = [r for r, before in zip(rows[1:], rows) if r[schema.STEP_COUNT] != before[schema.STEP_COUNT]]
    assert len(firsts) == 4 and all(r[schema.STEP_DISCHARGING_CAPACITY] == 0.0 for r in firsts)
    ends = [before for r, before in zip(rows[1:], rows) if r[schema.STEP_COUNT] != before[schema.STEP_COUNT]]
    steps = [e[schema.STEP_DISCHARGING_CAPACITY] for e in ends] + [rows[-1][schema.STEP_DISCHARGING_CAPACITY]]
    assert out[-1] == pytest.approx(sum(steps), abs=1e-5)  # the run's count is the sum of the steps'
    assert steps[0] == pytest.approx(2.0 * 300 / 3600, rel=1e-3)


def test_step_id_is_the_profile_step_and_step_count_and_time_start_again_at_every_step(bank):
    _, _, rows = bank
    starts = [r for r, before in zip(rows, [None] + rows) if before is None
              or r[schema.STEP_COUNT] != before[schema.STEP_COUNT]]
    assert [(r[schema.STEP_COUNT], r[schema.STEP_ID], r[schema.CYCLE_COUNT]) for r in starts] == [
        (1, 1, 1), (2, 2, 1), (3, 1, 2), (4, 2, 2), (5, 3, 2)]
    assert all(r[schema.STEP_TIME] == 0.0 for r in starts)
    last = rows[-1]
    assert last[schema.STEP_TIME] == last[schema.TEST_TIME] - starts[-1][schema.TEST_TIME] == 300.0


def test_a_bank_is_measured_at_its_output_port_and_a_cell_at_its_terminals(bank, cell):
    _, _, rows = bank
    assert all(r[schema.VOLTAGE] == r[schema.OUTPUT_VOLTAGE] and r[schema.CURRENT] == -r[schema.OUTPUT_CURRENT]
               and r[schema.CHARGING_CAPACITY] == r[schema.CHARGING_ENERGY] == 0.0 for r in rows)
    passing = [r for r in rows if r[schema.STEP_TYPE] == "charge"]
    # charged through its input while it powers the load: the output port still only delivers
    assert all(r[schema.INPUT_CURRENT] > 1.0 and r[schema.CURRENT] == pytest.approx(-1.0, abs=1e-3) for r in passing)
    _, _, rows = cell
    assert all(r[schema.CURRENT] == pytest.approx(r[schema.INPUT_CURRENT] - r[schema.OUTPUT_CURRENT], abs=2e-5)
               for r in rows)
    charge = [r for r in rows if r[schema.STEP_TYPE] == "charge"]
    assert all(r[schema.CURRENT] == pytest.approx(2.5) and r[schema.VOLTAGE] == r[schema.INPUT_VOLTAGE] for r in charge)
    assert rows[-1][schema.CHARGING_CAPACITY] == pytest.approx(charge[-1][schema.STEP_CHARGING_CAPACITY])


def test_the_ambient_is_the_ambient_channel_else_the_simulated_chamber_else_absent(bank, cell):
    _, meta, rows = bank
    assert meta["temperature_channels"]["ambient"] == schema.AMBIENT_TEMPERATURE
    assert all(24.5 < r[schema.AMBIENT_TEMPERATURE] < 25.5 for r in rows)  # the thermocouple's reading, noise and all
    assert len({r[schema.AMBIENT_TEMPERATURE] for r in rows}) > 1
    _, meta, rows = cell
    assert list(meta["temperature_channels"]) == ["cell", "surface"]
    assert {r[schema.AMBIENT_TEMPERATURE] for r in rows} == {25.0}  # the station's [world] ambient
    real = schema.Layout(("cell", "surface", "a", "b", "c", "d"), bank=False, simulated=False)
    assert schema.AMBIENT_TEMPERATURE not in real.names  # a real bench without an ambient channel: none made up
    assert [c.term for c in real.columns[-2:]] == ["temperature_t5_celsius", None]  # BDF stops at T5


def test_the_parquet_export_holds_the_same_table_typed_and_is_refused_up_front_without_pyarrow(bank, monkeypatch):
    import bdf

    folder, meta, _ = bank
    assert meta["exports"] == {"parquet": schema.PARQUET}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = bdf.read(folder / schema.PARQUET)
    assert table.equals(read_bdf(folder)) and str(table[schema.STEP_ID].dtype) == "int64"
    monkeypatch.setattr(parquet, "available", lambda: False)
    with pytest.raises(InputError, match=r"^--parquet: the Parquet export needs pyarrow: pip install"):
        execute(Request(folder.parents[1] / "profile.toml", log_dir=folder / "never", parquet=True))
    assert not (folder / "never").exists()
