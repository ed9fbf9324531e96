"""Run-ending exceptions: each carries its verdict and the event the records keep, so the engine
has one way to stop, whatever stopped it."""
from __future__ import annotations

from bench.analysis.verdict import Verdict


class RunEnded(Exception):
    """The run cannot go on; `reason` is what run.json and the operator are told."""

    verdict = Verdict.ERROR
    event = "fault"
    prefix = ""

    @property
    def reason(self) -> str:
        return f"{self.prefix}{self}"


class SafetyTrip(RunEnded):
    """A safety limit was crossed: the bench goes to safe state at once."""

    verdict = Verdict.ABORTED
    event = "safety_trip"
    prefix = "safety limit: "


class OperatorStop(RunEnded):
    """The operator (Ctrl-C, `bench stop`) or the system (SIGTERM) stopped the run."""

    verdict = Verdict.ABORTED
    event = "operator_stop"

    @property
    def reason(self) -> str:
        return f"operator stop ({str(self) or 'Ctrl-C'})"


class Fault(RunEnded):
    """An instrument or system fault (a lost connection, a refused set-point, an internal error)."""


class MonitoringLost(Fault):
    """A critical temperature channel gave no valid reading."""

    prefix = "instrument fault: "


class Stalled(Fault):
    """The sample loop stopped ticking (the watchdog fired)."""
