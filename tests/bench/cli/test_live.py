"""The live view: plain lines for a log (a line per step start and end and per cycle, a status line
every PLAIN_STATUS seconds, the events that have a message) and a Rich panel on a terminal; with
what the run is (run_info), both show where it stands in its plan, the time left, the end of the
step, the nearest limits, a pause and the cycles."""
from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

import pytest
from rich.console import Console

from bench.analysis.cycles import CycleSummary
from bench.analysis.integrator import Totals
from bench.record.verdict import Verdict
from bench.cli import live
from bench.cli.console import Screen, ScreenGone
from bench.cli.live import PLAIN_STATUS, PlainView, RichView
from bench.profile.reader import parse_profile
from bench.profile.steps import parse_step
from bench.record.records import CycleEnd, Event, RunEnd, RunInfo, Sample, StepEnd, StepStart
from bench.run.engine import Outcome, hard_limit_conditions, new_state
from bench.run.readings import Readings
from bench.station.config import HardLimits

STEP = parse_step("Discharge at 2 A until 4.5 V", "p.toml", "steps[2]", 2)


@pytest.fixture
def clock(monkeypatch):
    """The view's monotonic clock, set by the test."""
    now = SimpleNamespace(t=1000.0)
    monkeypatch.setattr(live, "time", SimpleNamespace(monotonic=lambda: now.t))
    return now


def sample() -> Sample:
    """1:02:05 into the run, 65 s into the step: 0.5 Ah / 2.5 Wh in, 2 Ah / 9 Wh out, two channels."""
    r = Readings(("cell", "ambient"), None)
    r.test_time, r.step_time = 3725.0, 65.0
    r.v_in, r.i_in, r.p_in = 5.01, 0.5, 2.505
    r.v_out, r.i_out, r.p_out = 4.9, 2.0, 9.8
    r.temps.update(cell=31.4, ambient=24.0)
    totals = Totals(0.0, r)
    totals.q_in, totals.q_out, totals.e_in, totals.e_out = 0.5 * 3600, 2.0 * 3600, 2.5 * 3600, 9.0 * 3600
    return Sample(r, STEP, 1, 3, totals, "discharge")


def step_start() -> StepStart:
    return StepStart(test_time=3660.0, step=STEP, count=3, position=2, cycle=1)


@pytest.fixture
def terminal() -> Console:
    """A 100-column terminal that keeps what was written (export_text)."""
    return Console(record=True, force_terminal=True, width=100)


@pytest.fixture
def plain():
    lines: list[str] = []
    return PlainView(lines.append), lines


def test_plain_view_prints_the_step_count_cycle_and_text_at_each_step_start(plain):
    view, lines = plain
    view.step_start(step_start())
    assert lines == ["step 3 (cycle 1): Discharge at 2 A until 4.5 V"]


def test_plain_view_prints_a_status_line_with_elapsed_time_readings_totals_and_temperatures(plain, clock):
    view, lines = plain
    view.sample(sample())
    assert lines == [("  [1:02:05] in 5.010 V 0.500 A | out 4.900 V 2.000 A | +0.500 Ah -2.000 Ah "
                      "+2.50 Wh -9.00 Wh | cell 31.4°C ambient 24.0°C")]


def test_plain_view_prints_a_status_line_at_most_every_plain_status_seconds(plain, clock):
    view, lines = plain
    record = sample()
    printed = []
    for dt in (0.0, 1.0, PLAIN_STATUS - 0.01, PLAIN_STATUS, PLAIN_STATUS + 1.0, 2 * PLAIN_STATUS):
        clock.t = 1000.0 + dt
        view.sample(record)
        printed.append(len(lines))
    assert printed == [1, 1, 1, 2, 2, 3]


