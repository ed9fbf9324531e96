"""A bare cell as DUT: the electronic load and the DC supply both wired to its terminals.

There is no electronics in between, so charging is the supply's own CV with current limit:
current = min(limit, (Vset - emf) / r0), and a load and a supply on together share one node.
r0 is the cell's chord resistance at the current solved for (the charge-transfer overpotential
is nonlinear): the solve is repeated with the chord at its result until that stops changing
(once, usually: the chord of the last step is the start).
Thermal: one lumped node (the thermocouples on "cell" and "surface" read the same value),
heated by the cell (cell.py: Joule, reversible, leakage, overcharge side reactions and
self-heating) and cooled to ambient.
Overcharge: nothing stops a supply from holding a bare cell above its charge voltage; the side
reactions then heat it, and the cell raises the "overcharge" alarm (`alarms`, reported by the
world as a notice) once they take OVERCHARGE_ALARM of its capacity per hour, clearing it when
they fall below a tenth of that.
"""
from __future__ import annotations

from drivers.sim.cell import AH, CHORD_ITERATIONS, CHORD_TOLERANCE, Cell, CellParams, OcvCurve
from drivers.sim.circuit import LoadSettings, SupplySettings, load_current, load_current_at

OVERCHARGE_ALARM = 0.0025  # C-rate (1/h) of side-reaction current: ~75 mV above the OCV table's full


class BareCell:
    """One cell on the bench; implements the `Dut` interface."""

    def __init__(self, params: CellParams, ocv: OcvCurve, ambient: float) -> None:
        p = params
        self.cell = Cell(ocv, p)
        self._heat_capacity = p.heat_capacity
        self._conductance = p.ambient_conductance
        self.max_step = min(1.0, 0.1 * p.heat_capacity / p.ambient_conductance)
        self.ambient = ambient
        self.temp = ambient
        self.current = 0.0  # cell current, + = discharge
        self.load_v = self.load_i = self.supply_v = self.supply_i = 0.0
        self._alarm_current = OVERCHARGE_ALARM * p.capacity / AH
        self.overcharged = False

    def solve(self, load: LoadSettings, supply: SupplySettings) -> None:
        cell = self.cell
        e, r0 = cell.emf(), cell.r0
        for _ in range(CHORD_ITERATIONS):
            self._solve(load, supply, e, r0)
            r_new = cell.resistance(self.current)
            if abs(r_new - r0) <= CHORD_TOLERANCE * r0:
                break
            r0 = r_new
        cell.r0 = r0  # the chord the point was solved with: V = emf - r0 I holds exactly

    def _solve(self, load: LoadSettings, supply: SupplySettings, e: float, r0: float) -> None:
        """The operating point with the cell as emf e behind r0."""
        i_supply = 0.0
        v0 = e  # Thevenin source the load sees: the cell alone...
        if supply.on:
            vs, limit = supply.voltage, supply.current_limit
            i_load = load_current_at(load, vs)
            i_supply = i_load - (e - vs) / r0  # what holding the node at vs takes
            if 0.0 <= i_supply <= limit:
                self._settle(vs, i_load, i_supply, supply)
                return
            if i_supply > limit:  # ...or the cell with the supply as a current source in parallel
                i_supply = limit
                v0 = e + r0 * limit
            else:  # the cell sits above vs: a supply cannot sink, it sources nothing
                i_supply = 0.0
        i_load = load_current(load, v0, r0)
        self._settle(v0 - r0 * i_load, i_load, i_supply, supply)

    def _settle(self, node_v: float, i_load: float, i_supply: float, supply: SupplySettings) -> None:
        self.load_v = node_v
        self.load_i = i_load
        self.supply_v = node_v if supply.on else 0.0
        self.supply_i = i_supply
        self.current = i_load - i_supply

    def step(self, dt: float) -> None:
        cell = self.cell
        heat = cell.step(self.current, dt, self.temp)
        self.temp += dt * (heat - self._conductance * (self.temp - self.ambient)) / self._heat_capacity
        if cell.side_current >= self._alarm_current:
            self.overcharged = True
        elif self.overcharged and cell.side_current < 0.1 * self._alarm_current:
            self.overcharged = False

    @property
    def alarms(self) -> tuple[str, ...]:
        """What the cell itself would show (heat, gassing) that a bench does not measure."""
        return ("overcharge",) if self.overcharged else ()

    def describe(self, alarm: str) -> str:
        cell = self.cell
        return (f"overcharge: the cell is charged beyond full (SOC {100.0 * cell.soc:.1f} %, OCV "
                f"{cell.emf() + cell.v_rc:.3f} V); side reactions take {1000.0 * cell.side_current:.0f} mA and heat "
                f"it ({self.temp:.1f} degC)")

    def temperature(self, placement: str) -> float:
        return self.ambient if placement == "ambient" else self.temp
