"""The run.json sink: what the run is (profile copy and hash, station, instruments, DUT, operator,
software) from its start, and how it ended (verdict, reason, every criterion, totals).

Its status says whether the run can be taken up again: "running" (or a process that died),
"stopped" (an operator stop, or records that could not all be kept: `bench resume` continues
it from its checkpoint) or "finished" (the checkpoint is then removed)."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import InputError
from bench.record import checkpoint, schema
from bench.record.logbook import mark_incomplete, write_atomic
from bench.record.records import RecordError, RunEnd, Sink
from bench.record.verdict import Verdict

END = ("verdict", "reason", "ended", "test_time_s", "safe_state_confirmed", "criteria", "totals", "samples")


def reopen(meta: dict[str, Any]) -> None:
    """A stopped run taken up again: how it ended before is no longer its end (the events keep it)."""
    for key in END:
        meta.pop(key, None)
    meta.update(verdict=None, ended=None)


def read_run_json(folder: Path) -> dict[str, Any]:
    """A run folder's run.json; anything wrong is an InputError naming the folder."""
    if not folder.exists():
        raise InputError(str(folder), "", "no such folder")
    if not folder.is_dir():
        raise InputError(str(folder), "", "not a folder (give run folders)")
    path = folder / schema.RUN
    if not path.is_file():
        raise InputError(str(folder), "", f"not a run folder (no {schema.RUN})")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(folder), schema.RUN, f"unreadable or torn ({exc})") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("profile"), dict):
        raise InputError(str(folder), schema.RUN, "not the run.json of a bench run (no profile in it)")
    for key, kinds, expected in _READ:  # what reports, lots and the index read, as the bench writes it
        value = meta.get(key)
        if not (value is None or isinstance(value, kinds) and not isinstance(value, bool)) or (
                isinstance(value, list) and not all(isinstance(c, dict) for c in value)):
            raise InputError(str(path), key, f"expected {expected}, found {json.dumps(value)[:40]}: a damaged run.json")
    return meta


@dataclass(frozen=True)
class Ended:
    """How a run ended, as run.json keeps it: what a rack's resume reports for a channel that had
    ended before it, beside the channels it took up (`of` their outcomes)."""

    verdict: Verdict
    reason: str
    criteria: list[dict[str, Any]]  # as run.json has them: a value of null was not measured
    safe_confirmed: bool

    @classmethod
    def of(cls, outcome: Any) -> Ended:
        """A bench.run.engine.Outcome's end."""
        return cls(outcome.verdict, outcome.reason, [r.to_json() for r in outcome.results], not outcome.safe_problems)

    @classmethod
    def read(cls, folder: Path) -> Ended:
        """The end a finished run's run.json records; InputError if it records none."""
        meta = read_run_json(folder)
        try:
            verdict = Verdict(meta.get("verdict"))
        except ValueError:
            raise InputError(str(folder / schema.RUN), "verdict", "expected PASS, FAIL, ABORTED or ERROR, found "
                             f"{json.dumps(meta.get('verdict'))[:40]}: a damaged run.json") from None
        return cls(verdict, meta.get("reason") or "", meta.get("criteria") or [],
                   meta.get("safe_state_confirmed") is not False)


_READ = (("verdict", str, "a verdict"), ("reason", str, "a reason as text"), ("test_time_s", (int, float), "seconds"),
         ("samples", int, "a count of rows"), ("totals", dict, "an object of totals"),
         ("criteria", list, "a list of criterion objects"))


class RunFile(Sink):
    def __init__(self, folder: Path, meta: dict[str, Any]) -> None:
        self.folder = folder
        self.path = folder / schema.RUN
        self.meta = meta

    def write(self) -> None:
        write_atomic(self.path, json.dumps(self.meta, indent=2, default=str) + "\n")

    def run_end(self, record: RunEnd) -> None:
        """Record how the run ended. If run.json cannot be written, the outcome says so and the
        file still says "running", with the checkpoint kept: `bench resume` takes it up."""
        outcome = record.outcome
        end = Ended.of(outcome)
        totals = outcome.run_totals
        stopped = getattr(outcome, "resumable", False)
        self.meta.update({
            "status": "stopped" if stopped else "finished",
            "verdict": str(end.verdict),
            "reason": end.reason,
            "ended": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "test_time_s": round(0.0 if totals is None else totals.end - totals.start, 3),
            "safe_state_confirmed": end.safe_confirmed,
            "criteria": end.criteria,
            "totals": None if totals is None else totals.to_json(),
            "samples": record.files.get("rows"),
        })
        try:
            self.write()
        except RecordError as error:
            mark_incomplete(outcome, error)
            return
        if not stopped:
            checkpoint.discard(self.folder)
