"""The view of a rack run: channels fed from threads of their own, in a log a line per notable
thing prefixed with its channel (never one per sample) and a status table every PLAIN_TABLE s;
on a terminal a table with a row per channel; after the run, every channel's verdict and the
counts; and, like the single-run views, ScreenGone once the screen went away."""
from __future__ import annotations

import io
import math
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

from bench.analysis.cycles import CycleSummary
from bench.analysis.integrator import Totals
from bench.record.verdict import Verdict
from bench.cli import live, rack_view
from bench.cli.console import Screen, ScreenGone
from bench.cli.rack_view import PLAIN_TABLE, PlainRackView, RackView, fit, show_rack_verdicts
from bench.profile.reader import parse_profile
from bench.record.records import CycleEnd, Event, RunEnd, RunInfo, Sample, StepEnd, StepStart
from bench.run.engine import Outcome, hard_limit_conditions, new_state
from bench.run.readings import Readings
from bench.station.config import HardLimits

CYCLES = parse_profile("""
name = "Two cycles"
period = "1 s"
steps = ["Rest for 1 h", { repeat = 2, steps = ["Discharge at 2 A for 30 min", "Rest for 15 min"] }]
[dut]
kind = "power bank"
""", "two-cycles.toml")  # 2.5 h in all, every step timed: the estimate is exact
REST, DISCHARGE = (next(step for step in CYCLES.steps() if step.index == i) for i in (1, 2))
CHANNELS = [("ch1", "PB-1"), ("ch2", "PB-2"), ("ch10", None)]
ENDS = {"ch1": Verdict.PASS, "ch2": Verdict.FAIL, "ch10": None}  # ch10 is still running, paused
DISCHARGED = 600  # s of the first discharge each channel samples


@pytest.fixture
def clock(monkeypatch):
    """The views' monotonic clock, set by the test."""
    now = SimpleNamespace(t=1000.0)
    fake = SimpleNamespace(monotonic=lambda: now.t)
    monkeypatch.setattr(live, "time", fake)
    monkeypatch.setattr(rack_view, "time", fake)
    return now


def run_channel(sink, serial: str | None, verdict: Verdict | None, start: threading.Barrier | None = None) -> Sample:
    """A channel's records as the engine emits them, a sample a second: an hour's rest, a retry,
    DISCHARGED s of the first discharge at 4.9 V 2 A with the cell at 31.4 degC, then the end
    (`verdict`), or a pause (None). Returns the last sample."""
    meta = {"dut": {"kind": "power bank", "serial": serial}, "station": {"name": "Rack", "simulated": True}}
    r = Readings(("cell",), None)
    totals = Totals(0.0, r)
    if start is not None:
        start.wait()
    sink.run_info(RunInfo(0.0, meta, CYCLES, hard_limit_conditions(HardLimits(21.0, 8.0, 60.0, 70.0)),
                          new_state(CYCLES, ("cell",))))
    sink.step_start(StepStart(0.0, REST, 1, 1, 1))
    record = Sample(r, REST, 1, 1, totals, "rest")
    r.voltage, r.current, r.t_max = 4.1, 0.0, 25.0
    for t in range(3600):
        r.test_time = r.step_time = float(t)
        sink.sample(record)
    sink.step_end(StepEnd(3600.0, REST, 1, 1, "duration 3600 s", totals))
    sink.step_start(StepStart(3600.0, DISCHARGE, 2, 2, 2))
    sink.event(Event("retry", 3600.0, {"role": "load", "attempt": 1, "error": "no reply within 2 s"}))
    sink.event(Event("recovered", 3600.1, {"role": "load", "attempts": 1, "downtime_s": 0.1}))
    sink.event(Event("safe_state", 3600.2, {"confirmed": True}))  # nothing to say
    record = Sample(r, DISCHARGE, 2, 2, totals, "discharge")
    r.voltage, r.current, r.t_max = 4.9, 2.0, 31.4
    for t in range(3600, 3600 + DISCHARGED):
        r.test_time, r.step_time = float(t), float(t - 3600)
        sink.sample(record)
    if verdict is None:
        sink.event(Event("paused", r.test_time, {"count": 2}, "paused: `bench continue` resumes the step"))
        return record
    sink.step_end(StepEnd(r.test_time, DISCHARGE, 2, 2, "4.5 V", totals))
    sink.cycle_end(CycleEnd(r.test_time, CycleSummary(2, 0.0, 0.0, 1.0 * 3600, 0.0, 3.7 * 3600, math.nan, math.nan,
                                                      31.4)))
    sink.run_end(RunEnd(Outcome(verdict, "all criteria met" if verdict is Verdict.PASS else "capacity too low")))
    return record


