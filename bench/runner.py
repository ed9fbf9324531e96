"""The runner: executes a profile on an opened station, one sample per period.

Each tick: read all instruments, integrate capacity and energy (trapezoid) on the input and
output sides, check safety (station hard limits, profile limits, critical temperature
channels), check the step's end conditions, write the row, update the live view.
Whatever happens, the station is put in safe state before `run` returns.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any, Iterator

from bench.clock import Clock
from bench.conditions import QUANTITIES, Condition, Watch
from bench.criteria import Result, evaluate
from bench.errors import OperatorStop, SafetyTrip
from bench.logbook import Logbook
from bench.metrics import Totals
from bench.profile import Item, Loop, Profile
from bench.readings import NAN, Readings
from bench.signals import deferred
from bench.station import HardLimits, Station
from bench.steps import Step
from drivers.roles import ChannelFault, InstrumentError

RATE_WINDOW = 60.0  # s over which dT/dt and dV/dt are taken
_EPS = 1e-9


class MonitoringLost(Exception):
    """A critical temperature channel gave no valid reading."""


@dataclass
class Outcome:
    verdict: str
    reason: str
    results: list[Result] = field(default_factory=list)
    run_totals: Totals | None = None
    safe_problems: list[str] = field(default_factory=list)


def hard_limit_conditions(limits: HardLimits) -> tuple[Condition, ...]:
    """Station hard limits as abort conditions, checked on both sides of the DUT."""
    out = []
    for quantity, value, shown in (
        ("input voltage", limits.max_voltage, "V"), ("output voltage", limits.max_voltage, "V"),
        ("input current", limits.max_current, "A"), ("output current", limits.max_current, "A"),
        ("input power", limits.max_power, "W"), ("output power", limits.max_power, "W"),
        ("temperature", limits.max_temperature, "degC"),
    ):
        out.append(Condition(quantity, ">", value, 0.0, None, f"station hard limit: {quantity} > {value:g} {shown}"))
    return tuple(out)


class View:
    """What the runner tells the live view; the CLI supplies a Rich or plain-text one."""

    def step_started(self, step: Step, cycle: int, count: int) -> None: ...
    def sample(self, readings: Readings, step: Step, cycle: int, totals: Totals) -> None: ...
    def message(self, text: str) -> None: ...


class Runner:
    def __init__(self, profile: Profile, station: Station, clock: Clock, logbook: Logbook,
                 view: View | None = None) -> None:
        self.profile = profile
        self.station = station
        self.clock = clock
        self.log = logbook
        self.view = view or View()
        needs_rates = any(c.quantity in ("dT/dt", "dV/dt") for c in self._all_conditions())
        self.readings = Readings(station.names, RATE_WINDOW if needs_rates else None)
        self.safety = Watch(hard_limit_conditions(station.config.limits) + profile.safety)
        self.critical = station.config.critical
        self.faulted: set[str] = set()
        self.cycle = 1
        self.step_count = 0
        self.run_totals: Totals | None = None
        self.step_totals: dict[str, Totals] = {}
        self._prev: tuple[float, float, float, float, float] | None = None

    def _all_conditions(self) -> Iterator[Condition]:
        yield from self.profile.safety
        for step in self.profile.steps():
            yield from step.until

    # -- the run ---------------------------------------------------------------------------
    def run(self) -> Outcome:
        """Run the whole profile; always ends in safe state, whatever the exit path."""
        outcome = Outcome("ERROR", "did not start")
        try:
            self._safe_start()
            for step in self._sequence(self.profile.items):
                self._run_step(step)
            results = evaluate(self.profile.criteria, self.run_totals, self.step_totals, self.profile.ratings)
            failed = [r for r in results if r.outcome == "FAIL"]
            outcome = Outcome("FAIL" if failed else "PASS",
                              "; ".join(r.describe() for r in failed) or "all criteria met", results)
        except SafetyTrip as trip:
            outcome = self._stopped("ABORTED", f"safety limit: {trip}", "safety_trip")
        except (KeyboardInterrupt, OperatorStop) as stop:
            outcome = self._stopped("ABORTED", f"operator stop ({str(stop) or 'Ctrl-C'})", "operator_stop")
        except (InstrumentError, MonitoringLost) as fault:
            outcome = self._stopped("ERROR", f"instrument fault: {fault}", "fault")
        except Exception as exc:
            outcome = self._stopped("ERROR", f"internal error: {type(exc).__name__}: {exc}", "fault",
                                    traceback=traceback.format_exc())
        finally:
            with deferred(reraise=False):
                problems = self.station.safe()
                outcome.safe_problems = problems
                if problems:
                    outcome.verdict = "ERROR"
                    outcome.reason = f"{outcome.reason}; SAFE STATE NOT CONFIRMED: {problems}"
                self.log.event("safe_state", self.clock.now(), confirmed=not problems, problems=problems)
                self.log.sync()
        outcome.run_totals = self.run_totals
        return outcome

    def _stopped(self, verdict: str, reason: str, event: str, **extra: Any) -> Outcome:
        # Safe state first, records second: the DUT does not wait for the disk.
        with deferred(reraise=False):
            return self._record_stop(verdict, reason, event, **extra)

    def _record_stop(self, verdict: str, reason: str, event: str, **extra: Any) -> Outcome:
        problems = self.station.safe()
        self.log.event(event, self.clock.now(), reason=reason, safe_problems=problems, **extra)
        self.view.message(reason)
        results = []
        if self.run_totals is not None:
            results = evaluate(self.profile.criteria, self.run_totals, self.step_totals, self.profile.ratings)
        return Outcome(verdict, reason, results)

    def _safe_start(self) -> None:
        problems = self.station.safe()
        if problems:
            raise InstrumentError(f"cannot put the bench in safe state before starting: {problems}")
        self.log.event("run_start", self.clock.now(), profile=self.profile.name)

    def _sequence(self, items: tuple[Item, ...]) -> Iterator[Step]:
        """Steps in execution order; every new pass of a loop is a new cycle."""
        for item in items:
            if isinstance(item, Loop):
                for n in range(item.repeat):
                    if n:
                        self.cycle += 1
                    yield from self._sequence(item.body)
            else:
                yield item

    # -- one step --------------------------------------------------------------------------
    def _apply(self, step: Step) -> None:
        """Drive the instruments for a step: first switch off what the step does not use."""
        station = self.station
        if step.side == "supply":
            station.load.set_input(False)
            station.supply.configure(step.level, step.limit)
            station.supply.set_output(True)
        elif step.side == "load":
            station.supply.set_output(False)
            station.load.set_mode(step.mode, step.level)
            station.load.set_input(True)
        else:
            station.load.set_input(False)
            station.supply.set_output(False)

    def _run_step(self, step: Step) -> None:
        self.step_count += 1
        clock, log = self.clock, self.log
        self._apply(step)
        start = clock.now()
        log.event("step_start", start, step=step.text, index=step.index, count=self.step_count, cycle=self.cycle)
        self.view.step_started(step, self.cycle, self.step_count)
        self.readings.restart_voltage_rate()
        totals = None
        period = step.period or self.profile.period
        until = Watch(step.until)
        ended_by = None
        k = 0
        while ended_by is None:
            if k:
                clock.sleep_until(start + k * period)
            k += 1
            now = clock.now()
            self._measure(step, now, now - start)
            if totals is None:
                totals = Totals(now, self.readings.temps)
                if self.run_totals is None:
                    self.run_totals = Totals(now, self.readings.temps)
            self._integrate(step, now, totals)
            self._check_safety(now, step, totals)
            self._record(step, totals)
            self.view.sample(self.readings, step, self.cycle, totals)
            if step.duration is not None and now - start >= step.duration - _EPS:
                ended_by = f"duration {step.duration:g} s"
            else:
                met = until.check(self.readings, now)
                if met is not None:
                    ended_by = met.text
        if step.name is not None:
            self.step_totals[step.name] = totals
        self._prev = None  # the next step starts its own integration at its first sample
        log.event("step_end", clock.now(), step=step.text, index=step.index, count=self.step_count,
                  cycle=self.cycle, ended_by=ended_by, results=totals.to_json())
        with deferred():  # a stop signal waits until the step's records are on disk
            log.sync()

    def _measure(self, step: Step, now: float, step_time: float) -> None:
        v_in, i_in, v_out, i_out, raw_temps = self.station.read()
        r = self.readings
        r.test_time, r.step_time = now, step_time
        r.v_in, r.i_in, r.p_in = v_in, i_in, v_in * i_in
        r.v_out, r.i_out, r.p_out = v_out, i_out, v_out * i_out
        if step.side == "supply":
            r.voltage, r.current, r.power = v_in, i_in, r.p_in
        else:
            r.voltage, r.current, r.power = v_out, i_out, r.p_out
        temps = r.temps
        hottest = NAN
        for name, number in zip(self.station.names, self.station.numbers):
            value = raw_temps[number]
            if isinstance(value, ChannelFault):
                self._channel_fault(name, value, now)
                value = NAN
            elif name in self.faulted:
                self.faulted.discard(name)
                self.log.event("channel_recovered", now, channel=name)
            temps[name] = value
            if value > hottest or hottest != hottest:
                hottest = value
        r.t_max = hottest
        r.update_rates()

    def _channel_fault(self, name: str, fault: ChannelFault, now: float) -> None:
        if name in self.critical:
            raise MonitoringLost(f"temperature channel {name!r} (channel {fault.channel}): {fault.reason}")
        if name not in self.faulted:
            self.faulted.add(name)
            self.log.event("channel_fault", now, channel=name, number=fault.channel, reason=fault.reason)

    def _integrate(self, step: Step, now: float, totals: Totals) -> None:
        r = self.readings
        prev = self._prev
        self._prev = (now, r.i_in, r.i_out, r.p_in, r.p_out)
        if prev is None:
            return
        dt = now - prev[0]
        dq_in, dq_out = 0.5 * (prev[1] + r.i_in) * dt, 0.5 * (prev[2] + r.i_out) * dt
        de_in, de_out = 0.5 * (prev[3] + r.p_in) * dt, 0.5 * (prev[4] + r.p_out) * dt
        totals.add(now, dq_in, dq_out, de_in, de_out, r.temps, r.voltage)
        self.run_totals.add(now, dq_in, dq_out, de_in, de_out, r.temps, r.voltage)  # type: ignore[union-attr]
        if step.side == "supply":
            r.step_capacity, r.step_energy = totals.q_in, totals.e_in
        else:
            r.step_capacity, r.step_energy = totals.q_out, totals.e_out

    def _check_safety(self, now: float, step: Step, totals: Totals) -> None:
        tripped = self.safety.check(self.readings, now)
        if tripped is not None:
            with deferred(reraise=False):
                self.station.safe()  # at once, before anything else; the row that tripped is kept
            self._record(step, totals)
            raise SafetyTrip(f"{tripped.text} (measured: {_measured(tripped, self.readings)})")

    def _record(self, step: Step, totals: Totals) -> None:
        r = self.readings
        self.log.sample((
            r.test_time, r.voltage, r.i_in - r.i_out, r.p_in - r.p_out, self.cycle, self.step_count, step.index,
            step.action, totals.q_in / 3600, totals.q_out / 3600, totals.e_in / 3600, totals.e_out / 3600,
            r.v_in, r.i_in, r.v_out, r.i_out, *r.temps.values(),
        ))


def _measured(condition: Condition, readings: Readings) -> str:
    if condition.channel is not None:
        table = readings.temps if condition.quantity == "temperature" else readings.temp_rates
        return f"{table[condition.channel]:.4g}"
    return f"{getattr(readings, QUANTITIES[condition.quantity][0]):.4g}"
