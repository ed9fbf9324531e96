"""The live view: a Rich panel on a terminal, plain lines in a log (CI, nohup, a pipe).

Both are observers of the run: when their screen goes away they raise ScreenGone at their next
draw, and the run detaches them and goes on. Both follow the run's records the same way (what
the run is, its plan and progress, the step, the pause, the cycles: `View`), whether they come
from the run itself (`bench run`) or from its files (`bench watch`)."""
from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any, Callable

from bench.analysis.cycles import MORE_OUT
from bench.analysis.integrator import Totals
from bench.cli.console import Screen
from bench.units import hms
from bench.record import schema
from bench.record.records import CycleEnd, Event, RunEnd, RunInfo, RunStart, Sample, StepEnd, StepStart
from bench.run.progress import Tracker
from bench.run.readings import Readings

REFRESH = 0.25  # s of wall time between redraws
PLAIN_STATUS = 10.0  # s of wall time between status lines when not on a terminal
PACE_SPAN = 2.0  # s of wall time over which the pace (test time per wall second) is measured, at least
MARGINS_SHOWN = 3  # the safety limits nearest to tripping, on the panel
HARD_LIMIT_NEAR = 0.2  # a station hard limit is shown once a reading is within this fraction of it
BAR = 24  # characters of a progress bar
LONGEST_ETA = 366 * 86400.0  # s of wall time beyond which no end time is given
LONG_SPAN = 72 * 3600.0  # s from which a time left is said in days
ENDING = schema.ENDING_EVENTS  # events of a run on its way out


def span(seconds: float) -> str:
    """A time left as people plan with it: h:mm:ss, or days beyond LONG_SPAN."""
    return hms(seconds) if seconds < LONG_SPAN else f"{seconds / 86400:.1f} days"


def status_line(r: Readings, totals: Totals) -> str:
    """The readings and the step's totals in one line; amounts as magnitudes after their sign (a
    step's totals read back from its rows can be -0.0: never '+-0.000')."""
    temps = " ".join(f"{name} {value:.1f}°C" for name, value in r.temps.items())
    return (f"in {r.v_in:.3f} V {r.i_in:.3f} A | out {r.v_out:.3f} V {r.i_out:.3f} A | "
            f"+{abs(totals.q_in) / 3600:.3f} Ah -{abs(totals.q_out) / 3600:.3f} Ah "
            f"+{abs(totals.e_in) / 3600:.2f} Wh -{abs(totals.e_out) / 3600:.2f} Wh | {temps}")


def step_results(record: StepEnd, took: float) -> str:
    """A step that ended, in one line: how long, why, what it moved, how hot it got."""
    t = record.totals
    hottest = ", ".join(f"{name} {value:.1f}°C" for name, value in t.t_max.items() if value == value)
    return (f"step {record.count} ended after {hms(took)} ({record.ended_by}): "
            f"+{abs(t.q_in) / 3600:.3f} Ah -{abs(t.q_out) / 3600:.3f} Ah "
            f"+{abs(t.e_in) / 3600:.2f} Wh -{abs(t.e_out) / 3600:.2f} Wh"
            + (f", max {hottest}" if hottest else ""))


def _percent(ratio: float) -> str:
    return "n/a" if ratio != ratio else f"{100 * ratio:.1f} %"


