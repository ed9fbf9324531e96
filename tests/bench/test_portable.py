"""powerbench starts where POSIX-only modules are missing (Windows, where many lab PCs run): no
fcntl, no pthread_kill, no SIGHUP. Every module imports and the simulated bench runs a profile."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from runfolders import ROOT

WITHOUT_POSIX = """
import signal, sys
sys.modules["fcntl"] = None  # import fcntl raises ImportError, as on Windows
del signal.pthread_kill, signal.SIGHUP
import importlib, pkgutil
import bench, drivers
names = [m.name for package in (bench, drivers)
         for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
for name in names:
    importlib.import_module(name)
from bench.run.session import Request, execute
outcome, folder = execute(Request(__import__("pathlib").Path(sys.argv[1]), None, __import__("pathlib").Path(sys.argv[2])))
print(len(names), outcome.verdict)
"""


def test_every_module_imports_and_a_simulated_run_passes_without_posix_only_modules(tmp_path: Path, write):
    profile = write("short.toml", 'name = "Short"\nperiod = "1 s"\nsteps = ["Discharge at 1 A for 2 min"]\n'
                                  '[dut]\nkind = "power bank"\n')
    done = subprocess.run([sys.executable, "-c", WITHOUT_POSIX, str(profile), str(tmp_path / "logs")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    count, verdict = done.stdout.split()
    assert int(count) > 60 and verdict == "PASS"
