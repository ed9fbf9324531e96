"""The HTML report (`bench report`): of a real short cycle run of a cell, and of a lot of three
short runs with one odd unit; what it shows must be what the run folder holds."""
from __future__ import annotations

import base64
import csv
import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest
from runfolders import cell_cycles, read_run

from bench.analysis import dqdv
from bench.analysis.report import LOT_REPORT, REPORT, write_report
from bench.analysis.samples import read_samples
from bench.run.session import Request, execute

CRITERIA = """
[[criteria]]
name = "capacity every cycle"
metric = "discharge capacity"
step = "discharge"
cycle = "each"
min = "4.8 Ah"
marginal = "0.1 Ah"
[[criteria]]
name = "hottest"
metric = "max temperature"
max = "45 degC"
"""
SHORT = """name = "Short discharge"
period = "10 s"
steps = [{ step = "Discharge at 2 A for 20 min", name = "discharge" }]
[dut]
kind = "cell"
rated_capacity = "5000 mAh"
[[criteria]]
name = "end voltage"
metric = "end voltage"
step = "discharge"
min = "3 V"
"""
IMAGE = re.compile(r'src="data:image/png;base64,([^"]+)"')


@pytest.fixture(scope="module")
def cell(tmp_path_factory) -> tuple[Path, str]:
    """Two CC-CV / 1C cycles of an LG M50 and its report."""
    root = tmp_path_factory.mktemp("cell")
    profile = root / "cycles.toml"
    profile.write_text(cell_cycles(repeat=2, criteria=CRITERIA), encoding="utf-8")
    outcome, folder = execute(Request(profile, None, root / "logs", serial="M50-0042", operator="ana"))
    assert outcome.verdict == "PASS", outcome.reason
    return folder, write_report([folder]).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def lot(tmp_path_factory) -> tuple[Path, str]:
    """Three units of a lot, the third with three times the resistance, and the lot's report."""
    root = tmp_path_factory.mktemp("lot")
    profile = root / "short.toml"
    profile.write_text(SHORT, encoding="utf-8")
    for seed in (1, 2, 3):
        execute(Request(profile, None, root / "logs", serial=f"U{seed}", seed=seed,
                        defects=("high-resistance:factor=3",) if seed == 3 else ()))
    return root / "logs", write_report([root / "logs"]).read_text(encoding="utf-8")


def table(page: str, kind: str) -> list[list[str]]:
    """The cells of the report's table of that class, row by row (headers left out)."""
    body = re.search(rf'<table class="{kind}">(.*?)</table>', page, re.DOTALL)
    assert body, kind
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body.group(1))
            if "<td" in row]


def test_a_run_report_shows_the_verdict_every_criterion_and_what_was_tested_with_what(cell):
    folder, page = cell
    meta, _, _ = read_run(folder)
    assert re.search(r'<div class="verdict">PASS</div><div class="reason">all criteria met', page)
    rows = {row[0]: row for row in table(page, "criteria")}
    assert list(rows) == [c["name"] for c in meta["criteria"]]
    capacity = next(c for c in meta["criteria"] if c["name"] == "capacity every cycle")
    assert capacity["outcome"] == "MARGINAL"  # the worst cycle is within 0.1 Ah of 4.8 Ah
    _, value, low, _, margin, outcome = rows["capacity every cycle"][1:]
    assert value == f"{capacity['value']:.5g} Ah" and low == "4.8 Ah"
    assert margin.startswith(f"{capacity['value'] - 4.8:+.4g} Ah (marginal within 0.1 Ah")
    assert "MARGINAL ⚠" in outcome and "PASS" in rows["hottest"][-1]
    facts = dict(table(page, "facts"))
    assert facts["DUT serial"] == "M50-0042" and facts["operator"] == "ana" and facts["host"] == meta["host"]
    assert facts["profile sha256"] == meta["profile"]["sha256"]
    assert meta["instruments"]["load"]["identity"] in facts["instrument: load"]
    assert f"powerbench {meta['software']['powerbench']}" in facts["software"]
    assert (facts["started"], facts["ended"]) == (meta["started"], meta["ended"])


