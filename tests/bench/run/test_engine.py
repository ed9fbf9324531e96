"""The engine on a scripted bench (bench/run/scripted.py): sampling, end conditions, safety,
DCIR's value before a step, retries, records, verdicts. No simulated physics, no files."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scripted import CHANNELS, JumpClock, battery, run_scripted

from bench.record.verdict import Verdict
from bench.profile.conditions import Watch
from bench.profile.reader import parse_profile
from bench.record.records import Sink, Sinks
from bench.run.engine import Runner, StationLimits, hard_limit_conditions, new_state
from bench.run.readings import NAN, Readings
from bench.station.config import HardLimits, load_station
from bench.station.instruments import Reading
from drivers.roles import InstrumentError

HEAD = 'name = "scripted"\nperiod = "1 s"\n[dut]\nkind = "cell"\n'


def profile(steps: str, tail: str = "") -> str:
    return f"steps = [{steps}]\n" + HEAD + tail


def test_a_step_of_n_periods_takes_a_sample_at_its_start_and_each_period_up_to_its_end():
    outcome, bench, kept = run_scripted(profile('"Discharge at 1 A for 10 s"'))
    assert outcome.verdict is Verdict.PASS
    assert [row["t"] for row in kept.rows] == [float(t) for t in range(11)]
    (end,) = kept.kinds("step_end")
    assert end.ended_by == "duration 10 s" and end.totals.q_out == pytest.approx(10.0)  # 1 A x 10 s


def test_an_end_condition_held_for_a_time_ends_the_step_when_it_has_held_that_long():
    def falling(t, bench):
        reading = battery(t, bench)
        return reading._replace(v_out=4.0 - 0.01 * t)  # crosses 3.9 V at t = 10 s
    outcome, _, kept = run_scripted(profile('"Discharge at 1 A until voltage < 3.9 V for 5 s"'), falling)
    (end,) = kept.kinds("step_end")
    assert end.ended_by == "voltage < 3.9 V for 5 s"
    assert kept.rows[-1]["t"] == 16.0  # below 3.9 V from t = 11 s, held 5 s


def test_each_step_drives_its_side_and_switches_the_other_off_first():
    _, bench, _ = run_scripted(profile('"Charge at 4.2 V, 1 A limit for 3 s", "Discharge at 2 A for 3 s"'))
    calls = bench.bench.calls
    charge = calls.index(("configure", 4.2, 1.0))
    discharge = calls.index(("set_mode", "CC", 2.0))
    assert ("set_input", False) in calls[:charge] and calls[charge + 1] == ("set_output", True)
    assert calls[discharge - 1] == ("set_output", False) and calls[discharge + 1] == ("set_input", True)


def test_dcir_takes_the_voltage_and_current_of_the_sample_before_the_pulse():
    text = profile('"Rest for 5 s", { step = "Discharge at 2 A for 5 s", name = "pulse" }',
                   '[[criteria]]\nname = "r"\nmetric = "dcir"\nstep = "pulse"\nmax = "1 ohm"\n')
    outcome, _, _ = run_scripted(text)
    (result,) = outcome.results
    assert result.value == pytest.approx(0.05)  # 4.0 V at rest, 3.9 V at 2 A


def test_a_safety_limit_trips_at_once_keeps_the_row_that_tripped_and_aborts():
    def heating(t, bench):
        reading = battery(t, bench)
        return reading._replace(temps={**reading.temps, CHANNELS["cell"]: 25.0 + t})
    text = profile('"Discharge at 1 A for 60 s"', '[safety]\nabort_if = ["cell temperature > 40 degC"]\n')
    outcome, bench, kept = run_scripted(text, heating)
    assert outcome.verdict is Verdict.ABORTED and "cell temperature > 40 degC (measured: 41 degC)" in outcome.reason
    assert kept.rows[-1]["t"] == 16.0 and not bench.bench.load_on and not bench.bench.supply_on
    trip = next(e for e in kept.kinds("event") if e.kind == "safety_trip")
    assert trip.message == outcome.reason


def test_an_aborted_run_leaves_what_it_did_not_measure_not_measured_and_judges_what_it_did():
    def heating(t, bench):
        reading = battery(t, bench)
        return reading._replace(temps={**reading.temps, CHANNELS["cell"]: 25.0 + t})
    criteria = ('[[criteria]]\nname = "delivered"\nmetric = "discharge capacity"\nstep = "discharge"\nmin = "1 mAh"\n'
                '[[criteria]]\nname = "hottest"\nmetric = "cell max temperature"\nmax = "60 degC"\n')
    text = profile('{ step = "Discharge at 1 A for 60 s", name = "discharge" }',
                   '[safety]\nabort_if = ["cell temperature > 40 degC"]\n' + criteria)
    outcome, _, _ = run_scripted(text, heating)
    assert outcome.verdict is Verdict.ABORTED
    assert {r.criterion.name: (r.value, r.outcome) for r in outcome.results} == {
        "delivered": (None, "NOT MEASURED"), "hottest": (41.0, "PASS")}


LIMITS = HardLimits(max_voltage=21.0, max_current=8.0, max_power=60.0, max_temperature=70.0)


def around(limit: float) -> st.SearchStrategy[float]:
    return st.sampled_from([0.0, limit - 0.5, limit, limit + 1e-9, limit + 3.0, NAN])


@given(st.tuples(*(around(limit) for limit in (21.0, 21.0, 8.0, 8.0, 60.0, 60.0, 70.0))))
def test_station_limits_trip_on_the_readings_and_name_the_side_the_seven_hard_limit_conditions_do(values):
    r = Readings(("cell",), None)
    r.v_in, r.v_out, r.i_in, r.i_out, r.p_in, r.p_out, r.t_max = values
    assert StationLimits(LIMITS).check(r) == Watch(hard_limit_conditions(LIMITS)).check(r, 0.0)


def test_a_checkpoint_that_also_timed_the_station_limits_resumes_with_the_profiles_hold_timers():
    text = profile('"Discharge at 1 A for 60 s"', '[safety]\nabort_if = ["cell temperature > 40 degC for 30 s"]\n')
    config, parsed = load_station(None), parse_profile(text, "scripted.toml")
    state = new_state(parsed, tuple(config.channels))
    state.safety[:] = [None] * len(hard_limit_conditions(config.limits)) + [12.5]  # the older checkpoint's layout
    runner = Runner(parsed, config, JumpClock(), Sinks([]), state)
    assert state.safety == [12.5] and runner.safety._since is state.safety


def test_a_failing_read_is_retried_and_the_run_rides_through_it():
    outcome, bench, kept = run_scripted(profile('"Discharge at 1 A for 10 s"'), fail={4: "load", 5: "load"})
    assert outcome.verdict is Verdict.PASS and bench.reopened == ["load"]
    kinds = [e.kind for e in kept.kinds("event")]
    assert kinds[:4] == ["retry", "retry", "reopened", "recovered"]


def test_a_lost_critical_thermometer_makes_the_bench_safe_before_retrying():
    outcome, bench, kept = run_scripted(profile('"Discharge at 1 A for 10 s"'), fail={3: "thermo"})
    assert outcome.verdict is Verdict.PASS
    kinds = [e.kind for e in kept.kinds("event")]
    assert kinds[:3] == ["monitoring_lost", "retry", "recovered"] and bench.safe_calls >= 3


def test_an_open_critical_channel_is_an_error_with_the_bench_safe():
    from drivers.roles import ChannelFault

    def open_cell(t, bench):
        reading = battery(t, bench)
        if t >= 3:
            return reading._replace(temps={**reading.temps, CHANNELS["cell"]: ChannelFault(101, "open")})
        return reading
    outcome, bench, _ = run_scripted(profile('"Discharge at 1 A for 10 s"'), open_cell)
    assert outcome.verdict is Verdict.ERROR and "'cell' (channel 101): open" in outcome.reason
    assert not bench.bench.load_on


def test_records_come_in_run_order_and_every_step_is_checkpointed_at_its_start():
    _, _, kept = run_scripted(profile('"Rest for 2 s", "Discharge at 1 A for 2 s"'))
    kinds = [k for k, _ in kept.records if k != "sample"]
    assert kinds == ["run_start", "step_start", "checkpoint", "step_end", "step_start", "checkpoint", "step_end",
                     "cycle_end", "event"]  # the last: safe_state
    assert kept.kinds("event")[-1].kind == "safe_state" and kept.kinds("event")[-1].fields["confirmed"]


def test_cycles_close_when_the_next_pass_begins_and_at_the_end():
    text = profile('{ repeat = 3, steps = ["Discharge at 1 A for 4 s", "Rest for 2 s"] }',
                   '[[criteria]]\nname = "each"\nmetric = "discharge capacity"\ncycle = "each"\nmin = "0.8 mAh"\n')
    outcome, _, kept = run_scripted(text)
    summaries = [record.summary for record in kept.kinds("cycle_end")]
    assert [s.cycle for s in summaries] == [1, 2, 3]
    assert [s.discharge_capacity for s in summaries] == [pytest.approx(4.0)] * 3
    assert outcome.verdict is Verdict.PASS and outcome.results[0].outcome == "PASS"


def test_a_marginal_criterion_counts_as_met_and_is_reported_marginal():
    text = profile('{ step = "Discharge at 1 A for 10 s", name = "d" }',
                   '[[criteria]]\nname = "cap"\nmetric = "discharge capacity"\nstep = "d"\nmin = "2.5 mAh"\n'
                   'marginal = "0.5 mAh"\n')
    outcome, _, _ = run_scripted(text)
    assert outcome.verdict is Verdict.PASS and outcome.results[0].outcome == "MARGINAL"


def test_a_missed_criterion_fails_the_run_naming_it():
    text = profile('{ step = "Discharge at 1 A for 10 s", name = "d" }',
                   '[[criteria]]\nname = "cap"\nmetric = "discharge capacity"\nstep = "d"\nmin = "5 mAh"\n')
    outcome, _, _ = run_scripted(text)
    assert outcome.verdict is Verdict.FAIL and outcome.reason.startswith("cap: ")


def test_a_step_reading_zero_volts_on_the_supply_side_still_counts_its_charge():
    """The step's measured side decides Voltage / Current; the integrator counts both sides."""
    def supply_only(t, bench):
        if not bench.supply_on:  # the wiring check before the first step: the cell across the load
            return battery(t, bench)
        return Reading(4.2, 1.0, 0.0, 0.0, dict.fromkeys(CHANNELS.values(), 25.0))
    _, _, kept = run_scripted(profile('"Charge at 4.2 V, 1 A limit for 5 s"'), supply_only)
    (end,) = kept.kinds("step_end")
    assert kept.rows[-1]["v"] == 4.2 and end.totals.q_in == pytest.approx(5.0) and end.totals.q_out == 0.0


