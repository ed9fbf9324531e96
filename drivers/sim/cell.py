"""Lithium cell as an equivalent circuit: OCV(SOC) table, series R0, one R1||C1 pair,
coulomb counting. Identical cells in parallel are the same circuit with n times the
capacity and 1/n the resistances, so a power bank's pack is one `Cell` too.

Sign convention inside the models: cell current positive = discharging.
"""
from __future__ import annotations

import csv
import math
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from importlib import resources

from drivers.sim.params import quantity, require_fraction, require_positive

AH = 3600.0  # coulomb per ampere-hour


class OcvCurve:
    """Open-circuit voltage vs state of charge, linear between table points.

    Beyond the table the end segments are extended, so an over-discharged cell keeps falling
    steeply instead of sitting flat at the last table voltage.
    """

    __slots__ = ("_soc", "_volts", "_slopes")

    def __init__(self, soc: list[float], volts: list[float]) -> None:
        if len(soc) < 2 or len(soc) != len(volts) or any(b <= a for a, b in zip(soc, soc[1:])):
            raise ValueError("an OCV table needs >= 2 points with strictly increasing SOC")
        self._soc = soc
        self._volts = volts
        self._slopes = [(volts[i + 1] - volts[i]) / (soc[i + 1] - soc[i]) for i in range(len(soc) - 1)]

    def __call__(self, soc: float) -> float:
        i = bisect_right(self._soc, soc) - 1
        if i < 0:
            i = 0
        elif i >= len(self._slopes):
            i = len(self._slopes) - 1
        return self._volts[i] + self._slopes[i] * (soc - self._soc[i])


@cache
def load_ocv(filename: str) -> OcvCurve:
    """An OCV table shipped in drivers/sim/data/ (CSV: soc,ocv_V; '#' lines are the citation)."""
    text = resources.files("drivers.sim").joinpath("data", filename).read_text(encoding="utf-8")
    rows = list(csv.reader(line for line in text.splitlines() if line and not line.startswith("#")))
    return OcvCurve([float(r[0]) for r in rows[1:]], [float(r[1]) for r in rows[1:]])


class Cell:
    """State of one equivalent-circuit cell (or parallel group): SOC and the RC-pair voltage."""

    __slots__ = ("ocv", "capacity", "r0", "r1", "tau1", "soc", "v_rc")

    def __init__(self, ocv: OcvCurve, capacity: float, r0: float, r1: float, tau1: float, soc: float) -> None:
        self.ocv = ocv
        self.capacity = capacity
        self.r0 = r0
        self.r1 = r1
        self.tau1 = tau1
        self.soc = soc
        self.v_rc = 0.0  # starts relaxed

    def emf(self) -> float:
        """Voltage behind R0: OCV minus the RC-pair polarisation (the zero-current terminal voltage now)."""
        return self.ocv(self.soc) - self.v_rc

    def heat(self, current: float) -> float:
        """Joule heat (W) in R0 and R1 at this current."""
        return current * current * self.r0 + self.v_rc * self.v_rc / self.r1

    def step(self, current: float, dt: float) -> None:
        """Carry `current` (A, + = discharge) for dt seconds; the RC pair is integrated exactly."""
        self.soc -= current * dt / self.capacity
        decay = math.exp(-dt / self.tau1)
        self.v_rc = self.v_rc * decay + self.r1 * current * (1.0 - decay)


@dataclass(frozen=True, slots=True)
class CellParams:
    """A cell type, and the bare-cell DUT built from it (holder thermal link, initial SOC)."""

    capacity: float = quantity("coulomb", "real capacity")
    rated_capacity: float = quantity("coulomb", "label (nominal) capacity; not used by the physics")
    r0: float = quantity("ohm", "series (ohmic) resistance")
    r1: float = quantity("ohm", "resistance of the RC pair (polarisation)")
    tau1: float = quantity("second", "time constant R1*C1 of the RC pair")
    heat_capacity: float = quantity("joule / kelvin", "lumped heat capacity of the cell")
    ambient_conductance: float = quantity("watt / kelvin", "heat transfer h*A from the bare cell to ambient")
    initial_soc: float = quantity("dimensionless", "state of charge at the start", 1.0)

    def __post_init__(self) -> None:
        require_positive(self, "capacity", "r0", "r1", "tau1", "heat_capacity", "ambient_conductance")
        require_fraction(self, "initial_soc")


OCV_CHEN2020 = "chen2020_ocv.csv"

# LG INR21700-M50: 1RC fit of the PyBaMM Chen2020 DFN 1C discharge (see ../shared/reference/README.md).
# Heat capacity: 68 g at ~1.0 J/(g K); ambient link: h ~ 10 W/(m2 K) over 0.0053 m2, plus holder.
LG_M50 = CellParams(
    capacity=5.05 * AH,
    rated_capacity=5.0 * AH,
    r0=0.037,
    r1=0.009,
    tau1=226.0,
    heat_capacity=70.0,
    ambient_conductance=0.06,
)
