"""The metric catalogue: what a criterion can judge, computed from running totals.

Totals (bench.analysis.integrator) are kept for the whole run, for each step execution and for
each cycle; a criterion names a metric and optionally the step it is taken from (its last
execution).
"""
from __future__ import annotations

from typing import Callable

from bench.analysis.integrator import Totals
from bench.errors import InputError
from bench.product.label import Ratings
from bench.record.schema import AMBIENT_CHANNEL
from bench.units import in_unit


def _ratio(num: float, den: float | None) -> float | None:
    return num / den if den else None


def _max_temperature(totals: Totals, channel: str | None) -> float | None:
    names = list(totals.t_max) if channel is None else [channel]
    values = [totals.t_max[n] for n in names if totals.t_max.get(n, float("nan")) == totals.t_max.get(n)]
    return max(values) if values else None


def _largest(totals: Totals, channel: str | None, low: dict[str, float]) -> float | None:
    """The largest of t_max - low over the channels (or the one named); NaN channels skipped."""
    names = [channel] if channel is not None else list(totals.t_max)
    spans = [totals.t_max[n] - low[n] for n in names if n in totals.t_max]
    spans = [s for s in spans if s == s]
    return max(spans) if spans else None


def _over_ambient(totals: Totals, channel: str | None) -> float | None:
    """The largest of t_max - the ambient channel's t_max over the channels (or the one named),
    the ambient itself left out; None without an ambient reading."""
    ambient = totals.t_max.get(AMBIENT_CHANNEL, float("nan"))
    if ambient != ambient:
        return None
    names = [channel] if channel is not None else [n for n in totals.t_max if n != AMBIENT_CHANNEL]
    rises = [totals.t_max[n] - ambient for n in names if totals.t_max.get(n, float("nan")) == totals.t_max.get(n)]
    return max(rises) if rises else None


def _dcir(t: Totals) -> float | None:
    """|V_end - V_before| / |I_end - I_before| (net currents): a pulse from rest, or from a lower
    current (the two-level method of IEC 61960-3)."""
    step = abs((t.i_in_end - t.i_out_end) - t.i_before)
    if step <= 0 or t.v_before != t.v_before:
        return None
    return abs(t.v_end - t.v_before) / step


def _per_second(value: float, t: Totals) -> float | None:
    return value / (t.end - t.start) if t.end > t.start else None


Compute = Callable[[Totals, Ratings, "str | None"], "float | None"]

