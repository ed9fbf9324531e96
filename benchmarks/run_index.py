"""The run index: what it costs a run, and a lab of two stations writing into it.

**sample path** — the quick-check profile on the simulated bench (23 134 samples at full speed),
timed from its run start to its safe state (the engine's loop: what the index must never slow),
without an index (the floor) and with one: SQLite, PostgreSQL (when BENCH_TEST_POSTGRES_URL names
a server, as `.ci/postgres.sh start` prints), a server that refuses connections, and one that
takes them and never answers (a hung server). The cases run in turn, round after round; the
ratio is the median of each round's time over the floor's. The end of the run (at most
FINISH_WAIT s for a hung server) is reported in the note, apart.

**lab** — two stations (two processes) each running 25 short simulated runs one after the other
(two cycles, 50 s of test time; every other unit judged against a bound it cannot meet) into one
index, SQLite and PostgreSQL: the wall time, and whether all 50 runs are in the index with the
verdict their run.json holds.
"""
from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Iterator

import benchmarks
from bench.record.records import Sink
from benchmarks.harness import row

POSTGRES = os.environ.get("BENCH_TEST_POSTGRES_URL")
REPO = Path(__file__).resolve().parent.parent
FLOOR = "no index (floor)"
PER_STATION = 25
STATION = """
import sys
from pathlib import Path
from bench.run.session import Request, execute
url, where, name, count = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
for n in range(count):
    profile = where / ("fail.toml" if n % 2 else "pass.toml")
    execute(Request(profile, log_dir=where / name, serial=f"{name}-{n}", lot=name, seed=n + 1, index=url))
"""
PROFILE = """
name = "Lab unit"
period = "1 s"
steps = [{{ repeat = 2, steps = [{{ step = "Discharge at 1 A for 20 s", name = "discharge" }}, "Rest for 5 s"] }}]
[dut]
kind = "power bank"
[[criteria]]
name = "delivered capacity"
metric = "discharge capacity"
step = "discharge"
min = "{least}"
"""


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, or one made on the PostgreSQL server and dropped after."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex[:8]}.db'}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(POSTGRES)
    plain = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"powerbench_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Stopwatch(Sink):
    """Notes when the run starts and when its bench is safe (the engine's loop), in wall time and
    in the run thread's CPU time (which other processes on the machine do not inflate)."""

    began = ended = cpu = 0.0

    def run_start(self, record: Any) -> None:
        self.began, self.cpu = time.perf_counter(), time.thread_time()

    def event(self, record: Any) -> None:
        if record.kind == "safe_state":
            self.ended, self.cpu = time.perf_counter(), time.thread_time() - self.cpu


def _sample_path(repeat: int, folder: Path) -> list[dict]:
    from bench.run.session import Request, execute

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        refused = s.getsockname()[1]
    cases = {FLOOR: None, "SQLite": f"sqlite:///{folder / 'sample-path.db'}",
             "server refusing connections": f"postgresql://bench:x@127.0.0.1:{refused}/bench",
             "server hung (takes connections, never answers)":
                 f"postgresql://bench:x@127.0.0.1:{silent.getsockname()[1]}/bench"}
    with _database("postgresql", folder) if POSTGRES else nullcontext() as server:
        if server:
            cases["PostgreSQL"] = server
        loop: dict[str, list[float]] = {name: [] for name in cases}
        cpu: dict[str, list[float]] = {name: [] for name in cases}
        ends: dict[str, list[float]] = {name: [] for name in cases}
        names = list(cases)
        for round_ in range(repeat):  # each round in another order: no case always runs first
            for name in names[round_ % len(names):] + names[:round_ % len(names)]:
                watch = Stopwatch()
                request = Request(REPO / "profiles" / "quick-check.toml", log_dir=folder / "runs", index=cases[name])
                execute(request, [watch], warn=lambda _: None)
                done = time.perf_counter()
                loop[name].append(watch.ended - watch.began)
                cpu[name].append(watch.cpu)
                ends[name].append(done - watch.ended)
    silent.close()
    out = []
    for name, seconds in loop.items():
        ratio = statistics.median(s / f for s, f in zip(seconds, loop[FLOOR]))
        note = (f"run start to safe state, 23 134 samples; run thread CPU {statistics.median(cpu[name]):.2f} s "
                f"(x{statistics.median(c / f for c, f in zip(cpu[name], cpu[FLOOR])):.3f}); then "
                f"{statistics.median(ends[name]):.2f} s to the verdict")
        out.append(row("run_index sample path", name, statistics.median(seconds), ratio, note))
    return out


def _lab(kind: str, folder: Path) -> dict:
    from bench.record.index import RunIndex

    where = folder / kind
    where.mkdir()
    (where / "pass.toml").write_text(PROFILE.format(least="4 mAh"), encoding="utf-8")
    (where / "fail.toml").write_text(PROFILE.format(least="1 Ah"), encoding="utf-8")
    with _database(kind, folder) as url:
        began = time.perf_counter()
        stations = [subprocess.Popen([sys.executable, "-c", STATION, url, str(where), name, str(PER_STATION)],
                                     cwd=REPO) for name in ("A", "B")]
        codes = [station.wait() for station in stations]
        took = time.perf_counter() - began
        folders = sorted(p for name in ("A", "B") for p in (where / name).iterdir() if p.is_dir())
        verdicts = {p.name: json.loads((p / "run.json").read_text())["verdict"] for p in folders}
        indexed = {r["run_id"]: r["verdict"] for r in RunIndex(url).find()}
    right = indexed == verdicts and len(verdicts) == 2 * PER_STATION and codes == [0, 0]
    counts = {v: list(indexed.values()).count(v) for v in sorted(set(indexed.values()))}
    note = (f"{len(indexed)} of {2 * PER_STATION} runs in the index, verdicts "
            f"{'as' if right else 'NOT as'} their run.json ({counts})")
    return row("run_index lab", f"2 stations x {PER_STATION} runs, {kind}", took, None, note)


def run(repeat: int = 5) -> list[dict]:
    repeat = 1 if benchmarks.QUICK else repeat
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        out = _sample_path(repeat, folder)
        for kind in ("sqlite",) + (("postgresql",) if POSTGRES else ()):
            out.append(_lab(kind, folder))
    return out
