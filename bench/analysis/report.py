"""The HTML report of a run folder, or of the run folders of one lot: what people read instead of
the CSV files.

One self-contained file: the figures are PNG data URIs, the style is inline, there is no script
and nothing is fetched, so it opens anywhere and can be mailed or archived with the run. A run's
report holds its verdict and reason, every criterion with its value, bounds and margin (MARGINAL
flagged), what was tested with what (traceability), then the figures: voltage, current, power
and temperatures against time with the steps shaded; per-cycle capacity, retention and
efficiencies when the run has cycles; dQ/dV of a cell's charge and discharge steps; and the
steps and notable events as tables. A lot's report compares the units as `bench lot` does
(bench.analysis.lot), metric by metric, outliers marked, with every unit's traces on one axis.

The run folder is read as data (run.json, the samples, cycles.csv, events.jsonl), never
changed; a run still going or cut by a crash is reported as far as its files go.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import bench
from bench.analysis.cycles import MORE_OUT
from bench.errors import InputError
from bench.record import schema
from bench.record.logbook import read_events

REPORT = "report.html"  # in the run folder
LOT_REPORT = "lot-report.html"  # in the folder that holds the lot's run folders
ROUTINE_EVENTS = ("run_start", "step_start", "step_end", "step_continued", "cycle_end")
MARKED_EVENTS = ("safety_trip", "fault", "deviation", "wiring", "operator_stop", "resumed", "gap")  # drawn on
# the time series: every event that ends a run (schema.ENDING_EVENTS), and the resumes and gaps
OPEN_STEPS = 40  # a longer step table starts folded
INSTALL = "pip install 'powerbench[report]' (or pip install matplotlib)"
# banner backgrounds under white text, each at least 4.5:1 (WCAG AA for body text) against it,
# and against the cover's last line at its opacity
VERDICT_COLOURS = {"PASS": "#1e7b34", "FAIL": "#b3261e", "ABORTED": "#9a5c00", "ERROR": "#8e24aa"}
NO_READING = "—"  # a temperature channel without a reading in a step (open, overloaded)


def need_matplotlib() -> None:
    """InputError saying how to install matplotlib when it is missing (the `report` extra)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError("bench report", "", f"needs matplotlib: {INSTALL}") from None


def default_out(folders: Sequence[Path]) -> Path:
    """Where a report goes without --out: report.html in the run folder; for several run
    folders, lot-report.html in the folder that holds them (their closest common parent)."""
    if len(folders) == 1:
        return folders[0] / REPORT
    return Path(os.path.commonpath([str(f.resolve().parent) for f in folders])) / LOT_REPORT


def write_report(run_dirs: Iterable[Path], out: Path | None = None) -> Path:
    """Render the report of the run folders (a folder holding run folders stands for them, as in
    `bench lot`) and write it; the path written. InputError for a folder that is not a run's,
    a missing matplotlib, or a file that cannot be written."""
    from bench.analysis.lot import collect

    need_matplotlib()
    units = collect(run_dirs)
    if not units:
        raise InputError("bench report", "", "no run folder given")
    path = out or default_out([u.folder for u in units])
    where = "--out" if out else "bench report"
    if not path.parent.is_dir():  # said before the rendering, which takes seconds
        raise InputError(where, str(path), f"no folder {path.parent} to write the report in")
    text = run_report(units[0].folder) if len(units) == 1 else lot_report(units, path.parent)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(where, str(path), f"cannot write the report: {exc.strerror or exc}") from None
    return path


# --- a run -----------------------------------------------------------------------------------


def run_report(folder: Path) -> str:
    """The HTML report of one run folder."""
    from bench.analysis.samples import read_samples
    from bench.record.cyclefile import read_cycles
    from bench.record.runfile import read_run_json

    meta = read_run_json(folder)
    events = read_events(folder)
    cut = _cut_short(events)
    cycles = [dict(row, cut=1.0) if row.get("cycle") in cut else row for row in read_cycles(folder / schema.CYCLES)]
    samples = read_samples(folder, meta) if (folder / schema.SAMPLES).is_file() else None
    title = f"{meta['profile'].get('name') or '?'}: {meta.get('id') or folder.name}"
    body = [_cover(meta, folder), _section("Criteria", _criteria(meta)),
            _section("Traceability", _traceability(meta, folder, samples)),
            *_figures(folder, meta, cycles, samples, events),
            _section("Steps", _steps(events, meta, samples)), _section("Events", _events(folder))]
    return _page(title, body, folder)


