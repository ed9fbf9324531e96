"""The runner: executes a profile on an opened station, one sample per period.

Each tick: read all instruments, integrate capacity and energy (trapezoid) on the input and
output sides, check safety (station hard limits, profile limits, critical temperature
channels), check the step's end conditions, write the row, update the live view.
A few times a second (wall time) it also feeds the watchdog, looks for a pause or continue
from the operator and, every few seconds, writes a checkpoint. Instrument errors are retried
with backoff (reopening the connection) for the station's grace time.
Whatever happens, the station is put in safe state before `run` returns.
"""
from __future__ import annotations

import math
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, TypeVar

from bench.record import checkpoint
from bench.record.checkpoint import RunState
from bench.run.clock import Clock
from bench.profile.conditions import QUANTITIES, Condition, Watch
from bench.run.control import ControlFile
from bench.analysis.criteria import Result, evaluate
from bench.analysis.cycles import CycleBook, first_with, met, summary
from bench.errors import OperatorStop, SafetyTrip
from bench.record.logbook import Logbook
from bench.analysis.metrics import Totals
from bench.profile.reader import Item, Loop, Profile
from bench.run.readings import NAN, Readings
from bench.run.signals import deferred
from bench.station.config import HardLimits
from bench.station.instruments import InstrumentFault, Station
from bench.profile.steps import Step
from bench.run.watchdog import Watchdog
from drivers.roles import ChannelFault, InstrumentError, RangeError

RATE_WINDOW = 60.0  # s over which dT/dt and dV/dt are taken
HOUSEKEEPING = 0.25  # s of wall time between looks at the control file and the watchdog
CHECKPOINT_EVERY = 5.0  # s of wall time between periodic checkpoints
MAX_BACKOFF = 5.0  # s between two retries of a failing instrument
_EPS = 1e-9
T = TypeVar("T")


class MonitoringLost(Exception):
    """A critical temperature channel gave no valid reading."""