# metric -> (kind of its value, computation, meaning, the rating it needs)
METRICS: dict[str, tuple[str, Compute, str, str | None]] = {
    "discharge capacity": ("capacity", lambda t, r, c: t.q_out, "charge delivered at the DUT output (load side)", None),
    "charge capacity": ("capacity", lambda t, r, c: t.q_in, "charge taken at the DUT input (supply side)", None),
    "discharge energy": ("energy", lambda t, r, c: t.e_out, "energy delivered at the DUT output", None),
    "charge energy": ("energy", lambda t, r, c: t.e_in, "energy taken at the DUT input", None),
    "equivalent capacity": ("capacity", lambda t, r, c: _ratio(t.e_out, r.nominal_voltage),
                            "output energy / nominal cell voltage: comparable with the label", "nominal_voltage"),
    "conversion efficiency": ("ratio", lambda t, r, c: _ratio(t.e_out, r.rated_energy),
                              "output energy / rated energy (rated capacity x nominal voltage)", "rated_capacity"),
    "energy efficiency": ("ratio", lambda t, r, c: _ratio(t.e_out, t.e_in), "output energy / input energy", None),
    "coulombic efficiency": ("ratio", lambda t, r, c: _ratio(t.q_out, t.q_in), "output charge / input charge", None),
    "max temperature": ("temperature", lambda t, r, c: _max_temperature(t, c),
                        "hottest reading (any channel, or '<channel> max temperature')", None),
    "temperature rise": ("temperature difference", lambda t, r, c: _largest(t, c, t.t_start),
                         "largest rise above the scope's first reading (or '<channel> temperature rise')", None),
    "temperature span": ("temperature difference", lambda t, r, c: _largest(t, c, t.t_min),
                         "largest max - min of a channel over the scope: its stability", None),
    "temperature over ambient": ("temperature difference", lambda t, r, c: _over_ambient(t, c),
                                 "hottest reading above the ambient channel's hottest over the scope (or "
                                 "'<channel> temperature over ambient'): a DUT that heats itself at rest", None),
    "duration": ("time", lambda t, r, c: t.end - t.start, "time the scope lasted", None),
    "end voltage": ("voltage", lambda t, r, c: t.v_end, "voltage at the end of the scope", None),
    "voltage decay": ("voltage rate", lambda t, r, c: _per_second(t.v_first - t.v_end, t),
                      "(first - last voltage) / duration: the K value of a rest, positive when falling", None),
    "dcir": ("resistance", lambda t, r, c: _dcir(t),
             "|change of voltage| / |change of current| from just before the step to its end: DC resistance "
             "of a pulse", None),
    "end input current": ("current", lambda t, r, c: t.i_in_end, "supply current at the end (float current)", None),
    "end output current": ("current", lambda t, r, c: t.i_out_end, "load current at the end", None),
    "mean input current": ("current", lambda t, r, c: _per_second(t.q_in, t), "input charge / duration", None),
    "mean output current": ("current", lambda t, r, c: _per_second(t.q_out, t), "output charge / duration", None),
    "peak input current": ("current", lambda t, r, c: t.i_in_max, "highest supply current", None),
    "peak output current": ("current", lambda t, r, c: t.i_out_max, "highest load current (e.g. the trip point)",
                            None),
    "capacity retention": ("ratio", lambda t, r, c: None,
                           "discharge capacity of the step in a cycle / in the first cycle (cycle criteria)", None),
}
PER_CHANNEL = ("max temperature", "temperature rise", "temperature span", "temperature over ambient")
CYCLE_ONLY = ("capacity retention",)


def split_metric(name: str, source: str, key: str) -> tuple[str, str | None]:
    """'surface max temperature' -> ('max temperature', 'surface'); unknown names are an InputError."""
    name = " ".join(name.split())
    if name in METRICS:
        return name, None
    for base in PER_CHANNEL:
        if name.endswith(" " + base):
            return base, name[: -len(base) - 1]
    known = ", ".join(METRICS)
    raise InputError(source, key, f"unknown metric {name!r}; known: {known} "
                     "(temperatures also per channel: 'cell max temperature')")


# How a value of each kind is shown to people and in run.json: (unit label, SI -> shown).
DISPLAY: dict[str, tuple[str, float]] = {
    "capacity": ("Ah", 1 / 3600), "energy": ("Wh", 1 / 3600), "ratio": ("%", 100.0), "temperature": ("degC", 1.0),
    "temperature difference": ("K", 1.0), "time": ("s", 1.0), "voltage": ("V", 1.0), "current": ("A", 1.0),
    "power": ("W", 1.0), "resistance": ("mOhm", 1000.0), "voltage rate": ("mV/h", 3.6e6),
    "temperature rate": ("K/min", 60.0),
}


SMALL = {"current": ("mA", 1000.0), "voltage": ("mV", 1000.0)}  # below 0.1 A or 0.1 V


def shown(kind: str, value: float | None, unit: str = "") -> str:
    """A value as people read it: '6.52 Ah', '91.3 %'; in `unit` when given (the unit a limit is
    written in, so that the value and its limit read alike)."""
    if value is None:
        return "not measured"
    number = in_unit(value, kind, unit) if unit else None
    if number is not None:
        return f"{number:.4g} {unit}"
    label, scale = DISPLAY[kind]
    if kind in SMALL and 0 < abs(value) < 0.1:  # a float current, a ripple: '0.517 mA', not '0.000517 A'
        label, scale = SMALL[kind]
    return f"{value * scale:.4g} {label}"