def _cover(meta: dict[str, Any], folder: Path) -> str:
    verdict = meta.get("verdict")
    status = meta.get("status")
    shown = verdict or ("RUNNING" if status == "running" else "NO VERDICT")
    reason = meta.get("reason") or ("the run has not ended (or ended without writing run.json): the report shows "
                                    "its files as far as they go" if verdict is None else "")
    dut = meta.get("dut") or {}
    product = (meta.get("product") or {}).get("name")
    what = " · ".join(filter(None, (meta["profile"].get("name"), product and f"product {product}",
                                    dut.get("serial") and f"DUT {dut['serial']}", meta.get("id") or folder.name)))
    colour = VERDICT_COLOURS.get(str(verdict), "#555555")
    return (f'<header class="cover" style="background:{colour}"><div class="verdict">{_e(shown)}</div>'
            f'<div class="reason">{_e(reason)}</div><div class="what">{_e(what)}</div></header>')


DIFFERENCE = {"degC": "K"}  # the unit of a difference of two values in a unit


def _criteria(meta: dict[str, Any]) -> str:
    criteria = [c for c in meta.get("criteria") or () if isinstance(c, dict)]
    if not meta.get("verdict"):  # run.json gets the criteria judged at the run's end
        return _unjudged(meta)
    if not criteria:
        return "<p>The profile sets no criteria.</p>"
    rows = []
    for c in criteria:
        unit, value, outcome = c.get("unit") or "", c.get("value"), str(c.get("outcome"))
        written = c.get("label_bounds") or {}
        bounds = [_bound(c.get(side), unit, written.get(side)) for side in ("min", "max")]
        margin, apart = _margin(c), DIFFERENCE.get(unit, unit)  # a margin is a difference: K, not degC
        band = f" (marginal within {_g(c['marginal'])} {apart})" if c.get("marginal") else ""
        flag = outcome + (" ⚠" if outcome == "MARGINAL" else "")
        rows.append([c.get("name"), _scope(c), "not measured" if value is None else f"{_g(value)} {unit}",
                     *bounds, "" if margin is None else f"{margin:+.4g} {apart}{band}",
                     _Raw(f'<span class="outcome {_e(outcome)}">{_e(flag)}</span>')])
    return _table(("criterion", "measured", "value", "min", "max", "margin to the nearest bound", "outcome"), rows,
                  "criteria")


def _unjudged(meta: dict[str, Any]) -> str:
    """The criteria of a run without a verdict (still going, or cut by a crash), as the copy of
    its profile in run.json writes them: nothing is judged before the run's end. The text is read
    as TOML, not as a profile (bench.profile imports bench.analysis, not the other way)."""
    profile = meta["profile"]
    where = profile.get("path") or "?"
    written = _written_criteria(profile.get("text"))
    if written is None:
        return f"<p>Not judged: the run has no verdict yet (its criteria are in the profile: {_e(where)}).</p>"
    if not written:
        return "<p>The profile sets no criteria. (The run has no verdict yet.)</p>"
    rows = [[str(c.get("name", "")), _scope({"metric": c.get("metric"), "step": c.get("step"),
                                             "cycle_scope": c.get("cycle")}),
             *(str(c.get(side, "")) for side in ("min", "max", "marginal")), "not judged"] for c in written]
    return (f"<p><strong>Not judged: the run has no verdict yet</strong> (it is still going, or was cut by a crash; "
            f"criteria are judged at the run's end). Its criteria as its profile ({_e(where)}, the copy in "
            f"{_e(schema.RUN)}) writes them:</p>"
            + _table(("criterion", "measured", "min", "max", "marginal band", "outcome"), rows, "criteria"))


def _written_criteria(text: Any) -> list[dict[str, Any]] | None:
    """The [[criteria]] tables of a profile's text; None if it cannot be read."""
    import tomllib

    if not isinstance(text, str):
        return None
    try:
        criteria = tomllib.loads(text).get("criteria", [])
    except tomllib.TOMLDecodeError:
        return None
    if not isinstance(criteria, list) or not all(isinstance(c, dict) for c in criteria):
        return None
    return criteria


def _bound(value: Any, unit: str, written: str | None) -> str:
    if value is None:
        return ""
    return f"{_g(value)} {unit}" + (f" ({written})" if written else "")


def _margin(criterion: dict[str, Any]) -> float | None:
    """How far the value is inside its nearest bound (negative: outside), in its unit."""
    value = criterion.get("value")
    if not isinstance(value, (int, float)):
        return None
    sides = [value - criterion["min"] if criterion.get("min") is not None else None,
             criterion["max"] - value if criterion.get("max") is not None else None]
    sides = [s for s in sides if s is not None]
    return min(sides) if sides else None


