"""The view of a rack run: N DUT channels (up to 64), each a run of its own in a thread of its
own, watched together. On a terminal a table, a row per channel, redrawn a few times a second
(rich.live); in a log, plain lines prefixed with their channel and a compact status table every
minute; at the end, every channel's verdict (`show_rack_verdicts`).

Each channel's records are kept as the single-run view keeps them (bench.cli.live.View: the
plan, the progress and the time left, the step, a pause), by a sink of its own that the
channel's thread calls. A sample only stores the channel's latest readings, with no lock, so
that 64 channels at thousands of samples a second each are not held up by the view; every other
record is kept under the rack's lock, which a draw holds just long enough to read every channel's
row. Whichever channel's sample finds a draw due (at most every REFRESH s of wall time;
PLAIN_TABLE s in a log) draws, unless another one is drawing: a sample never waits for the
screen. Like the single-run views, the rack's raise ScreenGone once their screen went away, and
each channel's run detaches its sink and goes on."""
from __future__ import annotations

import sys
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Container, Iterator, Sequence

from bench.cli.console import VERDICT_STYLES, Screen
from bench.units import hms
from bench.cli.live import REFRESH, View, span, step_results
from bench.record.records import (
    CycleEnd,
    Event,
    RunEnd,
    RunInfo,
    Sample,
    Sink,
    StepEnd,
    StepStart,
)

PLAIN_TABLE = 60.0  # s of wall time between two status tables in a log
STEP_TEXT = 32  # characters of a step's text in a status row
REASON = 24  # characters of a verdict's reason on a line, at least, in the table of verdicts
COLUMNS = ("channel", "serial", "step", "cycle", "run", "left", "V", "A", "°C", "status")
NUMBERS = {"run", "left", "V", "A", "°C"}  # right-aligned
ACTIVE = ("running", "paused", "retrying")  # the statuses of a channel under way
STATUS_STYLES = {"starting": "dim", "running": "green", "paused": "bold black on yellow", "retrying": "bold yellow",
                 **VERDICT_STYLES}
REDRAWN = {"paused", "continued", "retry", "recovered"}  # events that change a channel's status: drawn at once
TABLE_LINES = 4  # lines of the terminal view besides its rows: the header, the column heads, their rule, the cursor
NARROWEST_STEP = 8  # characters the step column may be cut to on a narrow terminal, to keep the status on it
UNSAID = {  # events the engine records without a message, said as a line of their fields
    "retry": "retry {attempt} of the {role}: {error}",
    "recovered": "{role} recovered after {downtime_s} s",
    "channel_fault": "temperature channel {channel} faulted: {reason}",
    "channel_recovered": "temperature channel {channel} reads again",
    "monitoring_lost": "temperature monitoring lost: the bench is safe while the thermometer is retried",
}


def event_text(record: Event) -> str | None:
    """What the operator is told of an event: its message, or for the retries, recoveries and
    channel faults the engine records without one, a line of their fields; None for the rest."""
    if record.message:
        return record.message
    said = UNSAID.get(record.kind)
    return None if said is None else said.format_map(defaultdict(lambda: "?", record.fields))


