"""`bench runs`, `bench status` and `bench index`: the lab's run index (bench.record.index) queried,
watched and caught up; and where the index is (`--db`, BENCH_DB, the lab file, or bench.db in the
log folder). SQLAlchemy is imported by the commands, never with this module."""
# annotations evaluated as the module loads, not from strings: see bench.cli.group

import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from bench.cli import exits
from bench.cli.console import console as _console, tabulate

ENV = "BENCH_DB"  # the database URL, for every command of a station or a shell
LAB_FILE = "lab.toml"  # [index] database = "postgresql://...": the lab's shared server, for every user
DEFAULT_FILE = "bench.db"  # SQLite, in the log folder
OFF = "off"  # as the URL: no index (a throwaway CI job's runs)
STALLED_AFTER = 60.0  # s without a heartbeat (beyond one sample period) before a running run shows as stalled

DbOption = typer.Option(
    None, "--db", metavar="URL", show_default=False,
    help=f"The run index: sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE, or {OFF} (default: "
         f"${ENV}, else the lab file's [index] database, else sqlite:///LOG_DIR/{DEFAULT_FILE}).")
LogDirOption = typer.Option(Path("logs"), "--log-dir", metavar="DIR", help=f"Where run folders are (and {DEFAULT_FILE}, the "
                            "default index).")


def lab_file() -> Path:
    """The lab's settings for every user of this computer: %APPDATA%\\powerbench\\lab.toml on
    Windows, else $XDG_CONFIG_HOME/powerbench/lab.toml (~/.config/powerbench/lab.toml)."""
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "powerbench" / LAB_FILE
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "powerbench" / LAB_FILE


def database_url(given: str | None, log_dir: Path) -> str | None:
    """The index's database URL, checked (InputError naming where it came from): `--db`, else
    $BENCH_DB, else the lab file's [index] database, else SQLite in `log_dir`; None when that
    says `off`."""
    if given is not None:
        url, source = given, "--db"
    elif os.environ.get(ENV):
        url, source = os.environ[ENV], ENV
    elif lab_file().is_file():
        url, source = _lab_database(lab_file())
    else:
        from sqlalchemy import URL

        return URL.create("sqlite", database=str(log_dir / DEFAULT_FILE)).render_as_string(hide_password=False)
    if url.strip().lower() == OFF:
        return None
    from bench.record.index import parse_url

    return parse_url(url, source).render_as_string(hide_password=False)


def _lab_database(path: Path) -> tuple[str, str]:
    """The lab file's [index] database, and where it was read (file: key)."""
    from bench.errors import InputError
    from bench.tables import read_text, read_toml, reject_unknown, text_value

    data = read_toml(read_text(str(path), "lab file"), str(path))
    reject_unknown(data, {"index"}, str(path), "")
    table = data.get("index", {})
    if not isinstance(table, dict):
        raise InputError(str(path), "index", "expected a table: [index] database = \"URL\"")
    reject_unknown(table, {"database"}, str(path), "index")
    return text_value(table, "database", str(path), required=True, prefix="index"), f"{path}: index.database"


def _open(db: str | None, log_dir: Path, reading: bool = True) -> Any:
    """The index, or exit 2 for a URL that cannot be one; None when reading a SQLite file that does
    not exist yet (nothing was indexed there)."""
    from bench.errors import InputError
    from bench.record.index import RunIndex

    try:
        url = database_url(db, log_dir)
    except InputError as exc:
        raise _invalid(exc) from None
    if url is None:
        raise _invalid(f"the run index is {OFF} (--db, ${ENV} or the lab file {lab_file()}): give --db URL")
    index = RunIndex(url)
    if reading and not index.exists():
        _console(stderr=True).print(f"no run index at {index.where} yet (bench run and bench index make it)",
                                    soft_wrap=True, markup=False)
        return None
    return index


def _invalid(message: object) -> typer.Exit:
    from rich.text import Text

    _console(stderr=True).print(Text.assemble(("error:", "bold red"), f" {message}"), soft_wrap=True)
    return typer.Exit(exits.INVALID)


