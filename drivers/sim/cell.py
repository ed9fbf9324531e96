"""Lithium cell as an equivalent circuit: OCV table, series R0, a Butler-Volmer charge-transfer
overpotential, one R1||C1 pair, a lagging surface state of charge, coulomb counting, and what
makes a real cell drift away from its datasheet. Identical cells in parallel are the same
circuit with n times the capacity and exchange current and 1/n the resistances, so a power
bank's pack is one `Cell` too.

Terminal voltage at cell current I (+ = discharge), fitted to PyBaMM's DFN (Chen2020, LG M50)
from 0.2C to 2C and 10 to 40 degC (tests/drivers/sim/test_sim_cell_reference.py):
    V = OCV(soc - s) - v_rc - R_ohm I - b asinh(I / i0)
- R_ohm I: ohmic (electrolyte, electrodes, tabs), instantaneous;
- b asinh(I / i0): charge transfer (Butler-Volmer, both electrodes lumped): its share of the
  drop falls with current (DFN initial drop 37 / 29 / 22 mOhm at 0.5C / 1C / 2C); b ~ T
  (the thermal voltage), i0 Arrhenius in temperature (`activation_energy`) and lower towards
  empty and full (`exchange_factor`: the 10 s DCIR rises from 33 mOhm at 50 % to 39 at 10 %);
- v_rc: R1||C1 (tau1): concentration polarisation of the electrolyte and the fast part of
  solid diffusion;
- s: how far the particle surfaces lag the bulk SOC (solid diffusion), a first-order lag
  ds/dt = (I lag / Q - s) / tau_d feeding the OCV: at high rates the surface reaches the steep
  end of the OCV sooner (an earlier knee, less capacity), and after a pulse it relaxes back.
The DUTs solve their operating point with `emf()` (V at I = 0: OCV(soc - s) - v_rc) and `r0`,
the chord resistance (emf - V(I)) / I at the present current (`resistance(I)` sets it; the
DUT iterates to the current it solves for: the overpotential is nonlinear). v_rc and s are
integrated exactly (stable for any step: long rests relax, they do not overshoot).

What is modelled, per integration step (plain floats, nothing allocated):
- the exchange current follows an Arrhenius factor exp(-Ea/R (1/T - 1/T_ref)) and R_ohm, R1
  another (`ohmic_activation_energy`, 0 for the DFN fit: Chen2020's electrolyte transport
  does not depend on temperature): a cold cell sags more;
- heat = I (R_ohm I + eta_ct) (ohmic and charge-transfer, as the DFN counts it: the
  concentration polarisation of the RC pair and the surface lag is stored, not dissipated,
  the DFN has no heat of mixing) + reversible (entropic) heat -I T dU/dT + the heat of
  internal leakage (self-discharge resistance, a micro-short) + exothermic self-heating past
  the onset temperature of a micro-shorted cell + the heat of overcharge side reactions;
- overcharge: above the OCV table's full, side reactions take a current that grows
  exponentially with the excess voltage (SIDE_CURRENT, SIDE_VOLTAGE), store nothing and heat
  the cell (`side_current`); a cell held above its charge voltage heats instead of filling;
- self-discharge: a leakage resistance across the cell;
- ageing: capacity fade = cycle fade + calendar fade; the resistances and the charge-transfer
  overpotential grow in proportion to the fade. Cycle fade (fitted to the LG MJ1 data at 0, 10 and 25 degC, see `cycle_fade`) =
  a throughput term (break-in and SEI growth: a power law < 1 of the equivalent full cycles,
  EFC, counted from all throughput, charge and discharge alike, at any temperature) + a
  charge term (lithium plating: a power law > 1, so the fade accelerates, of the charge
  throughput weighted exp(slope x (25 degC - T)) at the cell's temperature WHILE CHARGING).
  Calendar fade (square root of time, faster at high SOC and temperature) counts time at
  rest only (|I| < C/100): the cycling data were measured on cells that aged on the calendar
  while they cycled, so the cycle law already holds that share.

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
EFC_SCALE = 100.0  # cycle_fade and plating_fade are the fades after this many equivalent full cycles
# Calendar time is counted only while the cell rests: |current| below this C-rate (1/h). Under
# current the cycle law holds the calendar ageing (fitted to cells that aged on the calendar as they cycled).
CAL_REST_C_RATE = 0.01
# Calendar fade: rate x exp(CAL_SOC_SLOPE (SOC - 1)), so storage at 50 % SOC ages ~1/4.5 as fast
# as at 100 % (the SOC dependence reported for NMC/graphite, e.g. Schmalstieg et al. 2014), and
# an Arrhenius factor of CAL_ACTIVATION_ENERGY (calendar fade roughly doubles every 10-15 K).
CAL_SOC_SLOPE = 1.5
CAL_ACTIVATION_ENERGY = 50_000.0  # J/mol
CAL_EA_R = CAL_ACTIVATION_ENERGY / GAS_CONSTANT
# Self-heating past the onset: rate k = P_onset / E * exp((T - T_onset) / RUNAWAY_THETA) on the
# remaining reactants; E, the heat a runaway leaves in the cell, is taken as its electrical
# energy at full charge (calorimetry of NMC cells releases ~2x that, part of it vented:
# Feng et al., Energy Storage Mater. 10 246, 2018).
RUNAWAY_THETA = 10.0  # K
RUNAWAY_HEAT_PER_COULOMB = 3.7  # J per coulomb of capacity (at 3.7 V)
T_REF_K = T_REF + KELVIN
INV_T_REF = 1.0 / T_REF_K  # 1/K, the Arrhenius factors' reference
# V per unit of SOC beyond an OCV table's ends: 2.5 V at empty falls to 0 V 2.5 % below it;
# above full, past OVERFILL of SOC on the end segment.
BEYOND_SLOPE = 100.0
OVERFILL = 0.01
# Overcharge side reactions (electrolyte oxidation at the over-delithiated cathode, lithium
# plating at the full anode): a parasitic current that grows exponentially with how far the
# surface OCV stands above the table's full, SIDE_CURRENT x C (1/h) x expm1(dU / SIDE_VOLTAGE),
# charge that is never stored and whose electrical energy becomes heat. Tafel-like onset as in
# the overcharge models of Spotnitz & Franklin (J. Power Sources 113 81, 2003) and Ren et al.
# (J. Power Sources 364 328, 2017): negligible at the charge voltage (0.7 mA for a 3.5 Ah MJ1
# floated at 4.2 V), ~C/230 at 0.1 V above full, 0.54 A (2.4 W) for an LG M50 held at 4.5 V,
# which then heats by ~40 K within the hour, as overcharge abuse tests show.
SIDE_CURRENT = 1e-3  # C-rate (1/h) of the side reactions at dU = SIDE_VOLTAGE x ln 2
SIDE_VOLTAGE = 0.06  # V per e-fold of the side-reaction current
# Electrode stoichiometries at empty and full (Chen2020, the window of chen2020_ocv.csv) and the
# positive electrode's charge-transfer resistance relative to the negative's at equal
# sqrt(c (c_max - c)): k c_max (3 eps / r) L of the negative over the positive's (0.234 / 2.079).
NEG_EMPTY, NEG_FULL = 0.02635, 0.91062
POS_EMPTY, POS_FULL = 0.85397, 0.26385
POS_SHARE = 0.1126
# The fitted exchange current is the mean over 0-100 % SOC: the factor's mean is 1 (1.17 at 50 %).
EXCHANGE_MEAN = 2.6192
# The DUT solve iterates the chord resistance to the current it solves for: this close, at most this often.
CHORD_TOLERANCE = 1e-6  # relative (the current solved is then within ~1e-7 of exact)
CHORD_ITERATIONS = 30


class OcvCurve:
    """Open-circuit voltage vs state of charge, linear between table points.

    Below the table the voltage runs on at the end segment's slope or BEYOND_SLOPE, whichever is
    steeper: an over-discharged cell collapses (a few % of its capacity below empty takes it to
    0 V, as a real one's does, not another 10 %). Above it, the end segment goes on for
    OVERFILL (a charge to the charge voltage ends a little past the table's full, at rest on
    that segment), then as steeply: a hold above the charge voltage puts little more charge in.
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
            return self._volts[0] + max(self._slopes[0], BEYOND_SLOPE) * (soc - self._soc[0])
        if i >= len(self._slopes):
            over = soc - self._soc[-1]
            steep = max(0.0, over - OVERFILL)
            return self._volts[-1] + self._slopes[-1] * (over - steep) + max(self._slopes[-1], BEYOND_SLOPE) * steep
        return self._volts[i] + self._slopes[i] * (soc - self._soc[i])


def exchange_factor(surface_soc: float) -> float:
    """How the exchange current at this surface SOC compares with its mean over 0-100 %: Butler-Volmer
    j0 ~ sqrt(c_s (c_max - c_s)) in each electrode, the two electrodes' charge-transfer
    resistances in series (the negative one's ~9x the positive one's in Chen2020). Near empty the
    graphite surface is almost delithiated: charge transfer slows and DCIR rises."""
    s = 0.0 if surface_soc < 0.0 else 1.0 if surface_soc > 1.0 else surface_soc
    x = NEG_EMPTY + s * (NEG_FULL - NEG_EMPTY)
    y = POS_EMPTY + s * (POS_FULL - POS_EMPTY)
    return EXCHANGE_MEAN / (1.0 / math.sqrt(x * (1.0 - x)) + POS_SHARE / math.sqrt(y * (1.0 - y)))


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
    exchange_current: float = quantity(
        "ampere", "exchange current i0 of the charge-transfer overpotential b asinh(I/i0) at 25 degC, fresh")
    charge_transfer_voltage: float = quantity(
        "volt", "b of the charge-transfer overpotential b asinh(I/i0) at 25 degC (scales with T in kelvin)")
    diffusion_time: float = quantity(
        "second", "time constant of the surface SOC lag (solid diffusion)")
    diffusion_lag: float = quantity(
        "second", "steady surface SOC lag is I x this / capacity (seconds of the current)")
    activation_energy: float = quantity(
        "joule / mole", "Arrhenius activation energy of the exchange current (charge transfer)", 79_600.0)
    ohmic_activation_energy: float = quantity(
        "joule / mole", "Arrhenius activation energy of R0 and R1 (0: no temperature dependence)", 0.0)
    entropic_coefficient: float = quantity(
        "volt / kelvin", "dOCV/dT, SOC-averaged (reversible heat -I T dU/dT)", -0.1e-3)
    self_discharge_resistance: float = quantity(
        "ohm", "leakage resistance across the cell (self-discharge, about 2 %/month)")
    cycle_fade: float = quantity(
        "dimensionless", "throughput term of the cycle fade (any temperature) after 100 equivalent full cycles",
        0.0539)
    cycle_fade_exponent: float = quantity(
        "dimensionless", "exponent z of the throughput term cycle_fade (EFC/100)^z", 0.340)
    plating_fade: float = quantity(
        "dimensionless", "charge (plating) term of the cycle fade after 100 EFC charged at >= 25 degC", 0.0274)
    plating_fade_exponent: float = quantity(
        "dimensionless", "exponent m > 1 of the charge term plating_fade (EFC_charge/100)^m: fade accelerates",
        1.318)
    cold_cycling_slope: float = quantity(
        "1 / kelvin", "charge below 25 degC counts exp(slope x (25 degC - T_cell)) in the charge term", 0.0777)
    calendar_fade: float = quantity(
        "dimensionless", "capacity fade after one year stored full at 25 degC (grows as sqrt(time))", 0.03)
    resistance_growth: float = quantity(
        "dimensionless", "relative resistance increase per unit of capacity fade", 2.5)
    initial_efc: float = quantity("dimensionless", "equivalent full cycles already done at the start", 0.0)
    initial_soc: float = quantity("dimensionless", "state of charge at the start", 1.0)

    def __post_init__(self) -> None:
        require_positive(self, "capacity", "r0", "r1", "tau1", "exchange_current", "charge_transfer_voltage",
                         "diffusion_time", "self_discharge_resistance")
        if self.diffusion_lag < 0.0:
            raise ValueError(f"parameter 'diffusion_lag' must be >= 0, got {self.diffusion_lag!r}")
        require_fraction(self, "initial_soc")
        require_fraction(self, "cycle_fade")
        require_fraction(self, "plating_fade")
        require_fraction(self, "calendar_fade")
        if self.initial_efc < 0.0:
            raise ValueError(f"parameter 'initial_efc' must be >= 0, got {self.initial_efc!r}")


def cycle_fade(model: CellModel, efc: float, charge_temp: float = T_REF) -> float:
    """Capacity fade (fraction) after `efc` equivalent full cycles charged at cell temperature
    `charge_temp` (degC), calendar share included: the cycle ageing law,

        fade = cycle_fade (EFC/100)^z + plating_fade (EFC_p/100)^m,
        EFC_p = EFC x exp(cold_cycling_slope x (25 degC - charge_temp))   (x 1 at >= 25 degC)

    EFC_p counts the charge throughput only (2 x charged charge / capacity), so discharge ages
    at the 25 degC rate whatever its temperature. Fitted by least squares on every measured cell
    of the SimSES / Schindler et al. (2021) LG MJ1 data (0, 10 and 25 degC ambient), with the
    charge temperatures the bench's cycling gives a bare cell (~5 / 14 / 28 degC: self-heating).
    """
    cold = math.exp(model.cold_cycling_slope * (T_REF - charge_temp)) if charge_temp < T_REF else 1.0
    return (model.cycle_fade * (efc / EFC_SCALE) ** model.cycle_fade_exponent
            + model.plating_fade * (efc * cold / EFC_SCALE) ** model.plating_fade_exponent)


class Cell:
    """State of one equivalent-circuit cell (or parallel group).

    `r0` (the chord resistance at the present current, charge transfer included), `r1` and
    `capacity` are the present values (aged, at the present temperature); the `solve` of a DUT
    reads them with `emf()`. `efc` counts equivalent full cycles from charge throughput.
    """

    __slots__ = (
        "ocv", "capacity", "r0", "r1", "tau1", "soc", "v_rc", "lag", "_emf", "efc", "fade", "fresh_capacity",
        "r_ohm", "i0", "b", "_i_chord",
        "_r0_ref", "_r1_ref", "_i0_ref", "_b_ref", "_ea", "_ea_ohm", "_dudt", "_g_leak", "_fade100", "_z",
        "_cold", "_cal_rate", "_growth", "_efc_aged", "_cycle_fade", "_cal_time", "_decay_dt", "_decay",
        "_tau_d", "_lag_gain", "_lag_decay", "_plate100", "_m",
        "short_onset", "short_resistance", "short_halving", "short_minimum", "shunt",
        "runaway_onset", "runaway_power", "_reactants", "_u_full", "_side0", "side_current",
    )

    def __init__(self, ocv: OcvCurve, model: CellModel, soc: float | None = None) -> None:
        p = model
        self.ocv = ocv
        self.fresh_capacity = self.capacity = p.capacity
        self._r0_ref, self._r1_ref = p.r0, p.r1
        self._i0_ref, self._b_ref = p.exchange_current, p.charge_transfer_voltage
        self.r_ohm, self.r1, self.tau1 = p.r0, p.r1, p.tau1
        self.i0, self.b = p.exchange_current, p.charge_transfer_voltage
        self._i_chord = 0.0  # the current r0 is the chord resistance at
        self.r0 = p.r0 + self.b / self.i0
        self.soc = p.initial_soc if soc is None else soc
        self.v_rc = 0.0  # starts relaxed
        self.lag = 0.0  # surface SOC = soc - lag; starts relaxed
        self._emf = ocv(self.soc)  # emf(), kept up to date by step()
        self._tau_d, self._lag_gain = p.diffusion_time, p.diffusion_lag
        self._ea = p.activation_energy / GAS_CONSTANT
        self._ea_ohm = p.ohmic_activation_energy / GAS_CONSTANT
        self._dudt = p.entropic_coefficient
        self._g_leak = 1.0 / p.self_discharge_resistance
        self._fade100, self._z, self._cold = p.cycle_fade, p.cycle_fade_exponent, p.cold_cycling_slope
        self._cal_rate = p.calendar_fade
        self._growth = p.resistance_growth
        self._plate100, self._m = p.plating_fade, p.plating_fade_exponent
        # _efc_aged: the charge term's EFC (2 x charge / capacity, cold-weighted); earlier cycling at 25 degC
        self.efc = self._efc_aged = p.initial_efc
        self._cycle_fade = cycle_fade(p, self.efc)
        self._cal_time = 0.0  # equivalent time (s) at full charge and 25 degC
        # exp(-dt / tau1) and exp(-dt / tau_d), cached for the usual step
        self._decay_dt, self._decay, self._lag_decay = 0.0, 1.0, 1.0
        self.short_onset = math.inf  # no micro-short (see drivers.sim.defects.MicroShort)
        self.short_resistance = self.short_halving = self.short_minimum = 0.0
        self.shunt = 0.0  # micro-short conductance now (S)
        self.runaway_onset = math.inf
        self.runaway_power = 0.0
        self._reactants = 1.0  # share of the runaway heat not released yet
        self._u_full = ocv(1.0)  # above it, overcharge side reactions (SIDE_CURRENT)
        self._side0 = SIDE_CURRENT * p.capacity / AH
        self.side_current = 0.0  # A into side reactions now (never stored)
        self.fade = 0.0
        self._age(0.0, T_REF)

    def scale_capacity(self, capacity: float) -> None:
        """Give the cell another fresh capacity (a counterfeit), keeping its SOC and its age."""
        self.fresh_capacity = capacity
        self.capacity = capacity * (1.0 - self.fade)

    def scale_resistance(self, factor: float) -> None:
        """Multiply the fresh resistances and the charge-transfer overpotential (a high-resistance defect)."""
        self._r0_ref *= factor
        self._r1_ref *= factor
        self._b_ref *= factor
        self._age(0.0, T_REF)

    def emf(self) -> float:
        """Voltage behind r0: OCV at the surface SOC minus the RC-pair polarisation (the zero-current
        terminal voltage now)."""
        return self._emf

    def resistance(self, current: float) -> float:
        """Chord resistance (ohm) at `current` (A, + = discharge): R_ohm + b asinh(I/i0) / I, so
        that the terminal voltage is emf() - r0 I exactly; sets `r0` to it."""
        if current == self._i_chord:
            return self.r0
        return self._chord(current)

    def _chord(self, current: float) -> float:
        self._i_chord = current
        x = current / self.i0
        if -1e-4 < x < 1e-4:
            r = self.r_ohm + self.b / self.i0 * (1.0 - x * x / 6.0)
        else:
            r = self.r_ohm + self.b * math.asinh(x) / current
        self.r0 = r
        return r

    def voltage(self, current: float) -> float:
        """Terminal voltage (V) now at `current` (sets `r0` to the chord there)."""
        return self._emf - self.resistance(current) * current

    def current_at(self, voltage: float, series: float = 0.0) -> float:
        """The current (A, + = discharge) that puts the terminals, seen through `series` ohm more
        (a charger's path to the cells), at `voltage` now (sets `r0`)."""
        e, r = self._emf, self.r0
        i = (e - voltage) / (r + series)
        for _ in range(CHORD_ITERATIONS):
            r_new = self.resistance(i)
            if abs(r_new - r) <= CHORD_TOLERANCE * r:
                break
            r = r_new
            i = (e - voltage) / (r + series)
        self.r0 = r  # the chord the current was solved with: V = emf - r0 I holds exactly
        return i

    def current_for_power(self, power: float, series: float = 0.0) -> float:
        """The current (A, + = discharge) at which the terminals, seen through `series` ohm more,
        deliver `power` (W; < 0: the cell takes it), V I = power with V = emf - (r0 + series) I on
        the upper branch; NaN beyond the most the cell can deliver. Sets `r0` to the chord there."""
        e, r = self._emf, self.r0
        i = math.nan
        for _ in range(CHORD_ITERATIONS):
            disc = e * e - 4.0 * (r + series) * power
            if disc < 0.0:
                return math.nan
            i = 2.0 * power / (e + math.sqrt(disc))  # = (e - sqrt(disc)) / 2R, exact at small power
            r_new = self.resistance(i)
            if abs(r_new - r) <= CHORD_TOLERANCE * r:
                break
            r = r_new
        self.r0 = r  # the chord the current was solved with: V = emf - r0 I holds exactly
        return i

    def step(self, current: float, dt: float, temp: float) -> float:
        """Carry `current` (A, + = discharge) for dt seconds at cell temperature `temp` (degC);
        returns the mean heat (W) the cell produced. The RC pair and the surface lag are
        integrated exactly."""
        u = self._emf + self.v_rc  # OCV at the surface SOC: what the leakage sees
        g = self._g_leak + self.shunt
        if current != self._i_chord:
            self._chord(current)
        heat = current * current * self.r0 + u * u * g - current * (temp + KELVIN) * self._dudt
        if temp >= self.runaway_onset and self._reactants > 0.0:
            heat += self._runaway(temp, dt)
        q = self.capacity
        if u > self._u_full:  # overcharged: the side reactions take charge and turn it into heat
            side = self.side_current = self._side0 * math.expm1((u - self._u_full) / SIDE_VOLTAGE)
            heat += u * side
            g += side / u
        elif self.side_current:
            self.side_current = 0.0
        self.soc -= (current + u * g) * dt / q
        if dt != self._decay_dt:
            self._decay_dt, self._decay, self._lag_decay = dt, math.exp(-dt / self.tau1), math.exp(-dt / self._tau_d)
        decay = self._decay
        self.v_rc = self.v_rc * decay + self.r1 * current * (1.0 - decay)
        decay = self._lag_decay
        self.lag = self.lag * decay + self._lag_gain * current / q * (1.0 - decay)
        self._emf = self.ocv(self.soc - self.lag) - self.v_rc
        self._age(current * dt / (2.0 * self.fresh_capacity), temp, dt)
        return heat

    def _runaway(self, temp: float, dt: float) -> float:
        """Mean exothermic heat (W) over dt past the onset; the reactants are used up exactly."""
        energy = RUNAWAY_HEAT_PER_COULOMB * self.fresh_capacity
        rate = self.runaway_power / energy * math.exp(min((temp - self.runaway_onset) / RUNAWAY_THETA, 50.0))
        used = self._reactants * -math.expm1(-rate * dt)
        self._reactants -= used
        return energy * used / dt

    def _age(self, d_efc: float, temp: float, dt: float = 0.0) -> None:
        """Count cycles (d_efc < 0: charging), age the cell and set its capacity and resistances."""
        inv_t = 1.0 / (temp + KELVIN) - INV_T_REF
        if d_efc:
            if d_efc < 0.0:  # charge: plating, faster when the cell is cold while charging
                d_efc = -d_efc
                self._efc_aged += 2.0 * d_efc * (math.exp(self._cold * (T_REF - temp)) if temp < T_REF else 1.0)
            self.efc += d_efc
            self._cycle_fade = (self._fade100 * (self.efc / EFC_SCALE) ** self._z
                                + self._plate100 * (self._efc_aged / EFC_SCALE) ** self._m)
            if self.efc >= self.short_onset:
                self.shunt = 1.0 / max(self.short_minimum, self.short_resistance
                                       * 0.5 ** ((self.efc - self.short_onset) / self.short_halving))
        if dt and abs(d_efc) * 2.0 * AH <= CAL_REST_C_RATE * dt:  # at rest: shelf ageing
            stress = math.exp(CAL_SOC_SLOPE * (self.soc - 1.0) - CAL_EA_R * inv_t)
            self._cal_time += dt * stress * stress  # sqrt law: equivalent time grows with stress^2
        fade = self._cycle_fade + self._cal_rate * math.sqrt(self._cal_time / YEAR)
        self.fade = fade = min(fade, 0.99)
        self.capacity = self.fresh_capacity * (1.0 - fade)
        growth = 1.0 + self._growth * fade
        factor = growth * math.exp(self._ea_ohm * inv_t) if self._ea_ohm else growth
        self.r_ohm = self._r0_ref * factor
        self.r1 = self._r1_ref * factor
        self.i0 = self._i0_ref * math.exp(-self._ea * inv_t) * exchange_factor(self.soc - self.lag)
        self.b = self._b_ref * growth * (temp + KELVIN) / T_REF_K
        self._chord(self._i_chord)


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


# LG INR21700-M50: fit of the PyBaMM DFN, Chen2020 parameter set (tests/drivers/sim/reference/:
# CC discharges at 0.2C-2C and 10-40 degC isothermal, a 1C pulse and its relaxation; least
# squares on the voltage every 10 s and the capacity to 2.5 V). capacity: the 4.2-2.5 V OCV window;
# R0, b, i0: the DFN's initial drop (44 / 37 / 29 / 22 mOhm at 0.2C / 0.5C / 1C / 2C), b close to
# the thermal voltage RT/F; activation_energy: an effective value that makes b asinh(I/i0)
# carry the DFN's temperature dependence (Chen2020: 35 and 17.8 kJ/mol on the two electrodes'
# exchange currents, in a larger overpotential); R0 and R1 do not depend on temperature there.
# Heat capacity: 68 g at ~1.0 J/(g K); ambient link: h ~ 10 W/(m2 K) over 0.0053 m2, plus holder.
# The lumped-thermal DFN (Chen2020) holds less: the layer stack's volume-averaged rho cp x
# 2.42e-5 m3 = 42.8 J/K, cooled by 10 W/(m2 K) x 0.00531 m2 = 0.0531 W/K (no can); with those
# the bare cell's temperature follows the DFN's (test_sim_cell_reference.py), and as shipped
# its voltage under self-heating stays within 20 mV RMSE of the DFN's at 1C and 2C.
# Ageing law: none measured for this cell; the LG MJ1 fit below (the CellModel defaults: same
# NMC / graphite-SiOx family), in EFC of its own capacity, the charge term's cold acceleration at the
# M50's own (self-heated) cell temperature while charging; not validated (no M50 ageing data).
LG_M50 = CellParams(
    capacity=5.165 * AH,
    rated_capacity=5.0 * AH,
    r0=0.0227,
    r1=0.01385,
    tau1=198.0,
    exchange_current=2.29,
    charge_transfer_voltage=0.02565,
    diffusion_time=86.6,
    diffusion_lag=91.2,
    self_discharge_resistance=leakage_for(5.0),
    heat_capacity=70.0,
    ambient_conductance=0.06,
)

# LG INR18650-MJ1: measured OCV (SimSES); capacity 3.5 Ah nominal (3.45 Ah typical at 0.2C).
# No reference discharge exists, so the M50 fit is scaled: the same chemistry family in a
# smaller can, so per unit of electrode area the same; R0 and R1 x 1.216 (its datasheet AC
# impedance, <= 38 mOhm, against the M50's ~31: the former lumped 45 vs 37 mOhm), the exchange
# current x 3.45/5.165 (electrode area goes with capacity), b, the activation energies and the
# diffusion terms (seconds, per unit of SOC: same particles) unchanged; tau1 kept at 120 s.
# Ageing: the CellModel defaults are its fit to the SimSES / Schindler et al. (2021) cycling
# data at 0, 10 and 25 degC (see `cycle_fade`); simulated cycling runs against the data:
# tests/drivers/sim/test_sim_ageing.py.
# Heat capacity: 47 g at ~1.0 J/(g K); h*A over 0.0042 m2 plus holder.
LG_MJ1 = CellParams(
    capacity=3.45 * AH,
    rated_capacity=3.5 * AH,
    r0=0.0276,
    r1=0.0168,
    tau1=120.0,
    exchange_current=1.53,
    charge_transfer_voltage=0.02565,
    diffusion_time=86.6,
    diffusion_lag=91.2,
    self_discharge_resistance=leakage_for(3.5),
    heat_capacity=47.0,
    ambient_conductance=0.045,
)
