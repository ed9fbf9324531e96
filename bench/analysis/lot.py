"""Lot screening: the units of one lot compared on every metric, with robust statistics.

Each unit is one finished run folder. Its metrics are every criterion value in run.json, the
run totals in run.json, and, when the run folder has a cycles.csv of two cycles or more,
figures derived from it (number of cycles, last cycle's capacities, energies and efficiencies,
mean coulombic efficiency from cycle 2, hottest cycle, capacity retention last / first cycle,
and the fade in mAh per cycle: the least-squares slope of discharge capacity against cycle
number).
For each metric the lot's median and MAD (median absolute deviation) give every unit the
modified z-score of Iglewicz and Hoaglin:

    z = 0.6745 (x - median) / MAD

(B. Iglewicz and D. C. Hoaglin, "How to Detect and Handle Outliers", The ASQC Basic References
in Quality Control: Statistical Techniques, vol. 16, ASQC Quality Press, 1993; also the
NIST/SEMATECH e-Handbook of Statistical Methods, section 1.3.5.17). 0.6745 is the 0.75 quantile
of the standard normal, so z reads in standard deviations for normal data. They recommend
labelling |z| > 3.5 as a potential outlier: the default threshold. Median and MAD are not
pulled by the odd unit itself, as a mean and a standard deviation would be in a lot of eight.

Minimum spread: the MAD used is never below a floor, the spread a lot may have without any
unit being odd: an absolute resolution of the bench (1 mV, 1 mAh, 0.1 mA, 0.2 K, 0.1 points of
%...; 0.1 mA: a float current of a few mA, a leaking cell's, stands out of healthy ones' 0.5 mA)
and, for quantities that scale with the unit (capacity, energy, time, current, power,
resistance), a share of the median's magnitude: 1 %, 3 % for a resistance (the order of the
cell-to-cell spread of one production batch: 0.2-0.3 % of capacity and 0.7-3.8 % of impedance
in the studies reviewed by Wildfeuer and Lienkamp, eTransportation 9 (2021) 100129). See
MIN_SPREAD; other units: 1 % of the median. Never below 1e-12. So a MAD of 0 (all units
equal, or more than half of them) never divides by zero: the unit is judged against the
floor, and a difference below the bench's resolution or the lot's normal tolerance is never an
outlier. Without the relative share, a lot of eight would flag a healthy unit of a normal
spread on about one metric in sixteen (the MAD of eight values is itself uncertain); with it,
|z| > 3.5 needs a deviation of at least 5.2 floors (5.2 % of capacity, 5.2 mV...).

Which units count: a run that did not finish, or ended ERROR or ABORTED, is listed but left
out of the statistics (its figures are not a measurement of the DUT); PASS and FAIL runs count.
A metric is judged only when at least three counted units have a value for it. Runs of
different profiles (another profile SHA-256) are not comparable: an InputError unless `mixed`.
Fewer than three counted units: TooFewUnits, an InputError (for `bench lot`, exit 2; a lot or
rack run reports the lot not compared and keeps its units' exit code).
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any, Iterable

from bench.analysis.cycles import slope
from bench.errors import InputError
from bench.record import schema
from bench.record.logbook import read_events
from bench.record.cyclefile import read_cycles
from bench.record.runfile import read_run_json

Z_FACTOR = 0.6745  # Iglewicz-Hoaglin: the MAD of a standard normal
DEFAULT_THRESHOLD = 3.5  # their recommended cut-off for |z|
MIN_UNITS = 3


class TooFewUnits(InputError):
    """Fewer than MIN_UNITS units count: the lot cannot be judged (its units may all be fine)."""
# unit -> (absolute floor, share of |median|): the smallest spread a metric is judged against
MIN_SPREAD: dict[str, tuple[float, float]] = {
    "V": (1e-3, 0.0), "mV": (1.0, 0.0), "mV/h": (0.05, 0.0), "degC": (0.2, 0.0), "K": (0.2, 0.0),
    "%": (0.1, 0.0), "1": (0.5, 0.0),
    "Ah": (1e-3, 0.01), "mAh": (1.0, 0.01), "Wh": (5e-3, 0.01), "s": (1.0, 0.01), "A": (1e-4, 0.01),
    "mA": (0.1, 0.01), "W": (0.01, 0.01), "ohm": (1e-4, 0.03), "mOhm": (0.1, 0.03), "mAh/cycle": (0.01, 0.05),
    "K/cycle": (0.005, 0.0),
}
OTHER_UNITS = (0.0, 0.01)
ABSOLUTE_FLOOR = 1e-12
EXCLUDED_VERDICTS = ("ERROR", "ABORTED")

# run.json totals keys end in their unit: charge_capacity_Ah -> "run charge capacity / Ah"
_TOTAL_UNITS = {"Ah": "Ah", "Wh": "Wh", "s": "s", "degC": "degC", "V": "V", "A": "A", "W": "W", "K": "K",
                "ohm": "ohm", "pct": "%"}


@dataclass(frozen=True)
class Metric:
    """One column of the lot table: 'delivered capacity / Ah'."""

    name: str
    unit: str

    @property
    def header(self) -> str:
        return f"{self.name} / {self.unit}"


@dataclass
class Unit:
    """One run folder as a member of the lot."""

    folder: Path
    run_id: str
    serial: str | None
    profile: str | None  # profile name
    sha256: str | None
    status: str | None
    verdict: str | None
    reason: str | None
    values: dict[Metric, float | None] = field(default_factory=dict)
    channel: str | None = None  # a rack's DUT channel
    tripped: bool = False  # a safety limit stopped its run: the DUT itself went where it must not

    @property
    def left_out(self) -> str | None:
        """Why the unit is not in the statistics, or None when it counts."""
        if self.status != "finished":
            return (f"did not finish (status {self.status or 'unknown'}: still running, or interrupted and "
                    "waiting for bench resume)")
        if self.verdict in EXCLUDED_VERDICTS:
            return f"ended {self.verdict}" + (f": {self.reason}" if self.reason else "")
        if self.verdict is None:
            return "no verdict"
        return None

    @property
    def label(self) -> str:
        """How the table names the unit: a rack's by channel and serial (its lot folder says the rest)."""
        if self.channel is not None:
            return f"ch{self.channel} {self.serial or ''}".rstrip()
        return self.run_id if not self.serial or self.serial in self.run_id else f"{self.run_id} ({self.serial})"


