"""The regulation check: whether the DUT gets what the step commands, sample by sample.

A load that accepts "1 A" and draws nothing (left in a program mode, a blown fuse), a loose clip,
a lead on the wrong terminal or a DUT whose output switched off would otherwise be recorded as a
healthy unit delivering nothing. So each sample, what the step has each instrument do
(`Step.commands`: a load level, a ramp where it has got to, the supply's voltage and current
limit, an input or output off) is compared with what that instrument reads, within its
tolerance: the station's accuracy for it (`Tolerances`) times MARGIN.

What the physics explains is regulation too: a supply below its voltage at its current limit
(CC-CV charging), at its voltage with the current tapering (CV), or with the DUT above its
voltage and no current (a supply does not sink); a CV load with the DUT below its level and no
current. A step is judged from the settling time after its set-up (`faults.settle`); readings
off for `faults.deviation` end the run ERROR (cyclers call this a deviation limit). A step that
ends on one of its own end conditions while its readings are off, having met its set-points
before, ends as the DUT's response says (a protection tripping: the output collapses below the
`until` voltage); one that never met them ends the run. A negative voltage ends it at once:
nothing but reversed leads reads one. A profile marks the steps whose DUT may rightly not take
what they command, an overload or short its protection switches off: `regulation = "off"`.

On a cell the load and the supply are across the same terminals (a bank has them on two
ports): a supply holding its voltage with no current must then read what the load reads, or
its own leads are open.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from bench.profile.steps import Command, Step
from bench.run.readings import Readings
from bench.run.state import StepState
from bench.run.stops import Deviation
from bench.station.config import DEFAULT_ACCURACY, WIRED, StationConfig

# The tolerance is the instruments' specified accuracy this many times over: room for reading
# noise and the DUT's own ripple, while a load drawing nothing of an ampere is still far off.
MARGIN = 2.0
_EPS = 1e-9  # s: sample times are sums of periods


class Tolerances:
    """How far a load's or a supply's reading may be from a value: its accuracy (the station's
    `accuracy`, else DEFAULT_ACCURACY) times MARGIN."""

    def __init__(self, config: StationConfig) -> None:
        self._accuracy = {role: config.roles[role].accuracy or DEFAULT_ACCURACY for role in WIRED}
        # the tolerances around zero, which every sample asks (a reversed lead, an output off)
        self.no_volts = {role: self.volts(role, 0.0) for role in WIRED}
        self.no_amps = {role: self.amps(role, 0.0) for role in WIRED}

    def volts(self, role: str, value: float) -> float:
        return MARGIN * self._accuracy[role].voltage.of(value)

    def amps(self, role: str, value: float) -> float:
        return MARGIN * self._accuracy[role].current.of(value)


class Off(NamedTuple):
    """One instrument's readings off its command: `got` what it read, `why` (with its joining
    words) what it should have read."""

    role: str
    got: str
    why: str
    quantity: str
    measured: float
    expected: float | None
    tolerance: float
    unit: str


def reversed_lead(role: str, volts: float, tol: Tolerances) -> Off | None:
    """A negative voltage (beyond reading noise) at a load or supply: its leads are reversed."""
    if volts >= -tol.no_volts[role]:
        return None
    return Off(role, f"reads {volts:.3f} V", ": its leads are reversed (polarity)", "voltage", volts, 0.0,
               tol.no_volts[role], "V")


class Regulation:
    """The check for one run on one station; `shared`: the load and the supply are across the
    same terminals (a cell)."""

    def __init__(self, config: StationConfig, shared: bool) -> None:
        self.tol = Tolerances(config)
        self.settle, self.window = config.faults.settle, config.faults.deviation
        self.shared = shared
        self._commands: tuple[Step | None, tuple[Command, ...]] = (None, ())  # of a step that does not move

    def settled(self, ss: StepState, now: float) -> None:
        """The step's set-points were just sent: judged afresh once they have settled."""
        ss.judged_from, ss.off_since = now + self.settle, None

    def check(self, step: Step, ss: StepState, r: Readings, now: float) -> Deviation | None:
        """Judge the sample in `r` (the step's timers in `ss` move on); the fault that ends the
        run, if this sample makes one."""
        polarity = reversed_lead("load", r.v_out, self.tol) or reversed_lead("supply", r.v_in, self.tol)
        if polarity is not None:
            return _fault(step, ss, polarity, "")
        if not step.regulation or (now < ss.judged_from - _EPS and ss.ended_by is None):
            return None
        off = self._off(step, r)
        if off is None:
            ss.regulated, ss.off_since = True, None
            return None
        if ss.ended_by is not None:
            if ss.regulated:
                return None  # the DUT's response ended the step (a protection tripped): what it measures
            return _fault(step, ss, off, "", ending=f", and the step ended ({ss.ended_by}) without ever getting it")
        if ss.off_since is None:
            ss.off_since = now
        lasted = now - ss.off_since
        if lasted < self.window - _EPS:
            return None
        return _fault(step, ss, off, f" for {lasted:.0f} s", lasted)

    def _off(self, step: Step, r: Readings) -> Off | None:
        """The first of the step's commands its instrument's readings are off, if any."""
        if step.follows:
            commands = step.commands(r.step_time)
        else:
            cached, commands = self._commands
            if cached is not step:
                commands = step.commands(0.0)
                self._commands = (step, commands)
        for command in commands:
            if command.role == "load":
                off = self._load(command, r.v_out, r.i_out)
            else:
                off = self._supply(command, r.v_in, r.i_in, r.v_out, commands)
            if off is not None:
                return off
        return None

    def _load(self, c: Command, v: float, i: float) -> Off | None:
        tol, mode, level = self.tol, c.mode, c.level
        if mode == "off":
            return _off_current("load", "drew", "its input off", i, tol.no_amps["load"])
        if mode == "CC":
            allowed = tol.amps("load", level)
            if abs(i - level) <= allowed:
                return None
            return Off("load", f"drew {i:.3f} A", _commanded(c), "current", i, level, allowed, "A")
        if mode == "CP":
            power, allowed = v * i, i * tol.volts("load", v) + v * tol.amps("load", i)
            if abs(power - level) <= allowed:
                return None
            return Off("load", f"drew {power:.2f} W ({v:.3f} V, {i:.3f} A)", _commanded(c), "power", power, level,
                       allowed, "W")
        if v <= tol.no_volts["load"]:  # no voltage to regulate on: a dead output or an open lead
            return Off("load", f"read {v:.3f} V, {i:.3f} A", _commanded(c), "voltage", v, None,
                       tol.no_volts["load"], "V")
        if mode == "CR":
            expected = v / level
            allowed = tol.amps("load", expected) + tol.volts("load", v) / level
            if abs(i - expected) <= allowed:
                return None
            return Off("load", f"drew {i:.3f} A at {v:.3f} V", _commanded(c), "current", i, expected, allowed, "A")
        allowed = tol.volts("load", level)  # CV: the DUT below the level gives nothing (a load does not source)
        if abs(v - level) <= allowed or (v < level and i <= tol.no_amps["load"]):
            return None
        return Off("load", f"held {v:.3f} V at {i:.3f} A", _commanded(c), "voltage", v, level, allowed, "V")

    def _supply(self, c: Command, v: float, i: float, v_load: float, commands: tuple[Command, ...]) -> Off | None:
        tol = self.tol
        no_current = tol.no_amps["supply"]
        if c.mode == "off":
            return _off_current("supply", "delivered", "its output off", i, no_current)
        volts, limit = c.level, c.limit
        allowed = tol.volts("supply", volts)
        if self.shared and i <= no_current and all(k.mode == "off" for k in commands if k.role == "load"):
            # no current in its leads: it reads the cell's own voltage, as the load does
            agree = tol.volts("supply", v) + tol.volts("load", v_load)
            if abs(v - v_load) > agree:
                return Off("supply", f"read {v:.3f} V at {i:.3f} A",
                           f" while the load reads {v_load:.3f} V across the same cell (an open supply lead?)",
                           "voltage", v, v_load, agree, "V")
        if (abs(v - volts) <= allowed  # CV, the current what the DUT takes (a charge tapering, a full DUT)
                or (v < volts and abs(i - limit) <= tol.amps("supply", limit))  # CC at its limit (CC-CV)
                or (v > volts and i <= no_current)):  # the DUT above its voltage: a supply does not sink
            return None
        commanded = f" while the step commands {volts:.3f} V with a {limit:.3f} A limit"
        return Off("supply", f"gave {v:.3f} V, {i:.3f} A", commanded, "voltage", v, volts, allowed, "V")


