"""Each run-ending exception carries the verdict, the event name and the reason the records keep."""
from __future__ import annotations

import pytest

from bench.record.verdict import Verdict
from bench.run.stops import (
    Fault,
    MonitoringLost,
    OperatorStop,
    RunEnded,
    SafetyTrip,
    Stalled,
)


@pytest.mark.parametrize("stop, verdict, event, reason", [
    (SafetyTrip("cell temperature > 60 degC"), Verdict.ABORTED, "safety_trip",
     "safety limit: cell temperature > 60 degC"),
    (OperatorStop("SIGTERM"), Verdict.ABORTED, "operator_stop", "operator stop (SIGTERM)"),
    (OperatorStop("Ctrl-C"), Verdict.ABORTED, "operator_stop", "operator stop (Ctrl-C)"),
    (MonitoringLost("no valid reading from 'cell' for 5 s"), Verdict.ERROR, "fault",
     "instrument fault: no valid reading from 'cell' for 5 s"),
    (Stalled("no sample for 12.5 s"), Verdict.ERROR, "fault", "no sample for 12.5 s"),
    (Fault("internal error: ValueError: x"), Verdict.ERROR, "fault", "internal error: ValueError: x"),
], ids=lambda value: type(value).__name__ if isinstance(value, RunEnded) else None)
def test_a_run_ending_exception_carries_its_verdict_event_and_reason(stop, verdict, event, reason):
    assert isinstance(stop, RunEnded)
    assert (stop.verdict, stop.event, stop.reason) == (verdict, event, reason)


@pytest.mark.parametrize("stop", [OperatorStop(), OperatorStop("")], ids=["no args", "empty"])
def test_an_operator_stop_without_a_name_is_a_ctrl_c(stop):
    assert stop.reason == "operator stop (Ctrl-C)"


def test_monitoring_lost_and_stalled_are_faults_and_end_the_run_as_error():
    for stop in (MonitoringLost("x"), Stalled("x")):
        assert isinstance(stop, Fault) and stop.verdict is Verdict.ERROR


def test_every_kind_of_stop_records_an_event_the_run_folder_s_readers_know_as_an_end():
    """bench.record.schema.ENDING_EVENTS is what a report or a view takes as a run's end: each
    kind of stop the run raises is named there (and nothing else is)."""
    from bench.record import schema
    from bench.run.stops import RunEnded

    kinds, events = [RunEnded], set()
    while kinds:
        kind = kinds.pop()
        events.add(kind.event)
        kinds.extend(kind.__subclasses__())
    assert events == schema.ENDING_EVENTS
