"""What every test of the suite shares."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def no_run_index(tmp_path_factory):
    """`bench run` in a test indexes nothing (tests of the index give it --db): never into the
    lab's index (BENCH_DB, or a lab file in the developer's home), nor beside run folders a test
    counts."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BENCH_DB", "off")
        mp.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
        yield
