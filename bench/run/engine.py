"""The run engine: executes a profile on an opened station, one sample per period.

Each tick: read every instrument, integrate capacity and energy (bench.analysis.integrator),
check safety (station hard limits, profile limits, critical temperature channels), check the
step's end conditions, and hand a Sample record to the sinks (logbook, live view...). A few
times a second (wall time) it also feeds the watchdog, looks for a pause or continue from the
operator and, every few seconds, emits a checkpoint. Instrument errors are retried with backoff
(reopening the connection) for the station's grace time.

Everything it knows lives in one RunState (bench.run.state), which a checkpoint saves as it is.
Whatever happens, the station is put in safe state before `run` returns.
"""
from __future__ import annotations

import math
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, TypeVar

from bench.analysis.criteria import NOT_MEASURED, Result, evaluate
from bench.analysis.cycles import CycleSummary, first_with, met
from bench.analysis.integrator import Totals
from bench.record.verdict import Verdict
from bench.profile.conditions import RATE_WINDOW, Condition, Watch
from bench.profile.reader import Loop, Profile
from bench.profile.steps import Step
from bench.record.records import Checkpoint, CycleEnd, Event, RecordError, RunStart, Sample, Sinks, StepEnd, StepStart
from bench.record.schema import Row
from bench.run.clock import Clock
from bench.run.control import ControlFile
from bench.run.readings import NAN, Readings
from bench.run.regulation import Regulation
from bench.run.sequencer import Planned, Sequencer
from bench.run import signals, wiring
from bench.run.state import RunState, StepState
from bench.run.stops import Deviation, Fault, Miswired, MonitoringLost, OperatorStop, RunEnded, SafetyTrip, Stalled
from bench.run.watchdog import Watchdog
from bench.station.config import HardLimits, StationConfig
from bench.station.instruments import SWITCHES as SWITCHED, InstrumentFault, Reading, Station
from drivers.roles import ChannelFault, InstrumentError, RangeError

HOUSEKEEPING = 0.25  # s of wall time between looks at the control file and the watchdog
CHECKPOINT_EVERY = 5.0  # s of wall time between periodic checkpoints
MAX_BACKOFF = 5.0  # s between two retries of a failing instrument
_EPS = 1e-9
T = TypeVar("T")


@dataclass
class Outcome:
    verdict: Verdict
    reason: str
    results: list[Result] = field(default_factory=list)
    run_totals: Totals | None = None
    safe_problems: list[str] = field(default_factory=list)
    resumable: bool = False  # `bench resume` may continue the run (an operator stop; records that failed)
    lost: str | None = None  # the role whose instrument was lost (not recovered within the grace time)


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


class StationLimits:
    """The station hard limits, checked every sample ahead of the profile's conditions. They have
    no hold to time, so a comparison per reading is all they take (the voltage, current and power
    limits apply to the DUT's input and output alike); only a trip looks up the condition that
    names the side, in the order `hard_limit_conditions` lists them."""

    __slots__ = ("_amps", "_degc", "_volts", "_watts", "conditions")

    def __init__(self, limits: HardLimits) -> None:
        self.conditions = hard_limit_conditions(limits)
        self._volts, self._amps = limits.max_voltage, limits.max_current
        self._watts, self._degc = limits.max_power, limits.max_temperature

    def check(self, r: Readings) -> Condition | None:
        """The first limit passed by the readings `r`, or None."""
        volts, amps, watts = self._volts, self._amps, self._watts
        if (r.v_in > volts or r.v_out > volts or r.i_in > amps or r.i_out > amps or r.p_in > watts
                or r.p_out > watts or r.t_max > self._degc):
            return next(c for c in self.conditions if c.holds(r))
        return None


def new_state(profile: Profile, channels: tuple[str, ...]) -> RunState:
    """The state of a run that has not started; rate windows kept only when a condition needs them."""
    conditions = list(profile.safety) + [c for step in profile.steps() for c in step.until]
    needs_rates = any(c.quantity in ("dT/dt", "dV/dt") for c in conditions)
    return RunState(readings=Readings(channels, RATE_WINDOW if needs_rates else None))


