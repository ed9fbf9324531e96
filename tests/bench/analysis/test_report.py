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


# --- how a run ended, shown --------------------------------------------------------------------

TRIP = """name = "Trip in step 2"
period = "10 s"
steps = ["Rest for 5 min", { step = "Discharge at 5 A until 2.5 V", name = "discharge" }, "Rest for 10 min"]
[dut]
kind = "cell"
rated_capacity = "5 Ah"
nominal_voltage = "3.63 V"
[safety]
abort_if = ["voltage < 3.9 V"]
[[criteria]]
name = "capacity"
metric = "discharge capacity"
step = "discharge"
min = "4.8 Ah"
[[criteria]]
name = "hottest"
metric = "max temperature"
max = "45 degC"
marginal = "3 K"
"""
RESTS = """name = "{name}"
period = "10 s"
steps = [{steps}]
[dut]
kind = "cell"
rated_capacity = "5 Ah"
{tail}
"""


def run_of(tmp_path: Path, text: str, *defects: str) -> tuple[Path, str]:
    """A run of the profile `text` on the simulated cell, with `defects`, and its report (unescaped)."""
    import html

    profile = tmp_path / "profile.toml"
    profile.write_text(text, encoding="utf-8")
    _, folder = execute(Request(profile, None, tmp_path / "logs", defects=defects))
    return folder, html.unescape(write_report([folder]).read_text(encoding="utf-8"))


def caption(page: str) -> str:
    """The caption of the whole run's time series."""
    found = re.search(r"<figcaption>(The whole run:.*?)</figcaption>", page, re.DOTALL)
    assert found
    return found.group(1)


@pytest.fixture(scope="module")
def tripped(tmp_path_factory) -> tuple[Path, str]:
    """A safety trip during step 2 (of 3): ABORTED."""
    folder, page = run_of(tmp_path_factory.mktemp("trip"), TRIP)
    assert read_run(folder)[0]["verdict"] == "ABORTED"
    return folder, page


def test_the_step_a_safety_trip_cut_short_is_listed_with_its_figures_up_to_the_trip(tripped):
    folder, page = tripped
    _, events, _ = read_run(folder)
    trip = next(e for e in events if e["event"] == "safety_trip")
    start = next(e for e in events if e["event"] == "step_start" and e["count"] == 2)
    cycle = next(e for e in events if e["event"] == "cycle_end")  # closed by the trip: step 1 and the cut step 2
    rows = table(page, "numbers steps")
    assert [row[0] for row in rows] == ["1", "2"]
    number, _, index, name, started, duration, ended_by, _, ah_out, _, wh_out, temperatures = rows[1]
    assert (index, name) == ("2", "Discharge at 5 A until 2.5 V")
    assert re.sub("<[^>]+>", "", ended_by) == f"cut short by the run's end: {trip['reason']}"
    seconds = round(trip["test_time_s"] - start["test_time_s"])
    assert duration == f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    assert ah_out == f"{cycle['discharge_capacity_Ah']:.4f}" and float(ah_out) > 0.1
    assert wh_out == f"{cycle['discharge_energy_Wh']:.3f}"
    assert temperatures.startswith("cell ")
    assert "2 steps, the last cut short by the run's end" in page


def test_the_step_a_deviation_cut_short_is_listed_and_the_deviation_is_marked_on_the_plot(tmp_path):
    folder, page = run_of(tmp_path, RESTS.format(name="Dead load", tail="", steps=(
        '"Rest for 1 min", "Rest for 1 min", { step = "Discharge at 2 A until 3 V", name = "discharge" }')),
        "dead-load")
    meta, events, _ = read_run(folder)
    assert meta["verdict"] == "ERROR"
    rows = table(page, "numbers steps")
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert re.sub("<[^>]+>", "", rows[2][6]) == f"cut short by the run's end: {meta['reason']}"
    assert "load drew 0.000 A" in rows[2][6]
    assert "Red dashed lines: deviation (table Events)." in caption(page)