def test_transient_read_failures_are_retried_a_link_failing_twice_is_reopened_and_the_run_passes():
    outcome, bench, kept = run_scripted(profile('"Discharge at 1 A for 60 s"'), fail={10: "load", 11: "load",
                                                                                        12: "load", 40: "load"})
    kinds = [e.kind for e in kept.kinds("event")]
    assert outcome.verdict is Verdict.PASS and bench.reopened == ["load", "load"]
    assert kinds.count("retry") == 4 and kinds.count("recovered") == 2


def test_an_instrument_that_does_not_recover_within_the_grace_time_ends_the_run(write, sim_station):
    station = sim_station(append='[faults]\ngrace = "20 s"\n')
    outcome, bench, kept = run_scripted(profile('"Discharge at 1 A for 10 min"'),
                                        fail=dict.fromkeys(range(60, 10_000), "supply"), station=station)
    assert outcome.verdict is Verdict.ERROR and "supply: not recovered within 20 s" in outcome.reason
    retries = [e for e in kept.kinds("event") if e.kind == "retry"]
    assert retries[-1].test_time - retries[0].test_time >= 20 and not bench.bench.load_on


def test_a_frozen_critical_temperature_ends_the_run(sim_station):
    def stuck(t, bench):
        reading = battery(t, bench)
        return reading._replace(temps={**reading.temps, CHANNELS["surface"]: 25.0 + 0.01 * t,
                                       CHANNELS["ambient"]: 25.0 + 0.01 * t})  # cell repeats 25.0
    outcome, _, _ = run_scripted(profile('"Discharge at 1 A for 10 min"'), stuck,
                                 station=sim_station(append='[faults]\nfrozen = "30 s"\n'))
    assert outcome.verdict is Verdict.ERROR and "'cell' frozen at 25 degC for 31 s" in outcome.reason


