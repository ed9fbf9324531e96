"""Start-up: wall time of `bench --help` and `bench validate profiles/quick-check.toml` against
`python -c pass`, each run in a fresh subprocess (hyperfine style: one warm-up run of each,
then the three commands in turn, round after round). Target: under 0.3 s above the interpreter.
"""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import benchmarks
from benchmarks.harness import interleave, rows

TARGET_S = 0.3
REPO = Path(__file__).resolve().parent.parent
FLOOR = "python -c pass"


def _bench() -> str:
    """The `bench` script of this interpreter's environment."""
    script = Path(sys.executable).with_name("bench")
    found = str(script) if script.exists() else shutil.which("bench")
    if found is None:
        raise RuntimeError("no `bench` command: pip install -e . in this environment")
    return found


def run(repeat: int = 5) -> list[dict]:
    bench = _bench()
    commands = {
        FLOOR: [sys.executable, "-c", "pass"],
        "bench --help": [bench, "--help"],
        "bench validate profiles/quick-check.toml": [bench, "validate", "profiles/quick-check.toml"],
    }

    def start(argv: list[str]) -> None:
        subprocess.run(argv, cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    for argv in commands.values():
        start(argv)  # warm-up: file system cache, .pyc files
    rounds = repeat if benchmarks.QUICK else 4 * repeat
    timings = interleave({name: lambda argv=argv: nullcontext(lambda: start(argv))
                          for name, argv in commands.items()}, rounds)
    floor = statistics.median(timings.seconds[FLOOR])
    notes = {FLOOR: f"{rounds} runs each"}
    for name in commands:
        if name != FLOOR:
            above = statistics.median(timings.seconds[name]) - floor
            verdict = "met" if above < TARGET_S else "MISSED"
            notes[name] = f"{above * 1e3:.0f} ms above the interpreter: target < {TARGET_S * 1e3:.0f} ms {verdict}"
    return rows("startup", timings, FLOOR, notes)
