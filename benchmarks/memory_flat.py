"""Memory stays flat over a week: a simulated 7-day cycling run (604 800 samples at 1 s)
through the whole stack; the growth of peak RSS between 10 % and 100 % of the run must stay
under 10 MB. Run alone: `python -m benchmarks --only memory_flat` (about a minute)."""
from __future__ import annotations

import resource
import tempfile
from pathlib import Path

from bench.record.records import Sink
from bench.run.session import Request, execute

WEEK = """
name = "Week of cycling"
period = "1 s"
steps = [{ repeat = 21, steps = ["Charge at 5 V, 3 A limit for 4 h", "Discharge at 1 A for 4 h"] }]
[dut]
kind = "power bank"
"""
SAMPLES = 21 * 8 * 3600
LIMIT_MB = 10.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class PeakAt10(Sink):
    """Records peak RSS (MB) when the run is 10 % done."""

    def __init__(self) -> None:
        self.n = 0
        self.marks: dict[str, float] = {}

    def sample(self, record) -> None:  # noqa: ANN001 - the Sink signature
        self.n += 1
        if self.n == SAMPLES // 10:
            self.marks["10%"] = peak_mb()


def run(repeat: int = 1) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "week.toml"
        profile.write_text(WEEK, encoding="utf-8")
        view = PeakAt10()
        outcome, _ = execute(Request(profile, None, Path(tmp) / "logs"), [view])
        view.marks["100%"] = peak_mb()
        growth = view.marks["100%"] - view.marks["10%"]
        return [{"benchmark": "memory_flat", "case": f"7-day run, {view.n} samples", "median_s": None,
                 "ratio": None, "note": f"peak RSS {view.marks['10%']:.1f} MB at 10 %, {view.marks['100%']:.1f} MB "
                 f"at 100 %: +{growth:.2f} MB (limit {LIMIT_MB:g} MB, {'met' if growth < LIMIT_MB else 'MISSED'}); "
                 f"verdict {outcome.verdict}"}]


if __name__ == "__main__":
    for row in run():
        print(row["case"], "|", row["note"])
