"""A run or a resume whose instruments do not all open (pyvisa-py on TCP sockets, pyserial on ptys): the
load and supply that can be reached are switched off and read back, one that cannot is said NOT
CONFIRMED (a crash may have left it on), and a resume that could not start stays resumable."""
from __future__ import annotations

import json
import multiprocessing
import os

import pytest

from benchmarks import loopback
from bench.record import schema
from bench.record.logbook import Logbook
from bench.run.session import Request, execute, resume

pytestmark = pytest.mark.slow  # real time on loopback instruments

PROFILE = """
name = "Real-time discharge"
period = "100 ms"
steps = [{ step = "Discharge at 1.5 A for 3 s", name = "discharge" }]
[dut]
kind = "power bank"
"""


@pytest.fixture(params=["tcp", "pty"])
def bench(request, tmp_path, write):
    """The loopback bench on either link, its station file (timeouts of 0.5 s) and the profile."""
    instruments = loopback.bench()
    resources = None if request.param == "tcp" else {r: f"serial://{i.serve_pty()}" for r, i in instruments.items()}
    station = loopback.station_file(instruments, tmp_path, resources)
    text = station.read_text()
    for role in ("load", "supply", "thermo"):
        text = text.replace(f"[{role}]\n", f'[{role}]\ntimeout = "0.5 s"\n')
    station.write_text(text)
    yield instruments, station, write("discharge.toml", PROFILE)
    for instrument in instruments.values():
        instrument.close()


@pytest.mark.parametrize("silent, reached", [("supply", "load"), ("load", "supply")])
def test_an_instrument_that_does_not_answer_leaves_the_other_switched_off_and_is_said_not_confirmed(
        bench, tmp_path, silent, reached):
    """Both were left on by a crash; one no longer answers *IDN?: the other, opened before it or
    after it, is switched off; the silent one may still be on, and the verdict says so."""
    instruments, station, profile = bench
    instruments["load"].on = instruments["supply"].on = True
    instruments[silent].hang = "*IDN?"
    outcome, folder = execute(Request(profile, station, tmp_path / "logs"))
    assert not instruments[reached].on
    what = {"load": "load input", "supply": "supply output"}[silent]
    assert outcome.verdict == "ERROR" and "SAFE STATE NOT CONFIRMED" in outcome.reason
    assert f"{what} not confirmed off" in outcome.reason and outcome.safe_problems
    assert json.loads((folder / schema.RUN).read_text())["safe_state_confirmed"] is False


def test_a_thermometer_that_does_not_answer_ends_the_run_with_the_bench_confirmed_safe(bench, tmp_path):
    instruments, station, profile = bench
    instruments["load"].on = True
    instruments["thermo"].hang = "*IDN?"
    outcome, _ = execute(Request(profile, station, tmp_path / "logs"))
    assert outcome.verdict == "ERROR" and "SAFE STATE NOT CONFIRMED" not in outcome.reason
    assert outcome.safe_problems == [] and not instruments["load"].on


def _killed(logs, profile, station) -> None:
    real = Logbook.sample

    def sample(self, record):
        real(self, record)
        if self.rows == 10:
            self.sync()
            os._exit(9)
    Logbook.sample = sample
    execute(Request(profile, station, logs))


def test_a_resume_whose_instrument_does_not_answer_stays_resumable_until_it_does(bench, tmp_path):
    instruments, station, profile = bench
    child = multiprocessing.get_context("fork").Process(target=_killed, args=(tmp_path / "logs", profile, station))
    child.start()
    child.join(60)
    assert child.exitcode == 9
    (folder,) = (tmp_path / "logs").iterdir()
    instruments["supply"].hang = "*IDN?"
    refused, _ = resume(folder)
    assert refused.verdict == "ERROR" and refused.resumable and not instruments["load"].on
    assert json.loads((folder / schema.RUN).read_text())["status"] != "finished"
    assert (folder / schema.CHECKPOINT).exists()
    instruments["supply"].hang = None  # it answers again (a new connection)
    outcome, _ = resume(folder)
    assert outcome.verdict == "PASS", outcome.reason
    assert not instruments["load"].on and not instruments["supply"].on


def test_a_stop_while_the_station_opens_with_an_output_stuck_on_is_an_error_that_says_so(bench, tmp_path,
                                                                                        monkeypatch):
    """Ctrl-C while the thermometer opens; the supply ignores OUTP OFF: not the ABORTED of a clean
    stop, but the ERROR of any end that leaves the bench unconfirmed, naming the supply."""
    from bench.station import instruments as station_instruments

    instruments, station, profile = bench
    supply = instruments["supply"]
    answer = supply.answer
    supply.answer = lambda message: None if message.startswith("OUTP OFF") else answer(message)
    supply.on = True
    opening = station_instruments._open_role

    def open_role(config, role, world):
        if role == "thermo":
            raise KeyboardInterrupt
        return opening(config, role, world)
    monkeypatch.setattr(station_instruments, "_open_role", open_role)
    outcome, _ = execute(Request(profile, station, tmp_path / "logs"))
    assert outcome.verdict == "ERROR" and outcome.reason.startswith("operator stop (Ctrl-C)")
    assert "SAFE STATE NOT CONFIRMED" in outcome.reason and "supply output not confirmed off" in outcome.reason