def test_plain_view_prints_only_events_that_carry_a_message(plain):
    view, lines = plain
    view.event(Event("retry", 12.0, {"attempt": 1}))
    view.event(Event("safety_trip", 13.0, {}, message="safety limit: cell temperature > 60 degC"))
    view.event(Event("note", 14.0, {}, message=""))
    assert lines == ["safety limit: cell temperature > 60 degC"]


def test_rich_view_renders_a_panel_with_the_step_readings_totals_and_temperatures(clock, terminal):
    with RichView(terminal, "quick-check.toml") as view:
        view.step_start(step_start())
        view.sample(sample())
    text = terminal.export_text()
    assert "step 3 (cycle 1): Discharge at 2 A until 4.5 V" in text
    assert "quick-check.toml" in text
    rows = {line.strip("│ ").split("  ", 1)[0]: " ".join(line.strip("│ ").split()) for line in text.splitlines()
            if line.startswith("│")}
    assert rows == {
        "step": "step 3 (cycle 1): Discharge at 2 A until 4.5 V",
        "elapsed": "elapsed 1:02:05 step 0:01:05",
        "input": "input 5.010 V 0.500 A 2.50 W",
        "output": "output 4.900 V 2.000 A 9.80 W",
        "step Ah": "step Ah +0.5000 in -2.0000 out",
        "step Wh": "step Wh +2.500 in -9.000 out",
        "temperature": "temperature cell 31.4 °C ambient 24.0 °C",
    }


def test_rich_view_redraws_at_most_every_refresh_interval(clock, terminal):
    record = sample()
    with RichView(terminal, "run") as view:
        view.sample(record)
        first = terminal.export_text()
        record.readings.v_in = 7.0
        clock.t += live.REFRESH / 2
        view.sample(record)
        too_soon = terminal.export_text()
        clock.t += live.REFRESH
        view.sample(record)
        later = terminal.export_text()
    assert "5.010 V" in first and "7.000 V" not in too_soon and "7.000 V" in later


def test_rich_view_prints_event_messages_and_skips_events_without_one(terminal):
    with RichView(terminal, "run") as view:
        view.event(Event("retry", 1.0, {}))
        view.event(Event("pause", 2.0, {}, message="paused: the DUT is safe"))
    assert [line for line in terminal.export_text().splitlines() if line] == ["paused: the DUT is safe"]


class Gone(Screen):
    """A screen that went away (without touching the test's own fds)."""

    def __init__(self) -> None:
        self.gone = "SIGHUP: the terminal hung up"


def test_views_raise_screen_gone_at_their_next_draw_once_their_screen_went_away(terminal, clock):
    lines: list[str] = []
    plain = PlainView(lines.append, Gone())
    with RichView(terminal, "run", Gone()) as rich:
        for view in (plain, rich):
            for call, record in ((view.step_start, step_start()), (view.sample, sample()),
                                 (view.event, Event("pause", 2.0, {}, message="paused"))):
                with pytest.raises(ScreenGone, match="SIGHUP"):
                    call(record)
    assert lines == [] and terminal.export_text().strip() == ""


# -- with what the run is (run_info): progress, ETA, end conditions, pause, cycles --------------

CYCLES = parse_profile("""
name = "Two cycles"
period = "1 s"
steps = ["Rest for 1 h", { repeat = 2, steps = ["Discharge at 2 A for 30 min", "Rest for 15 min"] }]
[dut]
kind = "power bank"
[safety]
abort_if = ["cell temperature > 45 degC", "output voltage < 3 V"]
""", "two-cycles.toml")  # 2.5 h in all, every step timed: the estimate is exact
META = {"id": "run-7", "dut": {"kind": "power bank", "simulated_preset": "powerbank-10000", "serial": "PB-7"},
        "product": {"name": "powerbank-10000"}, "station": {"name": "Simulated bench", "simulated": True},
        "speed": 50.0}
REST, DISCHARGE = (next(step for step in CYCLES.steps() if step.index == i) for i in (1, 2))