def _scope(c: dict[str, Any]) -> str:
    metric = str(c.get("metric") or "")
    where = f" of step '{c['step']}'" if c.get("step") else ""
    scope, cycle = c.get("cycle_scope"), c.get("cycle")
    at = f" (cycle {cycle})" if cycle is not None else ""
    cycles = {"each": f" in every cycle, the worst{at}", "first": f" in the first cycle{at}",
              "last": f" in the last cycle{at}", "trend": ": its slope per cycle"}
    return metric + where + (cycles.get(scope, "") if scope else "")


def _traceability(meta: dict[str, Any], folder: Path, samples: Any = None) -> str:
    dut, product = meta.get("dut") or {}, meta.get("product") or {}
    profile, station, software = meta["profile"], meta.get("station") or {}, meta.get("software") or {}
    label = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in (product.get("label") or {}).items())
    simulated = ""
    if dut.get("simulated_preset"):
        defects = ", ".join(dut.get("defect_specs") or ()) or "none"
        unit = "nominal unit" if dut.get("spread") is None else f"unit of seed {station.get('seed')}"
        simulated = f"simulated {dut['simulated_preset']} ({unit}; defects: {defects})"
    instruments = meta.get("instruments") or {}
    rows = [
        ("run", f"{meta.get('id') or folder.name} (status {meta.get('status')}"
                + (f", resumed {meta['resumes']} time(s)" if meta.get("resumes") else "") + ")"),
        ("run folder", str(folder.resolve())),
        ("DUT serial", dut.get("serial") or "not recorded"),
        ("DUT", " — ".join(filter(None, (dut.get("kind"), simulated)))),
        ("product", " ".join(filter(None, (product.get("name"), product.get("maker") and f"({product['maker']})")))
         + (f": {label}" if label else "")),
        ("product source", " ".join(filter(None, (product.get("source"), product.get("sha256")
                                                   and f"sha256 {product['sha256']}")))),
        ("operator", meta.get("operator") or "not recorded"),
        ("host", meta.get("host") or "not recorded"),
        ("station", f"{station.get('name') or '?'} ({station.get('path') or '?'})"
                    + (" — simulated" if station.get("simulated") else "")),
        *((f"instrument: {role}", " · ".join(filter(None, (i.get("driver"), i.get("resource"), i.get("identity")))))
          for role, i in instruments.items() if isinstance(i, dict)),
        ("temperature channels", ", ".join(f"{k} ({v})" for k, v in (meta.get("temperature_channels") or {}).items())),
        ("profile", f"{profile.get('name')} ({profile.get('path')})"),
        ("profile sha256", profile.get("sha256") or ""),
        ("software", " · ".join(f"{k} {v}" for k, v in software.items())),
        ("started", meta.get("started") or ""),
        ("ended", meta.get("ended") or "not ended"),
        *_so_far(meta, folder, samples),
        ("safe state confirmed at the end", {True: "yes", False: "NO"}.get(meta.get("safe_state_confirmed"), "")),
    ]
    return _table(None, [list(r) for r in rows if r[1]], "facts")


def _so_far(meta: dict[str, Any], folder: Path, samples: Any) -> list[tuple[str, str]]:
    """The test time and the samples run.json counts at the run's end; without them (a run not
    ended, or cut by a crash), as far as the samples file goes."""
    time, count = meta.get("test_time_s"), meta.get("samples")
    if time is not None and count is not None:
        return [("test time", _duration(time)), ("samples", str(count))]
    if samples is None and (folder / schema.SAMPLES).is_file():
        from bench.analysis.samples import read_samples

        try:
            samples = read_samples(folder, meta)
        except InputError:
            samples = None
    rows = samples is not None and len(samples) > 0
    note = f"{schema.RUN} has none yet: the run has not ended"
    return [("test time", _duration(time) if time is not None else
             f"{_duration(float(samples.time[-1]))} at the last row of {schema.SAMPLES} ({note})" if rows else ""),
            ("samples", str(count) if count is not None else
             f"{len(samples)} rows in {schema.SAMPLES} ({note})" if rows else "")]


