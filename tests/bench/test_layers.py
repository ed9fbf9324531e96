"""The pipeline's packages import one way, as the README's Architecture says: cli -> run ->
profile, station, record, analysis -> drivers; drivers/ never imports bench/. Read from the
sources' import statements (every one, lazy imports inside functions too)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MIDDLE = ("analysis", "product", "profile", "record", "station")  # below run, above drivers


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_the_middle_stages_never_import_run_or_cli_and_drivers_never_import_bench():
    wrong = []
    for package in MIDDLE:
        for path in (ROOT / "bench" / package).rglob("*.py"):
            wrong += [f"{path.relative_to(ROOT)}: {name}" for name in imported(path)
                      if name.startswith(("bench.run", "bench.cli"))]
    for path in (ROOT / "drivers").rglob("*.py"):
        wrong += [f"{path.relative_to(ROOT)}: {name}" for name in imported(path) if name.split(".")[0] == "bench"]
    assert wrong == []