class Runner:
    """Runs `profile` with the station `config` describes; `run(station)` drives the opened one."""

    station: Station

    def __init__(self, profile: Profile, config: StationConfig, clock: Clock, sinks: Sinks, state: RunState,
                 control: ControlFile | None = None, halt: Callable[[], RunEnded | None] | None = None) -> None:
        """`halt`: asked with the operator's requests; what it returns ends the run there (a rack
        ends every channel when an instrument they share is lost)."""
        self.profile = profile
        self.clock = clock
        self.sinks = sinks
        self.state = state
        self.r = state.readings
        self.limits = StationLimits(config.limits)
        hard = len(self.limits.conditions)
        if len(state.safety) == hard + len(profile.safety):  # a checkpoint that timed the station limits first
            del state.safety[:hard]
        self.safety = Watch(profile.safety, state.safety)
        self.critical = config.critical
        self.policy = config.faults
        self.regulation = Regulation(config, shared=profile.ratings.kind == "cell")
        self._replayed: Deviation | None = None  # a deviation found in the rows a resume replayed
        self._control = control
        self.halt = halt
        self._sequencer = Sequencer(profile.items, state.stopped, self._judge_loop)
        self._watchdog = Watchdog(self.policy.watchdog, self._stall)
        self._stalled: str | None = None
        self._retrying = False  # in the retry loop of a failing instrument
        self._made_safe = False  # the bench was switched off during that retry (blind, or the watchdog)
        self._pausing = False  # the operator asked for a pause (taken after the sample) and not to continue
        self._next_housekeeping = 0.0
        self._next_look = 0.0  # wall time of the next look at the operator's requests while asleep
        self._next_checkpoint = 0.0

    # -- the run ---------------------------------------------------------------------------
    def run(self, station: Station) -> Outcome:
        """Run the whole profile (or what is left of it); always ends in safe state."""
        self.station = station
        self._channels = tuple((name, number, name in self.critical)  # what _measure reads, each sample
                               for name, number in zip(station.names, station.numbers))
        outcome = Outcome(Verdict.ERROR, "did not start")
        try:
            with self._watchdog:
                self._safe_start()
                if self._replayed is not None:
                    raise self._replayed
                for planned, continuing in self._remaining():
                    signals.check()  # at every step boundary too: a simulated step can be over in a blink
                    self._run_step(planned, continuing)
                signals.check()
            self._close_cycle()
            results = self._evaluate()
            failed = [r for r in results if r.outcome == "FAIL"]
            marginal = "".join(f"; {r.describe()}" for r in results if r.outcome == "MARGINAL")  # met, near a bound
            reason = "; ".join(r.describe() for r in failed) or (
                f"all criteria met{marginal}" if results else "completed; the profile sets no criteria")
            outcome = Outcome(Verdict.FAIL if failed else Verdict.PASS, reason, results)
        except (RunEnded, KeyboardInterrupt, InstrumentError, RangeError, RecordError) as exc:
            outcome = self._stopped(self._ending(exc))
            if isinstance(exc, InstrumentFault) and not self._stalled:
                outcome.lost = exc.role
        except Exception as exc:
            outcome = self._stopped(Fault(f"internal error: {type(exc).__name__}: {exc}"),
                                    traceback=traceback.format_exc())
        finally:
            problems = self.station.safe()
            outcome.safe_problems = problems
            if problems:
                outcome.verdict = Verdict.ERROR
                outcome.reason = f"{outcome.reason}; SAFE STATE NOT CONFIRMED: {problems}"
            self._quietly(self.sinks.emit, "event", Event("safe_state", self.clock.now(),
                                                          {"confirmed": not problems, "problems": problems}))
            self._quietly(self.sinks.emit, "sync")
        outcome.run_totals = self.state.run
        return outcome

    def _remaining(self) -> Iterator[tuple[Planned, bool]]:
        """(step, continuing) in execution order from where the state stands: a resume skips what
        was done and continues the interrupted step, or runs it again as a new step when the
        profile says restart."""
        current = self.state.step
        done = current.position if current is not None else 0
        for planned in self._sequencer.plan(done):
            if planned.position < done:
                continue
            if planned.position == done:
                if current.ended_by is not None:  # type: ignore[union-attr]
                    continue
                yield planned, self.profile.on_resume == "continue"
            else:
                yield planned, False

    def _ending(self, exc: BaseException) -> RunEnded:
        """What ended the run, as the records tell it (a stall first: what followed is its effect)."""
        if self._stalled and not isinstance(exc, SafetyTrip):
            return Stalled(self._stalled)
        if isinstance(exc, RunEnded):
            return exc
        if isinstance(exc, KeyboardInterrupt):  # no signal handler installed (a library caller)
            return OperatorStop("Ctrl-C")
        if isinstance(exc, RangeError):
            return Fault(f"a step asks more than the instrument can do: {exc}")
        if isinstance(exc, InstrumentError):
            return Fault(f"instrument fault: {exc}")
        return Fault(f"records: {exc}")

    def _stopped(self, stop: RunEnded, **extra: Any) -> Outcome:
        # Safe state first, records second: the DUT does not wait for the disk.
        problems = self.station.safe()
        self._quietly(self.sinks.emit, "event", Event(stop.event, self.clock.now(), dict(
            reason=stop.reason, safe_problems=problems, **stop.fields, **extra), stop.reason))
        complete = dict(self.state.book.records)  # the cycle the stop cuts short is recorded, not judged
        self._quietly(self._close_cycle)
        if self.state.run is None:  # ended before the first step: nothing was measured
            results = [Result(criterion, None, NOT_MEASURED) for criterion in self.profile.criteria]
        else:  # voids: measured on a step the DUT did not get, not a figure to judge
            results = [Result(r.criterion, None, NOT_MEASURED) if stop.voids or r.value is None else r
                       for r in self._evaluate(complete)]
        return Outcome(stop.verdict, stop.reason, results, resumable=isinstance(stop, OperatorStop))

    @staticmethod
    def _quietly(write: Callable[..., None], *args: Any) -> None:
        """On the way out, a record that cannot be written (the disk that failed the run) is
        given up: the outcome still reaches run.json, or whatever of it the disk takes."""
        try:
            write(*args)
        except (RecordError, OSError):
            pass

    def _evaluate(self, cycles: dict[int, dict[str, Any]] | None = None) -> list[Result]:
        """The criteria on what the run measured; cycle criteria on `cycles` (default: every closed one)."""
        st = self.state
        return evaluate(self.profile.criteria, st.run, st.named, self.profile.ratings,
                        st.book.records if cycles is None else cycles)

    def _close_cycle(self) -> None:
        """The cycle being counted is over: keep its record and say so (cycles.csv, events)."""
        book = self.state.book
        cycle = book.cycle
        record = book.close()
        if record is not None:
            self.sinks.emit("cycle_end", CycleEnd(self.clock.now(), CycleSummary.of(cycle, record)))

    def _judge_loop(self, loop: Loop, passes: int, cycle: int) -> bool:
        """A loop's stop_if, on the pass just completed (its cycle record, against the first)."""
        book = self.state.book
        record, first = book.live(), first_with(book.records, loop.stop_if.step)  # type: ignore[union-attr]
        if record is None or not met(loop.stop_if, record, first or record, self.profile.ratings):  # type: ignore[arg-type]
            return False
        self._event("loop_stopped", loop=loop.key, passes=passes, cycle=cycle,
                    condition=loop.stop_if.text)  # type: ignore[union-attr]
        return True

    def _safe_start(self) -> None:
        problems = self.station.safe()
        if problems:
            raise InstrumentError(f"cannot put the bench in safe state before starting: {problems}")
        if not self.state.started:
            self.state.started = True
            self.sinks.emit("run_start", RunStart(self.clock.now(), self.profile.name, self.profile.product.summary()))
            self._check_wiring()

    def _check_wiring(self) -> None:
        """Before the first step, nothing on: the instruments read the DUT as one of its kind,
        wired right, shows (bench.run.wiring), or the run ends here."""
        raw = self._retry(self.station.read, None)
        found = wiring.problems((raw.v_out, raw.i_out), (raw.v_in, raw.i_in), self.profile.product,
                                self.regulation.tol)
        if found:
            raise Miswired("; ".join(found))

    def _event(self, kind: str, message: str | None = None, **fields: Any) -> None:
        self.sinks.emit("event", Event(kind, self.clock.now(), fields, message))

    # -- one step --------------------------------------------------------------------------
    def _setup(self, step: Step, settle: bool = True) -> None:
        """Drive the instruments for the step, as far into it as the run is (a ramp's level);
        `settle`: its readings are judged again once the set-points have settled."""
        current = self.state.step
        step_time = self.r.step_time if current is not None and current.samples else 0.0
        step.apply(self.station.load, self.station.supply, step_time)
        if settle and current is not None:
            self.regulation.settled(current, self.clock.now())

    def _run_step(self, planned: Planned, continuing: bool) -> None:
        st, clock, step = self.state, self.clock, planned.step
        period = step.period or self.profile.period
        if continuing:
            ss = st.step
            assert ss is not None
            gap = clock.now() - st.test_time >= period  # set up anew (the simulated bench takes up where it was)
            self._retry(lambda: self._setup(step, settle=gap), step)
            now = clock.now()
            if now - st.test_time >= period:  # a real gap (not the simulated bench): never bridged
                st.integrator.reset()
            self.sinks.emit("step_start", StepStart(now, step, ss.count, ss.position, ss.cycle, True,
                                                    now - ss.start))
        else:
            if st.book.cycle != planned.cycle:
                self._close_cycle()
                st.book.cycle = planned.cycle
            before = [self.r.voltage, self.r.i_in - self.r.i_out] if st.sampled else [NAN, 0.0]
            count = st.step.count + 1 if st.step is not None else 1
            ss = st.step = StepState(planned.position, count, step.index, planned.cycle, clock.now(), before=before)
            self._retry(lambda: self._setup(step), step)
            ss.start = now = clock.now()
            st.integrator.reset()  # never integrate across a change of set-point
            self.r.restart_voltage_rate()
            self.sinks.emit("step_start", StepStart(now, step, ss.count, ss.position, ss.cycle))
            self._checkpoint(now)
        self._watchdog.allow(clock.wall_period(period))
        sleep_until = self._sleep_until if clock.wall_period(period) > HOUSEKEEPING else clock.sleep_until
        until = Watch(step.until, ss.until)
        station = self.station
        sample = Sample(self.r, step, ss.cycle, ss.count, ss.totals, step.action)  # one per step: no allocation a tick
        while ss.ended_by is None:
            due = ss.start + ss.samples * period
            sleep_until(due)
            now = clock.now()
            if now - due >= period:  # fell behind (a gap, a slow instrument): no burst of catch-up samples
                ss.samples = math.floor((now - ss.start) / period + _EPS)
            if step.follows:
                self._retry(lambda: step.follow(station.load, now - ss.start), step)  # reopened: a new driver
            self._sample(ss, now, now - ss.start, sample)
            for notice in clock.notices():
                self._event("simulated_dut", f"simulated DUT: {notice}", detail=notice)
            ss.samples += 1
            ss.ended_by = self._ended(step, ss, until, now)
            self._regulate(step, ss, now)
            wall = time.monotonic()
            if wall >= self._next_housekeeping:
                paused = self._housekeeping(sample, ss, now, wall)
                if paused:
                    ss.start += paused
                    ss.samples = math.floor((clock.now() - ss.start) / period + _EPS) + 1
        if step.name is not None:
            st.named[step.name] = st.book.named[step.name] = ss.totals  # type: ignore[assignment]
        self.sinks.emit("step_end", StepEnd(clock.now(), step, ss.count, ss.cycle, ss.ended_by, ss.totals))
        self.sinks.emit("sync")

    def _regulate(self, step: Step, ss: StepState, now: float) -> None:
        """The DUT gets what the step commands (bench.run.regulation), or the run ends here."""
        deviation = self.regulation.check(step, ss, self.r, now)
        if deviation is not None:
            raise deviation

    def _ended(self, step: Step, ss: StepState, until: Watch, now: float) -> str | None:
        """What ends the step at this sample, if anything: its duration or an end condition met."""
        if step.duration is not None and now - ss.start >= step.duration - _EPS:
            return f"duration {step.duration:g} s"
        met = until.check(self.r, now)
        return None if met is None else met.text

    def _sample(self, ss: StepState, now: float, step_time: float, sample: Sample) -> None:
        """One tick: read, integrate, check safety, hand the sample to the sinks."""
        step = sample.step
        raw = self._retry(self.station.read, step)
        self._measure(step, now, step_time, raw)
        sample.totals = self._account(step, ss)
        sample.run = self.state.run
        self._check_safety(now, sample)
        self.sinks.sample(sample)
        self.state.test_time = now

    def _account(self, step: Step, ss: StepState) -> Totals:
        """What a sample adds to the state: the one integrator into the step, run and cycle totals
        (the step's returned). Live samples and replayed rows both come through here."""
        st, r = self.state, self.r
        st.sampled = True
        now = r.test_time
        if ss.totals is None:
            ss.totals = Totals(now, r, *ss.before)
            if st.run is None:
                st.run = Totals(now, r)
        if st.book.totals is None:
            st.book.totals = Totals(now, r)
        totals = ss.totals
        st.integrator.add(r, (totals, st.run, st.book.totals))  # type: ignore[arg-type]
        if step.measures_input:
            r.step_capacity, r.step_energy = totals.q_in, totals.e_in
        else:
            r.step_capacity, r.step_energy = totals.q_out, totals.e_out
        return totals

    def replay(self, rows: Iterable[Row]) -> int:
        """Rows on disk after the checkpoint (a real bench: data that cannot be taken again) fed
        through the same accounting as live samples; returns how many. They all belong to the
        checkpoint's step, which they may have ended."""
        ss = self.state.step
        if ss is None:
            return 0
        step = next(p.step for p in self._sequencer.plan(ss.position) if p.position == ss.position)
        period = step.period or self.profile.period
        # the last sample before the checkpoint was one of the step's own (a pause starts afresh)
        until, r, n, action = Watch(step.until, ss.until), self.r, 0, step.action
        for row in rows:
            if row.step_type != action:  # into or out of a pause: so does the live run
                self.state.integrator.reset()
            action = row.step_type
            self._fill(step, row.test_time, row.test_time - ss.start, row.v_in, row.i_in, row.v_out, row.i_out)
            r.temps.update(zip(r.temps, row.temps))
            r.t_max = max((v for v in row.temps if v == v), default=NAN)
            r.update_rates()
            self._account(step, ss)
            self.safety.check(r, row.test_time)
            self.state.test_time = row.test_time
            n += 1
            if action == step.action:
                ss.samples = math.floor((row.test_time - ss.start) / period + _EPS) + 1
                ss.ended_by = self._ended(step, ss, until, row.test_time)
                self._replayed = self.regulation.check(step, ss, r, row.test_time)
                if ss.ended_by is not None or self._replayed is not None:
                    break
        return n

    # -- faults ----------------------------------------------------------------------------
    def _retry(self, action: Callable[[], T], step: Step | None) -> T:
        """Run an instrument action; on failure retry with backoff, reopen the connection and
        set the step up again (if one is running), for at most the grace time. Blind on a
        critical thermometer, the bench goes safe at once while it retries."""
        try:
            return action()
        except InstrumentFault as fault:
            failure = fault
        clock = self.clock
        first = clock.now()
        if failure.role == "thermo" and self.critical:
            self.station.safe()
            self._made_safe = True
            self._event("monitoring_lost", error=str(failure))
        attempt = 0
        self._retrying = True  # the watchdog, meanwhile, makes the bench safe but lets the retries go on
        try:
            while True:
                self._event("retry", role=failure.role, attempt=attempt + 1, error=str(failure))
                if self._stalled:
                    raise Stalled(self._stalled)
                if clock.now() - first >= self.policy.grace:
                    raise InstrumentFault(failure.role, InstrumentError(
                        f"not recovered within {self.policy.grace:g} s: {failure}"))
                clock.sleep_until(clock.now() + min(0.1 * 2 ** attempt, MAX_BACKOFF))
                self._look()
                attempt += 1
                try:
                    if attempt >= 2:
                        identity = self.station.reopen(failure.role)
                        self._event("reopened", role=failure.role, identity=identity)
                    if attempt >= 2 and not self._made_safe and step is not None:
                        self._setup(step)
                    result = action()
                    if self._made_safe and step is not None:  # switched off meanwhile: on again only once it answers
                        self._setup(step)
                except InstrumentFault as again:
                    failure = again
                    continue
                self._event("recovered", role=failure.role, attempts=attempt,
                            downtime_s=round(clock.now() - first, 3))
                return result
        finally:
            self._retrying = self._made_safe = False

    def _stall(self, quiet: float) -> bool:
        """Watchdog thread: safe state now, through new connections (the stuck one may hold its
        lock for good). A call that did not return ends the run ERROR; instrument calls that
        fail and are being retried go on for their grace time, the bench safe meanwhile.
        Returns whether to keep watching."""
        hung = self.station.hung()
        ending = bool(hung) or not self._retrying
        if not ending and self._made_safe:
            return True  # already safe, and every call still returns: the retries' grace decides
        what = f"{' and '.join(hung)} call did not return" if hung else (
            "instrument calls failing" if self._retrying else "sample loop stalled")
        stalled = f"{what} for {quiet:.1f} s (watchdog)"
        if ending and not self._watchdog.claim(lambda: setattr(self, "_stalled", stalled)):
            return False  # the run is already on its way out for a reason of its own
        problems = self.station.safe(fresh=True)
        message = f"{stalled}: bench " + ("safe" if not problems else f"NOT CONFIRMED SAFE: {problems}")
        self._event("watchdog", message=message, quiet_s=round(quiet, 3), hung=hung, reconnected=list(SWITCHED),
                    safe_problems=problems, ending=ending)
        if not ending:
            self._made_safe = True
            return True  # watch the retries on
        self._watchdog.interrupt(Stalled(stalled))
        return False

    # -- housekeeping: watchdog, operator, checkpoints --------------------------------------
    def _housekeeping(self, sample: Sample, ss: StepState, now: float, wall: float) -> float:
        """Returns the time spent paused (0 if the operator did not pause)."""
        self._next_housekeeping = wall + HOUSEKEEPING
        self._watchdog.beat(wall)
        if self._stalled:
            raise Stalled(self._stalled)
        self._look()
        paused = self._pause(sample.step, ss) if self._pausing else 0.0
        if wall >= self._next_checkpoint:
            self._checkpoint(now)
        return paused

    def _look(self) -> None:
        """The operator's requests: a stop (a signal, `bench stop`) ends the run here; a pause or
        a continue is noted, and taken after the sample."""
        signals.check()
        halted = self.halt() if self.halt is not None else None
        if halted is not None:
            raise halted
        command = self._control.poll() if self._control is not None else None
        if command == "stop":
            raise OperatorStop("bench stop")
        if command is not None:
            self._pausing = command == "pause"

    def _sleep_until(self, due: float, cut: Callable[[], bool] | None = None) -> None:
        """Sleep to the next sample, looking at the operator's requests a few times a second of
        wall time (a signal also cuts the sleep short: bench.run.signals); `cut()` true after a
        look ends the sleep there (a continue, while paused)."""
        clock = self.clock
        while clock.wall_left(due) > HOUSEKEEPING:  # waited in slices; the simulated world is advanced
            signals.wait(HOUSEKEEPING)              # once, at `due`, as at any other speed
            signals.check()
            awake = time.monotonic()
            if awake >= self._next_look:
                self._next_look = awake + HOUSEKEEPING
                self._look()
                if cut is not None and cut():
                    due = clock.due_now(due)
                    break
        clock.sleep_until(due)

    def _pause(self, step: Step, ss: StepState) -> float:
        """Operator pause: DUT safe, monitoring and safety go on, rows say 'pause'."""
        clock, st = self.clock, self.state
        self.station.safe()
        began = clock.now()
        self._event("paused", message="paused: `bench continue` resumes the step", count=ss.count)
        st.integrator.reset()
        self._checkpoint(began)
        period = step.period or self.profile.period
        sample = Sample(self.r, step, ss.cycle, ss.count, ss.totals, "pause")
        with clock.real_time():
            self._watchdog.allow(period)
            t = began
            while True:
                t += period
                self._sleep_until(t, cut=lambda: not self._pausing)
                now = t = clock.now()
                self._sample(ss, now, now - began, sample)
                self._watchdog.beat()
                if self._stalled:
                    raise Stalled(self._stalled)
                self._look()
                if not self._pausing:
                    break
        self._watchdog.allow(clock.wall_period(period))
        paused = clock.now() - began
        st.paused_s += paused
        st.integrator.reset()
        self._retry(lambda: self._setup(step), step)
        self._event("continued", message=f"continued after {paused:.0f} s paused", count=ss.count,
                    paused_s=round(paused, 3))
        self._checkpoint(clock.now())  # a resume after this goes on from the continue, not from the pause
        return paused

    def _checkpoint(self, now: float) -> None:
        self.sinks.emit("checkpoint", Checkpoint(now, self.state, self.station.world))
        self._next_checkpoint = time.monotonic() + CHECKPOINT_EVERY

    # -- per sample ------------------------------------------------------------------------
    def _fill(self, step: Step, now: float, step_time: float, v_in: float, i_in: float, v_out: float,
              i_out: float) -> None:
        r = self.r
        r.test_time, r.step_time = now, step_time
        r.v_in, r.i_in, r.p_in = v_in, i_in, v_in * i_in
        r.v_out, r.i_out, r.p_out = v_out, i_out, v_out * i_out
        if step.measures_input:
            r.voltage, r.current, r.power = v_in, i_in, r.p_in
        else:
            r.voltage, r.current, r.power = v_out, i_out, r.p_out

    def _measure(self, step: Step, now: float, step_time: float, raw: Reading) -> None:
        self._fill(step, now, step_time, raw.v_in, raw.i_in, raw.v_out, raw.i_out)
        r, faulted = self.r, self.state.faulted
        temps, readings = r.temps, raw.temps
        hottest = NAN
        for name, number, critical in self._channels:
            value = readings[number]
            if isinstance(value, ChannelFault):
                self._channel_fault(name, value)
                value = NAN
            elif faulted and name in faulted:
                faulted.remove(name)
                self._event("channel_recovered", channel=name)
            elif critical:
                self._check_frozen(name, value, now)
            temps[name] = value
            if value > hottest or hottest != hottest:
                hottest = value
        r.t_max = hottest
        r.update_rates()

    def _channel_fault(self, name: str, fault: ChannelFault) -> None:
        if name in self.critical:
            raise MonitoringLost(f"temperature channel {name!r} (channel {fault.channel}): {fault.reason}")
        if name not in self.state.faulted:
            self.state.faulted.append(name)
            self._event("channel_fault", channel=name, number=fault.channel, reason=fault.reason)

    def _check_frozen(self, name: str, value: float, now: float) -> None:
        """A reading that repeats to the last digit for too long is a reader that stopped."""
        last = self.state.frozen.get(name)
        if last is None:
            self.state.frozen[name] = [value, now]
        elif last[0] != value:
            last[0], last[1] = value, now
        elif now - last[1] > self.policy.frozen:
            raise MonitoringLost(f"temperature channel {name!r} frozen at {value:g} degC for "
                                 f"{now - last[1]:.0f} s")

    def _check_safety(self, now: float, sample: Sample) -> None:
        met = self.safety.check(self.r, now)  # every sample, so that the hold timers move on
        tripped = self.limits.check(self.r) or met
        if tripped is not None:
            self.station.safe()  # at once, before anything else; the row that tripped is kept
            self.sinks.sample(sample)
            raise SafetyTrip(f"{tripped.text} (measured: {_measured(tripped, self.r)})")


def _measured(condition: Condition, readings: Readings) -> str:
    """The reading that tripped, in the unit its limit is written in."""
    return condition.shown(condition.read(readings))
