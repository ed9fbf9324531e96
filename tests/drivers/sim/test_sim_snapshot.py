"""The simulated world's state as plain data: a world restored from it goes on exactly as the
original, random streams included; a state of another shape is refused, never built from."""
from __future__ import annotations

import json

import pytest

from drivers.sim.defects import parse_defect
from drivers.sim.world import World


def defect(spec: str):
    from bench.units import parse_as

    return parse_defect(spec, lambda text, unit, key: parse_as(text, unit, "--defect", key))


def used(dut: str, specs: tuple[str, ...]) -> World:
    """A world that has charged for a while, read its thermocouples and drawn from a link's stream."""
    world = World(dut=dut, seed=5, ambient=25.0, defects=[defect(s) for s in specs])
    world.set_supply(4.2 if dut.startswith("lg-") else 5.0, 1.0)
    world.set_supply_output(True)
    world.advance_to(700.0)
    world.temperature("cell")
    world.link_random("load").random()
    return world


@pytest.mark.parametrize("dut", ["powerbank-10000", "lg-m50", "lg-mj1"])
@pytest.mark.parametrize("specs", [(), ("micro-short:resistance=20 ohm",), ("flaky-link:rate=0.2",),
                                   ("open-thermocouple",)], ids=["healthy", "micro-short", "flaky-link", "open-tc"])
def test_a_world_restored_from_its_plain_state_goes_on_exactly_as_the_original(dut, specs):
    original = used(dut, specs)
    text = json.dumps(original.state())  # plain data: JSON takes it as it is
    copy = World(dut=dut, seed=5, ambient=25.0, defects=[defect(s) for s in specs])
    copy.restore(json.loads(text))
    for t in (800.0, 2000.0, 5000.0):
        original.advance_to(t)
        copy.advance_to(t)
        assert copy.supply_reading() == original.supply_reading()
        assert copy.temperature("cell") == original.temperature("cell")  # the noise stream too
        assert copy.link_random("load").random() == original.link_random("load").random()
    assert json.dumps(copy.state()) == json.dumps(original.state())


def test_the_state_of_another_world_is_refused_naming_where_it_differs():
    cell = json.loads(json.dumps(used("lg-m50", ()).state()))
    with pytest.raises(ValueError, match=r"^world\."):
        World(dut="powerbank-10000", seed=5, ambient=25.0).restore(cell)


def test_a_state_that_names_something_to_build_is_refused():
    state = json.loads(json.dumps(used("powerbank-10000", ()).state()))
    state["model"]["cell"] = {"__class__": "os.system", "args": ["echo owned"]}
    with pytest.raises(ValueError, match=r"world\.model\.cell: the saved state does not have the shape of a Cell"):
        World(dut="powerbank-10000", seed=5, ambient=25.0).restore(state)