def test_an_unexpected_instrument_error_is_an_error_verdict_with_the_bench_safe():
    from drivers.roles import InstrumentError

    outcome, bench, _ = run_scripted(profile('"Discharge at 1 A for 60 s"'),
                                     fail={30: InstrumentError("USB0::...::INSTR: timeout after 2 s")})
    assert outcome.verdict is Verdict.ERROR and outcome.reason == "instrument fault: USB0::...::INSTR: timeout after 2 s"
    assert not bench.bench.load_on and not bench.bench.supply_on


class FullDisk(Sink):
    """A sink whose disk fills at the n-th sample."""

    def __init__(self, n: int) -> None:
        self.n = n

    def sample(self, record) -> None:
        self.n -= 1
        if self.n == 0:
            raise OSError(28, "No space left on device")


def test_a_failing_output_ends_the_run_as_an_error_with_the_bench_safe():
    outcome, bench, kept = run_scripted(profile('"Discharge at 1 A for 60 s"'), sinks=(FullDisk(20),))
    assert outcome.verdict is Verdict.ERROR and "No space left on device" in outcome.reason
    assert not bench.bench.load_on and kept.kinds("event")[-1].kind == "safe_state"


def test_a_set_point_the_instrument_refuses_ends_the_run_before_anything_is_switched_on(monkeypatch):
    """The driver's confirmation (error queue) raises: the step never switches the load on."""
    from drivers.roles import InstrumentError
    from scripted import Instruments

    def refused(self, mode, level):
        self.calls.append(("set_mode", mode, level))
        raise InstrumentError("USB0::0x1AB1::0x0E11::DL3A000000001::INSTR refused :SOUR:CURR:LEV:IMM 1: "
                              "SYST:ERR? answered -222,\"Data out of range\"")
    monkeypatch.setattr(Instruments, "set_mode", refused)
    outcome, bench, _ = run_scripted(profile('"Discharge at 1 A for 60 s"'))
    assert outcome.verdict is Verdict.ERROR and "refused :SOUR:CURR:LEV:IMM 1" in outcome.reason
    assert ("set_input", True) not in bench.bench.calls and not bench.bench.load_on


