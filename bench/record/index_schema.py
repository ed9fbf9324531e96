"""The run index's tables, and the numbered steps that build them (SQLAlchemy Core).

A database records the steps applied to it in `schema_version`, one row each. Opening an index
applies the steps it lacks, in order, in one transaction that holds the database's write lock
(PostgreSQL: an advisory lock; SQLite: BEGIN IMMEDIATE), so that two stations starting at once on
a new database build it once, and a step that fails leaves the database as it was. A database
whose version is newer than this powerbench knows is refused, never written.

Why not Alembic: its revisions are scripts a developer runs with its own command and
configuration; the index is built and upgraded by the bench itself, on whichever station opens
it first, on SQLite or PostgreSQL, from inside the package. A version table and a list of steps
written with SQLAlchemy's DDL do that in a page, with no script folder or template engine to ship.

Steps are never edited once released: a change to the schema is a new step at the end.

1. The catalogue: runs (one row per run, keyed by host, run id and start), each criterion, each
   cycle.
2. Live progress for `bench status`: the step, cycle and test time a running run has reached,
   its last heartbeat, its estimated end, and its longest sample period.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex, CreateTable

from bench.errors import InputError

metadata = MetaData()

version_table = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True),
    Column("applied", DateTime(timezone=True), nullable=False),
)

# -- step 1: the catalogue ------------------------------------------------------------------------
def _catalogue_columns() -> list[Column]:
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        # host | run id | unix start: one run wherever its folder lies (a folder moved keeps its row)
        Column("run_key", String(400), nullable=False, unique=True),
        Column("run_id", String(255), nullable=False),
        Column("status", String(16), nullable=False),  # running, stopped, finished (run.json)
        Column("verdict", String(16)),
        Column("reason", Text),
        Column("profile", String(255)),
        Column("profile_sha256", String(64)),
        Column("profile_file", Text),
        Column("product", String(255)),
        Column("serial", String(255)),
        Column("lot", String(255)),
        Column("operator", String(255)),
        Column("station", String(255)),
        Column("host", String(255)),
        Column("instruments", Text),  # JSON: role -> driver, resource, identity
        Column("software", String(64)),  # the powerbench version
        Column("started", DateTime(timezone=True), nullable=False),
        Column("ended", DateTime(timezone=True)),
        Column("test_time_s", Float),
        Column("folder", Text, nullable=False),  # the run folder's absolute path when last indexed
        Column("indexed", DateTime(timezone=True), nullable=False),
    ]


# -- step 2: live progress ------------------------------------------------------------------------
def _progress_columns() -> list[Column]:
    return [
        Column("step", Text),  # the step being run, as the profile writes it
        Column("step_count", Integer),
        Column("cycle", Integer),
        Column("progress_s", Float),  # test time reached
        Column("heartbeat", DateTime(timezone=True)),  # wall time of the last sign of life
        Column("eta", DateTime(timezone=True)),  # estimated end, if the profile's duration is known
        Column("period_s", Float),  # the longest sample period: how long a heartbeat may take
        Column("paused", Integer),  # 1 while the operator holds the step
    ]


runs = Table("runs", metadata, *_catalogue_columns(), *_progress_columns())
RUN_INDEXES = tuple(Index(f"runs_{name}", runs.c[name]) for name in ("serial", "lot", "started", "status"))

criteria = Table(
    "criteria", metadata,
    Column("run", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),  # the profile's order
    Column("name", String(255), nullable=False),
    Column("metric", String(255)),
    Column("step", String(255)),
    Column("value", Float),  # null: not measured
    Column("unit", String(32)),
    Column("min", Float),
    Column("max", Float),
    Column("marginal", Float),
    Column("outcome", String(16)),
)

cycles = Table(
    "cycles", metadata,
    Column("run", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("cycle", Integer, primary_key=True),
    Column("test_time_s", Float),
    Column("charge_capacity_ah", Float),
    Column("discharge_capacity_ah", Float),
    Column("charge_energy_wh", Float),
    Column("discharge_energy_wh", Float),
    Column("coulombic_efficiency_pct", Float),
    Column("energy_efficiency_pct", Float),
    Column("max_temperature_degc", Float),
)


def _catalogue(conn: Connection) -> None:
    first = Table("runs", MetaData(), *_catalogue_columns())  # runs as step 1 made it
    for table in (first, criteria, cycles):
        conn.execute(CreateTable(table))
    for index in RUN_INDEXES:
        conn.execute(CreateIndex(index))


def _progress(conn: Connection) -> None:
    for column in _progress_columns():
        kind = column.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE runs ADD COLUMN {column.name} {kind}")


STEPS: tuple[Callable[[Connection], None], ...] = (_catalogue, _progress)
VERSION = len(STEPS)


def version_of(conn: Connection) -> int:
    """The schema version of the database (0: no index in it yet)."""
    if not inspect(conn).has_table(version_table.name):
        return 0
    return conn.execute(select(version_table.c.version).order_by(version_table.c.version.desc())).scalar() or 0


def migrate(conn: Connection, where: str, to: int = VERSION) -> None:
    """Apply the steps the database lacks, up to `to`, inside the caller's transaction (which
    holds the write lock). A database of a later version than this powerbench knows is an
    InputError naming it (`where`)."""
    found = version_of(conn)
    if found > VERSION:
        raise InputError(where, "schema_version", f"the index is at schema version {found}, and this powerbench "
                         f"knows up to {VERSION}: upgrade powerbench to use it")
    if found == 0:
        conn.execute(CreateTable(version_table))
    for number in range(found + 1, to + 1):
        STEPS[number - 1](conn)
        conn.execute(version_table.insert().values(version=number, applied=dt.datetime.now(dt.timezone.utc)))


def utc(value: Any) -> Any:
    """A timestamp read back as UTC: SQLite keeps no offset (every one written is UTC)."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value
