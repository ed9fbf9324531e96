"""Rack runs: every DUT channel of a rack at once on shared instruments, each with its own run
folder and verdict; a fault on one channel ends that channel only, a shared instrument lost ends
them all; every channel ends switched off, confirmed; kill -9, Ctrl-C and `bench resume LOT_DIR`
take every channel to the verdict it would have reached."""
from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from bench.analysis.lot import collect, screen
from bench.record import schema
from bench.record.logbook import Logbook
from bench.record.records import Sink
from bench.run import rack, signals
from bench.run.session import Request
from tests.bench.run.racks import SHORT, SMALL_RACK

ROOT = Path(__file__).resolve().parents[3]
SHIPPED_RACK = ROOT / "stations" / "sim-rack.toml"
RETENTION = ROOT / "profiles" / "charge-retention.toml"

def _events(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / schema.EVENTS).read_text(encoding="utf-8").splitlines()]


def _criteria(folder: Path) -> dict[str, float | None]:
    return {c["name"]: c["value"] for c in json.loads((folder / schema.RUN).read_text(encoding="utf-8"))["criteria"]}


def _safe_confirmed(folder: Path) -> bool:
    """The channel's run confirmed its load and supply off, or never switched anything on (a stop
    that came before it started); rack.json says the rack confirmed it at the end."""
    events = _events(folder)
    said = [e for e in events if e["event"] == "safe_state"]
    rack_json = json.loads((folder.parent / schema.RACK).read_text(encoding="utf-8"))
    entry = next(c for c in rack_json["channels"] if c["folder"] == folder.name)
    if not said:
        return entry["safe_confirmed"] and not any(e["event"] == "run_start" for e in events)
    return said[-1]["confirmed"] is True and entry["safe_confirmed"]


@pytest.fixture(scope="module")
def eight(tmp_path_factory):
    """The shipped simulated rack: 8 powerbank-10000 units, a counterfeit on channel 3 and a
    micro-short on channel 6, through the charge-retention screen."""
    request = Request(RETENTION, SHIPPED_RACK, tmp_path_factory.mktemp("rack"),
                      defects=("3=counterfeit", "6=micro-short"))
    return rack.execute(request)


def test_a_rack_of_eight_banks_fails_the_counterfeit_and_the_micro_short_on_their_criteria(eight):
    lot, runs = eight
    verdicts = {run.name: str(run.outcome.verdict) for run in runs}
    assert verdicts == {"1": "PASS", "2": "PASS", "3": "FAIL", "4": "PASS", "5": "PASS", "6": "FAIL", "7": "PASS",
                        "8": "PASS"}
    failed = {run.name: [r.criterion.name for r in run.outcome.results if r.outcome == "FAIL"] for run in runs}
    assert failed["3"] == ["fresh output capacity", "retained output capacity"]  # less cell than the label
    assert failed["6"] == ["retained output capacity"]  # full when fresh, drained on the shelf
    assert [run.folder.parent for run in runs] == [lot] * 8 and len({run.folder for run in runs}) == 8


def test_the_lot_screen_flags_the_counterfeit_and_the_micro_short(eight):
    lot, _ = eight
    result = screen(collect([lot]))
    flagged = {result.units[i].folder.name: [m.header for m in metrics] for i, metrics in result.outliers.items()}
    assert sorted(flagged) == sorted(run.folder.name for run in eight[1] if run.name in ("3", "6"))
    channel_of = {run.folder.name: run.name for run in eight[1]}
    by_channel = {channel_of[name]: headers for name, headers in flagged.items()}
    assert any(h.startswith("retained output capacity") for h in by_channel["6"])
    assert any(h.startswith("fresh output capacity") for h in by_channel["3"])


def test_every_channel_ends_off_confirmed_and_the_lot_file_names_each_run(eight):
    lot, runs = eight
    meta = json.loads((lot / schema.RACK).read_text(encoding="utf-8"))
    assert [(c["name"], c["folder"], c["verdict"]) for c in meta["channels"]] == \
        [(r.name, r.folder.name, str(r.outcome.verdict)) for r in runs]
    for run in runs:
        assert _safe_confirmed(run.folder)
        recorded = json.loads((run.folder / schema.RUN).read_text(encoding="utf-8"))
        assert recorded["station"]["channel"] == run.name and recorded["dut"]["serial"] == f"unit-{run.name}"