class View(Tracker):
    """What a view shows of a run, kept from its records: what the run is (`run_info`: DUT,
    serial, product, station, simulated), its progress through the plan and the time left
    (bench.run.progress), the step and its end conditions, a pause, the cycles. A view without
    a `run_info` (a caller's own run) shows the step and the readings only.

    `quiet`: records are followed but nothing is drawn (`bench watch` catching up)."""

    def __init__(self, screen: Screen | None = None) -> None:
        super().__init__()
        self._screen = screen or Screen()
        self.quiet = False
        self.meta: dict[str, Any] | None = None
        self.safety: tuple[Any, ...] = ()  # the profile's abort conditions
        self.hard_limits: tuple[Any, ...] = ()  # the station's
        self.stop_rules: tuple[str, ...] = ()  # the stop_if of the profile's loops
        self.step: Any = None
        self.count = self.position = self.cycle = 0
        self.first: Any = None  # the first and the last cycle that ended (CycleSummary)
        self.last: Any = None
        self.outcome: Any = None
        self.ending = False  # the run is on its way out (a stop, a trip, a fault)
        self.run_dir = "RUN_DIR"  # the run folder, once the command knows it (what `bench continue` takes)
        self.latest: Sample | None = None  # the run's own record of the latest sample: read it, never keep it
        self._pace_from: tuple[float, float] | None = None  # (wall, test time) the pace is measured from
        self._now = (0.0, 0.0)  # (wall, test time) of the latest sample

    # -- records ---------------------------------------------------------------------------
    def run_info(self, record: RunInfo) -> None:
        from bench.analysis.cycles import CycleSummary
        from bench.run.progress import loops

        super().run_info(record)
        profile, state = record.profile, record.state
        self.meta = record.meta
        self.safety, self.hard_limits = profile.safety, record.hard_limits
        self.stop_rules = tuple(loop.stop_if.text for loop in loops(profile.items) if loop.stop_if is not None)
        done = sorted(state.book.records.items())
        self.first, self.last = (CycleSummary.of(n, r) for n, r in (done[0], done[-1])) if done else (None, None)
        self.outcome = self._pace_from = None
        self.ending = False

    def step_start(self, record: StepStart) -> None:
        super().step_start(record)
        self.step, self.count, self.position, self.cycle = record.step, record.count, record.position, record.cycle

    def sample(self, record: Sample) -> None:
        self.latest = record
        self._now = (time.monotonic(), record.readings.test_time)
        if self._pace_from is None:
            self._pace_from = self._now

    def cycle_end(self, record: CycleEnd) -> None:
        if not self.ending:  # a cycle the run's end cuts short is no measure of the DUT
            self.first = self.first or record.summary
            self.last = record.summary

    def event(self, record: Event) -> None:
        super().event(record)
        if record.kind in ENDING:
            self.ending = True
        elif record.kind == "continued":
            self._pace_from = None  # a simulated bench runs in real time while paused

    def run_end(self, record: RunEnd) -> None:
        self.outcome = record.outcome

    # -- what is shown ---------------------------------------------------------------------
    def pace(self) -> float | None:
        """Test seconds per wall second since the first sample drawn, or the last continue (1 on
        a real bench, N with --speed N); None until PACE_SPAN of wall time has gone by."""
        if self._pace_from is None:
            return None
        (wall, test), (wall_now, test_now) = self._pace_from, self._now
        return (test_now - test) / (wall_now - wall) if wall_now - wall >= PACE_SPAN and test_now > test else None

    def left(self, test_time: float) -> tuple[float, int] | None:
        """The time left (s) and the steps it leaves out (no estimate), if the plan is known."""
        return None if self.step is None else super().left(test_time)

    def eta(self, test_time: float) -> str:
        """'~1:13:00 left, ends ~22:47' (at the pace the run goes), and what it cannot count."""
        left = self.left(test_time)
        if left is None:
            return ""
        seconds, unknown = left
        text = f"{'at most ' if self.progress.bounded else ''}~{span(seconds)} left"
        pace = self.pace()
        if pace is not None and self.paused_from is None and seconds / pace < LONGEST_ETA:
            wall = seconds / pace
            end = dt.datetime.now() + dt.timedelta(seconds=wall)
            text += f", ends ~{end:%H:%M}" if wall < 20 * 3600 else f", ends ~{end:%a %d %b %H:%M}"
        if unknown:
            text += f" + {unknown} step{'s' if unknown > 1 else ''} with no estimate"
        return text

    def run_fraction(self, test_time: float) -> float | None:
        left = self.left(test_time)
        if left is None or left[1] or test_time + left[0] <= 0:
            return None
        return test_time / (test_time + left[0])

    def step_fraction(self, test_time: float) -> float | None:
        took = self.took(test_time)
        left = None if self.progress is None else self.progress.step_left(took)
        return None if left is None or took + left <= 0 else took / (took + left)

    def where(self) -> str:
        """'step 3 of 5, cycle 2 of 300' (the step's place in the run, not its count)."""
        if self.progress is None:
            return f"step {self.count} (cycle {self.cycle})"
        most = "≤" if self.progress.bounded else ""
        cycles = f", cycle {self.cycle} of {most}{self.progress.cycles}" if self.progress.cycles > 1 else ""
        return f"step {self.position} of {most}{self.progress.steps}{cycles}"

    def plan(self) -> str:
        """'at most 300 steps, at most 50 cycles, at most ~24.2 days to go': the plan from where
        the run starts (or is resumed), once its `run_info` is in."""
        most = "at most " if self.progress.bounded else ""
        cycles = f", {most}{self.progress.cycles} cycles" if self.progress.cycles > 1 else ""
        seconds, unknown = self.progress.left(self.into)
        unknown_text = f" + {unknown} step(s) with no estimate" if unknown else ""
        return f"{most}{self.progress.steps} steps{cycles}, {most}~{span(seconds)}{unknown_text} to go"

    def step_started(self, record: StepStart) -> str:
        """'step 14 (cycle 3): Hold at 4.2 V for 2 h | step 14 of 300, cycle 3 of 50, ~21.2 days left'."""
        progress = f" | {self.where()}, {self.eta(record.test_time)}" if self.progress is not None else ""
        return f"step {record.count} (cycle {record.cycle}): {record.step.text}{progress}"

    def until(self, r: Readings) -> str:
        """How the step ends: its duration and how much of it is done, its conditions with the
        readings they watch."""
        step, parts = self.step, []
        if step is None:
            return ""
        if step.duration is not None:
            parts.append(f"for {hms(step.duration)} ({hms(self.took(r.test_time))} done)")
        for condition in step.until:
            value = condition.read(r)
            written = condition.text  # a bare value ('4.5 V') says what it compares
            said = written if "<" in written or ">" in written else f"{condition.quantity} {condition.op} {written}"
            parts.append(said + ("" if value != value else f" (now {condition.shown(value)})"))
        return " or ".join(parts)

    def margins(self, r: Readings) -> str:
        """The profile's safety limits nearest to tripping, each with its reading; a station hard
        limit only once a reading comes within HARD_LIMIT_NEAR of it."""
        near: dict[str, float] = {}
        for condition in (*self.safety, *self.hard_limits):
            value = condition.read(r)
            if value != value:
                continue
            room = (value - condition.value if condition.op in ("<", "<=") else condition.value - value) / (
                abs(condition.value) or 1.0)
            if condition in self.hard_limits and room > HARD_LIMIT_NEAR:
                continue
            name = f"{condition.channel} {condition.quantity}" if condition.channel else condition.quantity
            near.setdefault(f"{name} {condition.shown(value)} ({condition.op} {condition.shown(condition.value)})", room)
        return " · ".join(sorted(near, key=near.__getitem__)[:MARGINS_SHOWN])

    def cycle_ended(self, summary: Any) -> str:
        """'cycle 3 of 300 ended', or cut short by the run's end."""
        of = f" of {self.progress.cycles}" if self.progress is not None else ""
        return f"cycle {summary.cycle}{of} {'cut short by the end of the run' if self.ending else 'ended'}"

    def cycle_results(self, summary: Any, cut: bool = False) -> str:
        """A cycle that ended: what it delivered, its efficiencies, its capacity against the first
        complete cycle's (not for one the run's end cut short: `cut`)."""
        first = self.first
        text = (f"{summary.discharge_capacity / 3600:.3f} Ah {summary.discharge_energy / 3600:.2f} Wh out, "
                f"CE {_percent(summary.coulombic_efficiency)}, EE {_percent(summary.energy_efficiency)}")
        if summary.coulombic_efficiency > 1.0:
            text += f" ({MORE_OUT})"
        if first is not None and first.cycle != summary.cycle and not cut:
            retention = summary.discharge_capacity / first.discharge_capacity if first.discharge_capacity else math.nan
            text += f", retention {_percent(retention)} of cycle {first.cycle}"
        return text

    def ended(self, test_time: float) -> str:
        """'ended PASS after 8:25:31 of simulated time: all criteria met'."""
        simulated = " simulated" if (self.meta or {}).get("station", {}).get("simulated") else ""
        return (f"ended {self.outcome.verdict} after {hms(test_time)} of{simulated} test time: "
                f"{self.outcome.reason}")

    def header(self) -> tuple[str, str]:
        """The DUT (kind, simulated preset, serial, product) and the station (SIMULATED, at what speed)."""
        meta = self.meta or {}
        dut, station = meta.get("dut", {}), meta.get("station", {})
        what = " ".join(filter(None, (dut.get("kind"), dut.get("simulated_preset"))))
        product = (meta.get("product") or {}).get("name")
        speed = meta.get("speed")
        simulated = f"SIMULATED{f' at {speed:g} x real time' if speed else ''}" if station.get("simulated") else ""
        return (f"{what}, serial {dut.get('serial') or '(none)'}" + (f", judged as {product}" if product else ""),
                " ".join(filter(None, (station.get("name"), simulated))))


