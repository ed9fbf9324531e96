"""The figures of a report, drawn with matplotlib's Agg renderer into PNG bytes (no display, no
pyplot state): time series with the steps shaded, per-cycle capacity and efficiencies, dQ/dV, and
a lot's metrics unit by unit. matplotlib is optional (the `report` extra): import this module
only to draw."""
from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from bench.analysis.dqdv import BIN_WIDTH, SMOOTHING, Curve
from bench.analysis.samples import Samples, Step

WIDTH = 11.0  # in; at DPI, 1100 px: the page's width
DPI = 100
STEP_COLOURS = {"charge": "#f6d5d1", "hold": "#fbeec2", "discharge": "#d3e2f7", "rest": "#ececec"}
INPUT, OUTPUT, DUT = "#c0392b", "#1f5fa8", "#222222"  # input port (supply), output port (load), the DUT's own
POINTS = 2000  # buckets a long trace is thinned to (each keeps its minimum and maximum)
LABELLED = 0.035  # share of the time axis a step must span to carry its number
SHADED = 60  # steps at most in one view for the steps to be shaded (more are a blur: see a cycle's view)
CURVES = 10  # dQ/dV curves at most per panel (cycles picked evenly, first and last always)


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes (Agg)."""
    out = io.BytesIO()
    FigureCanvasAgg(figure).print_png(out)
    return out.getvalue()


def time_unit(end: float) -> tuple[float, str]:
    """(seconds per unit, unit) that puts test times up to `end` seconds on readable ticks."""
    if end <= 600:
        return 1.0, "s"
    if end <= 4 * 3600:
        return 60.0, "min"
    return 3600.0, "h"


def thin(x: np.ndarray, y: np.ndarray, buckets: int = POINTS) -> tuple[np.ndarray, np.ndarray]:
    """A long trace cut to `buckets` spans, each kept as its lowest and highest point in time
    order: every peak and dip survives (a trip, a spike), which a stride would drop."""
    n = len(y)
    if n <= 4 * buckets:
        return x, y
    size = -(-n // buckets)
    grid = np.pad(y, (0, size * buckets - n), mode="edge").reshape(buckets, size)
    base = np.arange(buckets) * size
    low = base + np.argmin(np.where(np.isnan(grid), np.inf, grid), axis=1)
    high = base + np.argmax(np.where(np.isnan(grid), -np.inf, grid), axis=1)
    keep = np.unique(np.concatenate(([0, n - 1], np.minimum(low, n - 1), np.minimum(high, n - 1))))
    return x[keep], y[keep]


def _shade_steps(axes: Sequence[Any], steps: list[Step], scale: float, numbered: bool = True) -> None:
    """Each step a band coloured by its type across every panel; wide ones carry their index
    in the profile above the first panel (`numbered`; a view of many cycles numbers the cycles there)."""
    span = (steps[-1].end - steps[0].start) or 1.0
    for ax in axes:
        for kind, colour in STEP_COLOURS.items():
            boxes = [[(s.start / scale, 0), (s.start / scale, 1), (s.end / scale, 1), (s.end / scale, 0)]
                     for s in steps if s.kind == kind and s.end > s.start]
            if boxes:
                ax.add_collection(PolyCollection(boxes, facecolors=colour, edgecolors="white", linewidths=1.0,
                                                 zorder=0, transform=ax.get_xaxis_transform()))
    top = axes[0]
    labelled = [s for s in steps if (s.end - s.start) / span >= LABELLED] if numbered else []
    if labelled:
        top.text(0.0, 1.01, "step ", transform=top.transAxes, ha="right", va="bottom", fontsize=8, color="#444444")
    for s in labelled:
        top.text((s.start + s.end) / 2 / scale, 1.01, str(s.index), transform=top.get_xaxis_transform(),
                 ha="center", va="bottom", fontsize=8, color="#444444")


def _mark_cycles(ax: Any, samples: Samples, scale: float, most: int = 12) -> None:
    """Cycle numbers on a top axis, at the starts of (at most `most`, evenly picked) cycles."""
    cycles = samples.cycles()
    if len(cycles) < 2:
        return
    every = -(-len(cycles) // most)
    shown = cycles[::every]
    top = ax.secondary_xaxis("top")
    top.set_xticks([samples.time[first] / scale for _, first, _ in shown], [str(c) for c, _, _ in shown], fontsize=8)
    top.set_xlabel("cycle (at its start)", fontsize=8)


def in_view(samples: Samples, marks: Sequence[tuple[float, str]], end: float | None = None
            ) -> list[tuple[float, str]]:
    """The marks a view of `samples` draws: those from its first sample to its last, or to `end`
    when that is later (the view stretched to an event after the last sample)."""
    if not len(samples):
        return []
    last = max(float(samples.time[-1]), end if end is not None else float("-inf"))
    return [(at, label) for at, label in marks if samples.time[0] <= at <= last]


def time_series(samples: Samples, power_bank: bool, title: str | None = None,
                marks: Sequence[tuple[float, str]] = (), end: float | None = None) -> bytes:
    """Voltage, current, power and temperatures against time, steps shaded (up to SHADED steps).
    A power bank's input port (supply) and output port (load) are drawn apart; a cell's current
    and power are signed, positive when it charges. `marks`: (test time, label) of events drawn
    as red lines across the panels (a trip, a resume), those in_view. `end`: the test time the
    view reaches when it is after the last sample (the fault that ended the run before its
    sample was written): the time axis is stretched to it."""
    return png(time_series_figure(samples, power_bank, title, marks, end))


def time_series_figure(samples: Samples, power_bank: bool, title: str | None = None,
                       marks: Sequence[tuple[float, str]] = (), end: float | None = None) -> Figure:
    """The figure time_series draws."""
    last = max(float(samples.time[-1]), end if end is not None else float("-inf"))
    scale, unit = time_unit(last)
    t = samples.time / scale
    panels = 4 if samples.temperatures else 3
    figure = Figure(figsize=(WIDTH, 2.3 * panels + 0.6), dpi=DPI, layout="constrained")
    axes = figure.subplots(panels, 1, sharex=True)
    if power_bank:
        lines = [
            ("Voltage / V", [("input port (supply)", INPUT, samples.v_in),
                             ("output port (load)", OUTPUT, samples.v_out)]),
            ("Current / A", [("input port", INPUT, samples.i_in), ("output port", OUTPUT, samples.i_out)]),
            ("Power / W", [("input port", INPUT, samples.v_in * samples.i_in),
                           ("output port", OUTPUT, samples.v_out * samples.i_out)]),
        ]
    else:
        lines = [("Voltage / V", [("cell voltage", DUT, samples.voltage)]),
                 ("Current / A", [("current (+ charge, - discharge)", DUT, samples.current)]),
                 ("Power / W", [("power (+ charge, - discharge)", DUT, samples.power)])]
    if samples.temperatures:
        colours = ("#d35400", "#8e44ad", "#16a085", "#7f8c8d", "#2c3e50", "#c0392b")
        lines.append(("Temperature / °C", [(name, colours[i % len(colours)], values)
                                           for i, (name, values) in enumerate(samples.temperatures.items())]))
    for ax, (label, traces) in zip(axes, lines):
        for n, (name, colour, values) in enumerate(traces):  # dashes tell apart traces that lie on each other
            ax.plot(*thin(t, values), color=colour, linewidth=1.0, label=name, linestyle=("-", "--", ":")[n % 3])
        if not power_bank and label in ("Current / A", "Power / W"):
            ax.axhline(0.0, color="#888888", linewidth=0.6)
        ax.set_ylabel(label)
        ax.grid(True, color="#c8c8c8", linewidth=0.5)
        ax.margins(x=0.005)  # an event at the run's end stays off the frame
        ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False)
    steps = samples.steps()
    cycles = len(samples.cycles()) > 2 or len(steps) > SHADED  # a comb of cycles: numbered on the top axis
    if cycles:
        _mark_cycles(axes[0], samples, scale)
    if steps and len(steps) <= SHADED:
        _shade_steps(axes, steps, scale, numbered=not cycles)
        present = {s.kind for s in steps if s.end > s.start}
        axes[0].legend(handles=[*axes[0].get_legend_handles_labels()[0],
                                *(Patch(facecolor=colour, label=f"{kind} step") for kind, colour in STEP_COLOURS.items()
                                  if kind in present)],
                       loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False)
    if last > samples.time[-1]:  # stretched to an event after the last sample, with the margin of the traces
        first = float(samples.time[0])
        pad = 0.005 * (last - first)
        axes[-1].set_xlim((first - pad) / scale, (last + pad) / scale)
    for at, label in in_view(samples, marks, end):
        for ax in axes:
            ax.axvline(at / scale, color="#b3261e", linestyle="--", linewidth=1.0)
        axes[-1].text(at / scale, 0.02, f" {label}", transform=axes[-1].get_xaxis_transform(), rotation=90,
                      ha="right", va="bottom", fontsize=8, color="#b3261e",
                      bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 1.0})  # over the traces
    if title:
        figure.suptitle(title, fontsize=10)
    axes[-1].set_xlabel(f"Test time / {unit}")
    return figure


def cycle_plots(rows: list[dict[str, float]]) -> bytes:
    """Per cycle: charge and discharge capacity, retention (discharge capacity as % of the first
    cycle's) and coulombic and energy efficiency, from cycles.csv rows (bench.record.cyclefile.read_cycles)."""
    figure = Figure(figsize=(WIDTH, 7.6), dpi=DPI, layout="constrained")
    capacity, retention, efficiency = figure.subplots(3, 1, sharex=True)
    marker = "o" if len(rows) <= 60 else None
    style: dict[str, Any] = {"marker": marker, "markersize": 3.5, "linewidth": 1.2}

    def series(key: str) -> tuple[np.ndarray, np.ndarray]:
        return (np.array([r["cycle"] for r in rows if key in r]), np.array([r[key] for r in rows if key in r]))
    capacity.plot(*series("q_in"), color=INPUT, label="charge", **style)
    capacity.plot(*series("q_out"), color=OUTPUT, label="discharge", **style)
    capacity.set_ylabel("Capacity / Ah")
    cycles, q_out = series("q_out")
    if len(q_out) and q_out[0] > 0:
        retention.plot(cycles, 100.0 * q_out / q_out[0], color=OUTPUT, label="discharge capacity, % of cycle "
                       f"{int(cycles[0])}", **style)
    retention.set_ylabel("Retention / %")
    efficiency.plot(*series("ce"), color="#2c3e50", label="coulombic (Ah out / Ah in)", **style)
    efficiency.plot(*series("ee"), color="#d35400", label="energy (Wh out / Wh in)", **style)
    efficiency.set_ylabel("Efficiency / %")
    efficiency.set_xlabel("Cycle")
    efficiency.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in (capacity, retention, efficiency):
        ax.grid(True, color="#dddddd", linewidth=0.6)
        ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False)
    return png(figure)


