"""`bench runs`, `bench status` and `bench index` on SQLite and PostgreSQL alike: the runs of a lab
found by serial, lot, verdict, profile and date, as a table, JSON or CSV; a criterion's trend
across a lot; runs in progress with a stalled one marked; and where the index is (option,
variable, lab file, default), a bad URL or an unreachable server said in one line."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import time

import pytest
from indexdb import BACKENDS, FAILING, PASSING, database
from typer.testing import CliRunner

from bench.cli.app import app
from bench.run.session import Request, execute

UNITS = (("SN-1", "L1", PASSING, 1), ("SN-2", "L1", PASSING, 2), ("SN-3", "L2", FAILING, 3))


def bench(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), env=env)


def lines(result) -> list[list[str]]:
    return [line.split("\t") for line in result.output.splitlines()]


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """Three finished runs (two units of lot L1 that pass, one of L2 that fails) and two copies of
    a run still going: one whose process writes on, one whose process died an hour ago."""
    where = tmp_path_factory.mktemp("lab")
    for serial, lot, text, seed in UNITS:
        (where / f"{serial}.toml").write_text(text, encoding="utf-8")
        execute(Request(where / f"{serial}.toml", log_dir=where / "logs", serial=serial, lot=lot, seed=seed))
    first = next((where / "logs").glob("*SN-1"))
    for name, age in (("alive", 0), ("dead", 3600)):
        copy = where / "logs" / f"running-{name}"
        shutil.copytree(first, copy)
        meta = json.loads((copy / "run.json").read_text())
        meta.update(id=copy.name, status="running", verdict=None, reason=None, criteria=[],
                    unix_start=meta["unix_start"] + 1)
        meta["dut"].update(serial=f"RUN-{name}", lot="L3")
        (copy / "run.json").write_text(json.dumps(meta))
        os.utime(copy / "events.jsonl", (time.time() - age, time.time() - age))
    return where / "logs"


@pytest.fixture(scope="module", params=BACKENDS)
def db(request, logs, tmp_path_factory):
    with database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        done = bench("index", str(logs), "--db", url)
        assert done.exit_code == 0, done.output
        assert done.output.splitlines()[-1].startswith("indexed 5 run(s) in ")
        yield url


def test_runs_are_found_by_serial_lot_verdict_profile_and_date(db):
    def serials(*filters: str) -> list[str]:
        found = bench("runs", "--db", db, *filters)
        assert found.exit_code == 0, found.output
        return sorted(row[2] for row in lines(found))
    assert serials() == ["RUN-alive", "RUN-dead", "SN-1", "SN-2", "SN-3"]
    assert serials("--serial", "sn-2") == ["SN-2"]
    assert serials("--lot", "L1", "--verdict", "pass") == ["SN-1", "SN-2"]
    assert serials("--verdict", "FAIL") == ["SN-3"]
    assert serials("--serial", "SN-*", "--profile", "index check") == ["SN-1", "SN-2", "SN-3"]
    assert serials("--profile", "SN-3", "--lot", "L2") == ["SN-3"]  # the file it was run from
    assert serials("--profile", "elsewhere/SN-3.toml") == ["SN-3"]  # typed by another path: found by its name
    assert serials("--since", "1d", "--serial", "SN*") == ["SN-1", "SN-2", "SN-3"]
    assert serials("--until", "2000-01-01") == []
    assert len(lines(bench("runs", "--db", db, "--limit", "2"))) == 2


def test_runs_as_json_carry_the_criteria_and_as_csv_one_row_a_run(db, logs):
    found = json.loads(bench("runs", "--db", db, "--verdict", "FAIL", "--json").output)
    [run] = found
    meta = json.loads((next(logs.glob("*SN-3")) / "run.json").read_text())
    assert (run["run_id"], run["reason"], run["lot"]) == (meta["id"], meta["reason"], "L2")
    assert [(c["name"], c["value"], c["outcome"]) for c in run["criteria"]] == [
        (c["name"], c["value"], c["outcome"]) for c in meta["criteria"]]
    table = list(csv.DictReader(io.StringIO(bench("runs", "--db", db, "--lot", "L1", "--csv").output)))
    assert sorted(row["serial"] for row in table) == ["SN-1", "SN-2"]
    assert {row["verdict"] for row in table} == {"PASS"} and all(row["folder"] for row in table)


def test_a_criterion_trends_across_the_units_of_a_lot(db, logs):
    shown = bench("runs", "--db", db, "--trend", "delivered capacity", "--lot", "L1")
    assert shown.exit_code == 0, shown.output
    values = [json.loads((next(logs.glob(f"*{s}")) / "run.json").read_text())["criteria"][0]["value"]
              for s in ("SN-1", "SN-2")]
    rows = [row for row in lines(shown) if len(row) > 1]
    assert [(row[2], float(row[4])) for row in rows] == [("SN-1", pytest.approx(values[0], rel=1e-5)),
                                                          ("SN-2", pytest.approx(values[1], rel=1e-5))]
    assert shown.output.splitlines()[-1].startswith(f"delivered capacity: median {sum(values) / 2:.6g} Ah")
    data = json.loads(bench("runs", "--db", db, "--trend", "discharge capacity", "--lot", "L1", "--json").output)
    assert (data["runs"], data["unit"], [p["value"] for p in data["points"]]) == (2, "Ah", values)
    unknown = bench("runs", "--db", db, "--trend", "dcir", "--lot", "L1")
    assert unknown.exit_code == 2
    assert unknown.output.strip() == "error: --trend: no run selected has a value for 'dcir'; their criteria: " \
                                     "delivered capacity"


def test_status_shows_the_runs_in_progress_and_marks_one_whose_heartbeat_stopped(db):
    shown = bench("status", "--db", db)
    assert shown.exit_code == 0, shown.output
    by_serial = {row[2]: row for row in lines(shown)}
    assert sorted(by_serial) == ["RUN-alive", "RUN-dead"]
    alive, dead = by_serial["RUN-alive"], by_serial["RUN-dead"]
    assert alive[0] == "Simulated bench @ " + json.loads(bench("runs", "--db", db, "--json").output)[0]["host"]
    assert alive[3] == "4. Rest for 5 s" and alive[4] == "2" and alive[5] == "0:00:50"  # from events.jsonl
    assert (alive[-1], dead[-1]) == ("running", "STALLED")
    assert dead[-2].startswith("1:00:")
    [late] = [r for r in json.loads(bench("status", "--db", db, "--json").output) if r["serial"] == "RUN-dead"]
    assert late["state"] == "stalled" and late["heartbeat_age_s"] > 3600 - 60


def test_where_the_index_is_an_option_a_variable_a_lab_file_or_bench_db_in_the_log_folder_or_off(logs, tmp_path):
    folder = str(next(logs.glob("*SN-1")))
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "BENCH_DB": ""}
    assert bench("index", folder, "--log-dir", str(tmp_path / "default"), env=env).exit_code == 0
    assert (tmp_path / "default" / "bench.db").is_file()
    lab = tmp_path / "config" / "powerbench" / "lab.toml"
    lab.parent.mkdir(parents=True)
    lab.write_text(f'[index]\ndatabase = "sqlite:///{tmp_path / "lab.db"}"\n')
    assert bench("index", folder, env=env).exit_code == 0 and (tmp_path / "lab.db").is_file()
    env["BENCH_DB"] = f"sqlite:///{tmp_path / 'variable.db'}"
    assert bench("index", folder, env=env).exit_code == 0 and (tmp_path / "variable.db").is_file()
    assert bench("index", folder, "--db", f"sqlite:///{tmp_path / 'option.db'}", env=env).exit_code == 0
    assert (tmp_path / "option.db").is_file()
    assert len(json.loads(bench("runs", "--json", env=env).output)) == 1  # from $BENCH_DB
    env["BENCH_DB"] = "off"  # `bench run` indexes nothing; the index commands say there is none
    off = bench("runs", env=env)
    assert off.exit_code == 2 and off.output.startswith("error: the run index is off (--db, $BENCH_DB or the lab file")


def test_bench_run_registers_its_run_with_its_lot_in_the_index(logs, tmp_path):
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    done = bench("run", str(logs.parent / "SN-1.toml"), "--serial", "SN-9", "--lot-id", "L9", "--log-dir",
                 str(tmp_path / "logs"), "--db", url)
    assert done.exit_code == 0, done.output
    [run] = json.loads(bench("runs", "--db", url, "--lot", "L9", "--json").output)
    assert (run["serial"], run["verdict"], run["status"]) == ("SN-9", "PASS", "finished")
    assert json.loads((tmp_path / "logs" / run["run_id"] / "run.json").read_text())["dut"]["lot"] == "L9"


@pytest.mark.parametrize("source, url, message", [
    ("--db", "logs/bench.db", "--db: logs/bench.db: not a database URL; expected sqlite:///PATH (e.g. "
                              "sqlite:///logs/bench.db) or postgresql://USER:PASSWORD@HOST:PORT/DATABASE"),
    ("BENCH_DB", "mysql://lab:secret@server/runs", "BENCH_DB: mysql://lab:***@server/runs: not a database the index "
                                                   "can use (mysql); expected sqlite:///PATH"),
    ("BENCH_DB", "postgresql://lab:secret@server:notaport/runs", "BENCH_DB: postgresql://lab:***@server:notaport/runs: "
                                                                 "not a database URL"),  # was an internal error, exit 4
    ("lab file", "sqlite://", "lab.toml: index.database: sqlite://: expected sqlite:///PATH, a database file"),
    ("lab file", None, "lab.toml: index.server: unknown key; expected one of database"),
])
def test_a_bad_database_url_is_one_line_naming_where_it_came_from_and_exit_2(source, url, message, tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path), "BENCH_DB": url if source == "BENCH_DB" else ""}
    (tmp_path / "powerbench").mkdir()
    (tmp_path / "powerbench" / "lab.toml").write_text(
        f'[index]\ndatabase = "{url}"\n' if url is not None else '[index]\nserver = "x"\n')
    for command in (["runs"], ["status"], ["run", "quick-check", "--log-dir", str(tmp_path / "logs")]):
        done = bench(*command, *(["--db", url] if source == "--db" else []), env=env)
        assert done.exit_code == 2, done.output
        [line] = done.output.strip().splitlines()
        assert line.startswith("error: ") and message in line and "Traceback" not in done.output
    assert not (tmp_path / "logs").exists()  # nothing was run


def test_an_unreachable_server_is_one_line_and_exit_4(logs):
    from indexdb import free_port

    url = f"postgresql://bench:secret@127.0.0.1:{free_port()}/bench"
    for command in (["runs"], ["status"], ["index", str(logs)]):
        done = bench(*command, "--db", url)
        assert done.exit_code == 4, done.output
        [line] = done.output.strip().splitlines()
        assert line.startswith("error: index unavailable: postgresql+psycopg://bench:***@127.0.0.1:") and \
            "secret" not in line


def test_a_verdict_bench_runs_does_not_know_is_refused_not_an_empty_list(tmp_path):
    db = f"sqlite:///{tmp_path / 'bench.db'}"
    done = bench("runs", "--db", db, "--verdict", "FAILED")
    assert done.exit_code == 2 and done.output.strip() == \
        "error: --verdict: expected one of PASS, FAIL, ABORTED, ERROR, got 'FAILED'"
    found = bench("runs", "--db", db, "--verdict", "fail")
    assert found.exit_code == 0, found.output


def test_a_run_id_in_a_listing_is_never_cut_across_lines():
    """It is what is copied into bench watch, stop or report (at 120 columns it wrapped mid-token)."""
    import io

    from rich.console import Console

    from bench.cli.console import listing

    run_id = "20261201-061416-quick-check-PB-CF"
    out = io.StringIO()
    listing(Console(file=out, width=120), ("started", "run", "serial", "lot", "product", "profile", "station",
                                            "verdict"),
            [("2026-12-01 06:14", run_id, "PB-CF", "L7", "powerbank-10000", "quick-check", "Simulated bench", "PASS")],
            "1 run(s)", whole=2)
    assert run_id in out.getvalue()
