"""A power bank as DUT: a 1S nP pack behind a boost converter (USB output) and a charger IC
(USB input), in a case that exchanges heat with the ambient.

What the chips do, as modelled:
- boost: 5.1 V no-load, droop through the output resistance (incl. cable); losses = fixed +
  proportional to output power + I^2 R of the pack-side current (conduction), drawn from the
  pack on top of the output power.
- output protections, each acting at once on the operating point the load demands:
  short circuit (the load's V/I below `short_circuit_resistance`) switches the output off,
  latched until a load is plugged again; over-current switches it off and either retries
  after a delay (hiccup) or latches like a short (`ocp_latch`); under-voltage (loaded pack
  voltage below the threshold) latches the output off until the input is powered;
  over-temperature (cells above `otp_temperature`) switches it off until they cool
  `otp_hysteresis` below; light-load auto-off after `light_load_time` below a current
  threshold, counted from the output coming on (a bank switched on and never loaded goes off
  too). A new bank is off (as from the box); a switched-off output wakes on a load being
  plugged (the load input switching on) or on the input being powered, except
  over-temperature, which waits for the cells to cool. Off, the chips draw `standby_current`
  from the pack (microamps: a stored bank loses what its cells' self-discharge says).
- charger: runs while the input is between its under- and over-voltage limits and the cells
  are below `charge_otp_temperature` (resumes `otp_hysteresis` below); a deeply discharged
  pack (open-circuit voltage below `precharge_voltage`) is pre-charged at
  `precharge_fraction` of the charge current first; then CC, then CV,
  terminates below the termination current in CV, restarts below the recharge voltage; when
  the supply current-limits, the charger lowers its charge current to hold its input at the
  DPM voltage, so the supply sits in CC at that voltage.
- pass-through (`pass_through`, default 0 = off): off, while the input is powered the output
  is off (as many cheap banks do). On, the output stays on while charging: the input feeds the
  output first (its power at the converter / `pass_through_efficiency`), the charger gets what
  is left; when the supply current-limits the charge current is cut first (input held at the
  DPM voltage), then the output droops to the power left (a CC load: V = P / I; down to a
  collapse at no power left). Output protections still act; the pack is not drawn from while
  the input feeds the output (no under-voltage trip). Powering or unpowering the input leaves
  an on output on (no glitch, its light-load timer untouched); powering it wakes an output that
  is off, except over-temperature, as without pass-through.
- thermal: cells and case as two nodes; the pack's heat (cell.py) into the cells,
  converter/charger losses into the case, case to ambient through h*A.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from drivers.sim.cell import AH, Cell, CellModel, CellParams, OcvCurve
from drivers.sim.circuit import LoadSettings, SupplySettings, load_current
from drivers.sim.params import quantity, require_fraction, require_positive


class Output(enum.Enum):
    """State of the USB output."""

    ON = "on"
    OCP = "over-current, waiting to retry (or latched until a load is plugged)"
    SHORT = "short circuit, latched until a load is plugged"
    OTP = "over-temperature, waiting for the cells to cool"
    UVP = "under-voltage, latched until the input is powered"
    STANDBY = "off (light-load auto-off), waiting for a load to be plugged"
    INPUT = "off while the input is powered (no pass-through)"


# The states by name: the model looks at its output state at every step and every solve, and in
# CPython 3.11 looking a member up on its Enum class costs several times the comparison.
ON, OCP, SHORT, OTP, UVP, STANDBY, INPUT = (Output.ON, Output.OCP, Output.SHORT, Output.OTP, Output.UVP,
                                           Output.STANDBY, Output.INPUT)


@dataclass(frozen=True, slots=True, kw_only=True)
class PowerBankParams(CellModel):
    """A power bank: pack (as one equivalent cell: the CellModel fields are the pack's),
    boost converter, protections, charger, thermal."""

    initial_soc: float = quantity("dimensionless", "state of charge at the start", 0.5)
    rated_voltage: float = quantity("volt", "nominal cell voltage the label refers to", 3.7)
    cells_heat_capacity: float = quantity("joule / kelvin", "heat capacity of the cells")

    output_voltage: float = quantity("volt", "boost output at no load", 5.1)
    output_resistance: float = quantity("ohm", "output droop resistance, incl. cable", 0.08)
    rated_output_current: float = quantity("ampere", "label output current; not used by the physics")
    boost_fixed_loss: float = quantity("watt", "boost loss while the output is on (switching, quiescent)", 0.1)
    boost_proportional_loss: float = quantity("dimensionless", "boost loss per watt of output", 0.045)
    boost_resistance: float = quantity(
        "ohm", "boost conduction loss per pack-side ampere squared (inductor DCR, switch on-resistance)", 0.02)

    ocp_current: float = quantity("ampere", "output over-current trip")
    ocp_retry_time: float = quantity("second", "delay before the output retries after an over-current", 2.0)
    ocp_latch: float = quantity("dimensionless", "1: an over-current latches until a load is plugged; 0: retry", 0.0)
    short_circuit_resistance: float = quantity(
        "ohm", "a load below this V/I is a short circuit: output off at once, latched", 0.5)
    otp_temperature: float = quantity("degC", "cell temperature above which the output switches off", 60.0)
    charge_otp_temperature: float = quantity("degC", "cell temperature above which charging stops", 45.0)
    otp_hysteresis: float = quantity("kelvin", "output / charging resume this much below their trip", 10.0)
    uvp_voltage: float = quantity("volt", "loaded pack voltage below which the output collapses", 3.0)
    uvp_latch: float = quantity("dimensionless", "1: an under-voltage cut-off holds until the input is powered; "
                                "0: a plugged load turns the output back on (a faulty protection)", 1.0)
    light_load_current: float = quantity("ampere", "output current below which the auto-off timer runs", 0.06)
    light_load_time: float = quantity("second", "light-load time before auto-off", 30.0)
    standby_current: float = quantity(
        "ampere", "pack current with the output off and no input (the chips' quiescent draw)", 20e-6)

    input_min_voltage: float = quantity("volt", "input under-voltage lockout: no charging below", 4.5)
    input_max_voltage: float = quantity("volt", "input over-voltage protection: charger off above", 6.2)
    input_dpm_voltage: float = quantity("volt", "input voltage the charger holds when the supply current-limits", 4.5)
    charge_current: float = quantity("ampere", "constant-current charge current (pack)")
    precharge_voltage: float = quantity(
        "volt", "open-circuit cell voltage below which the charger pre-charges a deeply discharged pack", 3.0)
    precharge_fraction: float = quantity("dimensionless", "pre-charge current / charge current", 0.1)
    charge_path_resistance: float = quantity(
        "ohm", "between the charger's voltage sense and the cells (protection MOSFETs, current-sense resistor, "
               "traces): its CV holds its own pin, so the cells reach the charge voltage only as the current tapers "
               "(a CV phase of 25-35 min, as banks show)",
        0.02)
    charge_voltage: float = quantity("volt", "constant-voltage charge voltage (cell)", 4.2)
    termination_current: float = quantity("ampere", "charge terminates below this current in CV")
    recharge_voltage: float = quantity("volt", "a terminated charge restarts below this open-circuit voltage", 4.1)
    charger_efficiency: float = quantity("dimensionless", "charger power efficiency (cells / input)", 0.9)
    charger_quiescent_current: float = quantity("ampere", "input current of the charger IC itself", 0.005)
    pass_through: float = quantity(
        "dimensionless", "1: pass-through, the input feeds the output while charging; 0: output off while charging",
        0.0)
    pass_through_efficiency: float = quantity(
        "dimensionless", "pass-through power efficiency (output at the converter / input share)", 0.95)

    case_heat_capacity: float = quantity("joule / kelvin", "heat capacity of case and electronics")
    cells_to_case_conductance: float = quantity("watt / kelvin", "heat transfer cells -> case")
    case_to_ambient_conductance: float = quantity("watt / kelvin", "heat transfer case -> ambient (h*A)")

    def __post_init__(self) -> None:
        CellModel.__post_init__(self)
        require_positive(
            self, "cells_heat_capacity", "output_voltage", "output_resistance",
            "ocp_retry_time", "light_load_time", "input_dpm_voltage", "charge_voltage", "charger_efficiency",
            "pass_through_efficiency", "case_heat_capacity", "cells_to_case_conductance",
            "case_to_ambient_conductance",
        )
        require_fraction(self, "charger_efficiency")
        require_fraction(self, "precharge_fraction")
        require_fraction(self, "pass_through_efficiency")


def pack_of(cell: CellParams, parallel: int, **bank: float) -> PowerBankParams:
    """Power-bank parameters for `parallel` identical cells; `bank` gives the non-pack fields.

    The charger's termination current defaults to C/20 of the pack as built, and stays put if
    the capacity is later overridden (the IC is programmed, it does not measure the cells).
    """
    capacity = parallel * cell.capacity
    bank.setdefault("termination_current", capacity / AH / 20.0)
    chemistry = {f: getattr(cell, f) for f in ("charge_transfer_voltage", "diffusion_time", "diffusion_lag",
                                                "activation_energy", "ohmic_activation_energy",
                                                "entropic_coefficient", "cycle_fade",
                                                "cycle_fade_exponent", "plating_fade", "plating_fade_exponent",
                                                "cold_cycling_slope", "calendar_fade",
                                                "resistance_growth")}
    return PowerBankParams(
        capacity=capacity,
        r0=cell.r0 / parallel,
        r1=cell.r1 / parallel,
        tau1=cell.tau1,
        exchange_current=cell.exchange_current * parallel,
        self_discharge_resistance=cell.self_discharge_resistance / parallel,
        cells_heat_capacity=parallel * cell.heat_capacity,
        **chemistry,
        **bank,
    )


class PowerBank:
    """State and operating point of one power bank; implements the `Dut` interface."""

    def __init__(self, params: PowerBankParams, ocv: OcvCurve, ambient: float) -> None:
        p = self.params = params
        self.cell = Cell(ocv, p)
        self.max_step = min(
            1.0,
            0.1 * p.cells_heat_capacity / p.cells_to_case_conductance,
            0.1 * p.case_heat_capacity / (p.cells_to_case_conductance + p.case_to_ambient_conductance),
        )
        self.ambient = ambient
        self.t_cells = ambient
        self.t_case = ambient
        self.output = STANDBY  # off, as from the box: a load plugged or the input powered wakes it
        self.charge_done = False
        self.charge_hot = False  # charging paused by the charger's over-temperature protection
        self._light_time = 0.0  # s the output has been on below the light-load current
        self._retry_time = 0.0
        self._load_was_on = False
        self._input_valid = False  # the input was powered (within its limits) at the last solve
        self._cv_limited = False  # the charger's CV loop sets the current (termination may apply)
        self.current = 0.0  # pack current, + = discharge
        self._case_heat = 0.0  # W into the case at this operating point
        self.load_v = self.load_i = self.supply_v = self.supply_i = 0.0

    # --- operating point -------------------------------------------------------------------

    def solve(self, load: LoadSettings, supply: SupplySettings) -> None:
        p = self.params
        input_valid = supply.on and p.input_min_voltage <= supply.voltage <= p.input_max_voltage
        input_powered, input_dropped = input_valid and not self._input_valid, self._input_valid and not input_valid
        self._input_valid = input_valid
        if p.pass_through:
            if input_dropped:
                self.charge_done = False
            if input_powered and self.output is not ON and self.output is not OTP:
                self._switch_output_on()  # powering the input clears the output latches; an on output stays as it is
        elif input_valid:
            self.output = INPUT  # powering the input clears every output latch
        elif self.output is INPUT:
            self.charge_done = False
            self._switch_output_on()
        plugged = load.on and not self._load_was_on
        self._load_was_on = load.on
        if plugged and (self.output is STANDBY or self.output is SHORT
                        or (self.output is OCP and p.ocp_latch)
                        or (self.output is UVP and not p.uvp_latch)):
            self._switch_output_on()

        self.load_v = self.load_i = self.current = self._case_heat = 0.0
        self.supply_v = supply.voltage if supply.on else 0.0
        self.supply_i = 0.0
        if input_valid and p.pass_through:
            self._solve_pass_through(load, supply)
        elif input_valid:
            self._solve_charger(supply)
        elif self.output is ON:
            self._solve_boost(load)
        else:  # output off, no input: the chips' quiescent draw
            self.current = p.standby_current

    def _switch_output_on(self) -> None:
        self.output = ON
        self._light_time = 0.0

    def _solve_boost(self, load: LoadSettings) -> None:
        p = self.params
        v0, r = p.output_voltage, p.output_resistance
        i_out = load_current(load, v0, r)
        if i_out > 0.0 and v0 - r * i_out < p.short_circuit_resistance * i_out:
            self.output = SHORT
            return
        if i_out > p.ocp_current:
            self.output = OCP
            self._retry_time = 0.0
            return
        p_out = v0 * i_out  # at the converter, i.e. including the droop in the output resistance
        # the conduction loss is in the pack-side current (to first order the output current times the
        # step-up ratio): a 9 V output, which draws more current from the pack per output ampere, loses more
        cell, e = self.cell, self.cell.emf()
        i_in = i_out * v0 / e
        loss = p.boost_fixed_loss + p.boost_proportional_loss * p_out + p.boost_resistance * i_in * i_in
        i_cells = cell.current_for_power(p_out + loss)  # V * I = p_out + loss with V = e - r0(I) * I
        v_cells = 0.0 if math.isnan(i_cells) else e - cell.r0 * i_cells  # NaN: beyond its power
        if v_cells < p.uvp_voltage:
            self.output = UVP
            return
        self.current = i_cells
        self.load_i = i_out
        self.load_v = v0 - r * i_out
        self._case_heat = loss + r * i_out * i_out

    def _charge_demand(self, supply: SupplySettings) -> float:
        """Charge current (A into the pack) the charger asks for with the input unconstrained."""
        p = self.params
        self._cv_limited = False
        if self.charge_done or self.charge_hot or supply.voltage < p.input_dpm_voltage:
            return 0.0
        i_cc = p.charge_current
        if self.cell.ocv(self.cell.soc) < p.precharge_voltage:  # a deeply discharged pack: pre-charge
            i_cc *= p.precharge_fraction
        if self._pin(i_cc) <= p.charge_voltage:  # CC: the charger's pin stays below the CV level
            return i_cc
        self._cv_limited = True  # CV at the charger's pin, the path's drop short of the cells
        return max(0.0, -self.cell.current_at(p.charge_voltage, p.charge_path_resistance))

    def _pin(self, i_ch: float) -> float:
        """The charger's output voltage charging the cells at `i_ch` A: the cells' terminals plus
        the path's drop."""
        return self.cell.voltage(-i_ch) + i_ch * self.params.charge_path_resistance

    def _charge_from_power(self, power: float) -> float:
        """Charge current for `power` (W) out of the charger, path included: (e + (r0 + R) i) i = power."""
        return -self.cell.current_for_power(-power, self.params.charge_path_resistance)

    def _solve_pass_through(self, load: LoadSettings, supply: SupplySettings) -> None:
        """Input powered, pass-through on: the input feeds the output first, the charger the rest."""
        p = self.params
        vs, limit = supply.voltage, supply.current_limit
        iq, eff, eff_pt = p.charger_quiescent_current, p.charger_efficiency, p.pass_through_efficiency
        v0, r = p.output_voltage, p.output_resistance
        i_out = 0.0
        if self.output is ON:
            i_out = load_current(load, v0, r)
            if i_out > 0.0 and v0 - r * i_out < p.short_circuit_resistance * i_out:
                self.output = SHORT
                i_out = 0.0
            elif i_out > p.ocp_current:
                self.output = OCP
                self._retry_time = 0.0
                i_out = 0.0
        v_out = v0  # converter output, before the droop resistance
        p_pass = v0 * i_out / eff_pt  # input power the output takes
        i_ch = self._charge_demand(supply)
        i_in = (self._pin(i_ch) * i_ch / eff + p_pass) / vs + iq
        if i_in <= limit:
            self.supply_i = i_in
        elif limit > iq:  # supply in CC; the DPM loop holds the input at the DPM voltage
            self._cv_limited = False
            available = (limit - iq) * p.input_dpm_voltage
            if available >= p_pass:  # the charge current gives way first
                i_ch = self._charge_from_power(eff * (available - p_pass))
            else:  # no charging left, and the output droops to the power that is left
                i_ch = 0.0
                v_out, i_out = self._droop(load, eff_pt * available)
            self.supply_v = p.input_dpm_voltage
            self.supply_i = limit
        else:  # the limit cannot even feed the IC: the input sags, nothing charges, the output collapses
            i_ch = i_out = 0.0
            v_out = 0.0
            self.supply_v = vs * limit / iq
            self.supply_i = limit
        self.current = -i_ch
        self.load_i = i_out
        self.load_v = max(0.0, v_out - r * i_out) if self.output is ON else 0.0
        self._case_heat = self.supply_v * self.supply_i - self.cell.voltage(-i_ch) * i_ch - self.load_v * self.load_i

    def _droop(self, load: LoadSettings, power: float) -> tuple[float, float]:
        """Converter voltage and output current where the load takes only `power` (W) at the
        converter: the highest v <= output_voltage with v * I(v) <= power (bisection; v * I(v)
        rises with v in every load mode)."""
        r = self.params.output_resistance
        lo, hi = 0.0, self.params.output_voltage
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            if mid * load_current(load, mid, r) <= power:
                lo = mid
            else:
                hi = mid
        return lo, load_current(load, lo, r)

    def _solve_charger(self, supply: SupplySettings) -> None:
        p = self.params
        vs, limit = supply.voltage, supply.current_limit
        iq, eff = p.charger_quiescent_current, p.charger_efficiency
        i_ch = self._charge_demand(supply)
        i_in = self._pin(i_ch) * i_ch / (eff * vs) + iq
        v_ch = self.cell.voltage(-i_ch)  # the cells' terminal voltage charging at i_ch
        if i_in <= limit:
            self.supply_i = i_in
        elif limit > iq:  # supply in CC; the charger's DPM loop holds its input at the DPM voltage
            self._cv_limited = False
            i_ch = self._charge_from_power(eff * (limit - iq) * p.input_dpm_voltage)
            v_ch = self.cell.voltage(-i_ch)
            self.supply_v = p.input_dpm_voltage
            self.supply_i = limit
        else:  # the limit cannot even feed the IC: the input sags, nothing charges
            i_ch = 0.0
            self.supply_v = vs * limit / iq
            self.supply_i = limit
        self.current = -i_ch
        self._case_heat = self.supply_v * self.supply_i - v_ch * i_ch

    # --- time --------------------------------------------------------------------------------

    def step(self, dt: float) -> None:
        p, cell, i = self.params, self.cell, self.current
        q_cells = cell.step(i, dt, self.t_cells)
        flow = p.cells_to_case_conductance * (self.t_cells - self.t_case)
        self.t_cells += dt * (q_cells - flow) / p.cells_heat_capacity
        self.t_case += dt * (
            self._case_heat + flow - p.case_to_ambient_conductance * (self.t_case - self.ambient)
        ) / p.case_heat_capacity
        hot = self.t_cells
        if self.charge_hot:
            self.charge_hot = hot > p.charge_otp_temperature - p.otp_hysteresis
        else:
            self.charge_hot = hot > p.charge_otp_temperature

        out = self.output
        if out is ON:
            if hot > p.otp_temperature:
                self.output = OTP
            elif self.load_i >= p.light_load_current:
                self._light_time = 0.0
            else:
                self._light_time += dt
                if self._light_time >= p.light_load_time:
                    self.output = STANDBY
        elif out is OTP:
            if hot < p.otp_temperature - p.otp_hysteresis:
                self._switch_output_on()
        elif out is OCP:
            self._retry_time += dt
            if self._retry_time >= p.ocp_retry_time and not p.ocp_latch:
                self.output = ON
        if self._input_valid:  # charging (without pass-through the output is then INPUT)
            if self.charge_done:
                self.charge_done = cell.ocv(cell.soc) >= p.recharge_voltage
            elif self._cv_limited and -i < p.termination_current:
                self.charge_done = True

    alarms: tuple[str, ...] = ()  # its charger refuses to charge a full pack: no overcharge

    def describe(self, alarm: str) -> str:
        raise KeyError(alarm)

    def temperature(self, placement: str) -> float:
        if placement == "cell":
            return self.t_cells
        return self.t_case if placement == "surface" else self.ambient