def _figures(folder: Path, meta: dict[str, Any], cycles: list[dict[str, float]], samples: Any,
             events: list[dict[str, Any]]) -> list[str]:
    """The figures' sections; a run without samples has none, and says so."""
    from bench.analysis import dqdv, plots

    if samples is None:
        return [_section("Time series", f"<p>No {_e(schema.SAMPLES)} in the run folder: nothing to plot.</p>")]
    if len(samples) < 2:
        return [_section("Time series", "<p>Fewer than two samples were recorded: nothing to plot.</p>")]
    power_bank = (meta.get("dut") or {}).get("kind") == "power bank"
    ports = ("input port (the supply) and output port (the load) drawn apart; " if power_bank else
             "current and power positive when they charge the cell; ")
    shading = (f"the background shows each step's type, and the number at the top its index in the profile "
               f"(table Steps), when the view holds at most {plots.SHADED} steps")
    thinning = (f"Traces over {4 * plots.POINTS} points are thinned to each span's lowest and highest point, so "
                "peaks and dips stay.")
    marks = [(float(e["test_time_s"]), str(e["event"]).replace("_", " ")) for e in events
             if e.get("event") in MARKED_EVENTS and isinstance(e.get("test_time_s"), (int, float))]
    end = max((at for at, _ in marks), default=None)  # an event after the last sample stretches the time axis
    drawn = list(dict.fromkeys(label for _, label in plots.in_view(samples, marks, end)))
    marked = f" Red dashed lines: {', '.join(drawn)} (table Events)." if drawn else ""
    after = max((at for at, _ in marks if at > samples.time[-1]), default=None)
    if after is not None:
        marked += (f" The time axis goes on to {_duration(after)}, past the last sample "
                   f"({_duration(float(samples.time[-1]))}), to show the event there.")
    counted = meta.get("samples")
    short = (f"<p><strong>{_e(schema.SAMPLES)} holds {len(samples)} rows where run.json counts {counted}:"
             " the file is not as the run left it; the figures show the rows it holds.</strong></p>"
             if isinstance(counted, int) and len(samples) < counted and meta.get("status") == "finished" else "")
    views = [short + _figure(plots.time_series(samples, power_bank, marks=marks, end=end),
                     "voltage, current, power and temperatures against time",
                     f"The whole run: {ports}{shading}. {thinning}{marked}")]
    runs = samples.cycles()
    if len(runs) > 2:  # the whole run is a comb of cycles: its first and last cycles drawn alone show the steps
        for cycle, first, last in (runs[0], runs[-1]):
            until = end if last == len(samples) - 1 else None  # the last cycle's view reaches the run's last event
            views.append(_figure(plots.time_series(samples.rows(first, last), power_bank, f"cycle {cycle}", marks,
                                                   until),
                                 f"cycle {cycle} against time", f"Cycle {cycle} of {len(runs)}, as above."))
    out = [_section("Time series", "".join(views))]
    whole = [row for row in cycles if "cut" not in row]
    cut = "".join(f" Cycle {row['cycle']:.0f}, cut short by the run's end, is in the table, not the plot."
                  for row in cycles if "cut" in row)
    if len(whole) >= 2:
        out.append(_section("Cycles", _figure(
            plots.cycle_plots(whole), "capacity, retention and efficiencies per cycle",
            f"From {schema.CYCLES}. Retention is the discharge capacity as a share of the first cycle's. A cycle "
            f"that starts full takes almost no charge: its efficiencies are missing; one above 100 % started "
            f"fuller than it ended.{cut}") + _cycle_table(cycles)))
    if not power_bank:
        curves = dqdv.curves(samples)
        if curves:
            out.append(_section("Incremental capacity (dQ/dV)", _dqdv_method() + _figure(
                plots.dqdv_plot(curves), "dQ/dV of the charge and discharge steps",
                "one curve per step; colour from the first step (dark) to the last (light).") + _curve_table(curves)))
    return out


def _dqdv_method() -> str:
    from bench.analysis.dqdv import BIN_WIDTH, SMOOTHING

    return (f"<p>The charge of each step is its current integrated over time (trapezoid rule, from the step's "
            f"start), binned by voltage in {BIN_WIDTH * 1000:g} mV bins: each interval between two samples spreads "
            f"its charge evenly over the voltages it crossed, and a bin's dQ/dV is the charge that fell in it "
            f"divided by its width; then a Gaussian of σ = {SMOOTHING * 1000:g} mV. dQ/dV taken sample by sample "
            "would divide reading noise by voltage steps of a fraction of a millivolt; binning and smoothing keep "
            "the area, so each curve still integrates to its step's capacity (table below).</p>")