def _unavailable(message: object) -> typer.Exit:
    from rich.text import Text

    _console(stderr=True).print(Text.assemble(("error:", "bold red"), f" index unavailable: {message}"),
                                soft_wrap=True)
    return typer.Exit(exits.FAULT)


def _reading(call: Any, *args: Any, **kwargs: Any) -> Any:
    """The answer of a call on the index; a database it cannot use is exit 2, one it cannot reach exit 4."""
    from bench.errors import InputError
    from bench.record.index import IndexUnavailable

    try:
        return call(*args, **kwargs)
    except InputError as exc:
        raise _invalid(exc) from None
    except IndexUnavailable as exc:
        raise _unavailable(exc) from None


# -- bench index ----------------------------------------------------------------------------------


def index_command(
    run_dirs: list[Path] = typer.Argument(..., metavar="RUN_DIR", show_default=False,
                                          help="Run folders, or folders holding them (a log folder)."),
    db: Optional[str] = DbOption,
    log_dir: Path = LogDirOption,
) -> None:
    """Write run folders into the run index: runs from before the index, or whatever a run could not
    write while it went (its server down). Safe to repeat: a run is one row, brought up to date from
    its folder. Exit 0 done, 2 invalid input, 4 index unavailable."""
    from bench.errors import InputError
    from bench.record.index import read_folder

    try:
        found = [read_folder(folder) for folder in _run_folders(run_dirs)]
    except InputError as exc:
        raise _invalid(exc) from None
    index = _open(db, log_dir, reading=False)
    out = _console()
    for run in found:
        _reading(index.register, run)
        row = run.row
        out.print(f"{row['run_id']}: {row['verdict'] or row['status']}", soft_wrap=True, markup=False)
    out.print(f"indexed {len(found)} run(s) in {index.where}", soft_wrap=True, markup=False)


def _run_folders(given: list[Path]) -> list[Path]:
    """The run folders named: a folder with run.json, or each such folder directly inside one."""
    from bench.errors import InputError
    from bench.record import schema

    folders: list[Path] = []
    for path in given:
        if (path / schema.RUN).is_file():
            folders.append(path)
            continue
        inner = sorted(p for p in path.iterdir() if (p / schema.RUN).is_file()) if path.is_dir() else []
        if not inner:
            raise InputError(str(path), "", f"not a run folder (no {schema.RUN}), nor a folder holding run folders"
                             if path.exists() else "no such folder")
        folders.extend(inner)
    return folders


# -- bench runs ----------------------------------------------------------------------------------


