"""The run state a checkpoint saves: plain JSON data that gives back the same state, which then
carries on as the original would, rate windows (dT/dt, dV/dt) included."""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest

from bench.analysis.integrator import Totals
from bench.run.readings import Readings
from bench.run.state import RunState, StepState

NAN = math.nan
CHANNELS = ("cell", "case")  # 'case' is faulted: it reads NaN
WINDOW = 30.0  # s
# one sample every 10 s; temperatures rise ever faster, so the base of the window shows in the rates
CELL = [25.0, 26.0, 28.0, 31.0, 35.0, 40.0, 46.0, 53.0]
VOLTS = [4.0, 3.98, 3.95, 3.9, 3.84, 3.77, 3.69, 3.6]


def canon(value: Any) -> Any:
    """Plain data with NaN made equal to itself (a faulted channel reads NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, dict):
        return {k: canon(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canon(v) for v in value]
    return value


def is_plain(value: Any) -> bool:
    """Only what JSON has: dicts with text keys, lists, text, numbers, booleans, None."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(is_plain(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


def measure(r: Readings, k: int, channels: tuple[str, ...] = CHANNELS) -> None:
    """Sample k of a discharge at 2 A, as the engine fills the Readings (then update_rates)."""
    r.test_time, r.step_time = 10.0 * k, 10.0 * k - 20.0
    r.voltage = r.v_out = VOLTS[k]
    r.current = r.i_out = 2.0
    r.power = r.p_out = 2.0 * VOLTS[k]
    r.temps.update(dict.fromkeys(channels, NAN), cell=CELL[k])
    r.t_max = CELL[k]
    r.update_rates()


def advance(state: RunState, k: int) -> None:
    """One more sample into the state, through the one integrator, into step, run and cycle totals."""
    measure(state.readings, k)
    scopes = [t for t in (state.step and state.step.totals, state.run, state.book.totals) if t is not None]
    state.integrator.add(state.readings, scopes)


def fresh() -> RunState:
    """Before the first sample."""
    return RunState(Readings(CHANNELS, WINDOW))


def mid_run() -> RunState:
    """In cycle 2, inside a discharge: one closed cycle, a named step done, timers running."""
    state = fresh()
    r = state.readings
    measure(r, 0)
    state.run, state.book.cycle, state.book.totals = Totals(0.0, r), 1, Totals(0.0, r)
    state.integrator.add(r, ())  # the first point: nothing to integrate yet
    for k in range(1, 3):
        advance(state, k)
    state.named["charge"] = state.book.named["charge"] = Totals.from_state(state.run.state())
    state.book.close()
    state.book.cycle = state.cycle = 2
    state.integrator.reset()
    measure(r, 3)
    state.step = StepState(position=3, count=3, index=2, cycle=2, start=20.0, samples=2, totals=Totals(30.0, r),
                           until=[None, 30.0], before=[3.95, 0.0])
    state.book.totals = Totals(30.0, r)
    state.integrator.add(r, ())
    advance(state, 4)
    state.stopped, state.safety, state.sampled = {"steps[2]@1": 2}, [None, 35.0], True
    state.frozen, state.faulted, state.paused_s = {"cell": [35.0, 40.0]}, ["case"], 4.5
    state.test_time, state.started = 40.0, True
    return state


def restored(state: RunState) -> RunState:
    """Saved as a checkpoint writes it (the closed cycles' records apart), read back into a fresh
    Readings as a resume does."""
    records = {cycle: json.loads(json.dumps(kept)) for cycle, kept in state.book.records.items()}
    return RunState.from_plain(json.loads(json.dumps(state.to_plain())), Readings(CHANNELS, WINDOW), records)


STATES = [pytest.param(fresh, id="fresh"), pytest.param(mid_run, id="mid-run")]


@pytest.mark.parametrize("make", STATES)
def test_to_plain_is_json_data(make: Callable[[], RunState]):
    state = make()
    plain = state.to_plain()
    assert is_plain(plain) and is_plain({str(cycle): kept for cycle, kept in state.book.records.items()})
    assert canon(json.loads(json.dumps(plain))) == canon(plain)


@pytest.mark.parametrize("make", STATES)
def test_from_plain_gives_back_the_same_state_which_carries_on_the_same(make: Callable[[], RunState]):
    original = make()
    copy = restored(original)
    assert canon(copy.to_plain()) == canon(original.to_plain())
    assert canon(copy.book.records) == canon(original.book.records)
    for k in range(5, 8):
        advance(original, k)
        advance(copy, k)
        assert canon(copy.to_plain()) == canon(original.to_plain())


def test_the_mid_run_state_is_what_it_claims():
    """The round trip above is only worth something if the state has something in each part."""
    state = restored(mid_run())
    assert state.step is not None and state.step.totals is not None and state.run is not None
    assert state.run.q_out == pytest.approx(2.0 * 30.0)  # 2 A from 0 to 20 s and 30 to 40 s: not across the reset
    assert state.step.totals.q_out == pytest.approx(2.0 * 10.0)
    assert sorted(state.book.records) == [1] and state.book.cycle == 2 and state.named["charge"].q_out > 0
    assert state.integrator.prev == [40.0, 0.0, 2.0, 0.0, 2.0 * VOLTS[4]]


# --- the rate windows ---------------------------------------------------------------------

@pytest.mark.parametrize("cut", [1, 3, 5])
def test_restore_keeps_the_rate_windows(cut: int):
    """After a resume, dT/dt and dV/dt are those the uninterrupted run would have had."""
    original = Readings(CHANNELS, WINDOW)
    for k in range(cut):
        measure(original, k)
    copy = Readings(CHANNELS, WINDOW)
    copy.restore(json.loads(json.dumps(original.state())))
    for k in range(cut, len(CELL)):
        for r in (original, copy):
            measure(r, k)
        assert canon([copy.temp_rates, copy.dtdt_max, copy.dvdt]) == canon([original.temp_rates, original.dtdt_max,
                                                                              original.dvdt])
        if k == 5:  # over the last 30 s: from sample 2, not from the first sample kept
            assert (copy.temp_rates["cell"], copy.dvdt) == pytest.approx(((40 - 28) / 30, (3.77 - 3.95) / 30))
    assert canon(copy.state()) == canon(original.state())


@pytest.mark.parametrize("channels", [
    pytest.param(("cell", "case"), id="faulted channel last"),
    pytest.param(("case", "cell"), id="faulted channel first"),
])
def test_the_fastest_rising_channel_ignores_a_faulted_one(channels: tuple[str, ...]):
    r = Readings(channels, WINDOW)
    for k in range(3):
        measure(r, k, channels)
    assert r.dtdt_max == pytest.approx((28 - 25) / 20)