def _cycle_table(rows: list[dict[str, float]]) -> str:
    columns = (("cycle", "cycle", "{:.0f}"), ("q_in", "charge / Ah", "{:.4f}"), ("q_out", "discharge / Ah", "{:.4f}"),
               ("e_in", "charge / Wh", "{:.3f}"), ("e_out", "discharge / Wh", "{:.3f}"),
               ("ce", "coulombic efficiency / %", "{:.2f}"), ("ee", "energy efficiency / %", "{:.2f}"),
               ("t_max", "max temperature / °C", "{:.1f}"))
    first = next((r["q_out"] for r in rows if r.get("q_out")), None)
    table = _table([name for _, name, _ in columns] + ["retention / %", ""],
                   [[fmt.format(r[key]) if key in r else "" for key, _, fmt in columns]
                    + ["" if first is None or "q_out" not in r else f"{100 * r['q_out'] / first:.2f}",
                       "; ".join(note for note, due in (("cut short by the run's end", "cut" in r),
                                                        (MORE_OUT, r.get("ce", 0.0) > 100.0)) if due)]
                    for r in rows],
                   "numbers cycles")
    return _fold(f"the {len(rows)} cycles as numbers", table, len(rows) <= OPEN_STEPS)


def _curve_table(curves: list[Any]) -> str:
    rows = []
    for c in curves:
        peak = int(c.dqdv.argmax())
        rows.append([str(c.step.count), str(c.step.cycle), str(c.step.index), c.step.kind, f"{c.capacity:.4f}",
                     f"{c.area:.4f}", f"{c.voltage[peak]:.3f}", f"{c.dqdv[peak]:.2f}"])
    table = _table(("step", "cycle", "profile step", "type", "capacity / Ah", "area under dQ/dV / Ah",
                    "highest peak at / V", "peak dQ/dV / (Ah/V)"), rows, "numbers curves")
    return _fold(f"the {len(curves)} curves as numbers", table, len(curves) <= OPEN_STEPS)


def _steps(events: list[dict[str, Any]], meta: dict[str, Any], samples: Any) -> str:
    """Each step that ended (its step_end event), then the step the run's end cut short, if any:
    from its start to the run's end (its ending event, else the last sample), figures counted
    from its samples."""
    started = {e.get("count"): e for e in events if e.get("event") in ("step_start", "step_continued")}
    rows, faults = [], _channel_faults(events)
    for e in events:
        if e.get("event") != "step_end":
            continue
        r = e.get("results") or {}
        start = started.get(e.get("count"), {}).get("test_time_s")
        rows.append([str(e.get("count", "")), str(e.get("cycle", "")), str(e.get("index", "")), e.get("step", ""),
                     _duration(start), _duration(r.get("duration_s")), e.get("ended_by") or "",
                     _fixed(r.get("charge_capacity_Ah"), 4), _fixed(r.get("discharge_capacity_Ah"), 4),
                     _fixed(r.get("charge_energy_Wh"), 3), _fixed(r.get("discharge_energy_Wh"), 3),
                     _temperatures(r.get("max_temperature_degC") or {})])
    cut, how = _cut_step(events, meta, samples)
    if cut is not None:
        rows.append(cut)
    if not rows:
        return f"<p>No step started ({schema.EVENTS}).</p>"
    table = _table(("#", "cycle", "profile step", "step", "started at", "duration", "ended by", "Ah in", "Ah out",
                    "Wh in", "Wh out", "max temperature / °C"), rows, "numbers steps")
    unread = sorted({c for row in rows for c in _unread(row[-1])})
    note = "".join(f'<p class="note">{NO_READING} {_e(channel)}: no reading from that channel in the step'
                   + (f" ({_e(faults[channel])})" if channel in faults else "") + ".</p>" for channel in unread)
    summary = f"{len(rows)} step{'' if len(rows) == 1 else 's'}"
    if cut is not None:
        summary += f", {how}" if len(rows) == 1 else f", the last {how}"
    return _fold(summary, table + note, len(rows) <= OPEN_STEPS)


