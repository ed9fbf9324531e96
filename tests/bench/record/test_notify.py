"""A run's end told to a webhook (the station's [notify], or BENCH_NOTIFY_WEBHOOK): exactly one
JSON message per run end, whatever the verdict; a webhook that fails is a log line and changes
nothing of the run."""
from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from bench.cli.app import app
from bench.errors import InputError
from bench.record.notify import targets
from bench.run import signals
from bench.record.records import Sink
from bench.run.session import Request, execute
from bench.station.config import NotifyConfig

PROFILE = """
name = "Two steps"
period = "1 s"
steps = ["Discharge at 1 A for 30 s", "Rest for 10 s"]
[dut]
kind = "power bank"
"""


class Receiver(ThreadingHTTPServer):
    """A webhook on 127.0.0.1 that keeps what is POSTed to it and answers `status`."""

    def __init__(self, status: int = 204) -> None:
        self.status, self.messages, self.got = status, [], threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler) -> None:  # noqa: N805 - the server is `self`
                body = handler.rfile.read(int(handler.headers["Content-Length"]))
                self.messages.append((handler.headers["Content-Type"], json.loads(body)))
                handler.send_response(self.status)
                handler.end_headers()
                self.got.set()

            def log_message(handler, *args) -> None:  # noqa: N805
                pass
        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.shutdown()


def sent() -> None:
    """Wait for the notifier's threads: every message of the runs so far has gone (or failed)."""
    for thread in threading.enumerate():
        if thread.name == "bench-notify":
            thread.join(10)


class StopAtStep(Sink):
    """Asks the run to stop (as `bench stop` does) when its second step starts."""

    def step_start(self, record) -> None:
        if record.count == 2:
            signals.request("bench stop")


def test_a_run_that_ends_and_one_that_is_stopped_each_send_exactly_one_message(tmp_path, write, sim_station,
                                                                                receiver, monkeypatch):
    profile = write("two.toml", PROFILE)
    station = sim_station(append=f'\n[notify]\nwebhook = "{receiver.url}"\n')
    outcome, folder = execute(Request(profile, station, tmp_path / "logs", serial="PB-1"))
    sent()
    monkeypatch.setenv("BENCH_NOTIFY_WEBHOOK", receiver.url)  # the station's own has none
    with signals.handled():
        stopped, stopped_folder = execute(Request(profile, None, tmp_path / "logs", serial="PB-2"), [StopAtStep()])
    sent()
    assert (outcome.verdict, stopped.verdict) == ("PASS", "ABORTED")
    (kind, passed), (_, aborted) = receiver.messages
    assert kind == "application/json"
    assert passed["text"] == ("PASS: Two steps of PB-1 (powerbank-10000, simulated) on Simulated bench "
                              f"({passed['host']}): completed; the profile sets no criteria")
    assert (passed["verdict"], passed["run_id"], passed["dut_serial"], passed["run_folder"]) == (
        "PASS", folder.name, "PB-1", str(folder.absolute()))
    assert (aborted["verdict"], aborted["reason"], aborted["resumable"], aborted["run_id"]) == (
        "ABORTED", "operator stop (bench stop)", True, stopped_folder.name)


def test_a_webhook_that_fails_is_logged_and_changes_neither_the_verdict_nor_the_exit_code(tmp_path, write, caplog):
    failing = Receiver(status=500)
    try:
        result = CliRunner(env={"BENCH_NOTIFY_WEBHOOK": failing.url}).invoke(
            app, ["run", str(write("two.toml", PROFILE)), "--log-dir", str(tmp_path / "logs")])
        sent()
    finally:
        failing.shutdown()
    assert result.exit_code == 0 and "PASS" in result.output
    (folder,) = (tmp_path / "logs").iterdir()
    assert json.loads((folder / "run.json").read_text())["verdict"] == "PASS"
    assert len(failing.messages) == 1
    (warning,) = [r for r in caplog.records if r.name == "bench.record.notify"]
    assert warning.levelno == logging.WARNING
    assert warning.getMessage() == ("run end not notified to webhook http://127.0.0.1: HTTPError: "
                                    "HTTP Error 500: Internal Server Error")


def test_an_environment_variable_replaces_the_station_url_and_is_checked_like_it():
    station = NotifyConfig(webhook="https://hooks.example.com/lab")
    assert targets(station, {}) == station
    assert targets(station, {"BENCH_NOTIFY_WEBHOOK": "http://127.0.0.1/me"}).webhook == "http://127.0.0.1/me"
    with pytest.raises(InputError) as info:
        targets(station, {"BENCH_NOTIFY_WEBHOOK": "hooks.example.com"})
    assert str(info.value) == "BENCH_NOTIFY_WEBHOOK: expected an http:// or https:// URL that takes a JSON POST"
