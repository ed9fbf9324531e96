"""Run-ending exceptions: each carries its verdict and the event the records keep, so the engine
has one way to stop, whatever stopped it."""
from __future__ import annotations

from typing import Any

from bench.record.verdict import Verdict


class RunEnded(Exception):
    """The run cannot go on; `reason` is what run.json and the operator are told."""

    verdict = Verdict.ERROR
    event = "fault"
    prefix = ""
    fields: dict[str, Any] = {}  # what the event records beside the reason
    voids = False  # the criteria are not judged: what was measured is not what the profile asked

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


class Deviation(Fault):
    """The DUT did not get what the step commands (a load drawing nothing, an open lead, a
    reversed one): every figure measured may be wrong, so no criterion is judged."""

    event = "deviation"
    voids = True

    def __init__(self, message: str, fields: dict[str, Any]) -> None:
        super().__init__(message)
        self.fields = fields


class Miswired(Fault):
    """The wiring check before the first step found the instruments not wired to the DUT as
    they should be; nothing was switched on."""

    event = "wiring"
    prefix = "wiring: "