def test_an_event_after_the_last_sample_is_drawn_and_the_axis_stretched_to_it(tmp_path):
    """The fault of a thermocouple gone open is found before that tick's sample is written."""
    safety = '[safety]\nabort_if = ["cell temperature > 60 degC"]'
    folder, page = run_of(tmp_path, RESTS.format(name="Open cell thermocouple", tail=safety,
                                                 steps='"Rest for 2 min", "Rest for 10 min"'),
                          "open-thermocouple:placement=cell,at=5 min")
    meta, events, _ = read_run(folder)
    fault = next(e for e in events if e["event"] == "fault")
    samples = read_samples(folder, meta)
    assert meta["verdict"] == "ERROR" and fault["test_time_s"] > samples.time[-1]
    assert "Red dashed lines: fault (table Events)." in caption(page)

    from matplotlib.lines import Line2D

    from bench.analysis import plots

    figure = plots.time_series_figure(samples, False, marks=[(fault["test_time_s"], "fault")], end=fault["test_time_s"])
    scale, _ = plots.time_unit(fault["test_time_s"])
    for ax in figure.axes:
        assert ax.get_xlim()[1] > fault["test_time_s"] / scale
        assert any(isinstance(line, Line2D) and list(line.get_xdata()) == [fault["test_time_s"] / scale] * 2
                   for line in ax.get_lines())
    unstretched = plots.time_series_figure(samples, False, marks=[(fault["test_time_s"], "fault")])
    assert plots.in_view(samples, [(fault["test_time_s"], "fault")]) == []  # without `end`, out of view
    assert unstretched.axes[0].get_xlim()[1] < fault["test_time_s"] / scale


def test_every_event_that_ends_a_run_is_marked_on_the_plot():
    from bench.analysis.report import MARKED_EVENTS
    from bench.record import schema

    assert schema.ENDING_EVENTS <= set(MARKED_EVENTS)


def test_the_caption_names_only_the_events_drawn(tripped):
    _, page = tripped
    assert "Red dashed lines: safety trip (table Events)." in caption(page)
    assert "operator stop" not in caption(page)


def test_a_channel_without_a_reading_shows_a_dash_with_a_note_never_nan(tmp_path):
    _, page = run_of(tmp_path, RESTS.format(name="Open ambient", steps='"Rest for 2 min", "Rest for 2 min"', tail=""),
                     "open-thermocouple:placement=ambient,at=1 min")
    rows = table(page, "numbers steps")
    assert "ambient —" in rows[1][-1]  # open through the whole of step 2
    assert not any("nan" in cell.lower() for row in rows for cell in row)
    assert re.search(r"— ambient: no reading from that channel in the step \(open thermocouple[^)]*\) from "
                     r"0:01:00", page)


