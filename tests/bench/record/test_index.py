"""The run index as stations write it, on SQLite and on PostgreSQL alike: runs registered as they
start and completed as they end, two stations writing at once, a server lost in the middle of a
run (the run unaffected, `bench index` completing it after), a dead or hung server that never
holds a run up, and an index of the previous schema version brought up to date."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from indexdb import BACKENDS, FAILING, PASSING, Relay, Silent, database
from typer.testing import CliRunner

from bench.cli.app import app
from bench.record import index_sink
from bench.record.cyclefile import read_cycles
from bench.record.index import CYCLE_FIELDS, Query, RunIndex
from bench.record.index_schema import VERSION, migrate, runs, version_of
from bench.record.records import Sink
from bench.run.session import Request, execute


@pytest.fixture(scope="module", autouse=True)
def prompt_writes():
    """Writes as soon as there is something to write: these runs last a fraction of a second."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(index_sink, "SPACING", 0.02)
        mp.setattr(index_sink, "FINISH_WAIT", 10.0)
        yield mp


class AtFirstCycle(Sink):
    """Calls `then` at the run's first cycle end, with the run held there."""

    def __init__(self, then) -> None:
        self.then, self.done = then, False

    def cycle_end(self, record) -> None:
        if not self.done:
            self.done = True
            self.then()


def until(check, timeout: float = 10.0):
    """`check()` once it is truthy (polled), or what it last was after `timeout` s."""
    end = time.monotonic() + timeout
    while not (found := check()) and time.monotonic() < end:
        time.sleep(0.02)
    return found


def row_of(url: str, serial: str) -> dict | None:
    found = RunIndex(url).find(Query(serial=serial))
    return found[0] if found else None


def profile(where: Path, text: str) -> Path:
    path = where / "index-check.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=BACKENDS)
def lab(request, tmp_path_factory):
    """Two stations (threads) running at once into one fresh index: station A a run that passes,
    B one that fails; A's index row is looked at as its run reaches the end of its first cycle."""
    where = tmp_path_factory.mktemp(request.param)
    with database(request.param, where) as url:
        seen: dict[str, dict | None] = {}

        def first_cycle_indexed() -> dict | None:
            row = row_of(url, "A-1")
            return row if row and (row["progress_s"] or 0) >= 20 else None
        probe = AtFirstCycle(lambda: seen.update(running=until(first_cycle_indexed)))
        outcomes = {}

        def station(name: str, text: str, sinks: list[Sink]) -> None:
            request_ = Request(profile(where / name, text), log_dir=where / name, serial=f"{name}-1", lot="L7",
                               index=url)
            outcomes[name] = execute(request_, sinks)
        for name in ("A", "B"):
            (where / name).mkdir()
        stations = [threading.Thread(target=station, args=("A", PASSING, [probe])),
                    threading.Thread(target=station, args=("B", FAILING, []))]
        for thread in stations:
            thread.start()
        for thread in stations:
            thread.join()
        yield url, outcomes, seen, where


def test_two_stations_writing_at_once_are_both_in_the_index_with_what_their_folders_hold(lab):
    url, outcomes, _, _ = lab
    for name, verdict in (("A", "PASS"), ("B", "FAIL")):
        outcome, folder = outcomes[name]
        meta = json.loads((folder / "run.json").read_text())
        row = row_of(url, f"{name}-1")
        assert str(outcome.verdict) == meta["verdict"] == row["verdict"] == verdict
        assert (row["status"], row["reason"], row["lot"], row["run_id"], row["folder"]) == (
            "finished", meta["reason"], "L7", meta["id"], str(folder.absolute()))
        assert (row["profile"], row["profile_sha256"], row["product"], row["station"], row["host"]) == (
            "Index check", meta["profile"]["sha256"], meta["product"]["name"], meta["station"]["name"], meta["host"])
        assert row["instruments"] == meta["instruments"] and row["software"] == meta["software"]["powerbench"]
        assert row["started"].timestamp() == pytest.approx(meta["unix_start"], abs=1e-6)
        assert row["ended"] is not None and row["test_time_s"] == meta["test_time_s"]
        assert [{k: c[k] for k in ("name", "value", "unit", "min", "max", "outcome")} for c in row["criteria"]] == [
            {k: c[k] for k in ("name", "value", "unit", "min", "max", "outcome")} for c in meta["criteria"]]
        cycles = RunIndex(url).cycles_of(row["id"])
        assert [c["cycle"] for c in cycles] == [1, 2]
        assert [{CYCLE_FIELDS[k]: v for k, v in r.items() if k in CYCLE_FIELDS} for r in read_cycles(
            folder / "cycles.csv")] == [{k: v for k, v in c.items() if k in CYCLE_FIELDS.values() and v is not None}
                                        for c in cycles]
    assert len(RunIndex(url).find()) == 2