class PlainView(View):
    """A line per step start and end and per cycle, a status line every few seconds: readable in
    a CI log or in the file an overnight run writes."""

    def __init__(self, echo: Callable[[str], Any] = print, screen: Screen | None = None) -> None:
        super().__init__(screen)
        self._echo = echo
        self._last = 0.0

    def _say(self, line: str) -> None:
        if not self.quiet:
            self._screen.check()
            self._echo(line)

    def run_info(self, record: RunInfo) -> None:
        super().run_info(record)
        dut, station = self.header()
        self._say(f"DUT: {dut}; station: {station}; {self.plan()}")

    def run_start(self, record: RunStart) -> None:
        self._say(f"{record.profile}, judged against {record.product}")

    def step_start(self, record: StepStart) -> None:
        super().step_start(record)
        self._say(self.step_started(record))

    def sample(self, record: Sample) -> None:
        super().sample(record)
        now = time.monotonic()
        if now - self._last >= PLAIN_STATUS and not self.quiet:
            self._last = now
            self.show()

    def show(self) -> None:
        """The status line of the latest sample, now."""
        record = self.latest
        if record is None:
            return
        r, progress = record.readings, ""
        if self.outcome is not None:
            progress = f"ended {self.outcome.verdict} | "
        elif self.progress is not None:
            fraction = self.run_fraction(r.test_time)
            progress = f"{self.where()}, " + ("PAUSED, " if self.paused_from is not None else "") + (
                f"{100 * fraction:.0f} %, " if fraction is not None else "") + f"{self.eta(r.test_time)} | "
        self._say(f"  [{hms(r.test_time)}] {progress}{status_line(r, record.totals)}")

    def step_end(self, record: StepEnd) -> None:
        super().step_end(record)
        self._say(step_results(record, self.took(record.test_time)))

    def cycle_end(self, record: CycleEnd) -> None:
        super().cycle_end(record)
        self._say(f"{self.cycle_ended(record.summary)}: {self.cycle_results(record.summary, self.ending)}")

    def event(self, record: Event) -> None:
        super().event(record)
        if record.message:
            self._say(record.message)

    def run_end(self, record: RunEnd) -> None:
        super().run_end(record)
        if self.latest is not None and self.progress is not None:
            self._say(self.ended(self.latest.readings.test_time))


