"""The one exit-code table of every `bench` command."""
from __future__ import annotations

from bench.record.verdict import Verdict

OK = 0
INVALID = 2  # usage or invalid input (Typer's convention): nothing was switched on
VERDICT = {Verdict.PASS: 0, Verdict.FAIL: 1, Verdict.ABORTED: 3, Verdict.ERROR: 4}
FAULT = VERDICT[Verdict.ERROR]  # an instrument or system fault outside a run (instruments check, internal error)
OUTLIER = 1  # bench lot: at least one unit stands out