def test_a_run_is_in_the_index_while_it_runs_with_its_step_cycle_and_heartbeat(lab):
    _, outcomes, seen, _ = lab
    row = seen["running"]
    assert row and (row["status"], row["verdict"], row["cycle"]) == ("running", None, 1)
    assert row["step"] in ("Discharge at 1 A for 20 s", "Rest for 5 s") and row["period_s"] == 1.0
    started = json.loads((outcomes["A"][1] / "run.json").read_text())["unix_start"]
    assert started - 1 < row["heartbeat"].timestamp() < time.time()
    assert row["eta"] is not None  # every step is timed: the profile's duration is known


def test_bench_index_of_folders_is_idempotent_and_registers_a_run_the_index_never_saw(lab, tmp_path):
    url, outcomes, _, where = lab
    before = {r["run_id"]: r for r in RunIndex(url).find()}
    _, unseen = execute(Request(profile(tmp_path, PASSING), log_dir=where / "C", serial="C-1"))  # no index
    for _ in range(2):
        done = CliRunner().invoke(app, ["index", str(where / "A"), str(where / "B"), str(where / "C"), "--db", url])
        assert done.exit_code == 0, done.output
        assert "indexed 3 run(s)" in done.output
    after = {r["run_id"]: r for r in RunIndex(url).find()}
    assert len(after) == 3 and after[unseen.name]["verdict"] == "PASS" and after[unseen.name]["serial"] == "C-1"
    for run_id, row in before.items():
        assert {k: v for k, v in after[run_id].items() if k not in ("indexed", "heartbeat", "eta")} == {
            k: v for k, v in row.items() if k not in ("indexed", "heartbeat", "eta")}


@pytest.fixture(params=BACKENDS)
def outage(request, tmp_path, monkeypatch):
    """(url, stop, start): an index whose database can be taken away and given back. PostgreSQL:
    through a relay that cuts every connection and refuses new ones; SQLite: another process's
    write lock held on the file."""
    with database(request.param, tmp_path) as url:
        if request.param == "sqlite":
            import sqlite3

            from bench.record import index

            monkeypatch.setattr(index, "SQLITE_BUSY", 0.2)
            holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
            yield url, lambda: holder.execute("BEGIN EXCLUSIVE"), lambda: holder.execute("COMMIT")
            holder.close()
            return
        from sqlalchemy.engine import make_url

        server = make_url(url)
        relay = Relay((server.host, server.port))
        relay.start()
        yield server.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False), relay.stop, \
            relay.start
        relay.stop()


def test_a_server_lost_mid_run_leaves_the_run_as_it_was_and_bench_index_completes_it(outage, tmp_path):
    url, stop, start = outage
    warned: list[str] = []

    def lose_the_server() -> None:
        assert until(lambda: row_of(url, "D-1")), "the run was not registered as it started"
        stop()
    outcome, folder = execute(Request(profile(tmp_path, PASSING), log_dir=tmp_path / "logs", serial="D-1",
                                      index=url), [AtFirstCycle(lose_the_server)], warn=warned.append)
    _, alone = execute(Request(profile(tmp_path, PASSING), log_dir=tmp_path / "alone", serial="D-1"))
    meta, reference = (json.loads((f / "run.json").read_text()) for f in (folder, alone))
    assert str(outcome.verdict) == meta["verdict"] == reference["verdict"] == "PASS"
    assert [c["value"] for c in meta["criteria"]] == [c["value"] for c in reference["criteria"]]
    assert len(warned) <= 2 and f"`bench index {folder}` brings it up to date" in str(warned[-1])
    assert all("the run goes on" in str(line) for line in warned[:-1])  # said as it happened, if seen then
    start()
    row = row_of(url, "D-1")
    assert (row["status"], row["verdict"]) == ("running", None)  # as the server last heard of it
    done = CliRunner().invoke(app, ["index", str(folder), "--db", url])
    assert done.exit_code == 0, done.output
    row = row_of(url, "D-1")
    assert (row["status"], row["verdict"], row["reason"]) == ("finished", "PASS", meta["reason"])
    assert [c["value"] for c in row["criteria"]] == [c["value"] for c in meta["criteria"]]
    assert len(RunIndex(url).cycles_of(row["id"])) == 2


@pytest.mark.parametrize("server", ["refused", "hung", "unwritable file"])
def test_a_dead_or_hung_index_never_holds_a_run_up(server, tmp_path, monkeypatch):
    monkeypatch.setattr(index_sink, "FINISH_WAIT", 0.5)
    silent = Silent()
    url = {"refused": f"postgresql://bench:x@127.0.0.1:{silent.port}/bench",
           "hung": f"postgresql://bench:x@127.0.0.1:{silent.port}/bench",
           "unwritable file": f"sqlite:///{tmp_path / 'a-file' / 'bench.db'}"}[server]
    (tmp_path / "a-file").write_text("not a folder")
    if server == "refused":
        silent.close()
    try:
        alone = execute(Request(profile(tmp_path, PASSING), log_dir=tmp_path / "alone"))[0]
        began = time.monotonic()
        warned: list[str] = []
        outcome, folder = execute(Request(profile(tmp_path, PASSING), log_dir=tmp_path / "logs", index=url),
                                  warn=warned.append)
        took = time.monotonic() - began
    finally:
        silent.close()
    assert outcome.verdict == alone.verdict and [r.value for r in outcome.results] == [r.value for r in alone.results]
    assert index_sink.IndexSink.sample is Sink.sample  # no sample is ever handed to the index
    assert warned and all(line.startswith("index: ") for line in warned) and str(folder) in warned[-1]
    assert took < 0.5 + 5.0  # the end waits 0.5 s for the index, never the 5 s a hung connection takes