class ChannelView(View):
    """One channel's run, followed as View follows a run (the sink `view.sink(channel)` gives);
    each record is kept under the rack's lock (the rack draws every channel from any channel's
    thread) and handed on to the rack."""

    def __init__(self, rack: _Rack, name: str, serial: str | None) -> None:
        super().__init__(rack.screen)
        self.rack, self.name, self.serial = rack, name, serial
        self.reading: tuple[float, float, float, float] | None = None  # test time, V, A, hottest °C
        self.retrying = False  # between a retry and the recovery

    def sample(self, record: Sample) -> None:
        super().sample(record)  # the pace of the run, for its end time
        r = record.readings
        self.reading = (r.test_time, r.voltage, r.current, r.t_max)  # one tuple: read whole by any thread
        self.rack.sampled(self._now[0])

    def run_info(self, record: RunInfo) -> None:
        self._keep(super().run_info, record)

    def step_start(self, record: StepStart) -> None:
        self._keep(super().step_start, record)

    def step_end(self, record: StepEnd) -> None:
        self._keep(super().step_end, record)

    def cycle_end(self, record: CycleEnd) -> None:
        self._keep(super().cycle_end, record)

    def event(self, record: Event) -> None:
        self._keep(self._event, record)

    def run_end(self, record: RunEnd) -> None:
        self._keep(super().run_end, record)

    def _event(self, record: Event) -> None:
        super().event(record)
        if record.kind in ("retry", "recovered"):
            self.retrying = record.kind == "retry"

    def _keep(self, keep: Callable[[Any], None], record: Any) -> None:
        with self.rack.lock:
            keep(record)
            lines, draw = self.rack.noted(self, record)
        self.rack.say(lines, draw)

    def status(self) -> str:
        if self.outcome is not None:
            return str(self.outcome.verdict)
        if self.retrying:
            return "retrying"
        if self.paused_from is not None:
            return "paused"
        return "starting" if self.step is None else "running"

    def ended_text(self) -> str:
        """'ended FAIL after 3:12:00 of simulated test time: <reason>' (without the time if it never sampled)."""
        if self.reading is None:
            return f"ended {self.outcome.verdict}: {self.outcome.reason}"
        return self.ended(self.reading[0])

    def row(self) -> tuple[str, ...]:
        """The channel's cells in COLUMNS' order (under the rack's lock)."""
        reading, progress, step = self.reading, self.progress, self.step
        where = cycle = done = left = ""
        most = "≤" if progress is not None and progress.bounded else ""
        if step is not None:
            text = cut(step.text, STEP_TEXT)
            where = f"{self.position}/{most}{progress.steps} {text}" if progress is not None else f"{self.count} {text}"
            cycle = f"{self.cycle}/{most}{progress.cycles}" if progress is not None else str(self.cycle)
            if reading is not None:
                fraction = self.run_fraction(reading[0])
                done = "" if fraction is None else f"{100 * fraction:.0f} %"
                remaining = self.left(reading[0]) if self.outcome is None else None
                if remaining is not None:
                    left = f"{most}~{span(remaining[0])}" + ("+?" if remaining[1] else "")
        volts = amps = hottest = "—"
        if reading is not None:
            volts, amps = f"{reading[1]:.3f}", f"{reading[2]:.3f}"
            hottest = "—" if reading[3] != reading[3] else f"{reading[3]:.1f}"
        if self.outcome is not None:  # ended: no current flows, as read back, or it is not known
            amps = "?" if self.outcome.safe_problems else "off"
        return self.name, self.serial or "—", where, cycle, done, left, volts, amps, hottest, self.status()


class _Rack:
    """The channels of a rack and what the views share: the lock their records are kept under,
    the drawing (never waited for by a sample), the screen."""

    every = REFRESH  # s of wall time between two draws

    def __init__(self, title: str, channels: Sequence[tuple[str, str | None]], screen: Screen | None) -> None:
        self.title = title
        self.screen = screen or Screen()
        self.lock = threading.Lock()  # the channels' state
        self._out = threading.Lock()  # the screen, one writer at a time; taken before `lock`, never inside it
        self.channels = {name: ChannelView(self, name, serial) for name, serial in channels}
        self._width = max((len(name) for name in self.channels), default=0)
        self._start = time.monotonic()
        self._due = self._start + self.every  # wall time of the next draw

    def sink(self, channel: str) -> Sink:
        """The sink of `channel` (a name given at construction): its run's records go there."""
        return self.channels[channel]

    def sampled(self, now: float) -> None:
        """A channel sampled at wall time `now`: draw if a draw is due and no one is drawing."""
        if now < self._due:
            return
        self.screen.check()
        if self._out.acquire(blocking=False):
            try:
                self._draw(now)
            finally:
                self._out.release()

    def say(self, lines: list[Any], draw: bool) -> None:
        """Lines about a channel's run (composed under the lock), and a draw at once if `draw`."""
        if not lines and not draw:
            return
        with self._out:
            self.screen.check()
            for line in lines:
                self._print(line)
            if draw:
                self._draw(time.monotonic())

    def rows(self) -> list[tuple[str, ...]]:
        """Every channel's cells, as they stand together."""
        with self.lock:
            return [channel.row() for channel in self.channels.values()]

    def noted(self, channel: ChannelView, record: Any) -> tuple[list[Any], bool]:
        """Under the lock, a record just kept: what to say of it, and whether to draw at once."""
        raise NotImplementedError

    def _print(self, line: Any) -> None:
        raise NotImplementedError

    def _draw(self, now: float) -> None:
        raise NotImplementedError