def run_info() -> RunInfo:
    return RunInfo(0.0, META, CYCLES, hard_limit_conditions(HardLimits(21.0, 8.0, 60.0, 70.0)),
                   new_state(CYCLES, ("cell", "ambient")))


def discharging(test_time: float, step_time: float, action: str = "discharge") -> Sample:
    """A sample of the first discharge (started at 1:00:00), 4.9 V 2 A out, the cell at 31.4 degC."""
    record = sample()
    r = record.readings
    r.test_time, r.step_time = test_time, step_time
    r.voltage, r.v_out, r.i_out = 4.9, 4.9, 2.0
    return Sample(r, DISCHARGE, 2, 2, record.totals, action)


def cycle(number: int, ah_out: float) -> CycleEnd:
    return CycleEnd(0.0, CycleSummary(number, 0.0, 0.0, ah_out * 3600, 0.0, ah_out * 3.7 * 3600, math.nan,
                                      math.nan, 31.0))


def panel_rows(text: str) -> dict[str, str]:
    """The rows of the last panel drawn: label -> the rest of the row, spaces folded; the rows
    without a label (bars, the pause banner, lines folded) under "", joined with ' | '."""
    rows: dict[str, str] = {}
    for line in text.rsplit("╭", 1)[1].splitlines():
        if line.startswith("│"):
            label, rest = line[2:13].strip(), " ".join(line[15:-1].split())
            rows[label] = f"{rows[label]} | {rest}" if label in rows else rest
    return rows


def started(view, clock) -> None:
    """The run so far: its first step (an hour's rest), then the first discharge from 1:00:00."""
    view.run_info(run_info())
    view.step_start(StepStart(0.0, REST, 1, 1, 1))
    view.step_end(StepEnd(3600.0, REST, 1, 1, "duration 3600 s", sample().totals))
    view.step_start(StepStart(3600.0, DISCHARGE, 2, 2, 2))


def test_rich_view_shows_what_runs_where_the_run_stands_and_the_time_left(clock, terminal):
    with RichView(terminal, "two-cycles") as view:
        started(view, clock)
        view.sample(discharging(3725.0, 125.0))
    rows = panel_rows(terminal.export_text())
    assert rows["DUT"] == "power bank powerbank-10000, serial PB-7, judged as powerbank-10000"
    assert rows["station"] == "Simulated bench SIMULATED at 50 x real time"
    # 1:00:00 + 2 x 45 min planned; 2:05 into the first discharge: 27:55 + 15:00 + 45:00 left
    assert rows["run"].endswith("41 % 1:02:05, ~1:27:55 left")
    assert rows["step"] == "2 of 5, cycle 2 of 3: Discharge at 2 A for 30 min"
    assert rows[""].endswith("7 % 0:02:05 of ~0:30:00")
    assert rows["until"] == "for 0:30:00 (0:02:05 done)"
    assert rows["limits"] == "cell temperature 31.4 degC (> 45 degC) · output voltage 4.9 V (< 3 V)"
    assert rows["this step"] == "+0.5000 Ah +2.500 Wh in -2.0000 Ah -9.000 Wh out"


def test_rich_view_gives_an_end_time_at_the_pace_the_run_goes(clock, terminal):
    with RichView(terminal, "two-cycles") as view:
        started(view, clock)
        view.sample(discharging(3600.0, 0.0))
        clock.t += 10.0  # 500 s of test time in 10 s of wall time: 50 x real time
        ends = {(dt.datetime.now() + dt.timedelta(seconds=4900 / 50)).strftime("%H:%M")}  # 1:21:40 left at 50 x
        view.sample(discharging(4100.0, 500.0))
        ends.add((dt.datetime.now() + dt.timedelta(seconds=4900 / 50)).strftime("%H:%M"))
    assert view.pace() == 50.0
    run = panel_rows(terminal.export_text())["run"]
    assert any(run.endswith(f"46 % 1:08:20, ~1:21:40 left, ends ~{end}") for end in ends), run