def run_rack(view) -> None:
    """CHANNELS run at once, each from a thread of its own."""
    start = threading.Barrier(len(CHANNELS))
    threads = [threading.Thread(target=run_channel, args=(view.sink(name), serial, ENDS[name], start))
               for name, serial in CHANNELS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_plain_rack_view_prefixes_each_line_with_its_channel_and_never_prints_one_per_sample(clock):
    lines: list[str] = []
    run_rack(PlainRackView(lines.append, "rack", CHANNELS))
    ch1 = [line for line in lines if line.startswith("ch1 ")]
    assert ch1 == [
        "ch1   DUT: power bank, serial PB-1; station: Rack SIMULATED; 5 steps, 3 cycles, ~2:30:00 to go",
        "ch1   step 1 (cycle 1): Rest for 1 h | step 1 of 5, cycle 1 of 3, ~2:30:00 left",
        "ch1   step 1 ended after 1:00:00 (duration 3600 s): +0.000 Ah -0.000 Ah +0.00 Wh -0.00 Wh",
        "ch1   step 2 (cycle 2): Discharge at 2 A for 30 min | step 2 of 5, cycle 2 of 3, ~1:30:00 left",
        "ch1   retry 1 of the load: no reply within 2 s",
        "ch1   load recovered after 0.1 s",
        "ch1   step 2 ended after 0:09:59 (4.5 V): +0.000 Ah -0.000 Ah +0.00 Wh -0.00 Wh",
        "ch1   cycle 2 of 3 ended: 1.000 Ah 3.70 Wh out, CE n/a, EE n/a",
        "ch1   ended PASS after 1:09:59 of simulated test time: all criteria met",
    ]
    ch2 = [line for line in lines if line.startswith("ch2 ")]
    ch10 = [line for line in lines if line.startswith("ch10")]
    assert [line[6:] for line in ch2[1:-1]] == [line[6:] for line in ch1[1:-1]]
    assert ch2[-1] == "ch2   ended FAIL after 1:09:59 of simulated test time: capacity too low"
    assert ch10[-1] == "ch10  paused: `bench continue` resumes the step" and len(ch10) == 7
    assert len(lines) == len(ch1) + len(ch2) + len(ch10)  # 13 800 samples, not one line of them


def test_plain_rack_view_prints_a_status_table_of_the_channels_under_way_every_plain_table_seconds(clock):
    lines: list[str] = []
    view = PlainRackView(lines.append, "rack", CHANNELS)
    run_channel(view.sink("ch2"), "PB-2", Verdict.FAIL)
    view.sink("ch10").run_info(RunInfo(0.0, {}, CYCLES, (), new_state(CYCLES, ("cell",))))
    last = run_channel(view.sink("ch1"), "PB-1", None)
    tables = []
    for wall in (PLAIN_TABLE - 1, PLAIN_TABLE, 1.5 * PLAIN_TABLE, 2 * PLAIN_TABLE):
        clock.t = 1000.0 + wall
        view.sink("ch1").sample(last)
        tables.append(sum(line.startswith("[") for line in lines))
    assert tables == [0, 1, 1, 2]
    assert lines[-4:] == [
        "[0:02:00] rack: 3 channels: 1 paused, 1 starting, 1 done (1 FAIL)",  # not all running
        "  channel  serial  step                             cycle   run      left      V      A    °C  status",
        "  ch1      PB-1    2/5 Discharge at 2 A for 30 min  2/3    47 %  ~1:20:01  4.900  2.000  31.4  paused",
        ("  ch10     —                                                                   "
         "—      —     —  starting"),
    ]  # ch2, ended, is not in the table


def rows_of(text: str) -> dict[str, str]:
    """The rows of the last table drawn: channel -> its cells, spaces folded."""
    table = text.rsplit("channel ", 1)[1].splitlines()[2:]
    return {line.split()[0]: " ".join(line.split()) for line in table if line.strip()}


def test_rack_view_draws_a_row_per_channel_under_a_header_and_says_events_and_ends_above_it(clock):
    out = io.StringIO()
    with RackView(Console(file=out, width=120), "rack", CHANNELS) as view:
        run_rack(view)
    text = out.getvalue()
    assert "rack   3 channels: 1 paused, 2 done (1 PASS, 1 FAIL)   elapsed 0:00:00" in text
    assert rows_of(text) == {
        "ch1": "ch1 PB-1 2/5 Discharge at 2 A for 30 min 2/3 47 % 4.900 off 31.4 PASS",  # ended: read back off
        "ch2": "ch2 PB-2 2/5 Discharge at 2 A for 30 min 2/3 47 % 4.900 off 31.4 FAIL",
        "ch10": "ch10 — 2/5 Discharge at 2 A for 30 min 2/3 47 % ~1:20:01 4.900 2.000 31.4 paused",
    }
    above = text.rsplit("rack ", 1)[0].splitlines()
    assert " ch1    ended PASS after 1:09:59 of simulated test time: all criteria met" in above
    assert "ch10  paused: `bench continue` resumes the step" in above
    assert above.count("ch2   retry 1 of the load: no reply within 2 s") == 1
    assert not any("step 1" in line for line in above)  # the table says where each channel is


def test_rack_view_redraws_at_most_every_refresh_interval_and_at_once_when_a_status_changes(clock):
    terminal = Console(record=True, force_terminal=True, width=120, height=30)
    r = Readings(("cell",), None)
    r.voltage = 4.2
    with RackView(terminal, "rack", CHANNELS) as view:
        sink = view.sink("ch1")
        sink.step_start(StepStart(0.0, REST, 1, 1, 1))
        clock.t += live.REFRESH
        sink.sample(Sample(r, REST, 1, 1, Totals(0.0, r), "rest"))
        first = terminal.export_text()
        r.voltage = 4.3
        clock.t += live.REFRESH / 2
        sink.sample(Sample(r, REST, 1, 1, Totals(0.0, r), "rest"))
        too_soon = terminal.export_text()
        sink.event(Event("retry", 1.0, {"role": "supply", "attempt": 1, "error": "timeout"}))
        at_once = terminal.export_text()
    assert "4.200" in first and "4.300" not in too_soon and "4.300 0.000 — retrying" in " ".join(at_once.split())


def test_a_terminal_too_short_keeps_the_channels_that_need_a_look_and_counts_the_others():
    statuses = ["running", "PASS", "FAIL", "running", "paused", "running", "retrying", "ERROR"]
    rows = [(f"ch{i}", status) for i, status in enumerate(statuses)]
    assert fit(rows, 8) == (rows, 0)
    assert fit(rows, 6) == ([rows[0], rows[2], rows[4], rows[6], rows[7]], 3)  # and a line for the 3 left out
    assert fit(rows, 3) == ([rows[2], rows[4]], 6)


VERDICTS = [("ch1", "PB-1", "PASS", "all criteria met", Path("logs/20261201-quick-check-PB-1")),
            ("ch2", None, "FAIL", "delivered capacity: 3.708 Ah (min 5.16 Ah) FAIL", Path("logs/20261201-quick-check")),
            ("ch3", "PB-3", "ERROR", "instrument fault: no reply", None)]


def test_rack_verdicts_list_each_channel_then_count_them_across_the_screen():
    terminal = Console(record=True, force_terminal=True, width=120)
    show_rack_verdicts(terminal, VERDICTS)
    shown = [" ".join(line.split()) for line in terminal.export_text().splitlines()]
    assert shown[:5] == ["channel serial verdict reason run folder, in the lot's",  # a name, not a path that wraps
                         "ch1 PB-1 PASS all criteria met 20261201-quick-check-PB-1",
                         "ch2 — FAIL delivered capacity: 3.708 Ah (min 5.16 Ah) FAIL 20261201-quick-check",
                         "ch3 PB-3 ERROR instrument fault: no reply —", "lot folder: logs"]
    assert "│ 3 channels: 1 PASS, 1 FAIL, 1 ERROR │" in shown
    log = io.StringIO()
    show_rack_verdicts(Console(file=log, width=80), VERDICTS)
    assert log.getvalue().splitlines()[:5] == [  # in a log: a line each, never wrapped
        "channel  serial  verdict  reason                                           run folder, in the lot's",
        "ch1      PB-1    PASS     all criteria met                                 20261201-quick-check-PB-1",
        "ch2      —       FAIL     delivered capacity: 3.708 Ah (min 5.16 Ah) FAIL  20261201-quick-check",
        "ch3      PB-3    ERROR    instrument fault: no reply                       —",
        "lot folder: logs"]


class Gone(Screen):
    """A screen that went away (without touching the test's own fds)."""

    def __init__(self) -> None:
        self.gone = "SIGHUP: the terminal hung up"


def test_rack_views_raise_screen_gone_at_their_next_draw_once_their_screen_went_away(clock):
    r = Readings(("cell",), None)
    lines: list[str] = []
    plain = PlainRackView(lines.append, "rack", CHANNELS, Gone())
    with pytest.raises(ScreenGone, match="SIGHUP"):
        plain.sink("ch1").step_start(StepStart(0.0, REST, 1, 1, 1))
    terminal = Console(record=True, force_terminal=True, width=120)
    with RackView(terminal, "rack", CHANNELS, Gone()) as rich:
        for sink in (plain.sink("ch2"), rich.sink("ch2")):
            clock.t += PLAIN_TABLE
            with pytest.raises(ScreenGone, match="SIGHUP"):
                sink.sample(Sample(r, REST, 1, 1, Totals(0.0, r), "rest"))
    assert lines == []


def test_a_channel_line_printed_while_the_serial_prompt_waits_goes_above_it_and_the_prompt_again_under_it():
    import io

    from rich.console import Console

    from bench.cli.rack_view import PendingPrompt

    for terminal, cleared in ((True, "\r\x1b[2K"), (False, "\n")):
        out = io.StringIO()
        pending = PendingPrompt(Console(file=out, force_terminal=terminal, width=100, highlight=False))
        pending.echo("A  step 1 (cycle 1): Charge at 5 V")  # no prompt: a line as it is
        out.write("channel B: ")  # what the prompt wrote
        with pending.showing("channel B: "):
            pending.echo("A  step 1 ended after 0:00:10")
        pending.echo("A  ended PASS")
        assert out.getvalue() == ("A  step 1 (cycle 1): Charge at 5 V\nchannel B: " + cleared
                                  + "A  step 1 ended after 0:00:10\nchannel B: A  ended PASS\n")


def test_the_prompt_shown_again_under_a_channel_line_keeps_what_was_typed_so_far(monkeypatch):
    """With readline (input() on a terminal), the half-typed serial is shown again, not hidden."""
    import io
    import sys
    from types import SimpleNamespace

    from rich.console import Console

    from bench.cli.rack_view import PendingPrompt

    monkeypatch.setitem(sys.modules, "readline", SimpleNamespace(get_line_buffer=lambda: "PB-00"))
    out = io.StringIO()
    pending = PendingPrompt(Console(file=out, force_terminal=True, width=100, highlight=False))
    out.write("channel B: PB-00")  # the prompt, and what the operator typed so far
    with pending.showing("channel B: "):
        pending.echo("A  step 1 ended after 0:00:10")
    assert out.getvalue() == "channel B: PB-00\r\x1b[2KA  step 1 ended after 0:00:10\nchannel B: PB-00"
