"""How a run ends, as a type: the verdict every record, report and exit code is derived from."""
from __future__ import annotations

from enum import Enum


class Verdict(str, Enum):
    """PASS and FAIL judge the DUT; ABORTED and ERROR say the run did not get that far."""

    PASS = "PASS"  # every criterion met (MARGINAL counts as met, and is flagged)
    FAIL = "FAIL"  # the run completed and a criterion was missed
    ABORTED = "ABORTED"  # a safety limit tripped, or the operator stopped the run
    ERROR = "ERROR"  # an instrument or system fault

    def __str__(self) -> str:
        return self.value
