"""A bare cell simulated by PyBaMM's electrochemical models: `--dut pybamm:<set>[:<model>]`
(e.g. `pybamm:Chen2020`, the LG M50 in the DFN; `pybamm:Chen2020:SPMe`), the high-fidelity
check of a profile or a screen against the physics the equivalent circuit (cell.py) was fitted to.

Wired as barecell.py is: the load and the supply on the cell's terminals. PyBaMM is an optional
extra (`pip install 'powerbench[pybamm]'`), imported only when such a DUT is built; naming one
checks the name and that PyBaMM is installed, nothing more.

The model: PyBaMM's DFN (default), SPMe or SPM of a parameter set (PARAMETER_SETS), lumped
thermal ({"thermal": "lumped"}: one cell temperature, cooled to the world's ambient through the
set's heat-transfer coefficient; the thermocouples "cell" and "surface" read it), its external
circuit a control of our own (`_control`) that holds whatever the bench holds:
- the cell current (a CC load, the supply current-limiting, rest),
- the terminal voltage (the supply in CV, a CV load): PyBaMM's own voltage control, so a CV
  hold is exact to its solver's tolerance (~1e-7 V); it starts at the end of the integration
  step (max_step, 1 s) in which the voltage reached the set-point, which the cell may have
  passed by up to one step's rise (~1 mV at 1C; the readings, taken after, show the hold),
- a resistance or a power (CR, CP loads), with the supply's limited current alongside.
The operating point: the cell at its present PyBaMM state is linearised as an emf behind a
resistance (the terminal voltage at the present current plus `resistance` times it, the
resistance measured on the model at each change of current: its instantaneous response), and
solved as barecell.py does, only to decide which of the above the bench holds now. Whenever that
changes (a set-point, a switch, the supply reaching its limit or leaving it, the ambient), PyBaMM
starts again from its state at that moment (or takes up the solution it left at that very
instant: a switch off and on again changes nothing); the readings are PyBaMM's own values,
never the linearisation's.
Cost: PyBaMM integrates a stretch of constant control ahead in one solve (IDAKLU, readings
every max_step; FIRST_STRETCH, then longer) and the world's steps read it: a 1 h discharge
costs three solves, tens of milliseconds each; a restart costs about as much, so a chamber
ramp (a new ambient every step) is slow. `import pybamm` takes two seconds or more, building
the model and its first solve under a second each.
State: the state vector where the present stretch started, the control and the time, as plain
data (`to_plain`); restored into a fresh model, the same stretch is solved again, the same
(IDAKLU is deterministic), so a resumed run writes the samples the original would have.
Not modelled: ageing, self-discharge, overcharge side reactions, manufacturing spread and the
cell defects of the equivalent circuit (micro-short, counterfeit, high resistance). The model
stops at its parameter set's voltage window widened by WINDOW_MARGIN, or where its solver
fails (an over-discharged or overcharged cell): the world then raises `ModelLimit`.
"""
from __future__ import annotations

import importlib.util
import math
import os
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, Mapping

from drivers.sim.circuit import LoadSettings, SupplySettings, load_current_at
from drivers.sim.params import ParameterInfo, describe, quantity, require_fraction, with_overrides

PREFIX = "pybamm:"
INSTALL = "pip install 'powerbench[pybamm]'"
MODELS = ("DFN", "SPMe", "SPM")
# The DFN by default: the model the presets were fitted to, and a 1 h discharge at 1 s takes
# about as long as with the SPMe (README: the PyBaMM cell; the fixed costs of import and build
# dominate both).
DEFAULT_MODEL = "DFN"
# Lithium-ion parameter sets of full cells that run here (lumped thermal, each model), and the
# shipped product label of the cell each describes (None: the profile's own [dut]). Chen2020:
# LG INR21700-M50 (Chen et al., J. Electrochem. Soc. 167 080534, 2020); OKane2022 adds
# degradation parameters to it (unused here: no ageing).
PARAMETER_SETS: dict[str, str | None] = {
    "Chen2020": "lg-m50", "OKane2022": "lg-m50", "ORegan2022": None, "Ai2020": None, "Ecker2015": None,
    "Marquis2019": None, "Mohtat2020": None, "NCA_Kim2011": None,
}
# s of constant control solved ahead in one go: the first stretch after a change, and each next
# one twice as long up to the longest (a DFN solve costs 30-50 ms, plus ~1 ms per 100 s solved)
FIRST_STRETCH, LONGEST_STRETCH = 600.0, 4 * 3600.0
WINDOW_MARGIN = 1.0  # V: the model stops this far outside its set's cut-off voltages, not at them
KELVIN = 273.15
# the control's inputs: voltage held (1) or not (0), the voltage, the current besides the load's
# law (A, + = discharge), the load's conductance (S) and power (W), the ambient (K)
INPUTS = ("Voltage held", "Held voltage [V]", "Held current [A]", "Load conductance [S]", "Load power [W]",
          "Ambient temperature [K]")