def pick(curves: list[Curve], most: int = CURVES) -> list[Curve]:
    """At most `most` curves, evenly spread over the run (the first and the last always)."""
    if len(curves) <= most:
        return curves
    return [curves[i] for i in sorted(set(np.linspace(0, len(curves) - 1, most).round().astype(int)))]


def dqdv_plot(curves: list[Curve]) -> bytes:
    """dQ/dV of the discharge steps and of the charge steps side by side, one curve per step,
    coloured from the first (dark) to the last (light): by step, so the curves of one cycle (a
    DCIR profile's pulses) are told apart too."""
    kinds = [k for k in ("discharge", "charge") if any(c.step.kind == k for c in curves)]
    figure = Figure(figsize=(WIDTH, 4.4), dpi=DPI, layout="constrained")
    axes = figure.subplots(1, len(kinds), squeeze=False)[0]
    colormap = matplotlib.colormaps["viridis"]
    several_per_cycle = len({(c.step.cycle, c.step.kind) for c in curves}) < len(curves)
    for ax, kind in zip(axes, kinds):
        shown = pick([c for c in curves if c.step.kind == kind])
        for n, c in enumerate(shown):
            where = n / (len(shown) - 1) if len(shown) > 1 else 0.0
            name = f"cycle {c.step.cycle}" + (f", step {c.step.index}" if several_per_cycle else "")
            ax.plot(c.voltage, c.dqdv, color=colormap(0.85 * where), linewidth=1.2,
                    label=f"{name}: {c.capacity:.3f} Ah")
        total = sum(c.step.kind == kind for c in curves)
        ax.set_title(f"{kind} steps" + (f" ({len(shown)} of {total} shown)" if len(shown) < total else ""),
                     fontsize=10)
        ax.set_xlabel("Voltage / V")
        ax.set_ylabel("dQ/dV / (Ah/V)")
        ax.grid(True, color="#dddddd", linewidth=0.6)
        ax.legend(fontsize=8, frameon=False, loc="upper left")
    figure.suptitle(f"charge binned by voltage in {BIN_WIDTH * 1000:g} mV bins, Gaussian smoothing "
                    f"σ = {SMOOTHING * 1000:g} mV", fontsize=9, color="#555555")
    return png(figure)