def wcag_contrast(a: str, b: str) -> float:
    """The WCAG 2 contrast ratio of two sRGB colours written #rrggbb."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_verdict_banner_reads_at_4_5_to_1_or_better():
    """The banner's text on each verdict's colour, its last line too (drawn at an opacity)."""
    from bench.analysis.report import STYLE, VERDICT_COLOURS

    text = re.search(r"\.cover \{[^}]*?(?<![-\w])color: (#[0-9a-fA-F]{6}|#fff)\b", STYLE).group(1)
    text = "#ffffff" if text == "#fff" else text
    faded = re.search(r"\.cover \.what \{[^}]*opacity: ([\d.]+)", STYLE)
    opacity = float(faded.group(1)) if faded else 1.0
    for verdict, background in {**VERDICT_COLOURS, "no verdict": "#555555"}.items():
        blend = "#" + "".join(
            f"{round(opacity * int(text[i:i + 2], 16) + (1 - opacity) * int(background[i:i + 2], 16)):02x}"
            for i in (1, 3, 5))
        assert wcag_contrast(text, background) >= 4.5, verdict
        assert wcag_contrast(blend, background) >= 4.5, verdict
    assert wcag_contrast("#ffffff", "#c99a06") < 3  # the amber it replaced


def crashed_copy(folder: Path, where: Path, keep_steps: int = 1) -> Path:
    """A copy of a run folder as a kill -9 during its step `keep_steps` would leave it: run.json as
    written at the start (status running, no end), events up to that step's start, samples up to
    the next step."""
    import shutil

    from bench.record.runfile import END

    copy = where / "crashed"
    shutil.copytree(folder, copy)
    (copy / "report.html").unlink(missing_ok=True)
    meta = json.loads((copy / "run.json").read_text())
    for key in END:
        meta.pop(key, None)
    meta.update(status="running", verdict=None, ended=None)
    (copy / "run.json").write_text(json.dumps(meta))
    lines = (copy / "events.jsonl").read_text().splitlines(keepends=True)
    at = [i for i, line in enumerate(lines) if '"step_start"' in line][keep_steps - 1]
    (copy / "events.jsonl").write_text("".join(lines[:at + 1]))
    rows = (copy / "samples.bdf.csv").read_text().splitlines(keepends=True)
    step = rows[0].split(",").index("Step Count / 1")
    (copy / "samples.bdf.csv").write_text("".join(r for n, r in enumerate(rows)
                                                  if n == 0 or int(r.split(",")[step]) <= keep_steps))
    return copy


def test_a_crashed_run_lists_its_profiles_criteria_as_not_judged(tripped, tmp_path):
    import html

    folder, _ = tripped
    page = html.unescape(write_report([crashed_copy(folder, tmp_path)]).read_text(encoding="utf-8"))
    assert "The profile sets no criteria" not in page
    assert "Not judged: the run has no verdict yet" in page
    rows = table(page, "criteria")
    assert [(row[0], row[2], row[3], row[-1]) for row in rows] == [("capacity", "4.8 Ah", "", "not judged"),
                                                                   ("hottest", "", "45 degC", "not judged")]
    assert rows[0][1] == "discharge capacity of step 'discharge'"


def test_a_crashed_runs_profile_without_its_text_is_said_to_hold_the_criteria(tripped, tmp_path):
    import html

    folder, _ = tripped
    copy = crashed_copy(folder, tmp_path)
    meta = json.loads((copy / "run.json").read_text())
    del meta["profile"]["text"]
    (copy / "run.json").write_text(json.dumps(meta))
    page = html.unescape(write_report([copy]).read_text(encoding="utf-8"))
    where = meta["profile"]["path"]
    assert f"Not judged: the run has no verdict yet (its criteria are in the profile: {where})" in page
    assert "The profile sets no criteria" not in page


def test_a_crashed_runs_traceability_counts_test_time_and_samples_from_the_samples_file(tripped, tmp_path):
    folder, _ = tripped
    copy = crashed_copy(folder, tmp_path, keep_steps=2)
    samples = read_samples(copy, read_run(copy)[0])
    page = write_report([copy]).read_text(encoding="utf-8")
    facts = dict(table(page, "facts"))
    seconds = round(float(samples.time[-1]))
    assert facts["test time"].startswith(f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d} at the last")
    assert facts["samples"].startswith(f"{len(samples)} rows in samples.bdf.csv")


def test_the_step_in_progress_when_the_records_stop_is_listed_as_such(tripped, tmp_path):
    folder, _ = tripped
    page = write_report([crashed_copy(folder, tmp_path, keep_steps=2)]).read_text(encoding="utf-8")
    rows = table(page, "numbers steps")
    assert [row[0] for row in rows] == ["1", "2"]
    assert re.sub("<[^>]+>", "", rows[1][6]).startswith("in progress where the records stop: the run has no verdict")
    assert float(rows[1][8]) > 0.1  # the Ah out of the rows kept


def test_a_step_stopped_resumed_then_crashed_is_in_progress_not_cut_by_the_earlier_stop(tripped, tmp_path):
    folder, _ = tripped
    copy = crashed_copy(folder, tmp_path, keep_steps=2)
    lines = (copy / "events.jsonl").read_text().splitlines(keepends=True)
    start = json.loads(lines[-1])
    later = [{"event": "operator_stop", "test_time_s": start["test_time_s"] + 60, "reason": "operator stop"},
             {"event": "resumed", "test_time_s": start["test_time_s"] + 60},
             {**start, "event": "step_continued", "test_time_s": start["test_time_s"] + 60}]
    (copy / "events.jsonl").write_text("".join(lines) + "".join(json.dumps(e) + "\n" for e in later))
    page = write_report([copy]).read_text(encoding="utf-8")
    row = table(page, "numbers steps")[-1]
    assert row[0] == "2" and row[4] == "0:05:00"  # started at its step_start, not at the resume
    assert re.sub("<[^>]+>", "", row[6]).startswith("in progress where the records stop")