OUTPUTS = ("Voltage [V]", "Current [A]", "Volume-averaged cell temperature [K]")
# of the 1C current: the supply still holds the terminals when its current comes out this far
# below zero (a full cell held at its voltage takes ~0 A: no flipping at every step)
SLACK = 1e-6
TIME_TOLERANCE = 1e-6  # s: a world time this close to a reading's time is that time


class ModelLimit(RuntimeError):
    """The PyBaMM cell was asked to go where its model does not (beyond empty or full)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PybammParams:
    """What a station's [world.overrides] may change of a PyBaMM cell: the rest is its parameter set's."""

    initial_soc: float = quantity(
        "dimensionless", "state of charge at the start (PyBaMM's: 0 and 1 at the set's cut-off voltages)", 1.0)

    def __post_init__(self) -> None:
        require_fraction(self, "initial_soc")


@dataclass(frozen=True)
class PybammPreset:
    """A DUT named `pybamm:<set>[:<model>]`: the preset-like face the world and the pre-flight use."""

    name: str
    parameter_set: str
    model: str
    kind: ClassVar[str] = "cell"
    spreads: ClassVar[bool] = False  # no unit-to-unit spread: it is its parameter set's nominal cell

    @property
    def description(self) -> str:
        return (f"bare cell, PyBaMM {self.model} with the {self.parameter_set} parameter set, lumped thermal; "
                "load and supply on its terminals")

    @property
    def label(self) -> str | None:
        """The shipped product it is judged against by default (products/<label>.toml), if any."""
        return PARAMETER_SETS[self.parameter_set]

    def parameters(self) -> list[ParameterInfo]:
        return describe(PybammParams())

    def with_overrides(self, overrides: Mapping[str, float] | None) -> PybammParams:
        return with_overrides(PybammParams(), overrides, owner=f"DUT {self.name!r}")

    def build(self, params: PybammParams, ambient: float) -> PybammCell:
        return PybammCell(self, params, ambient)


def preset(name: str) -> PybammPreset:
    """The DUT that `pybamm:<set>[:<model>]` names; ValueError if the set or the model is not one
    of ours, or if PyBaMM is not installed (with the command that installs it)."""
    parts = name[len(PREFIX):].split(":") if name.startswith(PREFIX) else []
    if not 1 <= len(parts) <= 2:
        raise ValueError(f"a PyBaMM cell is named pybamm:<parameter set>[:<model>], got {name!r}")
    parameter_set, model = parts[0], parts[1] if len(parts) == 2 else DEFAULT_MODEL
    if parameter_set not in PARAMETER_SETS:
        raise ValueError(f"unknown PyBaMM parameter set {parameter_set!r}; parameter sets: {', '.join(PARAMETER_SETS)}")
    if model not in MODELS:
        raise ValueError(f"unknown PyBaMM model {model!r}; models: {', '.join(MODELS)} (default {DEFAULT_MODEL})")
    if importlib.util.find_spec("pybamm") is None:
        raise ValueError(f"a PyBaMM cell, and PyBaMM is not installed: {INSTALL}")
    return PybammPreset(name, parameter_set, model)


class PybammCell:
    """One cell on the bench, simulated by PyBaMM; implements the `Dut` interface."""

    alarms: tuple[str, ...] = ()  # nothing the model raises that a bench would not measure
    max_step = 1.0  # s: how often the control is looked at, and the spacing of PyBaMM's readings

    def __init__(self, dut: PybammPreset, params: PybammParams, ambient: float) -> None:
        self.name = dut.name
        self._model = _model(dut.parameter_set, dut.model, params.initial_soc, ambient)
        self.ambient = ambient
        self.load_v = self.load_i = self.supply_v = self.supply_i = 0.0
        self._t = 0.0  # s since the start
        self._resistance = 0.1 / self._model.one_c  # first guess (0.1 V at 1C), measured at each change
        rest = (0.0, 0.0, 0.0, 0.0, 0.0, ambient + KELVIN)
        self._stretch = _Stretch(self._model, 0.0, self._model.initial_state, rest, FIRST_STRETCH)
        # the stretch left at this time and the resistance then: taken up again if its control
        # comes back at the same instant (a switch off and on again: no time went by under the other)
        self._left: tuple[float, _Stretch, float] | None = None
        self._read(0.0)

    # -- the operating point ---------------------------------------------------------------
    def solve(self, load: LoadSettings, supply: SupplySettings) -> None:
        control, i_supply = self._control_for(load, supply)
        if control != self._stretch.control:
            self._restart(control)
        v, i = self.voltage, self.current
        if i_supply is None:  # the supply holds the terminals: it sources what the load takes beyond the cell
            i_supply = load_current_at(load, v) - i
        self.load_v = v
        self.supply_v = v if supply.on else 0.0
        self.supply_i = max(0.0, i_supply)
        self.load_i = max(0.0, i + i_supply)

    def _control_for(self, load: LoadSettings, supply: SupplySettings) -> tuple[tuple[float, ...], float | None]:
        """What the bench holds now, as the control's inputs (INPUTS), and the supply's current
        (its limit, or 0; None: the supply holds the terminals at its voltage), decided as
        barecell.py solves: the cell as an emf behind `_resistance`."""
        r = self._resistance
        e = self.voltage + r * self.current
        ambient = self.ambient + KELVIN
        i_supply = 0.0
        if supply.on:
            vs, limit = supply.voltage, supply.current_limit
            i_supply = load_current_at(load, vs) - (e - vs) / r
            slack = SLACK * self._model.one_c
            if -slack <= i_supply <= limit + slack:
                return (1.0, vs, 0.0, 0.0, 0.0, ambient), None
            i_supply = limit if i_supply > limit else 0.0
        v0 = e + r * i_supply  # the Thevenin source the load sees: the cell and the supply's current
        held = (0.0, 0.0, -i_supply, 0.0, 0.0, ambient)  # the cell takes the supply's current: rest, load off
        if not load.on or v0 <= 0.0:
            return held, i_supply
        mode, level = load.mode, load.level
        if mode == "CV":
            return ((1.0, level, 0.0, 0.0, 0.0, ambient) if v0 > level else held), i_supply
        if mode == "CR" and level > 0.0:
            return (0.0, 0.0, -i_supply, 1.0 / level, 0.0, ambient), i_supply
        if mode == "CP":
            return (0.0, 0.0, -i_supply, 0.0, level, ambient), i_supply
        sunk = v0 / r  # the short-circuit current: a CR load at 0 ohm, a CC level beyond it
        if mode == "CC":
            sunk = min(level, sunk)
        return (0.0, 0.0, sunk - i_supply, 0.0, 0.0, ambient), i_supply

    def step(self, dt: float) -> None:
        control = self._stretch.control
        if self.ambient + KELVIN != control[-1]:  # a chamber that moved
            self._restart(control[:-1] + (self.ambient + KELVIN,))
        self._read(self._t + dt)

    def temperature(self, placement: str) -> float:
        return self.ambient if placement == "ambient" else self.temp

    def describe(self, alarm: str) -> str:
        raise KeyError(alarm)

    # -- PyBaMM's stretches of constant control ---------------------------------------------------
    def _restart(self, control: tuple[float, ...]) -> None:
        """Go on under `control` from the state now; measure the resistance on the way."""
        v, i, stretch, now = self.voltage, self.current, self._stretch, self._t
        if now > stretch.start:
            self._left = (now, stretch, self._resistance)
        left = self._left
        if left is not None and left[0] == now and left[1].control == control:
            _, self._stretch, self._resistance = left
            self._read(now)
            return
        state = stretch.state if now == stretch.start else self._model.state_after(
            stretch.state, stretch.control, now - stretch.start)
        self._stretch = _Stretch(self._model, now, state, control, FIRST_STRETCH)
        self._read(now)
        if abs(self.current - i) > 0.01 * self._model.one_c:
            r = (v - self.voltage) / (self.current - i)
            if r > 0.0:
                self._resistance = r

    def _read(self, t: float) -> None:
        """Move to time t and read there, from the stretch (the next ones solved as needed). Where
        the model stopped short, ModelLimit, and the cell stays where its model stopped."""
        stretch = self._stretch
        times = stretch.times
        while t - stretch.start > times[-1] + TIME_TOLERANCE:
            end = stretch.start + times[-1]
            if stretch.stopped:
                self._read(end)
                raise ModelLimit(f"{self.name}: the PyBaMM model stopped at {end:.0f} s ({stretch.stopped}): it "
                                 "does not hold a cell taken beyond empty or full (a voltage "
                                 f"{WINDOW_MARGIN:g} V outside the parameter set's window); end the step earlier")
            stretch = self._stretch = _Stretch(self._model, end, stretch.end, stretch.control,
                                               min(2.0 * stretch.horizon, LONGEST_STRETCH))
            times = stretch.times
        self._t = t
        at = t - stretch.start
        k = round(at / self.max_step)
        if k < len(times) and abs(times[k] - at) <= TIME_TOLERANCE:  # a reading's time
            self.voltage, self.current, self.temp = stretch.volts[k], stretch.amps[k], stretch.temps[k]
            return
        k = min(max(1, bisect_left(times, at)), len(times) - 1)  # between two readings
        w = (at - times[k - 1]) / (times[k] - times[k - 1])
        self.voltage, self.current, self.temp = (
            a[k - 1] + w * (a[k] - a[k - 1]) for a in (stretch.volts, stretch.amps, stretch.temps))

    # -- checkpoints -----------------------------------------------------------------------
    def to_plain(self) -> dict[str, Any]:
        """The state as plain data: the time, the stretch (where it started, PyBaMM's state
        vector there, its control and length; its readings follow from them), the one left at
        this instant if any, and what the operating point was decided with."""
        left = self._left
        return {"t": self._t, "stretch": self._stretch.to_plain(), "resistance": self._resistance,
                "left": None if left is None or left[0] != self._t else [left[1].to_plain(), left[2]],
                "ambient": self.ambient, "ports": [self.load_v, self.load_i, self.supply_v, self.supply_i]}

    def restore_plain(self, saved: Any, where: str) -> None:
        """Take back a `to_plain()` of a cell of this model (ValueError naming `where` if it is not)."""
        size = len(self._stretch.state)
        left = saved.get("left") if isinstance(saved, dict) else None
        fine = (isinstance(saved, dict) and set(saved) == set(self.to_plain())
                and all(_number(saved[k]) for k in ("t", "resistance", "ambient")) and _numbers(saved["ports"], 4)
                and _Stretch.fits(saved["stretch"], size)
                and (left is None or (isinstance(left, list) and len(left) == 2 and _Stretch.fits(left[0], size)
                                      and _number(left[1]))))
        if not fine:
            raise ValueError(f"{where}: the saved state is not that of a {self.name} cell")
        self._t, self._resistance, self.ambient = saved["t"], saved["resistance"], saved["ambient"]
        self.load_v, self.load_i, self.supply_v, self.supply_i = saved["ports"]
        self._stretch = _Stretch.from_plain(self._model, saved["stretch"])
        self._left = None if left is None else (self._t, _Stretch.from_plain(self._model, left[0]), left[1])
        self._read(self._t)


class _Stretch:
    """PyBaMM's solution under one control: where it starts (s since the start), the state
    there, the control and how far ahead it was asked for; its readings (at `times` from its
    start), the state at its end, and why the model stopped short ('' if it did not)."""

    __slots__ = ("start", "state", "control", "horizon", "times", "volts", "amps", "temps", "end", "stopped")

    def __init__(self, model: _Model, start: float, state: list[float], control: tuple[float, ...],
                 horizon: float) -> None:
        self.start, self.state, self.control, self.horizon = start, state, control, horizon
        solved = model.solve(state, control, horizon, PybammCell.max_step)
        self.times, self.volts, self.amps, self.temps, self.end, self.stopped = solved

    def to_plain(self) -> dict[str, Any]:
        return {"start": self.start, "state": list(self.state), "control": list(self.control),
                "horizon": self.horizon}

    @staticmethod
    def fits(saved: Any, size: int) -> bool:
        """Whether `saved` is a `to_plain()` of a stretch of a model with `size` states."""
        return (isinstance(saved, dict) and set(saved) == {"start", "state", "control", "horizon"}
                and _number(saved["start"]) and _number(saved["horizon"]) and saved["horizon"] > 0.0
                and _numbers(saved["state"], size) and _numbers(saved["control"], len(INPUTS)))

    @classmethod
    def from_plain(cls, model: _Model, saved: dict[str, Any]) -> _Stretch:
        """The stretch solved again from its saved start: the same, PyBaMM being deterministic."""
        return cls(model, saved["start"], [float(x) for x in saved["state"]],
                   tuple(float(x) for x in saved["control"]), saved["horizon"])


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _numbers(value: Any, length: int) -> bool:
    return isinstance(value, list) and len(value) == length and all(_number(v) for v in value)


def _control(variables: dict[str, Any]) -> Any:
    """The external circuit's equation on the current: V = held voltage, or I = held current +
    G V + P / V (a CC, CR or CP load, and the supply's current alongside)."""
    import pybamm

    current, voltage = variables["Current [A]"], variables["Voltage [V]"]
    held, volts, amps, conductance, power = (pybamm.InputParameter(name) for name in INPUTS[:5])
    return held * (voltage - volts) + (1 - held) * (current - amps - conductance * voltage - power / voltage)


@cache
def _model(parameter_set: str, model: str, initial_soc: float, ambient: float) -> _Model:
    """One built model per cell type, start and ambient: a second world (a resume, a test) reuses it."""
    return _Model(parameter_set, model, initial_soc, ambient)


class _Model:
    """A PyBaMM model built and discretised once, its solver, and the solve of a stretch of
    constant control from a given state."""

    def __init__(self, parameter_set: str, model: str, initial_soc: float, ambient: float) -> None:
        os.environ.setdefault("PYBAMM_DISABLE_TELEMETRY", "true")  # no question on first import mid-run
        import pybamm

        self.name = f"{model} ({parameter_set})"
        cell = getattr(pybamm.lithium_ion, model)(options={"operating mode": _control, "thermal": "lumped"})
        voltage, p = cell.variables["Voltage [V]"], cell.param  # the bench, not the model, stops at the cut-offs
        wider = {"Minimum voltage [V]": voltage - (p.voltage_low_cut - WINDOW_MARGIN),
                 "Maximum voltage [V]": p.voltage_high_cut + WINDOW_MARGIN - voltage}
        cell.events = [pybamm.Event(e.name, wider.get(e.name, e.expression), e.event_type) for e in cell.events
                       if e.event_type is pybamm.EventType.TERMINATION]
        values = pybamm.ParameterValues(parameter_set)
        values.update({"Initial temperature [K]": ambient + KELVIN, "Ambient temperature [K]": "[input]"})
        self.one_c = float(values["Nominal cell capacity [A.h]"])  # A
        simulation = pybamm.Simulation(cell, parameter_values=values, solver=pybamm.IDAKLUSolver(
            output_variables=list(OUTPUTS)))
        inputs = dict(zip(INPUTS, (0.0, 0.0, 0.0, 0.0, 0.0, ambient + KELVIN)))
        simulation.build(initial_soc=initial_soc, inputs=inputs)  # PyBaMM's SOC: 0 and 1 at the set's cut-offs
        self._built = simulation.built_model
        self._solver = simulation.solver
        self.initial_state = [float(x) for x in self._built.concatenated_initial_conditions.evaluate(
            0.0, inputs=inputs).ravel()]

    def _step(self, y0: list[float], control: tuple[float, ...], duration: float, every: float | None) -> Any:
        """PyBaMM's solution from y0 (at its time 0) under `control`, read every `every` s (None: at the end)."""
        import numpy as np
        import pybamm

        inputs = dict(zip(INPUTS, control))
        start = pybamm.Solution([np.zeros(1)], [np.asarray(y0).reshape(-1, 1)], self._built, inputs)
        t_interp = None if every is None else np.append(np.arange(0.0, duration, every), duration)
        try:
            return self._solver.step(start, self._built, duration, inputs=inputs, save=False, t_interp=t_interp)
        except pybamm.SolverError as exc:  # an over-discharged or overcharged cell, as a rule
            raise ModelLimit(f"PyBaMM's {self.name} fails here ({exc}): it does not hold a cell taken beyond empty "
                             "or full") from None

    def solve(self, y0: list[float], control: tuple[float, ...], horizon: float, every: float
              ) -> tuple[list[float], list[float], list[float], list[float], list[float], str]:
        """From state y0 under `control`, up to `horizon` s: the times (s from the start) and the
        voltage, current and temperature (degC) there, the state at the end, and why the model
        stopped short of the horizon ('' if it did not). A solver failure is tried again over a
        shorter stretch, down to one reading."""
        while True:
            try:
                solution = self._step(y0, control, horizon, every)
                break
            except ModelLimit:
                if horizon <= every:
                    raise
                horizon = max(every, horizon / 8.0)
        times = solution.t.tolist()
        volts, amps, kelvin = (solution[name].data.tolist() for name in OUTPUTS)
        stopped = "" if solution.termination == "final time" else solution.termination
        end = [float(x) for x in solution.last_state.y.ravel()]
        return times, volts, amps, [k - KELVIN for k in kelvin], end, stopped

    def state_after(self, y0: list[float], control: tuple[float, ...], duration: float) -> list[float]:
        """The state `duration` s after y0 under `control`."""
        return [float(x) for x in self._step(y0, control, duration, None).last_state.y.ravel()]
