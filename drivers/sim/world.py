"""The simulated world behind the simulated instruments: one DUT, one load, one supply,
thermocouples, all sharing one simulated time.

API CONTRACT (used by the simulated instrument twins and by bench.clock; keep it stable):

    world = World(dut="powerbank-10000", seed=0, ambient=25.0, overrides={"capacity": 28800.0},
                  defects=[MicroShort(onset=50.0)],  # defects, a Chamber ambient and a spread are optional
                  spread=Spread())                   # this unit's own capacity, resistances... from the seed
    world.t                                   # simulated seconds since start (float)
    world.advance_to(t)                       # integrate physics up to time t (own internal step)
    world.set_load(mode, level)               # mode in "CC","CV","CR","CP"; level in A, V, ohm, W
    world.set_load_input(on)                  # bool
    world.set_supply(voltage, current_limit)  # V, A
    world.set_supply_output(on)               # bool
    world.load_reading() -> (V, A)            # voltage at the load terminals, current sunk (>= 0)
    world.supply_reading() -> (V, A)          # voltage at the supply terminals, current sourced (>= 0)
    world.temperature(placement) -> float | None   # degC with sensor noise; None = open thermocouple
    world.placements                          # ("cell", "surface", "ambient")
    world.load_input_on, world.supply_output_on   # switch states (read-only)
    world.ambient(t) -> float                 # chamber temperature (degC) at simulated time t
    world.defects                             # the defects applied, in order (drivers.sim.defects)
    world.spread                              # the unit-to-unit Spread applied, or None (drivers.sim.spread)
    world.link_fault                          # the flaky-link defect or None (read by drivers.sim.transport)
    world.leads                               # a wiring defect (dead-load, open-lead, reversed-load) or None
    world.notices() -> list[str]              # what the DUT went through since the last call (e.g. overcharge)

All values are plain SI floats (temperatures in degC). Setting a state re-solves the operating
point at once, so a reading taken right after `set_load_input(True)` reflects the new state.
Deterministic given the seed.

What is behind it (the physics: cell.py, barecell.py, powerbank.py; each says what it models):
- `dut` names a preset in `drivers.sim.presets.PRESETS` (`bench sim list`), or a bare cell
  simulated by PyBaMM, `pybamm:<parameter set>[:<model>]` (drivers.sim.pybamm_cell: an
  optional extra; its only parameter is `initial_soc`, it takes no spread and no cell defect);
  `dut_type(name).parameters()` lists its parameters with defaults and pint
  units. `overrides` replaces some of them with SI floats (convert "8 Ah" to coulomb at the
  edge); an unknown name raises ValueError listing the valid ones. `world.params` is the
  resulting frozen parameter set (the label values such as `rated_capacity` included; defects
  do not change it; a spread does: it is this unit's own set); `world.model` is the DUT model
  itself (its state: SOC, temperatures, output state; `world.model.cell.efc` the equivalent
  full cycles done).
- `spread` (default None: every unit of a preset is the same) is a `drivers.sim.spread.Spread`
  of relative sigmas: the unit's capacity, R0, R1, tau1 and self-discharge resistance are the
  preset's (after the overrides) times log-normal factors drawn from the seed (default sigmas
  1 %, 3 %, 3 %, 3 %, 10 %; draws clipped at 3 sigma; from `random.Random(f"{seed}:spread")`,
  so the sensor noise does not shift). Worlds with other seeds are other units of one lot.
- `ambient` is a constant (degC) or a `drivers.sim.chamber.Chamber` (a step or a ramp);
  the DUT exchanges heat with the chamber temperature of the moment.
- `defects` are objects of `drivers.sim.defects` (`DEFECTS` by name), applied in order once
  the DUT is built; two of the same name are refused (ValueError), as is a defect the DUT
  cannot have (e.g. a protection fault on a bare cell).
- At start the DUT is at its `initial_soc`, relaxed, at ambient; the load input and the supply
  output are off, the load in CC at 0 A, the supply at 0 V / 0 A.
- `advance_to(t)` steps the model by at most `model.max_step` (1 s for the presets; forward
  Euler thermal, exact RC decay) and re-solves the operating point after every step; a `t`
  not after `world.t` does nothing.
- A wiring defect of the bench (`world.leads`) stands between the instruments and the DUT: the
  DUT gets what the leads pass of the settings, and the load and supply readings are what the
  instruments see through them; the switch states stay what the instruments were told.
- Thermocouple readings add Gaussian noise (`thermocouple_noise`, degC, default 0.05) drawn from
  `random.Random(seed)`; an open thermocouple (the open-thermocouple defect) reads None from
  its time on. The flaky link draws from generators of its own (`link_random(name)`, seeded
  from the seed and the instrument), so it never shifts the sensor noise.
"""
from __future__ import annotations

import math
import random
from collections.abc import Iterable
from typing import Any, Mapping

from drivers.sim.chamber import Chamber
from drivers.sim.circuit import LOAD_MODES, LoadSettings, SupplySettings
from drivers.sim.defects import Defect
from drivers.sim.presets import dut_type
from drivers.sim.snapshot import restore, snapshot
from drivers.sim.spread import Spread