@dataclass(frozen=True)
class Stats:
    """A metric over the counted units."""

    metric: Metric
    count: int
    median: float | None
    mad: float | None
    spread: float | None  # the MAD used: max(MAD, floor)
    floored: bool  # the floor, not the MAD, set the spread

    @property
    def judged(self) -> bool:
        return self.spread is not None


@dataclass
class Screen:
    """The lot after screening: units, each metric's statistics, z-scores and outliers."""

    units: list[Unit]
    metrics: list[Metric]
    stats: dict[Metric, Stats]
    z: dict[tuple[int, Metric], float]  # (unit index, metric) -> z, for counted units and judged metrics
    outliers: dict[int, list[Metric]]  # unit index -> metrics with |z| above the threshold
    threshold: float
    mixed: bool

    @property
    def counted(self) -> list[Unit]:
        return [u for u in self.units if u.left_out is None]

    def flagged(self, index: int, metric: Metric) -> bool:
        return metric in self.outliers.get(index, ())


# --- reading run folders ---------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _totals(totals: Any) -> Iterable[tuple[Metric, float | None]]:
    """'charge_capacity_Ah': 1.2 -> run charge capacity / Ah; dicts are per channel."""
    if not isinstance(totals, dict):
        return
    for key, value in totals.items():
        stem, _, suffix = key.rpartition("_")
        if suffix in _TOTAL_UNITS and stem:
            name, unit = stem.replace("_", " "), _TOTAL_UNITS[suffix]
        else:
            name, unit = key.replace("_", " "), "1"
        if isinstance(value, dict):
            for channel, v in value.items():
                yield Metric(f"run {channel} {name}", unit), _number(v)
        else:
            yield Metric(f"run {name}", unit), _number(value)