def _cut_step(events: list[dict[str, Any]], meta: dict[str, Any], samples: Any) -> tuple[list[Any] | None, str]:
    """The row of the step in progress at the run's end (started, never ended), or None; and how
    it ended: cut short by the run's end, or still in progress where the records stop (no verdict)."""
    ended = {e.get("count") for e in events if e.get("event") == "step_end"}
    starts = [n for n, e in enumerate(events) if e.get("event") in ("step_start", "step_continued")]
    if not starts or events[starts[-1]].get("count") in ended:
        return None, ""
    count = events[starts[-1]].get("count")
    begun = next(events[n] for n in starts if events[n].get("count") == count)  # its step_start (a resume continues it)
    start = begun.get("test_time_s")
    ending = next((e for e in events[starts[-1]:] if e.get("event") in schema.ENDING_EVENTS), None)  # not a stop
    # that a resume took up
    totals = _step_totals(samples, count, events)
    if ending is not None and isinstance(ending.get("test_time_s"), (int, float)):
        end = ending["test_time_s"]
    elif totals is not None:
        end = totals.end
    else:
        end = meta.get("test_time_s")
    why = meta.get("reason") or (ending or {}).get("reason") or (ending or {}).get("event") or ""
    how = "cut short by the run's end"
    if not meta.get("verdict") and ending is None:
        how, why = "in progress where the records stop", "the run has no verdict (still going, or cut by a crash)"
    figures = ([_fixed(totals.q_in / 3600, 4), _fixed(totals.q_out / 3600, 4), _fixed(totals.e_in / 3600, 3),
                _fixed(totals.e_out / 3600, 3), _temperatures(totals.t_max)] if totals is not None else [""] * 5)
    duration = end - start if isinstance(end, (int, float)) and isinstance(start, (int, float)) else None
    return [str(count or ""), str(begun.get("cycle", "")), str(begun.get("index", "")), begun.get("step", ""),
            _duration(start), _duration(duration),
            _Raw(f"<strong>{how}</strong>" + (f": {_e(why)}" if why else "")), *figures], how


class _Reading:
    """A row of the samples as the integrator and Totals take the live readings."""

    __slots__ = ("test_time", "voltage", "i_in", "i_out", "p_in", "p_out", "temps")


def _step_totals(samples: Any, count: Any, events: list[dict[str, Any]]) -> Any:
    """A step's charge, energy and hottest temperatures counted from its samples with the run's
    own integrator (not bridged across a gap or a resume after one); None without rows."""
    from bench.analysis.integrator import Integrator, Totals

    if samples is None or not isinstance(count, int):
        return None
    rows = [int(i) for i in (samples.step == count).nonzero()[0]]
    if not rows:
        return None
    gaps = [float(e["from_s"] if e.get("event") == "gap" else e["test_time_s"]) for e in events
            if (e.get("event") == "gap" and isinstance(e.get("from_s"), (int, float)))
            or (e.get("event") == "resumed" and e.get("gap_s") and isinstance(e.get("test_time_s"), (int, float)))]
    integrator, totals, before = Integrator(), None, None
    for i in rows:
        r = _Reading()
        r.test_time, r.voltage = float(samples.time[i]), float(samples.voltage[i])
        r.i_in, r.i_out = float(samples.i_in[i]), float(samples.i_out[i])
        r.p_in, r.p_out = float(samples.v_in[i] * samples.i_in[i]), float(samples.v_out[i] * samples.i_out[i])
        r.temps = {name: float(values[i]) for name, values in samples.temperatures.items()}
        if before is not None and any(before <= g < r.test_time for g in gaps):
            integrator.reset()
        if totals is None:
            totals = Totals(r.test_time, r)
        integrator.add(r, (totals,))
        before = r.test_time
    return totals


def _temperatures(temps: dict[str, Any]) -> str:
    """'cell 25.1, ambient —': a channel with no reading (NaN: open, overloaded) is a dash, not 'nan'."""
    return ", ".join(f"{k} {v:.1f}" if isinstance(v, (int, float)) and v == v else f"{k} {NO_READING}"
                     for k, v in temps.items() if isinstance(v, (int, float)) or v is None)


def _unread(cell: Any) -> list[str]:
    """The channels a temperature cell shows without a reading."""
    return [part[:-len(NO_READING) - 1] for part in str(cell).split(", ") if part.endswith(f" {NO_READING}")]


def _channel_faults(events: list[dict[str, Any]]) -> dict[str, str]:
    """Each temperature channel's first fault, as the events tell it ('open thermocouple ... from 1:00:00')."""
    faults: dict[str, str] = {}
    for e in events:
        if e.get("event") == "channel_fault" and isinstance(e.get("channel"), str):
            faults.setdefault(e["channel"], f"{e.get('reason') or 'channel fault'} from "
                                            f"{_duration(e.get('test_time_s'))}, table Events")
    return faults


def _events(folder: Path) -> str:
    rows = []
    for e in read_events(folder):
        if e.get("event") in ROUTINE_EVENTS:
            continue
        fields = {k: v for k, v in e.items() if k not in ("event", "test_time_s", "unix_time_s")}
        rows.append([_duration(e.get("test_time_s")), str(e.get("event")),
                     ", ".join(f"{k}: {json.dumps(v, default=str)}" for k, v in fields.items())])
    if not rows:
        return "<p>Nothing beyond the steps.</p>"
    return _table(("at", "event", "details"), rows, "events")


