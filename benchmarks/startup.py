"""Start-up: wall time of `bench --help` and `bench validate profiles/quick-check.toml` against
`python -c pass`, each run in a fresh subprocess (hyperfine style: one warm-up run of each,
then the three commands in turn, round after round). A command's time above the interpreter is
the median over the rounds of its time minus the interpreter's in the same round. Targets:
`bench --help` within 120 ms of the interpreter, `bench validate` within 250 ms.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import benchmarks
from benchmarks.harness import interleave, rows

REPO = Path(__file__).resolve().parent.parent
FLOOR = "python -c pass"
HELP = "bench --help"
VALIDATE = "bench validate profiles/quick-check.toml"
TARGETS_S = {HELP: 0.120, VALIDATE: 0.250}  # above the interpreter


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
        HELP: [bench, "--help"],
        VALIDATE: [bench, "validate", "profiles/quick-check.toml"],
    }

    def start(argv: list[str], env: dict[str, str] | None = None) -> None:
        subprocess.run(argv, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    # warm-up: the file system cache, and the .pyc files an installed package has (written even
    # where PYTHONDONTWRITEBYTECODE is set, else every timed run would compile the sources again)
    writing = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    for argv in commands.values():
        start(argv, writing)
    rounds = repeat if benchmarks.QUICK else 4 * repeat
    timings = interleave({name: lambda argv=argv: nullcontext(lambda: start(argv))
                          for name, argv in commands.items()}, rounds)
    floor = timings.seconds[FLOOR]
    notes = {FLOOR: f"{rounds} runs each"}
    for name, target in TARGETS_S.items():
        above = statistics.median(s - f for s, f in zip(timings.seconds[name], floor))
        verdict = "met" if above <= target else f"MISSED by {(above - target) * 1e3:.0f} ms"
        notes[name] = f"{above * 1e3:.0f} ms above the interpreter: target <= {target * 1e3:.0f} ms {verdict}"
    return rows("startup", timings, FLOOR, notes)