class PlainRackView(_Rack):
    """A line per notable thing, prefixed with its channel: what runs on what and the plan, each
    step's start and end, each cycle, the events worth telling, the end and the verdict; never a
    line per sample. Every PLAIN_TABLE s of wall time, a status table of the channels under way,
    so that the log of a run of days still shows where each stands. `echo` prints a line as it is
    (never read as markup)."""

    every = PLAIN_TABLE

    def __init__(self, echo: Callable[[str], Any], title: str, channels: Sequence[tuple[str, str | None]],
                 screen: Screen | None = None) -> None:
        super().__init__(title, channels, screen)
        self._echo = echo

    def noted(self, channel: ChannelView, record: Any) -> tuple[list[Any], bool]:
        line: str | None = None
        if isinstance(record, RunInfo):
            dut, station = channel.header()
            line = f"DUT: {dut}; station: {station}; {channel.plan()}"
        elif isinstance(record, StepStart):
            line = channel.step_started(record)
        elif isinstance(record, StepEnd):
            line = step_results(record, channel.took(record.test_time))
        elif isinstance(record, CycleEnd):
            line = f"{channel.cycle_ended(record.summary)}: {channel.cycle_results(record.summary, channel.ending)}"
        elif isinstance(record, Event):
            line = event_text(record)
        elif isinstance(record, RunEnd):
            line = channel.ended_text()
        return ([] if line is None else [f"{channel.name:<{self._width}}  {line}"]), False

    def _print(self, line: Any) -> None:
        self._echo(line)

    def _draw(self, now: float) -> None:
        """'[0:05:00] rack-a: 4 channels: 3 running, 1 done (1 FAIL)', then a row per channel under way."""
        self._due = now + self.every
        rows = self.rows()
        self._echo(f"[{hms(now - self._start)}] {self.title}: {summary([row[-1] for row in rows])}")
        under_way = [row for row in rows if row[-1] not in VERDICT_STYLES]
        if under_way:
            for line in columns(COLUMNS, under_way, NUMBERS):
                self._echo(f"  {line}")


