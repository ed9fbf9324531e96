"""The live view: plain lines for a log (a line per step, a status line every PLAIN_STATUS seconds,
the events that have a message) and a Rich panel on a terminal."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from rich.console import Console

from bench.analysis.integrator import Totals
from bench.cli import live
from bench.cli.console import Screen, ScreenGone
from bench.cli.live import PLAIN_STATUS, PlainView, RichView
from bench.profile.steps import parse_step
from bench.record.records import Event, Sample, StepStart
from bench.run.readings import Readings

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
