"""`bench run PROFILE --station RACK` runs every channel and ends with each channel's verdict, the
lot compared and the worst exit code; `bench resume LOT_DIR` and `bench stop LOT_DIR` act on the
rack run's channels; what a rack refuses is one line and exit 2."""
from __future__ import annotations

import json
import threading

from typer.testing import CliRunner

from bench.cli.app import app
from bench.record import schema
from bench.record.records import Sink
from bench.run import rack, signals
from bench.run.session import Request
from tests.bench.run.racks import SHORT, SMALL_RACK

runner = CliRunner()


def test_a_rack_run_prints_each_channel_and_exits_with_the_worst_verdict(write, tmp_path):
    profile, station = write("short.toml", SHORT), write("rack.toml", SMALL_RACK)
    result = runner.invoke(app, ["run", str(profile), "--station", str(station), "--log-dir", str(tmp_path / "logs"),
                                 "--serial", "SN1", "--serial", "SN2", "--serial", "SN3",
                                 "--defect", "B=open-thermocouple:placement=cell,at=300 s", "--json"])
    assert result.exit_code == 4, result.output  # channel B ended ERROR
    out = json.loads(result.stdout)
    assert [u["verdict"] for u in out["units"]] == ["PASS", "ERROR", "PASS"]
    lot = tmp_path / "logs" / next(p.name for p in (tmp_path / "logs").iterdir() if p.is_dir())
    assert out["lot"]["lot_folder"] == str(lot.absolute()) and (lot / "lot.csv").exists() is False  # too few to judge
    assert "3 channels: 2 PASS, 1 ERROR" in result.stderr
    serials = [json.loads((lot / c["folder"] / schema.RUN).read_text())["dut"]["serial"]
               for c in json.loads((lot / schema.RACK).read_text())["channels"]]
    assert serials == ["SN1", "SN2", "SN3"]


def test_a_finished_rack_run_has_nothing_to_resume_or_stop(write, tmp_path):
    profile, station = write("short.toml", SHORT), write("rack.toml", SMALL_RACK)
    logs = tmp_path / "logs"
    first = runner.invoke(app, ["run", str(profile), "--station", str(station), "--log-dir", str(logs)])
    assert first.exit_code == 0, first.output  # all pass, and none an outlier of the three
    (lot,) = [p for p in logs.iterdir() if p.is_dir()]
    assert (lot / "lot.csv").exists()
    assert runner.invoke(app, ["resume", str(lot)]).output.strip().endswith("nothing to resume")
    refused = runner.invoke(app, ["stop", str(lot)])
    assert refused.exit_code == 2 and "no process is running this rack run" in refused.output


def test_what_a_rack_refuses_is_one_line_and_exit_2(write, tmp_path):
    profile, station = write("short.toml", SHORT), write("rack.toml", SMALL_RACK)
    for extra, expected in ((["--serial", "one"], "1 serial(s) for 3 channels"),
                            (["--defect", "counterfeit"], "on a rack, name the channel"),
                            (["--lot", "3"], "--lot: not with a rack station")):
        result = runner.invoke(app, ["run", str(profile), "--station", str(station), "--log-dir",
                                     str(tmp_path / "logs"), *extra])
        assert result.exit_code == 2 and expected in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "logs").exists()


def test_a_serial_file_names_each_channel_and_a_dash_leaves_one_empty(write, tmp_path):
    profile, station = write("short.toml", SHORT), write("rack.toml", SMALL_RACK)
    serials = write("serials.txt", "# lot 2026-48, rack 2\nPB-0001\n-\nPB-0003\n")
    result = runner.invoke(app, ["run", str(profile), "--station", str(station), "--log-dir", str(tmp_path / "logs"),
                                 "--serials", str(serials), "--json"])
    out = json.loads(result.stdout)
    assert [u["verdict"] for u in out["units"]] == ["PASS", "PASS"]
    (lot,) = [p for p in (tmp_path / "logs").iterdir() if p.is_dir()]
    channels = json.loads((lot / schema.RACK).read_text())["channels"]
    assert [(c["name"], c["serial"]) for c in channels] == [("A", "PB-0001"), ("C", "PB-0003")]
    assert out["lot"]["compared"] is False and "2 unit(s) can be compared" in out["lot"]["reason"]
    assert result.exit_code == 0  # two units are too few to compare, and both passed
    refused = runner.invoke(app, ["run", str(profile), "--station", str(station), "--serials", str(tmp_path / "no")])
    assert refused.exit_code == 2 and "--serials" in refused.output and "cannot read it" in refused.output


def _asker(monkeypatch, answers):
    """The serial prompt of a real rack (`bench run` with no --serial), fed `answers` in turn: a
    string is typed, a callable is what happens while the prompt waits."""
    import typer

    from bench.cli.app import _ask_serial
    from bench.cli.console import Screen

    asked = []

    def prompt(text, **_):
        asked.append(text)
        answer = answers.pop(0)
        return answer() if callable(answer) else answer
    monkeypatch.setattr(typer, "prompt", prompt)
    return _ask_serial(Screen().console()), asked


