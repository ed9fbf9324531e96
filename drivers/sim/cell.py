"""Lithium cell as an equivalent circuit: OCV(SOC) table, series R0, one R1||C1 pair, coulomb
counting, and what makes a real cell drift away from its datasheet. Identical cells in
parallel are the same circuit with n times the capacity and 1/n the resistances, so a power
bank's pack is one `Cell` too.

What is modelled, per integration step (plain floats, nothing allocated):
- resistances follow an Arrhenius factor exp(Ea/R (1/T - 1/T_ref)): a cold cell sags more;
- heat = Joule (I^2 R0 + V_rc^2 / R1) + reversible (entropic) heat -I T dU/dT + the heat of
  internal leakage (self-discharge resistance, a micro-short) + exothermic self-heating past
  the onset temperature of a micro-shorted cell;
- self-discharge: a leakage resistance across the cell;
- ageing: capacity fade = cycle fade (a power law of equivalent full cycles, EFC, counted
  from charge throughput, faster in the cold) + calendar fade (square root of time, faster
  at high SOC and temperature); the resistances grow in proportion to the fade.
A second RC pair was tried on the LG M50 reference and fitted to ~0 ohm (13.2 vs 13.3 mV
RMSE): one pair is kept.

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
KELVIN = 273.15
T_REF = 25.0  # degC at which the resistances and ageing rates are given
GAS_CONSTANT = 8.314  # J/(mol K)
YEAR = 365.25 * 86400.0
EFC_SCALE = 100.0  # cycle_fade is the fade after this many equivalent full cycles
# Calendar fade: rate x exp(CAL_SOC_SLOPE (SOC - 1)), so storage at 50 % SOC ages ~1/4.5 as fast
# as at 100 % (the SOC dependence reported for NMC/graphite, e.g. Schmalstieg et al. 2014), and
# an Arrhenius factor of CAL_ACTIVATION_ENERGY (calendar fade roughly doubles every 10-15 K).
CAL_SOC_SLOPE = 1.5
CAL_ACTIVATION_ENERGY = 50_000.0  # J/mol
# Self-heating past the onset: rate k = P_onset / E * exp((T - T_onset) / RUNAWAY_THETA) on the
# remaining reactants; E, the heat a runaway leaves in the cell, is taken as its electrical
# energy at full charge (calorimetry of NMC cells releases ~2x that, part of it vented:
# Feng et al., Energy Storage Mater. 10 246, 2018).
RUNAWAY_THETA = 10.0  # K
RUNAWAY_HEAT_PER_COULOMB = 3.7  # J per coulomb of capacity (at 3.7 V)


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


@dataclass(frozen=True, slots=True, kw_only=True)
class CellModel:
    """The electrochemistry of a cell type (or of a parallel pack of it): the fields a `Cell` reads."""

    capacity: float = quantity("coulomb", "real capacity (fresh)")
    rated_capacity: float = quantity("coulomb", "label (nominal) capacity; not used by the physics")
    r0: float = quantity("ohm", "series (ohmic) resistance at 25 degC, fresh")
    r1: float = quantity("ohm", "resistance of the RC pair (polarisation) at 25 degC, fresh")
    tau1: float = quantity("second", "time constant R1*C1 of the RC pair")
    activation_energy: float = quantity(
        "joule / mole", "Arrhenius activation energy of the resistances (20 kJ/mol: x2 at 0 degC)", 20_000.0)
    entropic_coefficient: float = quantity(
        "volt / kelvin", "dOCV/dT, SOC-averaged (reversible heat -I T dU/dT)", -0.1e-3)
    self_discharge_resistance: float = quantity(
        "ohm", "leakage resistance across the cell (self-discharge, about 2 %/month)")
    cycle_fade: float = quantity(
        "dimensionless", "capacity fade after 100 equivalent full cycles at 25 degC", 0.085)
    cycle_fade_exponent: float = quantity(
        "dimensionless", "exponent z of the cycle fade law fade = cycle_fade (EFC/100)^z", 0.68)
    cold_cycling_slope: float = quantity(
        "1 / kelvin", "below 25 degC a cycle counts exp(slope x (25 degC - T)) cycles in the fade law", 0.055)
    calendar_fade: float = quantity(
        "dimensionless", "capacity fade after one year stored full at 25 degC (grows as sqrt(time))", 0.03)
    resistance_growth: float = quantity(
        "dimensionless", "relative resistance increase per unit of capacity fade", 2.5)
    initial_efc: float = quantity("dimensionless", "equivalent full cycles already done at the start", 0.0)
    initial_soc: float = quantity("dimensionless", "state of charge at the start", 1.0)

    def __post_init__(self) -> None:
        require_positive(self, "capacity", "r0", "r1", "tau1", "self_discharge_resistance")
        require_fraction(self, "initial_soc")
        require_fraction(self, "cycle_fade")
        require_fraction(self, "calendar_fade")
        if self.initial_efc < 0.0:
            raise ValueError(f"parameter 'initial_efc' must be >= 0, got {self.initial_efc!r}")


def cycle_fade(model: CellModel, efc: float) -> float:
    """Capacity fade (fraction) after `efc` equivalent full cycles at 25 degC: the ageing law."""
    return model.cycle_fade * (efc / EFC_SCALE) ** model.cycle_fade_exponent


class Cell:
    """State of one equivalent-circuit cell (or parallel group).

    `r0`, `r1` and `capacity` are the present values (aged, at the present temperature); the
    `solve` of a DUT reads them. `efc` counts equivalent full cycles from charge throughput.
    """

    __slots__ = (
        "ocv", "capacity", "r0", "r1", "tau1", "soc", "v_rc", "efc", "fade", "fresh_capacity",
        "_r0_ref", "_r1_ref", "_ea", "_dudt", "_g_leak", "_fade100", "_z", "_cold", "_cal_rate",
        "_growth", "_efc_aged", "_cycle_fade", "_cal_time", "_decay_dt", "_decay",
        "short_onset", "short_resistance", "short_halving", "short_minimum", "shunt",
        "runaway_onset", "runaway_power", "_reactants",
    )

    def __init__(self, ocv: OcvCurve, model: CellModel, soc: float | None = None) -> None:
        p = model
        self.ocv = ocv
        self.fresh_capacity = self.capacity = p.capacity
        self._r0_ref, self._r1_ref = p.r0, p.r1
        self.r0, self.r1, self.tau1 = p.r0, p.r1, p.tau1
        self.soc = p.initial_soc if soc is None else soc
        self.v_rc = 0.0  # starts relaxed
        self._ea = p.activation_energy / GAS_CONSTANT
        self._dudt = p.entropic_coefficient
        self._g_leak = 1.0 / p.self_discharge_resistance
        self._fade100, self._z, self._cold = p.cycle_fade, p.cycle_fade_exponent, p.cold_cycling_slope
        self._cal_rate = p.calendar_fade
        self._growth = p.resistance_growth
        self.efc = self._efc_aged = p.initial_efc  # cycling before the start is taken at 25 degC
        self._cycle_fade = self._fade100 * (self._efc_aged / EFC_SCALE) ** self._z
        self._cal_time = 0.0  # equivalent time (s) at full charge and 25 degC
        self._decay_dt, self._decay = 0.0, 1.0  # exp(-dt / tau1), cached for the usual step
        self.short_onset = math.inf  # no micro-short (see drivers.sim.defects.MicroShort)
        self.short_resistance = self.short_halving = self.short_minimum = 0.0
        self.shunt = 0.0  # micro-short conductance now (S)
        self.runaway_onset = math.inf
        self.runaway_power = 0.0
        self._reactants = 1.0  # share of the runaway heat not released yet
        self.fade = 0.0
        self._age(0.0, T_REF)

    def scale_capacity(self, capacity: float) -> None:
        """Give the cell another fresh capacity (a counterfeit), keeping its SOC and its age."""
        self.fresh_capacity = capacity
        self.capacity = capacity * (1.0 - self.fade)

    def scale_resistance(self, factor: float) -> None:
        """Multiply the fresh resistances (a high-resistance defect)."""
        self._r0_ref *= factor
        self._r1_ref *= factor
        self._age(0.0, T_REF)

    def emf(self) -> float:
        """Voltage behind R0: OCV minus the RC-pair polarisation (the zero-current terminal voltage now)."""
        return self.ocv(self.soc) - self.v_rc

    def step(self, current: float, dt: float, temp: float) -> float:
        """Carry `current` (A, + = discharge) for dt seconds at cell temperature `temp` (degC);
        returns the mean heat (W) the cell produced. The RC pair is integrated exactly."""
        u = self.ocv(self.soc)
        g = self._g_leak + self.shunt
        heat = (current * current * self.r0 + self.v_rc * self.v_rc / self.r1 + u * u * g
                - current * (temp + KELVIN) * self._dudt)
        if temp >= self.runaway_onset and self._reactants > 0.0:
            heat += self._runaway(temp, dt)
        self.soc -= (current + u * g) * dt / self.capacity
        if dt != self._decay_dt:
            self._decay_dt, self._decay = dt, math.exp(-dt / self.tau1)
        decay = self._decay
        self.v_rc = self.v_rc * decay + self.r1 * current * (1.0 - decay)
        self._age(abs(current) * dt / (2.0 * self.fresh_capacity), temp, dt)
        return heat

    def _runaway(self, temp: float, dt: float) -> float:
        """Mean exothermic heat (W) over dt past the onset; the reactants are used up exactly."""
        energy = RUNAWAY_HEAT_PER_COULOMB * self.fresh_capacity
        rate = self.runaway_power / energy * math.exp(min((temp - self.runaway_onset) / RUNAWAY_THETA, 50.0))
        used = self._reactants * -math.expm1(-rate * dt)
        self._reactants -= used
        return energy * used / dt

    def _age(self, d_efc: float, temp: float, dt: float = 0.0) -> None:
        """Count cycles, age the cell and set its present capacity and resistances."""
        inv_t = 1.0 / (temp + KELVIN) - 1.0 / (T_REF + KELVIN)
        if d_efc:
            self.efc += d_efc
            self._efc_aged += d_efc * (math.exp(self._cold * (T_REF - temp)) if temp < T_REF else 1.0)
            self._cycle_fade = self._fade100 * (self._efc_aged / EFC_SCALE) ** self._z
            if self.efc >= self.short_onset:
                self.shunt = 1.0 / max(self.short_minimum, self.short_resistance
                                       * 0.5 ** ((self.efc - self.short_onset) / self.short_halving))
        if dt:
            stress = math.exp(CAL_SOC_SLOPE * (self.soc - 1.0) - CAL_ACTIVATION_ENERGY / GAS_CONSTANT * inv_t)
            self._cal_time += dt * stress * stress  # sqrt law: equivalent time grows with stress^2
        fade = self._cycle_fade + self._cal_rate * math.sqrt(self._cal_time / YEAR)
        self.fade = fade = min(fade, 0.99)
        self.capacity = self.fresh_capacity * (1.0 - fade)
        factor = (1.0 + self._growth * fade) * math.exp(self._ea * inv_t)
        self.r0 = self._r0_ref * factor
        self.r1 = self._r1_ref * factor


@dataclass(frozen=True, slots=True, kw_only=True)
class CellParams(CellModel):
    """A cell type, and the bare-cell DUT built from it (holder thermal link, initial SOC)."""

    heat_capacity: float = quantity("joule / kelvin", "lumped heat capacity of the cell")
    ambient_conductance: float = quantity("watt / kelvin", "heat transfer h*A from the bare cell to ambient")

    def __post_init__(self) -> None:
        CellModel.__post_init__(self)
        require_positive(self, "heat_capacity", "ambient_conductance")


OCV_CHEN2020 = "chen2020_ocv.csv"
OCV_LG_MJ1 = "lg_mj1_ocv.csv"


def leakage_for(capacity_ah: float, per_month: float = 0.02, volts: float = 3.7) -> float:
    """Self-discharge resistance (ohm) that loses `per_month` of the capacity a month at `volts`."""
    return volts / (per_month * capacity_ah * AH / (30 * 86400.0))


# LG INR21700-M50: 1RC fit of the PyBaMM Chen2020 DFN 1C discharge (see ../shared/reference/README.md).
# Heat capacity: 68 g at ~1.0 J/(g K); ambient link: h ~ 10 W/(m2 K) over 0.0053 m2, plus holder.
# Ageing law: none measured for this cell; the LG MJ1 fit below (same NMC / graphite-SiOx family).
LG_M50 = CellParams(
    capacity=5.05 * AH,
    rated_capacity=5.0 * AH,
    r0=0.037,
    r1=0.009,
    tau1=226.0,
    self_discharge_resistance=leakage_for(5.0),
    heat_capacity=70.0,
    ambient_conductance=0.06,
)

# LG INR18650-MJ1: measured OCV (SimSES); capacity 3.5 Ah nominal (3.45 Ah typical at 0.2C);
# resistances typical of the datasheet's <= 38 mOhm AC impedance (not fitted to a curve: no
# reference discharge exists). Ageing: the CellModel defaults are its fit to the SimSES /
# Schindler et al. (2021) cycling data at 25 degC (cycle_fade, exponent) and at 0 and 10 degC
# (cold_cycling_slope); see tests/drivers/sim/test_sim_ageing.py.
# Heat capacity: 47 g at ~1.0 J/(g K); h*A over 0.0042 m2 plus holder.
LG_MJ1 = CellParams(
    capacity=3.45 * AH,
    rated_capacity=3.5 * AH,
    r0=0.045,
    r1=0.015,
    tau1=120.0,
    self_discharge_resistance=leakage_for(3.5),
    heat_capacity=47.0,
    ambient_conductance=0.045,
)