def test_an_index_that_refuses_the_run_is_said_while_the_run_goes_not_only_at_its_end(tmp_path):
    """A wrong password or a server down: an overnight run's operator is told as the run starts."""
    silent = Silent()
    url = f"postgresql://bench:wrong@127.0.0.1:{silent.port}/bench"
    silent.close()  # refuses connections
    warned: list[str] = []
    seen_while_running: list[str] = []
    at_first_cycle = AtFirstCycle(lambda: seen_while_running.extend(until(lambda: list(warned))))
    outcome, folder = execute(Request(profile(tmp_path, PASSING), log_dir=tmp_path / "logs", index=url),
                              [at_first_cycle], warn=warned.append)
    assert outcome.verdict == "PASS"
    [early] = seen_while_running
    assert early.startswith("index: ") and "the run goes on (its folder keeps everything)" in early
    assert warned[0] == early and len(warned) == 2  # told once while running, and at the end what to do
    assert f"`bench index {folder}` brings it up to date" in warned[1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_index_of_the_previous_schema_version_is_brought_up_to_date_keeping_its_runs(backend, tmp_path):
    import datetime as dt

    with database(backend, tmp_path) as url:
        index = RunIndex(url)
        then = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
        with index.engine.begin() as conn:
            migrate(conn, url, to=VERSION - 1)
            conn.execute(runs.insert().values(run_key="pc|old-run|1.000000", run_id="old-run", status="running",
                                              verdict=None, serial="OLD-1", started=then, folder="/old", indexed=then))
        [row] = index.find()  # opening it brings it up to date
        assert (row["run_id"], row["serial"], row["step"], row["heartbeat"]) == ("old-run", "OLD-1", None, None)
        with index.engine.connect() as conn:
            assert version_of(conn) == VERSION
        status = CliRunner().invoke(app, ["status", "--db", url])
        assert status.exit_code == 0, status.output
        assert "old-run" in status.output and "STALLED" in status.output


def test_an_index_newer_than_this_powerbench_is_refused_in_one_line(tmp_path):
    import datetime as dt

    from bench.record.index_schema import version_table

    url = f"sqlite:///{tmp_path / 'bench.db'}"
    with RunIndex(url).engine.begin() as conn:
        migrate(conn, url)
        conn.execute(version_table.insert().values(version=VERSION + 1, applied=dt.datetime.now(dt.timezone.utc)))
    done = CliRunner().invoke(app, ["runs", "--db", url])
    assert done.exit_code == 2
    assert done.output.strip().splitlines() == [
        f"error: {url}: schema_version: the index is at schema version {VERSION + 1}, and this powerbench knows up "
        f"to {VERSION}: upgrade powerbench to use it"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_serial_with_letters_beyond_ascii_is_found_as_typed_and_in_any_ascii_case(backend, tmp_path):
    """SQLite's lower() and PostgreSQL's in the C locale fold ASCII letters only: a search folded
    by Python alone ('SN-Éclair' -> 'sn-éclair') never found the run."""
    import datetime as dt

    with database(backend, tmp_path) as url:
        index = RunIndex(url)
        index.find()  # the schema made
        now = dt.datetime.now(dt.timezone.utc)
        with index.engine.begin() as conn:
            conn.execute(runs.insert().values(run_key="pc|r1|1.000000", run_id="r1", status="finished", verdict="PASS",
                                              serial="SN-Éclair", lot="Ä-lot-Ω", started=now, folder="/r1", indexed=now))
        for query in (Query(serial="SN-Éclair"), Query(serial="sn-Éclair"), Query(serial="SN-ÉCLAIR"),
                      Query(serial="SN-É*"), Query(lot="Ä-lot-Ω"), Query(lot="Ä*")):
            assert [row["run_id"] for row in index.find(query)] == ["r1"], query


@pytest.mark.parametrize("backend", BACKENDS)
def test_bench_index_of_a_running_run_never_takes_back_what_its_process_told_the_index(backend, tmp_path):
    """The folder says how far the run got from its last sample row (a step's rows come between
    its events); the running process tells the index more often, and bench index keeps that."""
    import datetime as dt

    from bench.record.index import read_folder

    _, folder = execute(Request(profile(tmp_path, PASSING), log_dir=tmp_path / "logs", serial="R-1"))
    run = read_folder(folder)
    last_row = (folder / "samples.bdf.csv").read_text().splitlines()[-1]
    assert run.progress["progress_s"] == float(last_row.split(",")[0])
    with database(backend, tmp_path) as url:
        index = RunIndex(url)
        index.register(run)
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)
        assert index.progress(run.key, {"progress_s": 1e6, "heartbeat": later, "step": "from the process"})
        index.register(read_folder(folder))  # bench index
        [row] = index.find()
        assert (row["progress_s"], row["step"]) == (1e6, "from the process")