def test_ctrl_c_at_the_serial_prompt_ends_it_with_no_serial_and_a_stop_request(monkeypatch):
    import os
    import signal
    import time

    from bench.run import signals

    def ctrl_c():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(30.0)  # the terminal read goes on waiting unless the stop ends it
    ask, _ = _asker(monkeypatch, ["SN-1", ctrl_c])
    with signals.handled():
        began = time.monotonic()
        assert [ask("A"), ask("B")] == ["SN-1", None]
        assert time.monotonic() - began < 20.0 and signals.requested() == "Ctrl-C"


def test_the_end_of_input_at_the_serial_prompt_leaves_that_channel_and_the_rest_empty(monkeypatch, capsys):
    import io

    from bench.cli.app import _ask_serial
    from bench.cli.console import Screen

    monkeypatch.setattr("sys.stdin", io.StringIO("SN-1\n-\n"))  # then the end of input (Ctrl-D), as typer reads it
    ask = _ask_serial(Screen().console())
    assert [ask(name) for name in "ABCD"] == ["SN-1", None, None, None]
    out = capsys.readouterr().out
    assert "channel C" in out and "channel D" not in out  # not asked again after the end of input
    assert "no more serials: channel C and the channels after it stay empty" in out


def test_with_json_the_serial_prompt_is_on_stderr_so_stdout_holds_the_object_alone(monkeypatch):
    import typer

    from bench.cli.app import _ask_serial
    from bench.cli.console import Screen

    streams = []
    monkeypatch.setattr(typer, "prompt", lambda text, **options: streams.append(options.get("err")) or "SN-1")
    for as_json in (True, False):
        assert _ask_serial(Screen().console(stderr=as_json), err=as_json)("A") == "SN-1"
    assert streams == [True, False]


def test_a_serial_typed_with_a_control_character_is_asked_for_again(monkeypatch):
    ask, asked = _asker(monkeypatch, ["PB\t1", "PB-1"])
    assert ask("A") == "PB-1" and asked == ["channel A", "channel A"]


class _StopsAt1000s(Sink):
    def sample(self, record) -> None:
        if record.readings.test_time >= 1000.0:
            signals.request("SIGTERM")


class _StopAfterB(Sink):
    """A and C stop the rack at 1000 s, once channel B has ended (the channels run apart)."""

    def __init__(self, name: str, b_ended: threading.Event) -> None:
        self.name, self.b_ended = name, b_ended

    def sample(self, record) -> None:
        if self.name != "B" and record.readings.test_time >= 1000.0:
            assert self.b_ended.wait(60)
            signals.request("SIGTERM")

    def run_end(self, record) -> None:
        if self.name == "B":
            self.b_ended.set()


def test_a_resume_of_a_rack_one_of_whose_channels_had_ended_keeps_its_verdict_and_exit_code(write, tmp_path):
    """Channel B ended ERROR at 300 s, the rest were stopped at 1000 s, and the rack was killed
    before rack.json said how B ended: the resume takes up A and C, shows B's ERROR and exits 4
    (it crashed on the '-' verdict of a channel it did not take up)."""
    profile, station = write("short.toml", SHORT), write("rack.toml", SMALL_RACK)
    request = Request(profile, station, tmp_path / "logs", defects=("B=open-thermocouple:placement=cell,at=300 s",))
    with signals.handled():
        b_ended = threading.Event()
        lot, runs = rack.execute(request, sinks_for=lambda name, serial: [_StopAfterB(name, b_ended)])
    assert [str(r.outcome.verdict) for r in runs] == ["ABORTED", "ERROR", "ABORTED"]
    meta = json.loads((lot / schema.RACK).read_text())
    meta["channels"] = [{k: c[k] for k in ("name", "serial", "folder")} for c in meta["channels"]]
    (lot / schema.RACK).write_text(json.dumps(meta))  # as a kill -9 leaves it
    result = runner.invoke(app, ["resume", str(lot), "--json"])
    assert result.exit_code == 4, result.output
    units = json.loads(result.stdout)["units"]
    assert [u["verdict"] for u in units] == ["PASS", "ERROR", "PASS"]
    assert units[1]["criteria"] == json.loads((runs[1].folder / schema.RUN).read_text())["criteria"]
    channels = json.loads((lot / schema.RACK).read_text())["channels"]
    assert [c["verdict"] for c in channels] == ["PASS", "ERROR", "PASS"] and channels[1]["safe_confirmed"] is True