class World:
    """One DUT and the instruments wired to it, advanced in simulated time."""

    placements: tuple[str, ...] = ("cell", "surface", "ambient")

    def __init__(
        self,
        dut: str = "powerbank-10000",
        seed: int = 0,
        ambient: float | Chamber = 25.0,
        overrides: Mapping[str, float] | None = None,
        thermocouple_noise: float = 0.05,
        defects: Iterable[Defect] = (),
        spread: Spread | None = None,
    ) -> None:
        preset = dut_type(dut)
        if spread is not None and not preset.spreads:
            raise ValueError(f"DUT {dut!r} has no unit-to-unit spread (a lot's spread is the presets')")
        self.dut_name = dut
        self.seed = seed
        self.spread = spread
        self.params: Any = preset.with_overrides(overrides)
        if spread is not None:
            self.params = spread.apply(self.params, seed)
        self.t = 0.0
        self.ambient = ambient if isinstance(ambient, Chamber) else Chamber([(0.0, ambient)])
        self.model = preset.build(self.params, self.ambient(0.0))
        self._rng = random.Random(seed)
        self._noise = thermocouple_noise
        self._open_from: dict[str, float] = {}
        self._link_rngs: dict[str, random.Random] = {}
        self._alarms: tuple[str, ...] = ()  # the DUT's alarms already noticed
        self.link_fault: Any = None
        self.leads: Any = None
        self._load = LoadSettings()
        self._supply = SupplySettings()
        self.defects = tuple(defects)
        names = [d.name for d in self.defects]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"defect {name!r} given twice; give it once with all its parameters")
        for defect in self.defects:
            defect.apply(self)
        self._solve()

    def _solve(self) -> None:
        self.model.solve(*self._wired())

    def _wired(self) -> tuple[LoadSettings, SupplySettings]:
        """The load and supply settings as the DUT gets them through the leads."""
        return (self._load, self._supply) if self.leads is None else self.leads.wire(self._load, self._supply)

    def advance_to(self, t: float) -> None:
        """Integrate the physics up to simulated time t (s)."""
        dut, (load, supply) = self.model, self._wired()
        chamber = None if self.ambient.constant else self.ambient
        step, solve, h = dut.step, dut.solve, dut.max_step
        now = self.t
        while now < t:
            nxt = now + h
            if nxt > t:
                nxt = t
            if chamber is not None:
                dut.ambient = chamber(now)
            step(nxt - now)
            now = nxt
            solve(load, supply)
        self.t = now

    def set_load(self, mode: str, level: float) -> None:
        """Electronic-load mode ("CC", "CV", "CR", "CP") and level (A, V, ohm, W; >= 0)."""
        if mode not in LOAD_MODES:
            raise ValueError(f"load mode must be one of {', '.join(LOAD_MODES)}, got {mode!r}")
        _check_level("load level", level)
        self._load.mode = mode
        self._load.level = float(level)
        self._solve()

    def set_load_input(self, on: bool) -> None:
        self._load.on = bool(on)
        self._solve()

    def set_supply(self, voltage: float, current_limit: float) -> None:
        """Supply CV setpoint (V) and current limit (A), both >= 0."""
        _check_level("supply voltage", voltage)
        _check_level("supply current limit", current_limit)
        self._supply.voltage = float(voltage)
        self._supply.current_limit = float(current_limit)
        self._solve()

    def set_supply_output(self, on: bool) -> None:
        self._supply.on = bool(on)
        self._solve()

    @property
    def load_input_on(self) -> bool:
        """Whether the load input is on: what a test checks to know the bench was left safe."""
        return self._load.on

    @property
    def supply_output_on(self) -> bool:
        return self._supply.on

    def load_reading(self) -> tuple[float, float]:
        """Voltage at the load terminals (V) and current sunk (A, >= 0)."""
        reading = self.model.load_v, self.model.load_i
        return reading if self.leads is None else self.leads.reading("load", reading, self._supply)

    def supply_reading(self) -> tuple[float, float]:
        """Voltage at the supply terminals (V) and current sourced (A, >= 0)."""
        reading = self.model.supply_v, self.model.supply_i
        return reading if self.leads is None else self.leads.reading("supply", reading, self._supply)

    def temperature(self, placement: str) -> float | None:
        """Thermocouple reading (degC) at a placement, with sensor noise; None once it is open."""
        if placement not in self.placements:
            raise ValueError(f"unknown placement {placement!r}; placements: {', '.join(self.placements)}")
        if self._open_from and self.t >= self._open_from.get(placement, math.inf):
            return None
        return self.model.temperature(placement) + self._rng.gauss(0.0, self._noise)

    def open_thermocouple(self, placement: str, at: float) -> None:
        """From simulated time `at` (s) on, the thermocouple at `placement` reads open."""
        if placement not in self.placements:
            raise ValueError(f"unknown placement {placement!r}; placements: {', '.join(self.placements)}")
        self._open_from[placement] = min(at, self._open_from.get(placement, math.inf))

    def notices(self) -> list[str]:
        """The alarms the DUT raised since the last call, described (an overcharged bare cell that
        heats): what a real DUT shows as heat or gas and a real bench does not measure, so the
        run can say it happened. Called at every sample: nothing is built unless an alarm changed."""
        alarms = self.model.alarms
        if alarms == self._alarms:
            return []
        new = [self.model.describe(a) for a in alarms if a not in self._alarms]
        self._alarms = alarms
        return new

    def state(self) -> Any:
        """Everything the world is now, random streams included, as plain data (a checkpoint)."""
        return snapshot(self)

    def restore(self, state: Any) -> None:
        """Take back a `state()` of a world built like this one (ValueError if it is not)."""
        restore(self, state)

    def link_random(self, name: str) -> random.Random:
        """The generator of the flaky link to instrument `name`: one per name, seeded from the seed,
        kept across reopenings so a reopened link does not replay its faults."""
        rng = self._link_rngs.get(name)
        if rng is None:
            rng = self._link_rngs[name] = random.Random(f"{self.seed}:link:{name}")
        return rng


def _check_level(what: str, value: float) -> None:
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"{what} must be a finite number >= 0, got {value!r}")