def _cut_short(events: list[dict[str, Any]]) -> set[float]:
    """The cycles the run's end cut short: closed after the event of what ended it."""
    at = next((i for i, e in enumerate(events) if e.get("event") in schema.ENDING_EVENTS), len(events))
    return {e["cycle"] for e in events[at:] if e.get("event") == "cycle_end" and isinstance(e.get("cycle"), int)}


# --- a lot -----------------------------------------------------------------------------------


def lot_report(units: list[Any], where: Path) -> str:
    """The HTML report of several run folders (bench.analysis.lot.Unit each): the lot compared as
    `bench lot` does. Links to the units' own reports are relative to `where`, the report's folder."""
    from bench.analysis import plots
    from bench.analysis.lot import screen
    from bench.analysis.samples import read_samples
    from bench.record.cyclefile import read_cycles
    from bench.record.runfile import read_run_json

    try:
        result = screen(units)
        problem = None
    except InputError as exc:
        result, problem = None, str(exc)
    metas = [read_run_json(u.folder) for u in units]
    names = [f"{n}. {u.serial or u.run_id}" for n, u in enumerate(units, 1)]
    profiles = sorted({u.profile or "?" for u in units})
    title = f"Lot of {len(units)} units: {', '.join(profiles)}"
    if result is None:
        headline, colour = "NOT COMPARED", "#555555"
        reason = problem or ""
    elif result.outliers:
        headline, colour = f"{len(result.outliers)} OUTLIER{'S' if len(result.outliers) > 1 else ''}", "#b3261e"
        reason = "; ".join(f"{names[i]}: " + ", ".join(m.name for m in ms) for i, ms in result.outliers.items())
    else:
        headline, colour = "NO OUTLIER", "#1e7b34"
        reason = f"{len(result.counted)} units compared on {sum(s.judged for s in result.stats.values())} metrics"
    verdicts = ", ".join(f"{sum(u.verdict == v for u in units)} {v}" for v in VERDICT_COLOURS
                         if any(u.verdict == v for u in units))
    body = [(f'<header class="cover" style="background:{colour}"><div class="verdict">{_e(headline)}</div>'
             f'<div class="reason">{_e(reason)}</div><div class="what">{_e(title)} · {_e(verdicts)}</div></header>'),
            _section("Units", _units(units, names, result, where))]
    if result is not None:
        body.append(_section("Metrics, unit by unit", _lot_table(result, names) + _figure(
            plots.lot_metrics(result), "each metric unit by unit",
            "the line is the lot's median; in the green band a unit is no outlier (|z| at most "
            f"{result.threshold:g}); outliers red, units left out of the statistics hollow.")))
    traces = []
    for name, unit, meta in zip(names, units, metas):
        try:
            traces.append((name, read_samples(unit.folder, meta)))
        except InputError:
            continue
    channel = next(iter(metas[0].get("temperature_channels") or {}), None)  # the first channel's name
    figures = []
    if traces:
        power_bank = (metas[0].get("dut") or {}).get("kind") == "power bank"
        figures.append(_figure(plots.overlay(traces, power_bank, channel), "every unit against time",
                               "Each unit's traces on one time axis."))
    cycles = [(name, rows) for name, unit in zip(names, units)
              if len(rows := read_cycles(unit.folder / schema.CYCLES)) >= 2]
    if cycles:
        figures.append(_figure(plots.lot_cycles(cycles), "discharge capacity per cycle, every unit", ""))
    if figures:
        body.append(_section("Traces", "".join(figures)))
    body.append(_section("Each unit", "".join(
        _fold(f"{name}: {meta.get('verdict') or meta.get('status')}",
              _criteria(meta) + _traceability(meta, unit.folder), False)
        for name, unit, meta in zip(names, units, metas))))
    return _page(title, body, None)


def _units(units: list[Any], names: list[str], result: Any, where: Path) -> str:
    rows = []
    for index, (name, unit) in enumerate(zip(names, units)):
        flagged = ", ".join(m.name for m in result.outliers.get(index, [])) if result is not None else ""
        report = unit.folder / REPORT
        link = _Raw(f'<a href="{_e(_href(report, where))}">{REPORT}</a>') if report.exists() else ""
        rows.append([name, unit.run_id, unit.verdict or unit.status or "?", unit.reason or "",
                     "yes" if unit.left_out is None else f"no: {unit.left_out}",
                     _Raw(f'<b class="flag">{_e(flagged)}</b>') if flagged else "", link])
    return _table(("unit", "run", "verdict", "reason", "compared", "outlier on", "report"), rows, "units")