def test_a_channel_resumed_through_its_own_run_folder_has_its_end_in_the_lots_rack_json(write, tmp_path):
    """rack.json said ABORTED (the rack's stop) beside a run.json that says PASS after the resume."""
    profile, station = write("short.toml", SHORT), write("rack.toml", SMALL_RACK)
    with signals.handled():
        lot, runs = rack.execute(Request(profile, station, tmp_path / "logs"),
                                 sinks_for=lambda name, serial: [_StopsAt1000s()])
    assert [str(r.outcome.verdict) for r in runs] == ["ABORTED"] * 3
    result = runner.invoke(app, ["resume", str(runs[0].folder)])
    assert result.exit_code == 0, result.output
    channels = json.loads((lot / schema.RACK).read_text())["channels"]
    assert [(c["verdict"], c["reason"]) for c in channels] == [
        ("PASS", "all criteria met"), ("ABORTED", "operator stop (SIGTERM)"), ("ABORTED", "operator stop (SIGTERM)")]


def test_a_stopped_rack_says_the_bench_is_safe_how_to_resume_and_why_the_lot_is_not_compared_in_short(
        write, tmp_path, monkeypatch):
    """A stop on a rack: the single run's 'bench safe' and 'bench resume' lines, and the channels
    left out of the lot named on one line (they were a line each, every one repeating why)."""
    profile, station = write("short.toml", SHORT), write("rack.toml", SMALL_RACK)
    logs = tmp_path / "logs"
    execute = rack.execute

    def stopped_at_1000s(request, serials, sinks_for, **options):
        return execute(request, serials, lambda name, serial: [*sinks_for(name, serial), _StopsAt1000s()], **options)
    monkeypatch.setattr(rack, "execute", stopped_at_1000s)
    result = runner.invoke(app, ["run", str(profile), "--station", str(station), "--log-dir", str(logs)])
    assert result.exit_code == 3, result.output
    (lot,) = [p for p in logs.iterdir() if p.is_dir()]
    lines = result.output.splitlines()
    assert "bench safe: every channel's load input and supply output read back off" in lines
    assert f"bench resume {lot} takes up every channel that did not end" in lines
    (left,) = [line for line in lines if line.startswith("lot not compared")]
    assert left.count("did not finish") == 1 and "chA unit-1, chB unit-2, chC unit-3: did not finish" in left


OWN_LINES = '''name = "Two benches in one rack"

[instruments.load1]
driver = "rigol-dl3000"
resource = "sim://"

[instruments.load2]
driver = "rigol-dl3000"
resource = "sim://"

[instruments.psu1]
driver = "keysight-e36300"
resource = "sim://"

[instruments.psu2]
driver = "keysight-e36300"
resource = "sim://"

[instruments.tc1]
driver = "keysight-34970a"
resource = "sim://"

[instruments.tc2]
driver = "keysight-34970a"
resource = "sim://"

[[channels]]
name = "A"
load = "load1"
supply = "psu1:1"
temperatures = { cell = "tc1:101", surface = "tc1:102" }

[[channels]]
name = "B"
load = "load2"
supply = "psu2:1"
temperatures = { cell = "tc2:101", surface = "tc2:102" }
{defects}
''' + SMALL_RACK[SMALL_RACK.index("[limits]"):]  # the small rack's limits, faults and world


def test_a_flaky_link_is_a_channels_own_lines_and_refused_on_a_line_other_channels_share(write, tmp_path):
    """On sim-rack's shared load and supply it was taken and did nothing (the line is the first
    channel's twin's); on a channel with instruments of its own, that channel retries."""
    profile = write("short.toml", SHORT)
    shared = runner.invoke(app, ["run", str(profile), "--station", str(write("rack.toml", SMALL_RACK)),
                                 "--log-dir", str(tmp_path / "logs"), "--defect", "B=flaky-link:rate=5%"])
    assert shared.exit_code == 2 and len(shared.output.strip().splitlines()) == 1
    assert "flaky-link on channel 'B': its line to loads, psu, tc is every channel's that shares it" in shared.output
    in_file = write("file.toml", SMALL_RACK.replace('temperatures = { cell = "tc:103", surface = "tc:104" }',
                                                    'temperatures = { cell = "tc:103", surface = "tc:104" }\n'
                                                    'defects = ["flaky-link"]'))
    assert "channels[2].defects: flaky-link on channel 'B'" in runner.invoke(app, ["validate", str(profile),
                                                                                   "--station", str(in_file)]).output
    own = write("own.toml", OWN_LINES.replace("{defects}", 'defects = ["flaky-link:rate=1%"]\n'))
    result = runner.invoke(app, ["run", str(profile), "--station", str(own), "--log-dir", str(tmp_path / "own")])
    (lot,) = [p for p in (tmp_path / "own").iterdir() if p.is_dir()]
    retries = {c["name"]: (lot / c["folder"] / schema.EVENTS).read_text().count('"event": "retry"')
               for c in json.loads((lot / schema.RACK).read_text())["channels"]}
    assert retries["A"] == 0 and retries["B"] > 0, result.output