def test_a_run_that_ends_before_its_first_step_lists_every_criterion_not_measured():
    def unread(t, bench):
        raise InstrumentError("temperature channel 'cell' (channel 101): open thermocouple or overload (+9.9E37)")
    criteria = ('[[criteria]]\nname = "delivered"\nmetric = "discharge capacity"\nstep = "discharge"\nmin = "1 mAh"\n'
                '[[criteria]]\nname = "hottest"\nmetric = "cell max temperature"\nmax = "60 degC"\n')
    outcome, _, _ = run_scripted(profile('{ step = "Discharge at 1 A for 60 s", name = "discharge" }', criteria),
                                 unread)
    assert outcome.verdict is Verdict.ERROR
    assert [(r.criterion.name, r.value, r.outcome) for r in outcome.results] == [
        ("delivered", None, "NOT MEASURED"), ("hottest", None, "NOT MEASURED")]


def test_a_cycle_a_stop_cuts_short_is_not_judged_by_cycle_criteria():
    def heating_late(t, bench):
        reading = battery(t, bench)
        return reading._replace(temps={**reading.temps, CHANNELS["cell"]: 25.0 if t < 13 else 50.0})
    text = profile('{ repeat = 2, steps = ["Charge at 4.2 V, 1 A limit for 5 s", "Discharge at 1 A for 5 s"] }',
                   '[safety]\nabort_if = ["cell temperature > 40 degC"]\n'
                   '[[criteria]]\nname = "ce"\nmetric = "coulombic efficiency"\ncycle = "each"\nmin = "50 %"\n')
    outcome, _, kept = run_scripted(text, heating_late)
    assert outcome.verdict is Verdict.ABORTED
    assert [end.summary.cycle for end in kept.kinds("cycle_end")] == [1, 2]  # the cut cycle is recorded
    (result,) = outcome.results
    assert (result.cycle, result.outcome) == (1, "PASS")  # judged on the cycle that closed


def test_a_pass_with_a_marginal_criterion_says_so_in_its_reason():
    criteria = ('[[criteria]]\nname = "delivered"\nmetric = "discharge capacity"\nmin = "2 mAh"\nmarginal = "1 mAh"\n'
                '[[criteria]]\nname = "hottest"\nmetric = "cell max temperature"\nmax = "60 degC"\n')
    outcome, _, _ = run_scripted(profile('"Discharge at 1 A for 10 s"', criteria))  # 2.78 mAh: within 1 mAh of 2
    assert outcome.verdict is Verdict.PASS
    assert outcome.reason.startswith("all criteria met; delivered: ") and outcome.reason.endswith("MARGINAL")