def _small(tmp_path: Path, write, *defects: str) -> tuple[Path, list[rack.ChannelRun]]:
    return rack.execute(Request(write("short.toml", SHORT), write("rack.toml", SMALL_RACK), tmp_path / "logs",
                                defects=defects))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The small rack's channels uninterrupted: what every interrupted run must come to."""
    folder = tmp_path_factory.mktemp("reference")
    (folder / "short.toml").write_text(SHORT, encoding="utf-8")
    (folder / "rack.toml").write_text(SMALL_RACK, encoding="utf-8")
    _, runs = rack.execute(Request(folder / "short.toml", folder / "rack.toml", folder / "logs"))
    assert [str(r.outcome.verdict) for r in runs] == ["PASS"] * 3
    return {run.name: _criteria(run.folder) for run in runs}


def test_a_lost_critical_thermocouple_ends_its_channel_only(tmp_path, write, reference):
    _, runs = _small(tmp_path, write, "B=open-thermocouple:placement=cell,at=300 s")
    by_name = {run.name: run for run in runs}
    assert str(by_name["B"].outcome.verdict) == "ERROR" and "temperature channel 'cell'" in by_name["B"].outcome.reason
    for name in "AC":
        assert str(by_name[name].outcome.verdict) == "PASS" and _criteria(by_name[name].folder) == reference[name]
    assert all(_safe_confirmed(run.folder) for run in runs)


class _Breaks(Sink):
    """At a test time, every READ? of the 34970A that channels A and B share goes unanswered."""

    def __init__(self, at: float, monkeypatch) -> None:
        self.at, self.done, self.monkeypatch = at, False, monkeypatch

    def sample(self, record) -> None:
        if not self.done and record.readings.test_time >= self.at:
            from drivers.sim.twins.keysight_34970a import Keysight34970ATwin

            self.done = True
            real = Keysight34970ATwin.read

            def read(twin):
                reply = real(twin)
                return None if 104 in twin.sensors and reply and "," in reply else reply
            self.monkeypatch.setattr(Keysight34970ATwin, "read", read)


def test_a_shared_instrument_lost_ends_every_channel_each_switched_off(tmp_path, write, monkeypatch):
    breaks = _Breaks(300.0, monkeypatch)  # at 600 x real time, so that the channels keep abreast as on a real rack
    lot, runs = rack.execute(Request(write("short.toml", SHORT), write("rack.toml", SMALL_RACK), tmp_path / "logs",
                                     speed=600), sinks_for=lambda name, serial: [breaks] if name == "A" else [])
    by_name = {run.name: run for run in runs}
    assert all(str(run.outcome.verdict) == "ERROR" for run in runs)
    assert "station fault: instrument 'tc' lost" in by_name["C"].outcome.reason  # its own reader was fine
    assert any("not recovered within 5 s" in by_name[n].outcome.reason for n in "AB")
    assert all(_safe_confirmed(run.folder) for run in runs)
    lost = [e for e in _events(by_name["A"].folder) if e["event"] == "monitoring_lost"]
    assert lost  # the channel was switched off at once, before the retries
    assert json.loads((lot / schema.RACK).read_text(encoding="utf-8"))["channels"][2]["verdict"] == "ERROR"


class _Stops(Sink):
    def sample(self, record) -> None:
        if record.readings.test_time >= 400.0:
            signals.request("SIGTERM")


def test_a_stop_ends_every_channel_and_the_resume_comes_to_the_same_figures(tmp_path, write, reference):
    with signals.handled():
        lot, runs = rack.execute(Request(write("short.toml", SHORT), write("rack.toml", SMALL_RACK),
                                         tmp_path / "logs"), sinks_for=lambda name, serial: [_Stops()])
    assert [str(r.outcome.verdict) for r in runs] == ["ABORTED"] * 3
    assert all(_safe_confirmed(run.folder) for run in runs)
    with signals.handled():
        resumed = rack.resume(lot)
    assert [str(r.outcome.verdict) for r in resumed] == ["PASS"] * 3
    assert {run.name: _criteria(run.folder) for run in resumed} == reference
    assert all(_safe_confirmed(run.folder) for run in resumed)


def _killed(short: Path, station: Path, logs: Path) -> None:
    real = Logbook.sample

    def sample(self, record):
        real(self, record)
        if self.rows == 150:  # 25 min in, in the charge: the first channel there dies with the others
            os._exit(9)
    Logbook.sample = sample
    rack.execute(Request(short, station, logs))