def _cycles(path: Path) -> list[tuple[Metric, float | None]]:
    """Figures derived from cycles.csv."""
    rows = read_cycles(path)
    if len(rows) < 2:  # one cycle: its figures are the run totals
        return []
    last = rows[-1]
    out: list[tuple[Metric, float | None]] = [(Metric("cycles", "1"), float(len(rows)))]
    for key, name, unit in (("q_in", "charge capacity", "Ah"), ("q_out", "discharge capacity", "Ah"),
                            ("e_in", "charge energy", "Wh"), ("e_out", "discharge energy", "Wh"),
                            ("ce", "coulombic efficiency", "%"), ("ee", "energy efficiency", "%")):
        out.append((Metric(f"last cycle {name}", unit), last.get(key)))
    ce = [r["ce"] for r in rows[1:] if "ce" in r]  # the first cycle starts from how the DUT came (MORE_OUT)
    out.append((Metric("mean coulombic efficiency from cycle 2", "%"), sum(ce) / len(ce) if ce else None))
    temps = [r["t_max"] for r in rows if "t_max" in r]
    out.append((Metric("cycles max temperature", "degC"), max(temps) if temps else None))
    caps = [(r["cycle"], r["q_out"]) for r in rows if "q_out" in r]
    retention = 100.0 * caps[-1][1] / caps[0][1] if len(caps) >= 2 and caps[0][1] > 0 else None
    out.append((Metric("capacity retention", "%"), retention))
    fade = slope(caps, minimum=2)
    out.append((Metric("capacity fade", "mAh/cycle"), None if fade is None else -1000.0 * fade))
    return out



def _channel(meta: dict) -> str | None:
    station = meta.get("station")
    channel = station.get("channel") if isinstance(station, dict) else None
    return channel if isinstance(channel, str) else None


def load_unit(folder: Path) -> Unit:
    """A run folder as a unit of the lot; anything wrong is an InputError naming the folder."""
    meta = read_run_json(folder)
    dut = meta.get("dut") if isinstance(meta.get("dut"), dict) else {}
    unit = Unit(folder=folder, run_id=str(meta.get("id") or folder.name), serial=dut.get("serial"),
                profile=meta["profile"].get("name"), sha256=meta["profile"].get("sha256"),
                status=meta.get("status"), verdict=meta.get("verdict"), reason=meta.get("reason"),
                channel=_channel(meta),
                tripped=meta.get("verdict") == "ABORTED" and any(e.get("event") == "safety_trip"
                                                                 for e in read_events(folder)))
    values: dict[Metric, float | None] = {}

    def put(metric: Metric, value: float | None, source: str) -> None:
        while metric in values:  # a name already taken (two criteria alike, a criterion named like a total)
            metric = Metric(f"{metric.name} ({source})", metric.unit)
        values[metric] = value

    # criteria first (the profile's order), then run totals, then per-cycle figures
    for criterion in meta.get("criteria") or ():
        if isinstance(criterion, dict) and criterion.get("name"):
            put(Metric(str(criterion["name"]), str(criterion.get("unit") or "1")), _number(criterion.get("value")),
                "criterion")
    for metric, value in _totals(meta.get("totals")):
        put(metric, value, "totals")
    for metric, value in _cycles(folder / schema.CYCLES):
        put(metric, value, schema.CYCLES)
    unit.values = values
    return unit


def collect(folders: Iterable[Path]) -> list[Unit]:
    """The run folders given; a folder holding run folders (a lot's --log-dir) stands for them."""
    units: list[Unit] = []
    seen: dict[Path, Path] = {}
    for folder in folders:
        members = [folder]
        if folder.is_dir() and not (folder / schema.RUN).exists():
            inner = sorted(p for p in folder.iterdir() if (p / schema.RUN).is_file())
            members = inner or members
        for member in members:
            key = member.resolve()
            if key in seen:
                raise InputError(str(member), "", f"given twice (as {seen[key]})")
            seen[key] = member
            units.append(load_unit(member))
    return units


# --- statistics ------------------------------------------------------------------------------


def floor_for(unit: str, middle: float) -> float:
    """The smallest spread a metric in `unit` with this median is judged against."""
    absolute, share = MIN_SPREAD.get(unit, OTHER_UNITS)
    return max(absolute, share * abs(middle), ABSOLUTE_FLOOR)