def runs(
    serial: Optional[str] = typer.Option(None, "--serial", metavar="SERIAL", help="The DUT's serial number.", show_default=False),
    product: Optional[str] = typer.Option(None, "--product", metavar="NAME", help="The product (label) name.", show_default=False),
    profile: Optional[str] = typer.Option(None, "--profile", metavar="PROFILE", show_default=False,
                                          help="The profile's name, or the file it was run from."),
    lot: Optional[str] = typer.Option(None, "--lot", metavar="LOT", help="The DUT lot (bench run --lot-id).", show_default=False),
    station: Optional[str] = typer.Option(None, "--station", metavar="NAME", help="The station's name.", show_default=False),
    verdict: Optional[str] = typer.Option(None, "--verdict", metavar="VERDICT", help="PASS, FAIL, ABORTED or ERROR.",
                                          show_default=False),
    since: Optional[str] = typer.Option(None, "--since", metavar="WHEN", show_default=False,
                                        help="Started at or after: a date, a date and time (local unless an "
                                             "offset is given), or a time ago: 7d, 12h, 30m."),
    until: Optional[str] = typer.Option(None, "--until", metavar="WHEN", show_default=False,
                                        help="Started before (as --since)."),
    limit: int = typer.Option(50, "--limit", min=0, metavar="N", help="At most this many runs, the newest (0: all)."),
    trend: Optional[str] = typer.Option(
        None, "--trend", metavar="METRIC", show_default=False,
        help="A criterion (its name, or its metric) across the runs selected, oldest first: each run's value, "
             "the median and range, and the slope over time."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document on stdout."),
    as_csv: bool = typer.Option(False, "--csv", help="CSV on stdout."),
    db: Optional[str] = DbOption,
    log_dir: Path = LogDirOption,
) -> None:
    """List the runs in the run index: by serial, product, profile, lot, station, verdict and date;
    a table, JSON or CSV. Text filters match whole, ignoring the case of ASCII letters; * matches anything."""
    from bench.errors import InputError
    from bench.record.index import Query

    if as_json and as_csv:
        raise _invalid("--json, --csv: give one")
    from bench.record.verdict import Verdict

    verdicts = [str(v) for v in Verdict]
    if verdict is not None and verdict.upper() not in verdicts:
        raise _invalid(f"--verdict: expected one of {', '.join(verdicts)}, got {verdict!r}")
    try:
        query = Query(serial, product, profile, lot, station, verdict and verdict.upper(),
                      _when(since, "--since"), _when(until, "--until"))
    except InputError as exc:
        raise _invalid(exc) from None
    index = _open(db, log_dir)
    if trend is not None:
        found = [] if index is None else _reading(index.find, query, newest_first=False)
        return _trend(trend, found, as_json, as_csv)
    found = [] if index is None else _reading(index.find, query, limit or None)
    if as_json:
        return typer.echo(_json(found))
    if as_csv:
        return _csv(RUN_COLUMNS, [[_cell(r.get(c)) for c in RUN_COLUMNS] for r in found])
    rows = [(_local(r["started"]), r["run_id"], r["serial"] or "", r["lot"] or "", r["product"] or "",
             r["profile"] or "", r["station"] or "", r["verdict"] or r["status"]) for r in found]
    tabulate(("started", "run", "serial", "lot", "product", "profile", "station", "verdict"), rows,
            f"{len(rows)} run(s){' (--limit)' if limit and len(rows) == limit else ''}", whole=2)  # the run id copied


RUN_COLUMNS = ("run_id", "started", "ended", "status", "verdict", "reason", "serial", "lot", "product", "profile",
               "profile_sha256", "operator", "station", "host", "software", "test_time_s", "folder")


def _when(text: str | None, option: str) -> dt.datetime | None:
    """A --since/--until: an ISO date or date and time (local time unless it has an offset), or a
    time ago ('7d', '12h', '30m')."""
    from bench.errors import InputError

    if text is None:
        return None
    ago = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dhm])\s*", text)
    if ago:
        seconds = float(ago[1]) * {"d": 86400, "h": 3600, "m": 60}[ago[2]]
        return dt.datetime.now().astimezone() - dt.timedelta(seconds=seconds)
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(option, text, "expected a date (2025-06-30), a date and time (2025-06-30T14:00), or a "
                         "time ago (7d, 12h, 30m)") from None
    return moment if moment.tzinfo else moment.astimezone()


def _local(moment: dt.datetime | None, form: str = "%Y-%m-%d %H:%M") -> str:
    return "" if moment is None else moment.astimezone().strftime(form)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return f"{value:.10g}" if isinstance(value, float) else str(value)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, dt.datetime) else str(v))


def _csv(headers: tuple[str, ...], rows: list[list[str]]) -> None:
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)