def test_rich_view_shows_a_paused_banner_at_once_and_holds_the_step_time_until_it_continues(clock, terminal):
    with RichView(terminal, "two-cycles") as view:
        view.run_dir = "logs/run-7"
        started(view, clock)
        view.sample(discharging(3725.0, 125.0))
        view.event(Event("paused", 3725.0, {"count": 2}, "paused: `bench continue` resumes the step"))
        paused = panel_rows(terminal.export_text())
        clock.t += 1.0
        view.sample(discharging(3785.0, 60.0, "pause"))  # the engine's pause rows count the pause
        later = panel_rows(terminal.export_text())
        view.event(Event("continued", 3845.0, {"paused_s": 120.0}, "continued after 120 s paused"))
        clock.t += 1.0
        view.sample(discharging(3850.0, 130.0))
        after = panel_rows(terminal.export_text())
    assert "PAUSED at 1:02:05: outputs off, monitoring on; bench continue logs/run-7 carries on" in paused[""]
    assert paused["input"] == "— switched off: read at the next sample"  # not the 2 A of before the pause
    assert later["input"] == "5.010 V 0.500 A 2.50 W"  # the first reading of the pause
    assert paused["until"] == later["until"] == "for 0:30:00 (0:02:05 done)"  # held while paused
    assert "PAUSED" not in after[""] and after["until"] == "for 0:30:00 (0:02:10 done)"


def test_rich_view_shows_the_last_cycle_against_the_first_and_the_verdict_at_the_end(clock, terminal):
    with RichView(terminal, "two-cycles") as view:
        view.run_info(run_info())
        view.cycle_end(cycle(2, 1.0))
        view.cycle_end(cycle(3, 0.95))
        view.step_start(StepStart(3600.0, DISCHARGE, 2, 2, 2))
        view.sample(discharging(3725.0, 125.0))
        view.run_end(RunEnd(Outcome(Verdict.PASS, "all criteria met")))
    text = terminal.export_text()
    assert "cycle 3 of 3 ended: 0.950 Ah 3.52 Wh out, CE n/a, EE n/a, retention 95.0 % of cycle 2" in text
    assert "two-cycles  PASS" in text.rsplit("╭", 1)[1].splitlines()[0]
    assert panel_rows(text)["run"] == "ended PASS after 1:02:05 of simulated test time: all criteria met"


def test_a_cycle_that_gave_more_than_it_took_says_why_its_efficiency_is_above_100_percent(clock):
    lines: list[str] = []
    view = PlainView(lines.append)
    view.cycle_end(CycleEnd(0.0, CycleSummary(1, 0.0, 4.5 * 3600, 6.4 * 3600, 22.5 * 3600, 31.8 * 3600,
                                              6.4 / 4.5, 31.8 / 22.5, 31.0)))
    assert lines[-1].endswith("CE 142.2 %, EE 141.3 % (more out than in: it started fuller than it ended)")


def test_a_paused_run_that_is_stopped_ends_without_the_paused_banner(clock, terminal):
    """Its last panel gives the verdict: `bench continue` no longer carries anything on."""
    with RichView(terminal, "two-cycles") as view:
        started(view, clock)
        view.sample(discharging(3725.0, 125.0))
        view.event(Event("paused", 3725.0, {"count": 2}, "paused: `bench continue` resumes the step"))
        view.event(Event("operator_stop", 3730.0, {"reason": "bench stop"}, "operator stop (bench stop)"))
        view.run_end(RunEnd(Outcome(Verdict.ABORTED, "operator stop (bench stop)")))
    last = terminal.export_text().rsplit("╭", 1)[1]
    assert "PAUSED" not in last and "bench continue" not in last
    assert "two-cycles  ABORTED" in last.splitlines()[0]


