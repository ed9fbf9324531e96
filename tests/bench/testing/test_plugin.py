"""The pytest plugin as a lab's own project meets it: found through the installed pytest11 entry
point (registered by `pip install -e .`), in a pytest process of its own, running the example
of the README's section "Testing your own profiles in CI"."""
from __future__ import annotations

import importlib.metadata
import json
import re

from runfolders import ROOT

pytest_plugins = ["pytester"]

SECTION = "## Testing your own profiles in CI"

# beside the README's example: what its tests do not show (the marker, sim_bench, a cheap plugin)
MORE = '''
import json
import sys

import pytest

LOADED = sorted(m for m in ("pint", "bench.run.session", "drivers.sim.world") if m in sys.modules)


def test_the_plugin_imports_nothing_heavy():
    assert LOADED == []


@pytest.mark.bench_station("sim-25v")
def test_the_marker_names_the_station(sim_bench, run_profile):
    result = run_profile("profiles/dcir-screen.toml")
    assert result.folder.parent == sim_bench.log_dir
    assert json.loads((result.folder / "run.json").read_text())["station"]["path"].endswith("sim-25v.toml")
'''


def readme_example() -> dict[str, str]:
    """The README section's files: each code block after a line naming its file ('`tests/x.py`:')."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split(SECTION, 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^`([\w/.-]+)`:\n\n```\w+\n(.*?)^```$", section, re.M | re.S))


def test_a_project_of_its_own_runs_the_readme_example_through_the_installed_plugin(pytester, monkeypatch):
    registered = [ep.value for ep in importlib.metadata.entry_points(group="pytest11")]
    assert "bench.testing.plugin" in registered, "no pytest11 entry point: `pip install -e .` registers it"
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    example = readme_example()
    assert set(example) == {"profiles/dcir-screen.toml", "tests/test_profiles.py"}
    for name, text in {**example, "tests/test_more.py": MORE}.items():
        (pytester.path / name).parent.mkdir(exist_ok=True)
        (pytester.path / name).write_text(text, encoding="utf-8")

    # hypothesis's plugin, installed here for this suite, imports hypothesis at every session's end (~0.7 s)
    result = pytester.runpytest_subprocess("--bench-log-dir", "kept", "-p", "no:hypothesispytest")

    result.assert_outcomes(passed=7)
    kept = {test.name: [json.loads((run / "run.json").read_text())["verdict"] for run in test.iterdir()]
            for test in (pytester.path / "kept").iterdir()}
    assert kept == {**{f"tests-test_profiles.py-test_good_cells_pass-{n}": ["PASS"] for n in (1, 2, 3)},
                    "tests-test_profiles.py-test_a_resistive_cell_fails_on_dcir": ["FAIL"],
                    "tests-test_more.py-test_the_marker_names_the_station": ["PASS"]}
