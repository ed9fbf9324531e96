"""The pytest plugin (the pytest11 entry point): fixtures that run a lab's own profiles on the
simulated bench from its own test suite.

pytest loads it into every session wherever powerbench is installed, so it imports nothing but
pytest here: the bench is imported when a test asks for a fixture."""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pytest

if TYPE_CHECKING:
    from bench.testing.simbench import RunResult, SimBench

MARKER = "bench_station"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("powerbench", "powerbench simulated bench")
    group.addoption("--bench-log-dir", metavar="DIR", default=None,
                    help="keep the run folders of sim_bench and run_profile under DIR/<test id>/ (for CI "
                         "artefacts); default: the test's tmp_path")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(station): the station file, or a shipped station's name, that "
                            "sim_bench and run_profile run on (default: the simulated bench)")


@pytest.fixture
def sim_bench(request: pytest.FixtureRequest, tmp_path: Path) -> SimBench:
    """The simulated bench: the default station, or the one a `bench_station` marker names; run
    folders under the test's tmp_path, or under --bench-log-dir/<test id>."""
    from bench.testing.simbench import SimBench

    marker = request.node.get_closest_marker(MARKER)
    if marker is not None and len(marker.args) != 1:
        raise pytest.UsageError(f"{request.node.nodeid}: {MARKER} takes one station, "
                                "e.g. @pytest.mark.bench_station('stations/my-sim.toml')")
    kept = request.config.getoption("bench_log_dir")
    log_dir = None
    if kept is not None:  # relative to where pytest was started, as --junitxml is
        test_id = re.sub(r"[^\w.-]+", "-", request.node.nodeid).strip("-")
        log_dir = request.config.invocation_params.dir / kept / test_id
    return SimBench(tmp_path, marker.args[0] if marker else None, log_dir=log_dir, echo=print)


@pytest.fixture
def run_profile(sim_bench: SimBench) -> Callable[..., RunResult]:
    """`run_profile(profile, dut=..., defect=..., product=..., seed=..., station=..., speed=...)`
    or `run_profile(text=...)`: SimBench.run on sim_bench, its summary in the test's captured output."""
    return sim_bench.run
