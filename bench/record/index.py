"""The lab's run index: every run's identity, outcome, criteria and cycles in one database, SQLite
(a file beside the run folders, the default) or a PostgreSQL server that many stations share.

The run folder is the source of truth: a run is indexed from its run.json, cycles.csv and
events.jsonl (`read_folder`), so the index can be rebuilt from the folders at any time, and
indexing a folder again changes nothing but what changed in it. Written through SQLAlchemy Core:
the standard library's sqlite3 for SQLite, psycopg 3 for PostgreSQL (bench.record.index_schema
holds the tables and their versioned steps).

On SQLite every write transaction takes the write lock at its start (BEGIN IMMEDIATE), so that
two stations of one computer writing at once queue up instead of failing (SQLite's locks are not
safe on a network share: several computers share a PostgreSQL server). The rollback journal, not
WAL, so that nothing but bench.db stays beside the run folders. Every wait is bounded: a
connection attempt, a statement, a lock.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from sqlalchemy import URL, case, create_engine, delete, event, func, or_, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError

from bench.errors import InputError
from bench.record import schema
from bench.record.index_schema import VERSION, criteria, cycles, migrate, runs, utc, version_of

CONNECT_TIMEOUT = 5  # s: a PostgreSQL server that does not answer
STATEMENT_TIMEOUT = 30  # s: a statement that does not finish (a lock held elsewhere)
SQLITE_BUSY = 10.0  # s a SQLite writer waits for another's lock
FORMS = "sqlite:///PATH (e.g. sqlite:///logs/bench.db) or postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
_LOCK_KEY = 0x62656E6368  # PostgreSQL advisory lock held while the schema is built ("bench")

# cycles.csv columns, as bench.record.cyclefile.read_cycles keys them -> the cycles table's
CYCLE_FIELDS = {"time": "test_time_s", "q_in": "charge_capacity_ah", "q_out": "discharge_capacity_ah",
                "e_in": "charge_energy_wh", "e_out": "discharge_energy_wh", "ce": "coulombic_efficiency_pct",
                "ee": "energy_efficiency_pct", "t_max": "max_temperature_degc"}
CRITERION_FIELDS = ("name", "metric", "step", "value", "unit", "min", "max", "marginal", "outcome")
NUMBERS = {"value", "min", "max", "marginal"}


def parse_url(url: str, source: str) -> URL:
    """The database URL `url` (given as `source`: an option, a variable, a file and key), checked
    without connecting: a SQLite file, or a PostgreSQL server through psycopg 3. InputError otherwise."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise InputError(source, _masked(url), f"not a database URL; expected {FORMS}") from None
    backend = parsed.drivername.split("+")[0]
    if backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise InputError(source, parsed.render_as_string(hide_password=True),
                             "a PostgreSQL index needs psycopg: pip install 'powerbench[postgres]'") from None
        if not parsed.database:
            raise InputError(source, parsed.render_as_string(hide_password=True), "names no database; expected "
                             "postgresql://USER:PASSWORD@HOST:PORT/DATABASE")
    elif backend == "sqlite":
        if parsed.drivername != "sqlite" or not parsed.database or parsed.database == ":memory:":
            raise InputError(source, url, "expected sqlite:///PATH, a database file (an index in memory would go "
                             "with the process)")
    else:
        raise InputError(source, parsed.render_as_string(hide_password=True),
                         f"not a database the index can use ({backend}); expected {FORMS}")
    return parsed


def _masked(url: str) -> str:
    """A URL that could not be parsed, its password (between ':' and '@' after '//') hidden."""
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)


# -- a run folder, as the index holds it ----------------------------------------------------------


@dataclass
class IndexedRun:
    """One run folder as rows: the run's (`row`), its criteria and cycles, and how far it got
    (`progress`, from events.jsonl: the last step, cycle and test time, and when the file was
    last written)."""

    key: str
    row: dict[str, Any]
    criteria: list[dict[str, Any]] = field(default_factory=list)
    cycles: list[dict[str, Any]] = field(default_factory=list)
    progress: dict[str, Any] = field(default_factory=dict)


def run_key(meta: Mapping[str, Any]) -> str:
    """What names a run in the lab wherever its folder lies: the computer, the run id, the start
    to the microsecond."""
    return f"{meta.get('host') or ''}|{meta.get('id')}|{float(meta.get('unix_start') or 0.0):.6f}"