def _trend(metric: str, found: list[dict[str, Any]], as_json: bool, as_csv: bool) -> None:
    """Each run's value of the criterion `metric` names (oldest first), then the median, range and
    least-squares slope against the start time."""
    from statistics import median

    from bench.analysis.cycles import slope

    wanted = metric.lower()
    points, units = [], set()
    for run in found:
        named = [c for c in run["criteria"] if (c["name"] or "").lower() == wanted]
        named = named or [c for c in run["criteria"] if (c["metric"] or "").lower() == wanted]
        if len(named) > 1:
            raise _invalid(f"--trend: {metric!r} is the metric of several criteria of {run['run_id']} "
                           f"({', '.join(c['name'] for c in named)}): give one's name")
        if named and named[0]["value"] is not None:
            units.add(named[0]["unit"])
            points.append((run, named[0]))
    if not points:
        known = sorted({c["name"] for run in found for c in run["criteria"]})
        raise _invalid(f"--trend: no run selected has a value for {metric!r}"
                       + (f"; their criteria: {', '.join(known)}" if known else ""))
    if len(units) > 1:
        raise _invalid(f"--trend: {metric!r} is in {', '.join(sorted(map(str, units)))}: select runs of one "
                       "profile (--profile)")
    unit = units.pop()
    values = [c["value"] for _, c in points]
    days = [(r["started"].timestamp() / 86400.0, c["value"]) for r, c in points]
    per_day = slope(days) if days[-1][0] > days[0][0] else None
    summary = {"metric": metric, "unit": unit, "runs": len(values), "median": median(values), "min": min(values),
               "max": max(values), "slope_per_day": per_day}
    if as_json:
        table = [{"run_id": r["run_id"], "started": r["started"], "serial": r["serial"], "lot": r["lot"],
                  "value": c["value"], "outcome": c["outcome"]} for r, c in points]
        return typer.echo(_json({**summary, "points": table}))
    if as_csv:
        return _csv(("run_id", "started", "serial", "lot", f"{metric} / {unit}", "outcome"),
                    [[r["run_id"], _cell(r["started"]), r["serial"] or "", r["lot"] or "", _cell(c["value"]),
                      c["outcome"] or ""] for r, c in points])
    tabulate(("started", "run", "serial", "lot", f"{metric} / {unit}", "outcome"),
            [(_local(r["started"]), r["run_id"], r["serial"] or "", r["lot"] or "", f"{c['value']:.6g}",
              c["outcome"] or "") for r, c in points], f"{metric} across {len(points)} run(s), oldest first", whole=2)
    trend = "" if per_day is None else f"; slope {per_day:+.4g} {unit}/day"
    _console().print(f"{metric}: median {summary['median']:.6g} {unit}, min {summary['min']:.6g}, max "
                     f"{summary['max']:.6g} over {len(values)} run(s){trend}", soft_wrap=True, markup=False)


# -- bench status ---------------------------------------------------------------------------------


def status(
    stalled_after: float = typer.Option(STALLED_AFTER, "--stalled-after", metavar="SECONDS", min=1,
                                        help="A running run whose last heartbeat is older than this (plus one "
                                             "sample period) shows as stalled."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document on stdout."),
    db: Optional[str] = DbOption,
    log_dir: Path = LogDirOption,
) -> None:
    """The runs in progress across the lab, from the run index: station, run, step, cycle, elapsed test
    time, estimated end, last heartbeat; a run whose heartbeat stopped (its process or computer died)
    shows as STALLED."""
    index = _open(db, log_dir)
    found = [] if index is None else _reading(index.find, running=True)
    now = dt.datetime.now(dt.timezone.utc)
    for run in found:
        beat = run["heartbeat"] or run["indexed"]
        run["heartbeat_age_s"] = age = max(0.0, (now - beat).total_seconds())  # clocks a little apart
        run["state"] = ("stalled" if age > stalled_after + (run["period_s"] or 0.0)
                        else "paused" if run["paused"] else "running")
    if as_json:
        return typer.echo(_json([{k: v for k, v in r.items() if k != "criteria"} for r in found]))
    from bench.units import hms

    rows = [(f"{r['station'] or '?'} @ {r['host'] or '?'}", r["run_id"], r["serial"] or "",
             f"{r['step_count']}. {r['step']}" if r["step"] else "", "" if r["cycle"] is None else str(r["cycle"]),
             "" if r["progress_s"] is None else hms(r["progress_s"]), _local(r["eta"], "%m-%d %H:%M") or "?",
             f"{hms(r['heartbeat_age_s'])} ago", r["state"].upper() if r["state"] == "stalled" else r["state"])
            for r in found]
    tabulate(("station", "run", "serial", "step", "cycle", "elapsed", "ETA", "heartbeat", "state"), rows,
            f"{len(rows)} run(s) in progress", whole=2)