def _off_current(role: str, verb: str, switched: str, amps: float, allowed: float) -> Off | None:
    if amps <= allowed:
        return None
    return Off(role, f"{verb} {amps:.3f} A", f" while the step commands {switched}", "current", amps, 0.0, allowed, "A")


def _commanded(c: Command) -> str:
    """' while the step commands 1.000 A (CC)'."""
    shown = {"CC": f"{c.level:.3f} A", "CV": f"{c.level:.3f} V", "CP": f"{c.level:.2f} W", "CR": f"{c.level:.4g} ohm"}
    return f" while the step commands {shown[c.mode]} ({c.mode})"


def _fault(step: Step, ss: StepState, off: Off, lasting: str, lasted: float = 0.0, ending: str = "") -> Deviation:
    """'step 3 (Discharge at 1 A until 3 V): load drew 0.000 A for 12 s while the step commands
    1.000 A (CC)', with which step and how far off for the events."""
    message = f"step {step.index} ({step.text}): {off.role} {off.got}{lasting}{off.why}{ending}"
    fields: dict[str, Any] = {
        "step": step.index, "key": step.key, "text": step.text, "count": ss.count, "cycle": ss.cycle,
        "role": off.role, "quantity": off.quantity, "unit": off.unit, "measured": round(off.measured, 6),
        "expected": None if off.expected is None else round(off.expected, 6),
        "off_by": None if off.expected is None else round(off.measured - off.expected, 6),
        "tolerance": round(off.tolerance, 6), "lasted_s": round(lasted, 3)}
    return Deviation(message, fields)