def _time(value: Any) -> dt.datetime | None:
    """run.json's ISO time (with its offset) in UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.astimezone()).astimezone(dt.timezone.utc)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _whole(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def read_folder(folder: Path) -> IndexedRun:
    """A run folder as the index holds it; a folder that is not a run's is an InputError naming it."""
    from bench.record.cyclefile import read_cycles
    from bench.record.runfile import read_run_json

    meta = read_run_json(folder)
    for key, fits in (("id", isinstance(meta.get("id"), str)), ("status", isinstance(meta.get("status"), str)),
                      ("unix_start", _number(meta.get("unix_start")) is not None)):
        if not fits:
            raise InputError(str(folder / schema.RUN), key, "missing or damaged: not the run.json of a bench run")
    dut, profile, station, product, software = (
        meta[key] if isinstance(meta.get(key), dict) else {} for key in ("dut", "profile", "station", "product",
                                                                          "software"))
    started = dt.datetime.fromtimestamp(float(meta["unix_start"]), dt.timezone.utc)
    row = {
        "run_id": str(meta["id"]), "status": str(meta["status"]), "verdict": _text(meta.get("verdict")),
        "reason": _text(meta.get("reason")), "profile": _text(profile.get("name")),
        "profile_sha256": _text(profile.get("sha256")), "profile_file": _text(profile.get("path")),
        "product": _text(product.get("name")), "serial": _text(dut.get("serial")), "lot": _text(dut.get("lot")),
        "operator": _text(meta.get("operator")), "station": _text(station.get("name")),
        "host": _text(meta.get("host")), "instruments": json.dumps(meta.get("instruments") or {}, sort_keys=True),
        "software": _text(software.get("powerbench")), "started": started, "ended": _time(meta.get("ended")),
        "test_time_s": _number(meta.get("test_time_s")), "folder": str(folder.absolute()),
    }
    found = [{key: (_number if key in NUMBERS else _text)(c.get(key)) for key in CRITERION_FIELDS}
             for c in meta.get("criteria") or () if isinstance(c, dict) and c.get("name")]
    rows = {int(r["cycle"]): {column: r.get(key) for key, column in CYCLE_FIELDS.items()}
            for r in read_cycles(folder / schema.CYCLES)}  # a cycle written twice: its last row
    progress = _progress(folder / schema.EVENTS)
    sampled = _last_sample(folder / schema.SAMPLES)
    if sampled is not None and sampled[0] > (progress.get("progress_s") or 0.0):  # within a step: its rows
        progress.update(progress_s=sampled[0], heartbeat=max(sampled[1], progress.get("heartbeat", sampled[1])))
    return IndexedRun(run_key(meta), row, found, [{"cycle": n, **r} for n, r in rows.items()], progress)


def _last_sample(path: Path) -> tuple[float, dt.datetime] | None:
    """The test time of the last whole row of a samples file, and when the file was last written."""
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - 4096))
            tail = fh.read().decode("utf-8", errors="replace")
        written = dt.datetime.fromtimestamp(os.stat(path).st_mtime, dt.timezone.utc)
    except OSError:
        return None
    rows = tail[:tail.rfind("\n")].rsplit("\n", 1)
    test_time = _number(_float(rows[-1].split(",", 1)[0])) if rows and rows[-1] else None
    return None if test_time is None else (test_time, written)


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None  # the header: no row yet