class RackView(_Rack):
    """A table redrawn a few times a second, a row per channel (its step, cycle, progress and time
    left, V, A, hottest °C, status), under a header line (the title, how many channels run and
    are done, the wall time elapsed); above it a line per event worth telling and per channel
    that ends, with why. On a terminal too short for every row, the channels that need a look
    (paused, retrying, not PASS) are kept and the rest cut, with a line that says how many. Use
    it as a context manager (rich.live.Live)."""

    def __init__(self, console: Any, title: str, channels: Sequence[tuple[str, str | None]],
                 screen: Screen | None = None) -> None:
        from rich.live import Live

        super().__init__(title, channels, screen)
        self._console = console
        self._live = Live(console=console, auto_refresh=False, transient=False)
        self._due = self._start

    def __enter__(self) -> RackView:
        self._live.__enter__()
        with self._out:  # every channel at once, starting
            self._draw(time.monotonic())
        return self

    def __exit__(self, *exc: Any) -> None:
        self._live.__exit__(*exc)

    def noted(self, channel: ChannelView, record: Any) -> tuple[list[Any], bool]:
        from rich.text import Text

        name = channel.name.ljust(self._width)
        if isinstance(record, RunEnd):
            verdict = str(record.outcome.verdict)
            return [Text.assemble((f" {name} ", VERDICT_STYLES.get(verdict, "bold")), "  ", channel.ended_text())], True
        text = event_text(record) if isinstance(record, Event) else None
        said = [] if text is None else [Text.assemble((name, "bold"), "  ", (text, "bold yellow"))]
        return said, isinstance(record, Event) and record.kind in REDRAWN

    def _print(self, line: Any) -> None:
        self._console.print(line)

    def _draw(self, now: float) -> None:
        self._due = now + self.every
        self._live.update(self.table(self.rows(), now), refresh=True)

    def table(self, rows: list[tuple[str, ...]], now: float) -> Any:
        """The header line and the table of `rows`, as many as the terminal has lines for, each
        row a line of text (a rich.table.Table of 64 rows takes some 100 ms to draw, these lines
        5 ms), the step's text cut if the terminal is too narrow for the rest."""
        from rich.console import Group
        from rich.text import Text

        shown, left_out = fit(rows, self._console.size.height - TABLE_LINES)
        step = COLUMNS.index("step")
        widths = [max(len(cell) for cell in column) for column in zip(COLUMNS, *shown)]
        room = max(NARROWEST_STEP, widths[step] - (sum(widths) + 2 * (len(widths) - 1) - self._console.width))
        shown = [(*row[:step], cut(row[step], room), *row[step + 1:]) for row in shown]
        heads, *lines = columns(COLUMNS, shown, NUMBERS)
        drawn = [Text.assemble((self.title, "bold"), f"   {summary([row[-1] for row in rows])}   "
                                                     f"elapsed {hms(now - self._start)}"),
                 Text(heads, style="bold"), Text("─" * max(map(len, (heads, *lines))), style="dim")]
        for line, row in zip(lines, shown):
            text = Text(line, no_wrap=True, overflow="ellipsis")
            text.stylize(STATUS_STYLES.get(row[-1], ""), len(line) - len(row[-1]))
            drawn.append(text)
        if left_out:
            drawn.append(Text(f"+ {left_out} more, running or passed: a taller terminal shows every channel",
                              style="dim"))
        return Group(*drawn)


def fit(rows: list[tuple[str, ...]], room: int) -> tuple[list[tuple[str, ...]], int]:
    """`rows` if `room` lines hold them all; else, in their order, those that need a look
    (paused, retrying, ended other than PASS) first, the others as the room allows, keeping a
    line for how many were left out; and that number."""
    if len(rows) <= room:
        return rows, 0
    room = max(room - 1, 0)
    calm = ("starting", "running", "PASS")
    chosen = [i for i, row in enumerate(rows) if row[-1] not in calm][:room]
    chosen += [i for i, row in enumerate(rows) if row[-1] in calm][:room - len(chosen)]
    return [rows[i] for i in sorted(chosen)], len(rows) - len(chosen)


