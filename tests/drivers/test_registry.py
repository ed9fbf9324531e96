"""open_instrument's errors are clear; the entries themselves are checked for every driver by
test_registry_meta.py."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from drivers.registry import REGISTRY, open_instrument
from drivers.transports import ResourceError

ROOT = Path(__file__).resolve().parents[2]


def imported_by(code: str) -> list[str]:
    """The driver and simulator modules a fresh interpreter has imported after `code`."""
    probe = (f"import sys\n{code}\nfrom drivers.registry import MODULES\n"
             "print(*sorted(m for m in sys.modules if m in MODULES.values() or m.startswith('drivers.sim')))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                          check=True, env={"PYTHONPATH": str(ROOT)})
    return done.stdout.split()


def test_looking_a_driver_up_imports_its_module_alone_and_no_simulator() -> None:
    assert imported_by("from drivers.registry import driver_info; driver_info('rigol-dl3000')"
                       ) == ["drivers.rigol_dl3000"]


def test_listing_the_names_imports_no_driver() -> None:
    assert imported_by("from drivers.registry import REGISTRY; sorted(REGISTRY); 'bk-8600' in REGISTRY"
                       ) == []


def test_opening_a_sim_resource_imports_the_twin_then() -> None:
    world = "from drivers.sim.world import World; world = World(dut='lg-m50', seed=3)"
    assert "drivers.sim.twins.rigol_dl3000" not in imported_by(world)
    opened = imported_by(f"{world}\nfrom drivers.registry import open_instrument\n"
                         "open_instrument('rigol-dl3000', 'sim://load', world=world)")
    assert "drivers.sim.twins.rigol_dl3000" in opened


def test_an_unknown_driver_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown instrument driver 'rigol-dl9999'; known drivers: ") as info:
        open_instrument("rigol-dl9999", "sim://load")
    assert all(name in str(info.value) for name in REGISTRY)


def test_a_sim_resource_without_a_world_says_what_is_missing() -> None:
    with pytest.raises(ValueError, match=r"sim:// resource needs the simulated world"):
        open_instrument("rigol-dl3000", "sim://load")


def test_an_unknown_option_lists_the_accepted_ones(cell_world: object) -> None:
    with pytest.raises(ValueError, match="keysight-e36300: unknown option.s. chanel; accepted: "
                                         "channel, model"):
        open_instrument("keysight-e36300", "sim://supply", world=cell_world, chanel=2)


def test_a_bad_resource_through_the_registry_lists_the_accepted_forms() -> None:
    with pytest.raises(ResourceError, match="accepted resource forms"):
        open_instrument("rigol-dl3000", "COM3")