def _progress(path: Path) -> dict[str, Any]:
    """How far the events say the run got: its last step and cycle, its last test time, whether it
    was paused, and the file's last write as the heartbeat (a torn last line is skipped)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        written = dt.datetime.fromtimestamp(os.stat(path).st_mtime, dt.timezone.utc)
    except OSError:
        return {}
    found: dict[str, Any] = {"heartbeat": written, "paused": 0}
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict):
            continue
        kind = record.get("event")
        if _number(record.get("test_time_s")) is not None:
            found["progress_s"] = _number(record["test_time_s"])
        if kind in ("step_start", "step_continued"):
            found.update(step=_text(record.get("step")), step_count=_whole(record.get("count")),
                         cycle=_whole(record.get("cycle")))
        elif kind == "cycle_end":
            found["cycle"] = _whole(record.get("cycle"))
        if kind in ("paused", "continued", "resumed", "step_start", "step_continued"):
            found["paused"] = int(kind == "paused")  # a resume sets the step up again
    return found


# -- which runs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """Which runs: every field given must match. Text matches whole and ignoring case, and `*`
    matches anything; `profile` is the profile's name or the file it was run from (with or
    without its folder and .toml); times are the run's start."""

    serial: str | None = None
    product: str | None = None
    profile: str | None = None
    lot: str | None = None
    station: str | None = None
    verdict: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def conditions(self) -> list[Any]:
        where = [_like(runs.c[name], value) for name, value in (
            ("serial", self.serial), ("product", self.product), ("lot", self.lot), ("station", self.station),
            ("verdict", self.verdict)) if value is not None]
        if self.profile is not None:  # a run records its profile file as it was typed: matched by its name too
            stems = {self.profile.removesuffix(".toml"), self.profile.replace("\\", "/").rsplit("/", 1)[-1]
                     .removesuffix(".toml")}
            where.append(or_(_like(runs.c.profile, self.profile), _like(runs.c.profile_file, self.profile),
                             *(_like(runs.c.profile_file, form) for stem in sorted(stems)
                               for form in (stem, f"*/{stem}.toml", f"{stem}.toml"))))
        if self.since is not None:
            where.append(runs.c.started >= self.since.astimezone(dt.timezone.utc))
        if self.until is not None:
            where.append(runs.c.started < self.until.astimezone(dt.timezone.utc))
        return where


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _like(column: Any, value: str) -> Any:
    """The whole value, case ignored, `*` for anything. The database's lower() folds ASCII letters
    only (SQLite; PostgreSQL in the C locale) or every letter (other locales): the value is folded
    both ways, so a serial such as 'SN-Éclair' is found as typed, and in any ASCII case, on either."""
    folded = {value.lower(), value.translate(_ASCII_LOWER)}
    if "*" not in value:
        return or_(*(func.lower(column) == each for each in sorted(folded)))
    return or_(*(func.lower(column).like(each.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                                         .replace("*", "%"), escape="\\") for each in sorted(folded)))


# -- the database -------------------------------------------------------------------------------

_engines: dict[str, Engine] = {}  # one per database in a process (a lot's units share it)
_built: set[str] = set()  # databases whose schema this process has checked or built
_lock = threading.Lock()


def _engine(url: URL) -> Engine:
    key = url.render_as_string(hide_password=False)
    with _lock:
        if key not in _engines:
            _engines[key] = _sqlite(url) if url.get_backend_name() == "sqlite" else _postgresql(url)
        return _engines[key]


def _sqlite(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions begin as _begin says, not as sqlite3 guesses
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("writing") else "BEGIN")
    return engine


def _postgresql(url: URL) -> Engine:
    args = {"connect_timeout": CONNECT_TIMEOUT, "application_name": "powerbench",
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT * 1000} -c lock_timeout={STATEMENT_TIMEOUT * 1000}",
            # a server that went away mid-statement is noticed within ~25 s, not hours
            "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3,
            "tcp_user_timeout": CONNECT_TIMEOUT * 1000 * 4}
    return create_engine(url, connect_args=args, pool_pre_ping=True)


