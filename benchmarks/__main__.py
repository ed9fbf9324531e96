"""`python -m benchmarks`: run every benchmark of this package and print one table.

A benchmark is a module here with `run(repeat) -> list[dict]` (rows with benchmark, case,
median_s, ratio, note). The table, the machine and the package versions are printed and
written to benchmarks/results.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import pkgutil
import platform
import subprocess
import sys
import traceback
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import benchmarks
from benchmarks.harness import row

PACKAGES = ("powerbench", "pyvisa", "pyvisa-py", "pyvisa-sim", "pymeasure", "qcodes", "openhtf",
            "protobuf", "numpy", "pandas", "pint", "typer", "rich")
RESULTS = Path(__file__).with_name("results.json")
REPO = Path(__file__).resolve().parent.parent


def discover() -> dict[str, Callable[[int], list[dict]]]:
    """Every module of the package that has `run`, by module name."""
    found = {}
    for info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        if callable(getattr(module, "run", None)):
            found[info.name] = module.run
    return found


def machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": f"{platform.python_implementation()} "
            f"{platform.python_version()}", "os": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def source() -> str:
    """The commit measured, and whether bench/ or drivers/ had changes not committed."""
    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        except OSError:
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown (not a git checkout)"
    changed = git("status", "--porcelain", "bench", "drivers")
    return commit + (" with uncommitted changes in bench/ or drivers/" if changed else "")


def versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1:
        return f"{value:.3f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    return f"{value * 1e6:.1f} us"


def table(rows: list[dict]) -> str:
    lines = ["| benchmark | case | median | ratio | note |", "|---|---|---:|---:|---|"]
    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.{2 if r['ratio'] >= 0.1 else 4}f}x"
        lines.append(f"| {r['benchmark']} | {r['case']} | {seconds(r['median_s'])} | {ratio} | {r['note']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    found = discover()
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(found), metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(found)}")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of each case (default 5)")
    parser.add_argument("--quick", action="store_true", help="one repetition, smaller workloads: a smoke run")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    benchmarks.QUICK = args.quick
    repeat = 1 if args.quick else args.repeat
    command = " ".join(["python -m benchmarks", *(sys.argv[1:] if argv is None else argv)])
    started = dt.datetime.now().astimezone()
    info = machine()
    rows: list[dict] = []
    failed = False
    for name, run in found.items():
        if args.only and name not in args.only:
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            rows += run(repeat)
        except Exception as exc:  # one broken benchmark must not hide the others' results
            traceback.print_exc()
            failed = True
            rows.append(row(name, "(failed)", None, None, f"{type(exc).__name__}: {exc}"))
    info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report = {"date": started.isoformat(timespec="seconds"), "command": command, "source": source(),
              "machine": info, "versions": versions(), "repeat": repeat, "quick": args.quick, "rows": rows,
              "environment": sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())}
    print(f"date: {report['date']}\ncommand: {command}\npowerbench: {report['source']}\n"
          f"machine: {info['cpu']}, {info['cores']} cores, {info['python']}, {info['os']}, "
          f"load average {info['load_average_at_start'][0]} at start, {info['load_average_at_end'][0]} at end\n"
          f"versions: {', '.join(f'{k} {v}' for k, v in report['versions'].items())}\n"
          f"median of {repeat} repetitions; ratio: median of the per-repetition ratios to the "
          f"benchmark's first case (its floor)\n")
    print(table(rows))
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
