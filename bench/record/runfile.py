"""The run.json sink: what the run is (profile copy and hash, station, instruments, DUT, operator,
software) from its start, and how it ended (verdict, reason, every criterion, totals)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from bench.record import schema
from bench.record.logbook import write_atomic
from bench.record.records import RunEnd, Sink


class RunFile(Sink):
    def __init__(self, folder: Path, meta: dict[str, Any]) -> None:
        self.path = folder / schema.RUN
        self.meta = meta

    def write(self) -> None:
        write_atomic(self.path, json.dumps(self.meta, indent=2, default=str) + "\n")

    def run_end(self, record: RunEnd) -> None:
        outcome = record.outcome
        totals = outcome.run_totals
        self.meta.update({
            "status": "finished",
            "verdict": str(outcome.verdict),
            "reason": outcome.reason,
            "ended": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "test_time_s": round(0.0 if totals is None else totals.end - totals.start, 3),
            "safe_state_confirmed": not outcome.safe_problems,
            "criteria": [r.to_json() for r in outcome.results],
            "totals": None if totals is None else totals.to_json(),
            "samples": record.files.get("rows"),
        })
        self.write()