def test_plain_view_prints_a_line_per_step_end_and_per_cycle_and_the_progress(clock):
    """...and says that the cycle a stop cuts short is not a whole one."""
    lines: list[str] = []
    view = PlainView(lines.append)
    started(view, clock)
    view.sample(discharging(3725.0, 125.0))
    view.step_end(StepEnd(5400.0, DISCHARGE, 2, 2, "duration 1800 s", sample().totals))
    view.cycle_end(cycle(2, 1.0))
    view.event(Event("operator_stop", 5500.0, {"reason": "operator stop (Ctrl-C)"}, "operator stop (Ctrl-C)"))
    view.cycle_end(cycle(3, 0.1))
    assert view.last.cycle == 2  # the panel keeps the last whole cycle
    assert lines == [
        "DUT: power bank powerbank-10000, serial PB-7, judged as powerbank-10000; station: Simulated bench "
        "SIMULATED at 50 x real time; 5 steps, 3 cycles, ~2:30:00 to go",
        "step 1 (cycle 1): Rest for 1 h | step 1 of 5, cycle 1 of 3, ~2:30:00 left",
        "step 1 ended after 1:00:00 (duration 3600 s): +0.500 Ah -2.000 Ah +2.50 Wh -9.00 Wh, "
        "max cell 31.4°C, ambient 24.0°C",
        "step 2 (cycle 2): Discharge at 2 A for 30 min | step 2 of 5, cycle 2 of 3, ~1:30:00 left",
        "  [1:02:05] step 2 of 5, cycle 2 of 3, 41 %, ~1:27:55 left | in 5.010 V 0.500 A | out 4.900 V 2.000 A | +0.500 Ah -2.000 Ah "
        "+2.50 Wh -9.00 Wh | cell 31.4°C ambient 24.0°C",
        "step 2 ended after 0:30:00 (duration 1800 s): +0.500 Ah -2.000 Ah +2.50 Wh -9.00 Wh, "
        "max cell 31.4°C, ambient 24.0°C",
        "cycle 2 of 3 ended: 1.000 Ah 3.70 Wh out, CE n/a, EE n/a",
        "operator stop (Ctrl-C)",
        "cycle 3 of 3 cut short by the end of the run: 0.100 Ah 0.37 Wh out, CE n/a, EE n/a",
    ]


def test_the_plan_of_a_resumed_run_counts_what_is_left_of_the_step_it_takes_up(plain):
    """10 min into the first 30 min discharge: 20 min of it, then 15 + 30 + 15 min."""
    from bench.run.state import StepState

    record = run_info()
    record.state.step = StepState(position=2, count=2, index=2, cycle=2, start=3600.0)
    record.state.test_time = 4200.0
    view, lines = plain
    view.run_info(record)
    assert lines[0].endswith("5 steps, 3 cycles, ~1:20:00 to go")


@pytest.mark.parametrize("problems, shown", [([], "off (read back)"), (["load: input still on"], "NOT CONFIRMED OFF")])
def test_at_the_end_the_panel_says_the_outputs_are_off_beside_the_last_readings(clock, terminal, problems, shown):
    """A trip's last sample had power flowing: the panel that stays on screen says it is off now."""
    with RichView(terminal, "two-cycles") as view:
        started(view, clock)
        view.sample(discharging(3725.0, 125.0))
        view.run_end(RunEnd(Outcome(Verdict.ABORTED, "safety limit: cell temperature > 60 degC",
                                    safe_problems=problems)))
    rows = panel_rows(terminal.export_text())
    assert rows["output"] == f"{shown} last read 4.900 V 2.000 A 9.80 W"


def test_an_amount_that_is_minus_zero_is_shown_as_zero_after_its_sign():
    totals = sample().totals
    totals.q_in = totals.e_in = -0.0  # as a watched run's totals, read back from its rows, can be
    line = live.status_line(sample().readings, totals)
    assert "+0.000 Ah" in line and "+0.00 Wh" in line and "+-" not in line