def stats_of(metric: Metric, values: list[float]) -> Stats:
    if len(values) < MIN_UNITS:
        return Stats(metric, len(values), median(values) if values else None, None, None, False)
    middle = median(values)
    mad = median([abs(x - middle) for x in values])
    floor = floor_for(metric.unit, middle)
    return Stats(metric, len(values), middle, mad, max(mad, floor), mad < floor)


def z_score(x: float, stats: Stats) -> float:
    """The modified z-score of Iglewicz and Hoaglin against the lot (spread floored, never 0)."""
    assert stats.median is not None and stats.spread is not None
    return Z_FACTOR * (x - stats.median) / stats.spread


def screen(units: list[Unit], threshold: float = DEFAULT_THRESHOLD, mixed: bool = False) -> Screen:
    """Compare the units; InputError when they cannot be compared."""
    if not threshold > 0:
        raise InputError("--threshold", "", f"must be > 0, got {threshold:g}")
    profiles: dict[str | None, list[Unit]] = {}
    for unit in units:
        profiles.setdefault(unit.sha256, []).append(unit)
    if len(profiles) > 1 and not mixed:
        groups = "; ".join(f"{g[0].profile!r} (sha256 {str(sha)[:12]}): {', '.join(u.run_id for u in g)}"
                           for sha, g in profiles.items())
        raise InputError("bench lot", "", f"runs of different profiles cannot be compared: {groups} "
                         "(--mixed compares them anyway)")
    counted = [u for u in units if u.left_out is None]
    if len(counted) < MIN_UNITS:
        why: dict[str, list[str]] = {}  # one line for a rack's eight channels stopped alike
        for unit in units:
            if unit.left_out is not None:
                why.setdefault(unit.left_out, []).append(unit.label)
        left = "; ".join(f"{', '.join(labels)}: {reason}" for reason, labels in why.items())
        raise TooFewUnits("bench lot", "", f"{len(counted)} unit(s) can be compared, at least {MIN_UNITS} are needed"
                         + (f" (left out: {left})" if left else ""))
    metrics: list[Metric] = []
    for unit in units:
        metrics.extend(m for m in unit.values if m not in metrics)
    stats: dict[Metric, Stats] = {}
    z: dict[tuple[int, Metric], float] = {}
    outliers: dict[int, list[Metric]] = {}
    for metric in metrics:
        values = [v for u in counted if (v := u.values.get(metric)) is not None]
        stats[metric] = s = stats_of(metric, values)
        if not s.judged:
            continue
        for index, unit in enumerate(units):
            value = unit.values.get(metric)
            if unit.left_out is not None or value is None:
                continue
            z[index, metric] = score = z_score(value, s)
            if abs(score) > threshold:
                outliers.setdefault(index, []).append(metric)
    return Screen(units, metrics, stats, z, outliers, threshold, mixed)


# --- the table as CSV ------------------------------------------------------------------------


def _cell(value: float | None, digits: int = 10) -> str:
    return "" if value is None else f"{value:.{digits}g}"


def to_csv(result: Screen) -> str:
    """The lot table: one row per unit, metric columns 'Name / unit', then the z-scores."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Run ID", "DUT Serial", "Profile", "Verdict", "Compared", "Outliers"]
                    + [m.header for m in result.metrics] + [f"{m.name} z / 1" for m in result.metrics])
    for index, unit in enumerate(result.units):
        flagged = result.outliers.get(index, [])
        writer.writerow([unit.run_id, unit.serial or "", unit.profile or "", unit.verdict or "",
                         "yes" if unit.left_out is None else f"no: {unit.left_out}",
                         "; ".join(m.name for m in flagged)]
                        + [_cell(unit.values.get(m)) for m in result.metrics]
                        + [_cell(result.z.get((index, m)), 4) for m in result.metrics])
    return out.getvalue()


def write_csv(result: Screen, path: Path) -> None:
    try:
        path.write_text(to_csv(result), encoding="utf-8")
    except OSError as exc:
        raise InputError("--out", str(path), f"cannot write the table: {exc.strerror or exc}") from None