class RichView(View):
    """A panel redrawn a few times a second, whatever the sample rate; left on screen at the end
    with the last readings, under a line for each step and cycle that ended."""

    def __init__(self, console: Any, title: str, screen: Screen | None = None) -> None:
        from rich.live import Live

        super().__init__(screen)
        self._console = console
        self._title = title
        self._live = Live(console=console, auto_refresh=False, transient=False)
        self._last = 0.0

    def __enter__(self) -> "RichView":
        self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._live.__exit__(*exc)

    def _say(self, *parts: str | tuple[str, str]) -> None:
        """A line above the panel (never read as markup)."""
        if not self.quiet:
            from rich.text import Text

            self._screen.check()
            self._console.print(Text.assemble(*parts))

    def run_start(self, record: RunStart) -> None:
        self._say((record.profile, "bold"), f", judged against {record.product}")

    def step_start(self, record: StepStart) -> None:
        super().step_start(record)
        self._say((f"step {record.count}", "bold"), f" (cycle {record.cycle}): {record.step.text}")

    def sample(self, record: Sample) -> None:
        super().sample(record)
        now = time.monotonic()
        if now - self._last >= REFRESH:
            self._last = now
            self.show()

    def step_end(self, record: StepEnd) -> None:
        super().step_end(record)
        self._say((step_results(record, self.took(record.test_time)), "dim"))

    def cycle_end(self, record: CycleEnd) -> None:
        super().cycle_end(record)
        self._say((f"{self.cycle_ended(record.summary)}: ", "bold"), self.cycle_results(record.summary, self.ending))

    def event(self, record: Event) -> None:
        super().event(record)
        if record.message:
            self._say((record.message, "bold yellow"))
        if record.kind in ("paused", "continued"):
            self.show()  # the banner at once, not a sample period later

    def run_end(self, record: RunEnd) -> None:
        super().run_end(record)
        self.show()  # the last readings stay on screen, above the verdict

    def show(self) -> None:
        """Draw the panel now, with the latest readings (it is otherwise drawn at the samples).
        The panel is built here from the values as they are: the run changes them afterwards."""
        if self.latest is not None and not self.quiet:
            self._screen.check()
            self._live.update(self._panel(self.latest.readings, self.latest.totals), refresh=True)

    def _panel(self, r: Readings, totals: Totals) -> Any:
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        step = "" if self.step is None else self.step.text
        paused = self.paused_from is not None and self.outcome is None and not self.ending
        if self.progress is None:  # a run that did not say what it is: the step and the readings
            grid.add_row("step", Text(f"{self.count} (cycle {self.cycle}): {step}"))
            grid.add_row("elapsed", f"{hms(r.test_time)}   step {hms(r.step_time)}")
        else:
            dut, station = self.header()
            grid.add_row("DUT", Text(dut))
            grid.add_row("station", Text(station, style="bold magenta" if "SIMULATED" in station else ""))
            if paused:
                grid.add_row("", Text(f"PAUSED at {hms(self.paused_from)}: outputs off, monitoring on; "  # type: ignore[arg-type]
                                      f"bench continue {self.run_dir} carries on", style="bold black on yellow"))
            if self.outcome is None:
                grid.add_row("run", _bar(self.run_fraction(r.test_time), f"{hms(r.test_time)}, {self.eta(r.test_time)}"))
            else:
                grid.add_row("run", Text(self.ended(r.test_time)))
            grid.add_row("step", Text(f"{self.where().removeprefix('step ')}: {step}"))
            took = self.took(r.test_time)
            left = self.progress.step_left(took)
            grid.add_row("", _bar(self.step_fraction(r.test_time), hms(took) + ("" if left is None else
                                                                                  f" of ~{hms(took + left)}")))
            grid.add_row("until", Text(self.until(r)))
        if paused and r.test_time <= self.paused_from:  # type: ignore[operator]  # taken before the pause
            grid.add_row("input", "— switched off: read at the next sample")
            grid.add_row("output", "—")
        elif self.outcome is not None:  # the last readings, taken before the bench was made safe
            off = Text("off (read back)", style="bold") if not self.outcome.safe_problems else \
                Text("NOT CONFIRMED OFF", style="bold red")
            grid.add_row("input", Text.assemble(off, f"  last read {r.v_in:.3f} V  {r.i_in:.3f} A  {r.p_in:.2f} W"))
            grid.add_row("output", Text.assemble(off, f"  last read {r.v_out:.3f} V  {r.i_out:.3f} A  {r.p_out:.2f} W"))
        else:
            grid.add_row("input", f"{r.v_in:7.3f} V  {r.i_in:7.3f} A  {r.p_in:7.2f} W")
            grid.add_row("output", f"{r.v_out:7.3f} V  {r.i_out:7.3f} A  {r.p_out:7.2f} W")
        if self.progress is None:
            grid.add_row("step Ah", f"+{abs(totals.q_in) / 3600:.4f} in   -{abs(totals.q_out) / 3600:.4f} out")
            grid.add_row("step Wh", f"+{abs(totals.e_in) / 3600:.3f} in   -{abs(totals.e_out) / 3600:.3f} out")
        else:  # one row: the panel fits 24 lines
            grid.add_row("this step", f"+{abs(totals.q_in) / 3600:.4f} Ah  +{abs(totals.e_in) / 3600:.3f} Wh in   "
                                      f"-{abs(totals.q_out) / 3600:.4f} Ah  -{abs(totals.e_out) / 3600:.3f} Wh out")
        grid.add_row("temperature", Text("  ".join(f"{n} {v:.1f} °C" for n, v in r.temps.items())))
        if self.progress is not None:
            margins = self.margins(r)
            if margins:
                grid.add_row("limits", Text(margins))
            if self.last is not None:
                grid.add_row("cycles", Text(f"cycle {self.last.cycle}: {self.cycle_results(self.last)}"))
            if self.stop_rules and self.progress.bounded:
                grid.add_row("stops if", Text(" / ".join(self.stop_rules)))
        ended = None if self.outcome is None else str(self.outcome.verdict)
        border = {"PASS": "green", "FAIL": "red", "ABORTED": "yellow", "ERROR": "magenta"}.get(
            ended or "", "yellow" if paused else "cyan")
        title = Text(self._title)
        if paused or ended:
            title.append(f"  {ended or 'PAUSED'}", style=f"bold {border}")
        return Panel(grid, title=title, border_style=border)


def _bar(fraction: float | None, text: str) -> Any:
    """A progress bar with its percentage, then `text`; the text alone when there is no fraction."""
    from rich.text import Text

    if fraction is None:
        return Text(text)
    done = round(min(max(fraction, 0.0), 1.0) * BAR)
    return Text.assemble(("━" * done, "green"), ("━" * (BAR - done), "grey30"), f" {100 * fraction:3.0f} %  {text}")