def columns(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]], right: Container[str] = ()) -> list[str]:
    """The headers and rows as lines of plain text, each column as wide as its widest cell, those
    named in `right` aligned to the right."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows)]
    return ["  ".join(cell.rjust(width) if header in right else cell.ljust(width)
                      for header, cell, width in zip(headers, row, widths)).rstrip() for row in (headers, *rows)]


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def summary(statuses: list[str]) -> str:
    """'4 channels: 2 running, 1 paused, 1 done (1 PASS)': a paused or retrying channel is under way
    but counted apart, so the header never says all run while one waits."""
    verdicts = [status for status in statuses if status in VERDICT_STYLES]
    under_way = {status: statuses.count(status) for status in ACTIVE}
    starting = len(statuses) - sum(under_way.values()) - len(verdicts)
    parts = [f"{n} {status}" for status, n in under_way.items() if n] or ["0 running"]
    parts += [*([f"{starting} starting"] if starting else []), f"{len(verdicts)} done"]
    return f"{_channels(len(statuses))}: {', '.join(parts)}" + (f" ({counts(verdicts)})" if verdicts else "")


def counts(verdicts: Sequence[str]) -> str:
    """'6 PASS, 2 FAIL': how many of each verdict, in the order of their exit codes."""
    return ", ".join(f"{verdicts.count(verdict)} {verdict}" for verdict in VERDICT_STYLES if verdict in verdicts)


def _channels(n: int) -> str:
    return f"{n} channel{'' if n == 1 else 's'}"


def show_rack_verdicts(console: Any, rows: Sequence[tuple[str, str | None, str, str, Path | None]]) -> None:
    """After a rack run: each channel's verdict (channel, serial, verdict, reason, run folder: its
    name in the lot folder, which is named above; in a log one line each, the columns aligned),
    then the lot folder and the counts across the screen in the colour of the worst verdict ('8
    channels: 6 PASS, 2 FAIL')."""
    from rich.align import Align
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from bench.cli import exits
    from bench.record.verdict import Verdict

    folders = {folder.parent for *_, folder in rows if folder is not None}
    lot = next(iter(folders)) if len(folders) == 1 else None  # named once above the table: each run's name
    headers = ("channel", "serial", "verdict", "reason", "run folder" if lot is None else "run folder, in the lot's")
    cells = [(channel, serial or "—", verdict, reason, "—" if folder is None else folder.name if lot else str(folder))
             for channel, serial, verdict, reason, folder in rows]
    if console.is_terminal:
        table = Table(show_edge=False, box=None, padding=(0, 2), header_style="bold")
        widths = [max(len(cell) for cell in column) for column in zip(headers, *cells)]
        widths[2] += 2  # the verdict's badge
        whole = sum(widths[:3]) + REASON + widths[4] + 4 * len(headers) <= console.width
        for header in headers[:3]:
            table.add_column(header, no_wrap=True)
        # the reason wraps in what is left; a folder stays whole on its line (to copy) when it fits
        table.add_column(headers[3], ratio=1 if whole else None)
        table.add_column(headers[4], no_wrap=whole, overflow="fold")
        for channel, serial, verdict, reason, folder in cells:
            table.add_row(Text(channel), Text(serial), Text(f" {verdict} ", style=VERDICT_STYLES.get(verdict, "")),
                          Text(reason), Text(folder))
        console.print(table)
    else:
        for line in columns(headers, cells):
            console.print(line, markup=False, soft_wrap=True)
    if lot is not None:
        console.print(f"lot folder: {lot}", markup=False, soft_wrap=True)
    verdicts = [verdict for _, _, verdict, _, _ in cells]
    worst = max(verdicts, key=lambda verdict: exits.VERDICT[Verdict(verdict)], default=None)
    console.print(Panel(Align.center(Text(f"\n{_channels(len(rows))}: {counts(verdicts)}\n")),
                        style=VERDICT_STYLES.get(worst or "", "")))


class PendingPrompt:
    """The serial prompt of a real rack and the lines of the channels already running, on one
    screen: a line printed while the prompt waits goes on a line of its own above it, and the
    prompt is shown again under it with what was typed so far (on a terminal, the prompt's line
    is cleared first), not onto the prompt's line."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self._text: str | None = None  # the prompt waiting for an answer
        self._lock = threading.Lock()

    @contextmanager
    def showing(self, text: str) -> Iterator[None]:
        """While `text` is the prompt on the screen."""
        with self._lock:
            self._text = text
        try:
            yield
        finally:
            with self._lock:
                self._text = None

    def echo(self, line: str) -> None:
        with self._lock:
            pending, out = self._text, self.console.file
            if pending is not None:
                out.write("\r\x1b[2K" if self.console.is_terminal else "\n")
            self.console.print(line, markup=False)
            if pending is not None:
                out.write(pending + typed_so_far())
                out.flush()


def typed_so_far() -> str:
    """What the operator has typed at the prompt so far: readline's line, where input() reads
    through it (a terminal, once readline is imported); else nothing can be known of it."""
    readline = sys.modules.get("readline")
    return readline.get_line_buffer() if readline is not None else ""