def test_the_figures_are_embedded_pngs_and_nothing_is_fetched(cell):
    _, page = cell
    images = IMAGE.findall(page)
    assert len(images) == 3  # time series, cycles, dQ/dV
    assert all(base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n") for data in images)
    assert "<script" not in page and "http:" not in page and "https:" not in page
    assert len(re.findall(r'src="', page)) == len(images)


def test_the_cycles_shown_are_those_of_cycles_csv(cell):
    folder, page = cell
    with open(folder / "cycles.csv", newline="") as fh:
        written = list(csv.DictReader(fh))
    shown = table(page, "numbers cycles")
    assert [row[0] for row in shown] == [r["Cycle Count / 1"] for r in written]
    assert [row[1:3] for row in shown] == [[f"{float(r['Charging Capacity / Ah']):.4f}",
                                           f"{float(r['Discharging Capacity / Ah']):.4f}"] for r in written]
    first = float(written[0]["Discharging Capacity / Ah"])
    assert shown[-1][-2:] == [f"{100 * float(written[-1]['Discharging Capacity / Ah']) / first:.2f}", ""]


def test_dqdv_counts_each_steps_own_charge_and_keeps_it_under_the_curve(cell):
    folder, page = cell
    meta, events, _ = read_run(folder)
    logged = {e["count"]: e["results"] for e in events if e["event"] == "step_end"}
    curves = dqdv.curves(read_samples(folder, meta))
    assert [c.step.kind for c in curves] == ["discharge", "charge", "discharge"]  # cycle 1 starts full
    for c in curves:
        assert c.capacity == pytest.approx(logged[c.step.count][f"{c.step.kind}_capacity_Ah"], abs=1e-5)
        assert c.area == pytest.approx(c.capacity, rel=1e-9)
    assert [row[4] for row in table(page, "numbers curves")] == [f"{c.capacity:.4f}" for c in curves]


def test_dqdv_binned_by_voltage_stands_a_noisy_voltmeter(cell):
    """2 mV of reading noise: the binned curve stays within 10 % of its peak, where dQ/dV sample by
    sample is several times the peak off."""
    folder, _ = cell
    samples = read_samples(folder, read_run(folder)[0])
    step = next(s for s in samples.steps() if s.kind == "discharge")
    clean = dqdv.curve(samples, step)
    noisy_v = samples.voltage + np.random.default_rng(7).normal(0.0, 0.002, len(samples))
    noisy = dqdv.curve(dataclasses.replace(samples, voltage=noisy_v), step)
    assert clean is not None and noisy is not None
    shared = np.intersect1d(clean.voltage.round(4), noisy.voltage.round(4))

    def on_shared_bins(c: dqdv.Curve) -> np.ndarray:
        return c.dqdv[np.isin(c.voltage.round(4), shared)]
    peak = clean.dqdv.max()
    assert np.abs(on_shared_bins(noisy) - on_shared_bins(clean)).max() < 0.1 * peak
    rows = slice(step.first, step.last + 1)
    raw = np.diff(-np.cumsum(samples.current[rows]) * 10 / 3600) / np.diff(noisy_v[rows])
    assert np.abs(raw).max() > 3 * peak


def test_a_lot_report_compares_the_units_and_marks_the_odd_one(lot):
    logs, page = lot
    assert (logs / LOT_REPORT).is_file() and not any((f / REPORT).exists() for f in logs.iterdir() if f.is_dir())
    assert re.search(r'<div class="verdict">1 OUTLIER</div><div class="reason">3\. U3: [^<]*end voltage', page)
    units = table(page, "units")
    assert [row[0] for row in units] == ["1. U1", "2. U2", "3. U3"]
    assert [row[2] for row in units] == ["PASS", "PASS", "PASS"]
    lot_rows = re.findall(r"<tr(?: class=\"[^\"]*\")?><th>(\d\. U\d)</th>(.*?)</tr>", page)
    flagged = {name: len(re.findall(r'class="outlier"', cells)) for name, cells in lot_rows}
    assert flagged["1. U1"] == flagged["2. U2"] == 0 and flagged["3. U3"] >= 1
    for folder in sorted(p for p in logs.iterdir() if p.is_dir()):
        value = json.loads((folder / "run.json").read_text())["criteria"][0]["value"]
        assert f"{value:.5g}" in page  # each unit's end voltage, as run.json has it
    assert len(IMAGE.findall(page)) == 2  # the metrics unit by unit, the traces of every unit


def test_a_bad_samples_row_is_named_by_its_line_in_the_file_and_its_column(cell, tmp_path):
    from bench.errors import InputError

    folder, _ = cell
    copy = tmp_path / "damaged"
    copy.mkdir()
    lines = (folder / "samples.bdf.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[9].split(",")
    column = next(i for i, name in enumerate(lines[0].rstrip("\n").split(",")) if name == "Voltage / V")
    fields[column] = "zzz"
    lines[9] = ",".join(fields)  # line 10 of the file
    (copy / "samples.bdf.csv").write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_samples(copy, read_run(folder)[0])
    assert (caught.value.key, caught.value.message) == ("line 10", "Voltage / V: 'zzz' is not a number")


def test_a_samples_file_shorter_than_run_json_counts_is_said_above_the_figures(cell, tmp_path):
    import shutil

    folder, page = cell
    assert "where run.json counts" not in page
    copy = tmp_path / "cut"
    shutil.copytree(folder, copy)
    lines = (copy / "samples.bdf.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (copy / "samples.bdf.csv").write_text("".join(lines[:len(lines) // 2]), encoding="utf-8")
    (copy / "report.html").unlink()
    cut = write_report([copy]).read_text(encoding="utf-8")
    counted = json.loads((folder / "run.json").read_text())["samples"]
    assert f"samples.bdf.csv holds {len(lines) // 2 - 1} rows where run.json counts {counted}" in cut


@pytest.mark.parametrize("key, value", [("criteria", "oops"), ("test_time_s", "abc"), ("criteria", [1]),
                                        ("totals", "{}"), ("verdict", 1)])
def test_a_run_json_of_the_wrong_shape_is_refused_naming_the_key(cell, tmp_path, key, value):
    import shutil

    from bench.errors import InputError

    folder, _ = cell
    copy = tmp_path / "damaged"
    shutil.copytree(folder, copy)
    meta = json.loads((copy / "run.json").read_text())
    (copy / "run.json").write_text(json.dumps({**meta, key: value}))
    with pytest.raises(InputError) as caught:
        write_report([copy])
    assert caught.value.key == key and "a damaged run.json" in caught.value.message


def test_a_cycle_the_runs_end_cut_short_is_in_the_table_marked_not_in_the_cycle_plot(tmp_path):
    """A stopped life test's last cycle, closed by the stop with no discharge, drew as a collapse
    of capacity and efficiency to 0."""
    profile = tmp_path / "cycles.toml"
    profile.write_text(cell_cycles(repeat=3), encoding="utf-8")
    _, folder = execute(Request(profile, None, tmp_path / "logs"))
    events = (folder / "events.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    last = max(i for i, line in enumerate(events) if '"event": "cycle_end"' in line)
    events.insert(last, json.dumps({"event": "operator_stop", "test_time_s": 1.0, "reason": "operator stop"}) + "\n")
    (folder / "events.jsonl").write_text("".join(events), encoding="utf-8")  # as if the stop had cut cycle 3
    import html

    page = html.unescape(write_report([folder]).read_text(encoding="utf-8"))
    assert "Cycle 3, cut short by the run's end, is in the table, not the plot." in page
    rows = table(page, "numbers cycles")
    assert [row[0] for row in rows if row[-1] == "cut short by the run's end"] == ["3"]