class Stalled(Exception):
    """The sample loop stopped ticking (the watchdog fired)."""


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
                 view: View | None = None, state: RunState | None = None) -> None:
        self.profile = profile
        self.station = station
        self.clock = clock
        self.log = logbook
        self.view = view or View()
        self.state = state
        needs_rates = any(c.quantity in ("dT/dt", "dV/dt") for c in self._all_conditions())
        self.readings = Readings(station.names, RATE_WINDOW if needs_rates else None)
        self.safety = Watch(hard_limit_conditions(station.config.limits) + profile.safety)
        self.critical = station.config.critical
        self.policy = station.config.faults
        self.faulted: set[str] = set()
        self._frozen: dict[str, tuple[float, float]] = {}
        self.cycle = 1
        self.step_count = 0
        self.position = 0
        self.run_totals: Totals | None = None
        self.step_totals: dict[str, Totals] = {}
        self.book = CycleBook.from_state(state.cycles if state else None)
        self.stopped: dict[str, int] = dict(state.stopped) if state else {}  # loop instance -> passes run
        self._generated = 0
        self.paused_s = 0.0
        self._prev: tuple[float, float, float, float, float] | None = None
        self._control = ControlFile(logbook.folder)
        self._watchdog = Watchdog(self.policy.watchdog, self._stall)
        self._stalled: str | None = None
        self._next_housekeeping = 0.0
        self._next_checkpoint = 0.0
        # the step being run, for checkpoints
        self._index = 0
        self._before = (float("nan"), 0.0)
        self._sampled = False  # whether this process has read the bench yet
        self._step_start = 0.0
        self._totals: Totals | None = None

    def _all_conditions(self) -> Iterator[Condition]:
        yield from self.profile.safety
        for step in self.profile.steps():
            yield from step.until

    # -- the run ---------------------------------------------------------------------------
    def run(self) -> Outcome:
        """Run the whole profile (or what is left of it); always ends in safe state."""
        outcome = Outcome("ERROR", "did not start")
        try:
            with self._watchdog:
                self._safe_start()
                for step, resumed in self._steps():
                    self._run_step(step, resumed)
            self._close_cycle()
            results = self._evaluate()
            failed = [r for r in results if r.outcome == "FAIL"]
            reason = "; ".join(r.describe() for r in failed) or (
                "all criteria met" if results else "completed; the profile sets no criteria")
            outcome = Outcome("FAIL" if failed else "PASS", reason, results)
        except SafetyTrip as trip:
            outcome = self._stopped("ABORTED", f"safety limit: {trip}", "safety_trip")
        except (KeyboardInterrupt, OperatorStop, Stalled) as stop:
            if self._stalled:
                outcome = self._stopped("ERROR", self._stalled, "fault")
            else:
                outcome = self._stopped("ABORTED", f"operator stop ({str(stop) or 'Ctrl-C'})", "operator_stop")
        except (InstrumentError, MonitoringLost) as fault:
            outcome = self._stopped("ERROR", f"instrument fault: {fault}", "fault")
        except RangeError as exc:
            outcome = self._stopped("ERROR", f"a step asks more than the instrument can do: {exc}", "fault")
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
            problems = self.station.safe()
            self.log.event(event, self.clock.now(), reason=reason, safe_problems=problems, **extra)
            self.view.message(reason)
            self._close_cycle()
            results = self._evaluate() if self.run_totals is not None else []
            return Outcome(verdict, reason, results)

    def _evaluate(self) -> list[Result]:
        return evaluate(self.profile.criteria, self.run_totals, self.step_totals, self.profile.ratings,
                        self.book.records)

    def _close_cycle(self) -> None:
        """The cycle being counted is over: keep its record, write its cycles.csv row."""
        cycle = self.book.cycle
        record = self.book.close()
        if record is not None:
            row = summary(cycle, record)
            self.log.cycle(row)
            self.log.event("cycle_end", self.clock.now(), cycle=cycle, charge_capacity_Ah=row[2],
                           discharge_capacity_Ah=row[3], charge_energy_Wh=row[4], discharge_energy_Wh=row[5])

    def _safe_start(self) -> None:
        problems = self.station.safe()
        if problems:
            raise InstrumentError(f"cannot put the bench in safe state before starting: {problems}")
        if self.state is None:
            self.log.event("run_start", self.clock.now(), profile=self.profile.name)

    def _steps(self) -> Iterator[tuple[Step, bool]]:
        """(step, resumed) in execution order. A resume skips what was done and continues the
        interrupted step, or runs it again as a new step when the profile says restart."""
        state = self.state
        done = state.position if state is not None else 0
        if done:
            self.step_count = state.step_count
            self._index, self._step_start = state.last_index, state.step_start
            self._totals, self.run_totals, self.step_totals = state.totals()
            self.paused_s = state.paused_s
            self._prev = tuple(state.prev) if state.prev else None
        for position, step in enumerate(self._sequence(self.profile.items), 1):
            self.position = position
            if position > done:
                yield step, False
            elif position == done and not state.step_ended:
                # continue where it was, or run it again as a new step count
                yield step, self.profile.on_resume == "continue" and self._totals is not None

    def _sequence(self, items: tuple[Item, ...]) -> Iterator[Step]:
        """Steps in execution order; every new pass of a loop is a new cycle. A loop's stop_if
        is judged on each pass just completed; on a resume, passes already judged are replayed
        from the record of where the loop stopped."""
        done = self.state.position if self.state is not None else 0
        for item in items:
            if not isinstance(item, Loop):
                self._generated += 1
                yield item
                continue
            instance = f"{item.key}@{self._generated}"
            passes = self.stopped.get(instance, item.repeat)
            for n in range(passes):
                if n or self._generated:  # a pass after anything else is a cycle of its own
                    self.cycle += 1
                yield from self._sequence(item.body)
                if item.stop_if is not None and self._generated >= done and instance not in self.stopped:
                    record, first = self.book.live(), first_with(self.book.records, item.stop_if.step)
                    if record is not None and met(item.stop_if, record, first or record, self.profile.ratings):
                        self.stopped[instance] = n + 1
                        self.log.event("loop_stopped", self.clock.now(), loop=item.key, passes=n + 1,
                                       cycle=self.cycle, condition=item.stop_if.text)
                        break

    # -- one step --------------------------------------------------------------------------
    def _apply(self, step: Step) -> None:
        """Drive the instruments for a step: first switch off what the step does not use."""
        station = self.station
        if step.side == "supply":
            if step.load is None:
                station.load.set_input(False)
            station.supply.configure(step.level, step.limit)
            station.supply.set_output(True)
            if step.load is not None:  # pass-through: the output is loaded while charging
                station.load.set_mode(*step.load)
                station.load.set_input(True)
        elif step.side == "load":
            station.supply.set_output(False)
            station.load.set_mode(step.mode, step.level if step.ramp is None else step.ramp[0])
            station.load.set_input(True)
        else:
            station.load.set_input(False)
            station.supply.set_output(False)

    def _run_step(self, step: Step, resumed: bool) -> None:
        clock, log = self.clock, self.log
        if self.book.cycle != self.cycle:
            self._close_cycle()
            self.book.cycle = self.cycle
        self._retry(lambda: self._apply(step), step)
        now = clock.now()
        period = step.period or self.profile.period
        # A resume that lost no time (the simulated bench) carries on at the next sample as if
        # nothing happened; after a real gap, the step goes on with a fresh sample now.
        seamless = resumed and now - self.state.test_time < period  # type: ignore[union-attr]
        if resumed:
            start, totals = self._step_start, self._totals
            log.event("step_continued", now, step=step.text, index=step.index, count=self.step_count,
                      position=self.position, cycle=self.cycle, step_time_s=round(now - start, 3))
        else:
            self.step_count += 1
            start, totals = now, None
            log.event("step_start", now, step=step.text, index=step.index, count=self.step_count,
                      position=self.position, cycle=self.cycle)
        self.view.step_started(step, self.cycle, self.step_count)
        self.readings.restart_voltage_rate()
        if self._sampled:  # the DUT's terminal voltage and net current before the step (for DCIR)
            self._before = (self.readings.voltage, self.readings.i_in - self.readings.i_out)
        if not seamless:
            self._prev = None  # never integrate across a change of setpoint or a gap
        self._watchdog.allow(self.clock.wall_period(period))
        until = Watch(step.until)
        ended_by = None
        k = math.floor((now - start) / period + _EPS)
        sample_now = not seamless
        while ended_by is None:
            if not sample_now:
                k += 1
                clock.sleep_until(start + k * period)
            now = clock.now()
            if step.ramp is not None:
                self._ramp(step, now - start)
            if totals is None:
                totals = self._sample(step, now, now - start, None)
                self._index, self._step_start, self._totals = step.index, start, totals
                self._checkpoint(now)
            else:
                self._sample(step, now, now - start, totals)
            sample_now = False
            if step.duration is not None and now - start >= step.duration - _EPS:
                ended_by = f"duration {step.duration:g} s"
            else:
                met = until.check(self.readings, now)
                if met is not None:
                    ended_by = met.text
            wall = time.monotonic()
            if wall >= self._next_housekeeping:
                paused = self._housekeeping(step, now, wall)
                if paused:
                    start += paused
                    k = math.floor((clock.now() - start) / period + _EPS)
                    self._step_start = start
        if step.name is not None:
            self.step_totals[step.name] = totals
            self.book.named[step.name] = totals
        log.event("step_end", clock.now(), step=step.text, index=step.index, count=self.step_count,
                  cycle=self.cycle, ended_by=ended_by, results=totals.to_json())
        with deferred():  # a stop signal waits until the step's records are on disk
            log.sync()
            self._checkpoint(clock.now(), step_ended=True)

    def _ramp(self, step: Step, step_time: float) -> None:
        first, over = step.ramp  # type: ignore[misc]
        level = first + (step.level - first) * min(1.0, step_time / over)
        self._retry(lambda: self.station.load.set_mode(step.mode, level), step)

    def _sample(self, step: Step, now: float, step_time: float, totals: Totals | None,
                action: str | None = None) -> Totals:
        """One tick: read, integrate, check safety, record, show."""
        raw = self._retry(self.station.read, step)
        self._measure(step, now, step_time, raw)
        if totals is None:
            totals = Totals(now, self.readings, *self._before)
            if self.run_totals is None:
                self.run_totals = Totals(now, self.readings)
        if self.book.totals is None:
            self.book.totals = Totals(now, self.readings)
        self._integrate(step, now, totals)
        self._check_safety(now, step, totals)
        self._record(step, totals, action)
        self.view.sample(self.readings, step, self.cycle, totals)
        return totals

    # -- faults ----------------------------------------------------------------------------
    def _retry(self, action: Callable[[], T], step: Step) -> T:
        """Run an instrument action; on failure retry with backoff, reopen the connection and
        set the step up again, for at most the grace time. Blind on a critical thermometer,
        the bench goes safe at once while it retries."""
        try:
            return action()
        except InstrumentFault as fault:
            failure = fault
        clock, log = self.clock, self.log
        first = clock.now()
        if failure.role == "thermo" and self.critical:
            self.station.safe()
            log.event("monitoring_lost", first, error=str(failure))
        attempt = 0
        while True:
            log.event("retry", clock.now(), role=failure.role, attempt=attempt + 1, error=str(failure))
            if clock.now() - first >= self.policy.grace:
                raise InstrumentFault(failure.role, InstrumentError(
                    f"not recovered within {self.policy.grace:g} s: {failure}"))
            clock.sleep_until(clock.now() + min(0.1 * 2 ** attempt, MAX_BACKOFF))
            self._watchdog.beat()
            attempt += 1
            try:
                if attempt >= 2:
                    identity = self.station.reopen(failure.role)
                    log.event("reopened", clock.now(), role=failure.role, identity=identity)
                if attempt >= 2 or failure.role == "thermo":
                    self._apply(step)
                result = action()
            except InstrumentFault as again:
                failure = again
                continue
            log.event("recovered", clock.now(), role=failure.role, attempts=attempt,
                      downtime_s=round(clock.now() - first, 3))
            return result

    def _stall(self, quiet: float) -> None:
        """Watchdog thread: safe state now, then let the main thread end the run as ERROR."""
        self._stalled = f"sample loop stalled for {quiet:.1f} s (watchdog)"
        self.station.safe()
        self.log.event("watchdog", self.clock.now(), quiet_s=round(quiet, 3))

    # -- housekeeping: watchdog, operator, checkpoints --------------------------------------
    def _housekeeping(self, step: Step, now: float, wall: float) -> float:
        """Returns the time spent paused (0 if the operator did not pause)."""
        self._next_housekeeping = wall + HOUSEKEEPING
        self._watchdog.beat(wall)
        if self._stalled:
            raise Stalled(self._stalled)
        paused = 0.0
        if self._control.poll() == "pause":
            paused = self._pause(step)
        if wall >= self._next_checkpoint:
            self._checkpoint(now)
        return paused

    def _pause(self, step: Step) -> float:
        """Operator pause: DUT safe, monitoring and safety go on, rows say 'pause'."""
        clock, log = self.clock, self.log
        self.station.safe()
        began = clock.now()
        log.event("paused", began, count=self.step_count)
        self.view.message("paused: `bench continue` resumes the step")
        self._prev = None
        self._checkpoint(began)
        period = step.period or self.profile.period
        with clock.real_time():
            self._watchdog.allow(period)
            t = began
            while True:
                t += period
                clock.sleep_until(t)
                self._sample(step, clock.now(), clock.now() - began, self._totals, action="pause")
                self._watchdog.beat()
                if self._stalled:
                    raise Stalled(self._stalled)
                if self._control.poll() == "continue":
                    break
        self._watchdog.allow(clock.wall_period(period))
        paused = clock.now() - began
        self.paused_s += paused
        self._prev = None
        self._retry(lambda: self._apply(step), step)
        log.event("continued", clock.now(), count=self.step_count, paused_s=round(paused, 3))
        self.view.message(f"continued after {paused:.0f} s paused")
        return paused

    def _checkpoint(self, now: float, step_ended: bool = False) -> None:
        with deferred():
            self.log.flush()
            state = RunState(
                step_count=self.step_count, position=self.position, last_index=self._index, cycle=self.cycle,
                step_start=self._step_start,
                step_totals=self._totals.state() if self._totals else None,
                run_totals=self.run_totals.state() if self.run_totals else None,
                named={name: t.state() for name, t in self.step_totals.items()},
                rows=self.log.rows, offset=self.log.offset(), test_time=now, paused_s=self.paused_s,
                step_ended=step_ended, prev=list(self._prev) if self._prev else None,
                cycles=self.book.state(), stopped=dict(self.stopped))
            checkpoint.save(self.log.folder, state, self.station.world)
        self._next_checkpoint = time.monotonic() + CHECKPOINT_EVERY

    # -- per sample ------------------------------------------------------------------------
    def _measure(self, step: Step, now: float, step_time: float, raw: tuple) -> None:
        v_in, i_in, v_out, i_out, raw_temps = raw
        self._sampled = True
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
            elif name in self.critical:
                self._check_frozen(name, value, now)
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

    def _check_frozen(self, name: str, value: float, now: float) -> None:
        """A reading that repeats to the last digit for too long is a reader that stopped."""
        last = self._frozen.get(name)
        if last is None or last[0] != value:
            self._frozen[name] = (value, now)
        elif now - last[1] > self.policy.frozen:
            raise MonitoringLost(f"temperature channel {name!r} frozen at {value:g} degC for "
                                 f"{now - last[1]:.0f} s")

    def _integrate(self, step: Step, now: float, totals: Totals) -> None:
        r = self.readings
        prev = self._prev
        self._prev = (now, r.i_in, r.i_out, r.p_in, r.p_out)
        if prev is None:
            return
        dt = now - prev[0]
        dq_in, dq_out = 0.5 * (prev[1] + r.i_in) * dt, 0.5 * (prev[2] + r.i_out) * dt
        de_in, de_out = 0.5 * (prev[3] + r.p_in) * dt, 0.5 * (prev[4] + r.p_out) * dt
        totals.add(now, dq_in, dq_out, de_in, de_out, r)
        self.run_totals.add(now, dq_in, dq_out, de_in, de_out, r)  # type: ignore[union-attr]
        self.book.totals.add(now, dq_in, dq_out, de_in, de_out, r)  # type: ignore[union-attr]
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

    def _record(self, step: Step, totals: Totals, action: str | None = None) -> None:
        r = self.readings
        self.log.sample((
            r.test_time, r.voltage, r.i_in - r.i_out, r.p_in - r.p_out, self.cycle, self.step_count, step.index,
            action or step.action, totals.q_in / 3600, totals.q_out / 3600, totals.e_in / 3600,
            totals.e_out / 3600, r.v_in, r.i_in, r.v_out, r.i_out, *r.temps.values(),
        ))


def _measured(condition: Condition, readings: Readings) -> str:
    if condition.channel is not None:
        table = readings.temps if condition.quantity == "temperature" else readings.temp_rates
        return f"{table[condition.channel]:.4g}"
    return f"{getattr(readings, QUANTITIES[condition.quantity][0]):.4g}"