def overlay(traces: list[tuple[str, Samples]], power_bank: bool, channel: str | None) -> bytes:
    """Every unit of a lot on one time axis: a cell's voltage, or a power bank's input current (how
    it charges) and output voltage (how long it holds up); and the temperature `channel`."""
    end = max((float(s.time[-1]) for _, s in traces if len(s)), default=0.0)
    scale, unit = time_unit(end)
    panels: list[tuple[str, Any]] = (
        [("Input current / A", lambda s: s.i_in), ("Output voltage / V", lambda s: s.v_out)] if power_bank
        else [("Cell voltage / V", lambda s: s.voltage)])
    if channel:
        panels.append((f"{channel.capitalize()} temperature / °C", lambda s: s.temperatures.get(channel)))
    figure = Figure(figsize=(WIDTH, 2.5 * len(panels) + 0.6), dpi=DPI, layout="constrained")
    axes = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    colours = matplotlib.colormaps["tab10"]
    for ax, (label, column) in zip(axes, panels):
        for n, (name, s) in enumerate(traces):
            values = column(s)
            if values is not None and len(s):
                ax.plot(*thin(s.time / scale, values), color=colours(n % 10), linewidth=1.0, label=name)
        ax.set_ylabel(label)
        ax.grid(True, color="#dddddd", linewidth=0.6)
        ax.margins(x=0)
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False)
    axes[-1].set_xlabel(f"Test time / {unit}")
    return png(figure)