def _href(target: Path, where: Path) -> str:
    """A link from a page in `where` to `target`: relative, so that the folders can move together."""
    try:
        return Path(os.path.relpath(target.resolve(), where.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return target.resolve().as_uri()


def _lot_table(result: Any, names: list[str]) -> str:
    """The table of `bench lot`: a row per unit, a column per metric, outliers' cells marked."""
    metrics = result.metrics
    head = "".join(f"<th>{_e(m.name)}<br><small>{_e(m.unit)}</small></th>" for m in metrics)
    rows = []
    for index, (name, unit) in enumerate(zip(names, result.units)):
        cells = []
        for m in metrics:
            value = unit.values.get(m)
            z = result.z.get((index, m))
            tip = f' title="z = {z:+.2f}"' if z is not None else ""
            mark = ' class="outlier"' if result.flagged(index, m) else ""
            cells.append(f"<td{mark}{tip}>{'' if value is None else _e(f'{value:.5g}')}</td>")
        dim = ' class="left-out"' if unit.left_out is not None else ""
        rows.append(f"<tr{dim}><th>{_e(name)}</th>{''.join(cells)}</tr>")
    for label, values in (("median", [result.stats[m].median for m in metrics]),
                          ("MAD used", [result.stats[m].spread for m in metrics])):
        rows.append(f'<tr class="stat"><th>{label}</th>'
                    + "".join(f"<td>{'' if v is None else _e(f'{v:.4g}')}</td>" for v in values) + "</tr>")
    return (f'<div class="scroll"><table class="numbers lot"><tr><th>unit</th>{head}</tr>{"".join(rows)}</table></div>'
            f"<p class=\"note\">Robust z = 0.6745 (x − median) / MAD (Iglewicz and Hoaglin), MAD floored at the "
            f"bench's resolution; an outlier when |z| &gt; {result.threshold:g}. Hover a cell for its z.</p>")


# --- HTML ------------------------------------------------------------------------------------


class _Raw(str):
    """Markup that goes into the page as it is."""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _g(value: Any) -> str:
    return f"{value:.5g}" if isinstance(value, (int, float)) else str(value)


def _fixed(value: Any, digits: int) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else ""


def _duration(seconds: Any) -> str:
    """12345.6 s -> '3:25:46' (h:mm:ss)."""
    if not isinstance(seconds, (int, float)):
        return ""
    whole = round(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _table(headers: Sequence[str] | None, rows: Iterable[Sequence[Any]], kind: str) -> str:
    head = "" if headers is None else "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{c if isinstance(c, _Raw) else _e(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f'<div class="scroll"><table class="{kind}">{head}{body}</table></div>'


def _fold(summary: str, content: str, open_: bool) -> str:
    return f"<details{' open' if open_ else ''}><summary>{_e(summary)}</summary>{content}</details>"


def _section(title: str, content: str) -> str:
    return f"<section><h2>{_e(title)}</h2>{content}</section>"


def _figure(png: bytes, alt: str, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img alt="{_e(alt)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0 auto;
       max-width: 1180px; padding: 0 16px 40px; }
.cover { color: #fff; padding: 18px 24px; border-radius: 0 0 8px 8px; }
.cover .verdict { font-size: 44px; font-weight: 700; letter-spacing: 2px; }
.cover .reason { font-size: 18px; margin: 4px 0 8px; }
.cover .what { opacity: .9; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 32px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
table.numbers td, table.lot td { text-align: right; font-variant-numeric: tabular-nums; }
table.facts td:first-child { font-weight: 600; white-space: nowrap; background: #fafafa; }
table.facts td { word-break: break-all; }
.outcome { font-weight: 700; padding: 1px 6px; border-radius: 3px; }
.outcome.PASS { background: #d7f0dc; color: #1e7b34; }
.outcome.MARGINAL { background: #fff0b3; color: #7a5a00; }
.outcome.FAIL { background: #f9d6d3; color: #b3261e; }
td.outlier { background: #b3261e; color: #fff; font-weight: 700; }
tr.left-out td, tr.left-out th { color: #999; }
tr.stat th, tr.stat td { font-style: italic; background: #fafafa; }
.flag { color: #b3261e; }
.scroll { overflow-x: auto; }
figure { margin: 12px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption, .note, footer { color: #555; font-size: 13px; }
details { margin: 6px 0; }
summary { cursor: pointer; font-weight: 600; }
"""


def _page(title: str, body: list[str], folder: Path | None) -> str:
    made = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    source = f" from {folder.resolve()}" if folder is not None else ""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f"<style>{STYLE}</style></head><body>{''.join(body)}"
            f"<footer><p>Written by powerbench {_e(bench.__version__)} (bench report){_e(source)} on {made}.</p>"
            "</footer></body></html>\n")