class RunIndex:
    """One database, its schema checked (and built or brought up to date) on the first use in the
    process. Errors reaching it are IndexUnavailable; a URL or schema it cannot use, InputError."""

    def __init__(self, url: URL | str, source: str = "--db") -> None:
        self.url = parse_url(url, source) if isinstance(url, str) else url
        self.where = self.url.render_as_string(hide_password=True)  # for messages: no password
        self.engine = _engine(self.url)

    @property
    def sqlite_file(self) -> Path | None:
        return Path(self.url.database) if self.url.get_backend_name() == "sqlite" else None  # type: ignore[arg-type]

    def exists(self) -> bool:
        """False for a SQLite file not made yet (nothing indexed there); a server is always asked."""
        path = self.sqlite_file
        return path is None or path.exists()

    # -- writing ---------------------------------------------------------------------------
    def _writing(self) -> Connection:
        """A connection whose transactions write (on SQLite: take the write lock at once)."""
        return self.engine.connect().execution_options(writing=True)

    def prepare(self) -> None:
        """The schema, built or brought up to date, once per process (a database of a later
        version is refused: InputError)."""
        key = self.url.render_as_string(hide_password=False)
        if key in _built:
            return
        with _reaching(self.where):
            if self.sqlite_file is not None:
                self.sqlite_file.parent.mkdir(parents=True, exist_ok=True)
            with self.engine.connect() as conn:
                current = version_of(conn) == VERSION
            if not current:
                with self._writing() as conn, conn.begin():
                    if self.url.get_backend_name() == "postgresql":
                        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
                    migrate(conn, self.where)
        _built.add(key)

    def register(self, run: IndexedRun, live: Mapping[str, Any] | None = None) -> None:
        """Write a run (and, `live`, what its running process knows beyond the folder) in one
        transaction: its row made or updated, its criteria and cycles replaced."""
        self.prepare()
        now = dt.datetime.now(dt.timezone.utc)
        values = {"run_key": run.key, **run.row, **run.progress, **(live or {}), "indexed": now}
        with _reaching(self.where), self._writing() as conn, conn.begin():
            statement = self._insert().values(**values)
            update = {k: statement.excluded[k] for k in values if k != "run_key"}
            if live is None:  # from the folder (bench index): a running process may have told the index more
                further = runs.c.progress_s > func.coalesce(statement.excluded.progress_s, -1.0)
                update.update({k: case((further, runs.c[k]), else_=statement.excluded[k])
                               for k in run.progress})
            number = conn.execute(statement.on_conflict_do_update(index_elements=[runs.c.run_key], set_=update)
                                  .returning(runs.c.id)).scalar_one()
            conn.execute(delete(criteria).where(criteria.c.run == number))
            conn.execute(delete(cycles).where(cycles.c.run == number))
            if run.criteria:
                conn.execute(criteria.insert(), [{"run": number, "position": i, **c}
                                                 for i, c in enumerate(run.criteria, 1)])
            if run.cycles:
                conn.execute(cycles.insert(), [{"run": number, **c} for c in run.cycles])

    def progress(self, key: str, live: Mapping[str, Any]) -> bool:
        """How far a running run has got; False if the index has no row for it yet."""
        self.prepare()
        with _reaching(self.where), self._writing() as conn, conn.begin():
            return conn.execute(runs.update().where(runs.c.run_key == key).values(**live)).rowcount > 0

    def _insert(self) -> Any:
        if self.url.get_backend_name() == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(runs)

    # -- reading ---------------------------------------------------------------------------
    def find(self, query: Query = Query(), limit: int | None = None, newest_first: bool = True,
             running: bool = False) -> list[dict[str, Any]]:
        """The runs `query` selects (`running`: only those whose run.json says running), newest
        first, each with its criteria in the profile's order."""
        self.prepare()
        order = runs.c.started.desc() if newest_first else runs.c.started.asc()
        where = query.conditions() + ([runs.c.status == "running"] if running else [])
        statement = select(runs).where(*where).order_by(order, runs.c.id)
        if limit is not None:
            statement = statement.limit(limit)
        with _reaching(self.where), self.engine.connect() as conn:
            found = [_plain(dict(r)) for r in conn.execute(statement).mappings()]
            by_id = {r["id"]: r for r in found}
            for r in found:
                r["criteria"] = []
            if by_id:
                rows = conn.execute(select(criteria).where(criteria.c.run.in_(list(by_id)))
                                    .order_by(criteria.c.run, criteria.c.position)).mappings()
                for c in rows:
                    by_id[c["run"]]["criteria"].append({k: c[k] for k in CRITERION_FIELDS})
        return found

    def cycles_of(self, number: int) -> list[dict[str, Any]]:
        self.prepare()
        with _reaching(self.where), self.engine.connect() as conn:
            rows = conn.execute(select(cycles).where(cycles.c.run == number).order_by(cycles.c.cycle)).mappings()
            return [{k: v for k, v in r.items() if k != "run"} for r in rows]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its times in UTC and its instruments as a table."""
    for key, value in row.items():
        row[key] = utc(value)
    if isinstance(row.get("instruments"), str):
        try:
            row["instruments"] = json.loads(row["instruments"])
        except ValueError:
            pass
    return row


class IndexUnavailable(Exception):
    """The index could not be reached or written (the server is down, the file cannot be opened):
    the message says where and why, never with a password."""


@contextmanager
def _reaching(where: str) -> Iterator[None]:
    """What the driver raises on the way to the database, as IndexUnavailable naming it."""
    from sqlalchemy.exc import DBAPIError, TimeoutError as PoolTimeout

    try:
        yield
    except (DBAPIError, PoolTimeout, OSError) as exc:
        reason = getattr(exc, "orig", None) or exc
        raise IndexUnavailable(f"{where}: {' '.join(str(reason).split())}") from None