def lot_cycles(traces: list[tuple[str, list[dict[str, float]]]]) -> bytes:
    """Every unit's discharge capacity per cycle on one plot."""
    figure = Figure(figsize=(WIDTH, 3.4), dpi=DPI, layout="constrained")
    ax = figure.subplots()
    colours = matplotlib.colormaps["tab10"]
    for n, (label, rows) in enumerate(traces):
        points = [(r["cycle"], r["q_out"]) for r in rows if "q_out" in r]
        ax.plot(*zip(*points), color=colours(n % 10), marker="o" if len(points) <= 60 else None, markersize=3,
                linewidth=1.0, label=label)
    ax.set_xlabel("Cycle")
    ax.set_ylabel("Discharge capacity / Ah")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False)
    return png(figure)


def lot_metrics(result: Any, columns: int = 4) -> bytes:
    """Each judged metric of a lot screen (bench.analysis.lot.Screen) a panel: every unit's value,
    the median (line) and the band outside which a unit is an outlier (|z| above the threshold);
    outliers red, units left out of the statistics hollow."""
    from bench.analysis.lot import Z_FACTOR

    metrics = [m for m in result.metrics if result.stats[m].judged]
    rows = max(1, -(-len(metrics) // columns))
    figure = Figure(figsize=(WIDTH, 2.1 * rows + 0.4), dpi=DPI, layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    names = [str(i + 1) for i in range(len(result.units))]
    for ax, metric in zip(axes, metrics):
        stats = result.stats[metric]
        reach = result.threshold * stats.spread / Z_FACTOR
        ax.axhspan(stats.median - reach, stats.median + reach, color="#e8f1e4", zorder=0)
        ax.axhline(stats.median, color="#6a9a5b", linewidth=1.0)
        for i, unit in enumerate(result.units):
            value = unit.values.get(metric)
            if value is None:
                continue
            if unit.left_out is not None:
                ax.plot(i, value, "o", markerfacecolor="none", markeredgecolor="#999999")
            else:
                ax.plot(i, value, "o", color="#d62728" if result.flagged(i, metric) else "#1f5fa8",
                        markersize=7 if result.flagged(i, metric) else 5)
        ax.set_title(metric.name, fontsize=9)
        ax.set_ylabel(metric.unit.replace("degC", "°C"), fontsize=8)
        ax.set_xticks(range(len(names)), names, fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        ax.ticklabel_format(axis="y", useOffset=False)
        ax.set_xlim(-0.6, len(names) - 0.4)
    for ax in axes[len(metrics):]:
        ax.set_axis_off()
    figure.supxlabel("unit (numbered as in the table)", fontsize=8)
    return png(figure)
