"""The live view: a Rich panel on a terminal, plain lines in a log (CI, nohup, a pipe).

Both are observers of the run: when their screen goes away they raise ScreenGone at their next
draw, and the run detaches them and goes on."""
from __future__ import annotations

import time
from typing import Any

from bench.analysis.integrator import Totals
from bench.cli.console import Screen
from bench.record.records import Event, RunStart, Sample, Sink, StepStart
from bench.run.readings import Readings

REFRESH = 0.25  # s of wall time between redraws
PLAIN_STATUS = 10.0  # s of wall time between status lines when not on a terminal


def hms(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def status_line(r: Readings, totals: Totals) -> str:
    temps = " ".join(f"{name} {value:.1f}°C" for name, value in r.temps.items())
    return (f"in {r.v_in:.3f} V {r.i_in:.3f} A | out {r.v_out:.3f} V {r.i_out:.3f} A | "
            f"+{totals.q_in / 3600:.3f} Ah -{totals.q_out / 3600:.3f} Ah "
            f"+{totals.e_in / 3600:.2f} Wh -{totals.e_out / 3600:.2f} Wh | {temps}")


class PlainView(Sink):
    """One line per step and a status line every few seconds: readable in a CI log."""

    def __init__(self, echo: Any = print, screen: Screen | None = None) -> None:
        self._echo = echo
        self._screen = screen or Screen()
        self._last = 0.0

    def run_start(self, record: RunStart) -> None:
        self._screen.check()
        self._echo(f"{record.profile}, judged against {record.product}")

    def step_start(self, record: StepStart) -> None:
        self._screen.check()
        self._echo(f"step {record.count} (cycle {record.cycle}): {record.step.text}")

    def sample(self, record: Sample) -> None:
        now = time.monotonic()
        if now - self._last >= PLAIN_STATUS:
            self._screen.check()
            self._last = now
            self._echo(f"  [{hms(record.readings.test_time)}] {status_line(record.readings, record.totals)}")

    def event(self, record: Event) -> None:
        if record.message:
            self._screen.check()
            self._echo(record.message)


class RichView(Sink):
    """A panel redrawn a few times a second, whatever the sample rate."""

    def __init__(self, console: Any, title: str, screen: Screen | None = None) -> None:
        from rich.live import Live

        self._console = console
        self._screen = screen or Screen()
        self._title = title
        self._live = Live(console=console, auto_refresh=False, transient=True)
        self._last = 0.0
        self._step = ""
        self._cycle = self._count = 0

    def __enter__(self) -> "RichView":
        self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._live.__exit__(*exc)

    def run_start(self, record: RunStart) -> None:
        from rich.markup import escape

        self._screen.check()
        self._console.print(f"[bold]{escape(record.profile)}[/], judged against {escape(record.product)}")

    def step_start(self, record: StepStart) -> None:
        self._screen.check()
        self._step, self._cycle, self._count = record.step.text, record.cycle, record.count
        self._console.print(f"[bold]step {record.count}[/] (cycle {record.cycle}): {record.step.text}")

    def sample(self, record: Sample) -> None:
        now = time.monotonic()
        if now - self._last < REFRESH:
            return
        self._screen.check()
        self._last = now
        self._live.update(self._panel(record.readings, record.totals), refresh=True)

    def event(self, record: Event) -> None:
        if record.message:
            self._screen.check()
            self._console.print(f"[bold yellow]{record.message}[/]")

    def _panel(self, r: Readings, totals: Totals) -> Any:
        from rich.panel import Panel
        from rich.table import Table

        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim")
        grid.add_column()
        grid.add_row("step", f"{self._count} (cycle {self._cycle}): {self._step}")
        grid.add_row("elapsed", f"{hms(r.test_time)}   step {hms(r.step_time)}")
        grid.add_row("input", f"{r.v_in:7.3f} V  {r.i_in:7.3f} A  {r.p_in:7.2f} W")
        grid.add_row("output", f"{r.v_out:7.3f} V  {r.i_out:7.3f} A  {r.p_out:7.2f} W")
        grid.add_row("step Ah", f"+{totals.q_in / 3600:.4f} in   -{totals.q_out / 3600:.4f} out")
        grid.add_row("step Wh", f"+{totals.e_in / 3600:.3f} in   -{totals.e_out / 3600:.3f} out")
        grid.add_row("temperature", "  ".join(f"{n} {v:.1f} °C" for n, v in r.temps.items()))
        return Panel(grid, title=self._title, border_style="cyan")