def test_kill_9_then_resume_takes_every_channel_to_its_uninterrupted_figures(tmp_path, write, reference):
    short, station = write("short.toml", SHORT), write("rack.toml", SMALL_RACK)
    child = multiprocessing.get_context("fork").Process(target=_killed, args=(short, station, tmp_path / "logs"))
    child.start()
    child.join(120)
    assert child.exitcode == 9
    (lot,) = (tmp_path / "logs").iterdir()
    assert all(json.loads((f / schema.RUN).read_text())["status"] == "running" for f in lot.iterdir() if f.is_dir())
    resumed = rack.resume(lot)
    assert [str(r.outcome.verdict) for r in resumed] == ["PASS"] * 3
    assert {run.name: _criteria(run.folder) for run in resumed} == reference
    assert all(_safe_confirmed(run.folder) for run in resumed)


def test_a_finished_lot_has_nothing_to_resume(eight):
    from bench.errors import InputError

    with pytest.raises(InputError, match="every channel's run has ended"):
        rack.resume(eight[0])


class _Stalls(Sink):
    """Channel B's loop stuck for 3 s of wall time (a sink that blocks), once."""

    def __init__(self) -> None:
        self.done = False

    def sample(self, record) -> None:
        if not self.done and record.readings.test_time >= 300.0:
            import time

            self.done = True
            time.sleep(3.0)


def _broken_on_b(monkeypatch) -> None:
    """A bug in the engine that only channel B's run meets, 300 s in."""
    from bench.run.engine import Runner

    real = Runner._regulate

    def regulate(self, step, ss, now):
        if self.station.config.channel == "B" and now >= 300.0:
            raise ZeroDivisionError("a bug met by one channel")
        return real(self, step, ss, now)
    monkeypatch.setattr(Runner, "_regulate", regulate)


@pytest.mark.parametrize("stuck, expected", [(True, "sample loop stalled"), (False, "internal error: ZeroDivisionError")])
def test_a_stalled_or_broken_channel_ends_alone_switched_off(tmp_path, write, reference, monkeypatch, stuck, expected):
    station = write("rack.toml", SMALL_RACK.replace('grace = "5 s"', 'grace = "5 s"\nwatchdog = "1 s"'))
    stall = _Stalls()
    if not stuck:
        _broken_on_b(monkeypatch)
    _, runs = rack.execute(Request(write("short.toml", SHORT), station, tmp_path / "logs"),
                           sinks_for=lambda name, serial: [stall] if name == "B" and stuck else [])
    by_name = {run.name: run for run in runs}
    assert str(by_name["B"].outcome.verdict) == "ERROR" and expected in by_name["B"].outcome.reason
    for name in "AC":
        assert str(by_name[name].outcome.verdict) == "PASS" and _criteria(by_name[name].folder) == reference[name]
    assert all(_safe_confirmed(run.folder) for run in runs)


def test_a_load_that_draws_nothing_ends_its_channel_only(tmp_path, write, reference):
    _, runs = _small(tmp_path, write, "C=dead-load")
    by_name = {run.name: run for run in runs}
    assert str(by_name["C"].outcome.verdict) == "ERROR" and "load drew 0.000 A" in by_name["C"].outcome.reason
    assert [str(by_name[n].outcome.verdict) for n in "AB"] == ["PASS", "PASS"]
    assert all(_safe_confirmed(run.folder) for run in runs)


TRIP = '''name = "Trip check"
period = "10 s"
steps = [{ step = "Discharge at 1 A for 20 min", name = "discharge" }]
[dut]
kind = "power bank"
[safety]
abort_if = ["cell temperature > 27 degC"]
'''


def test_a_safety_trip_ends_its_channel_only(tmp_path, write):
    _, runs = rack.execute(Request(write("trip.toml", TRIP), write("rack.toml", SMALL_RACK), tmp_path / "logs",
                                   defects=("B=high-resistance:factor=8",)))  # B's cells heat more than the others'
    assert [str(r.outcome.verdict) for r in runs] == ["PASS", "ABORTED", "PASS"]
    assert runs[1].outcome.reason.startswith("safety limit: cell temperature > 27 degC")
    assert all(_safe_confirmed(run.folder) for run in runs)
