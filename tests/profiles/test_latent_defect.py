"""profiles/latent-defect.toml on the simulated LG M50 cell: an internal short that appears
after some cycles (the simulator's micro-short with an onset, in equivalent full cycles) is
flagged in the first cycle whose float measurement comes after it, naming the leakage,
self-discharge and self-heating criteria; healthy cells of a lot (each seed its own unit, with manufacturing
spread) pass with a wide margin. The shipped screen runs 50 cycles; these tests run the same
cycle fewer times through a copy with `repeat` lowered.

Counting: the simulated cell starts full, so cycle 1 only discharges (0.5 EFC); every later
cycle adds about one EFC. A short with onset N (EFC) switches on in the cycle whose end-of-cycle
EFC first reaches N, at the first current after the crossing; the float of the next cycle is
the first measurement that can see it."""
from __future__ import annotations

import pytest
from profile_runs import PROFILES, copy_with, run_profile, station

pytestmark = pytest.mark.slow  # whole runs on the simulated bench

LATENT = PROFILES / "latent-defect.toml"
CAPACITY_AH = 5.05  # the simulated M50's fresh capacity (equivalent full cycles are counted on it)


def screen(tmp_path, n):
    return copy_with(tmp_path, LATENT, "repeat = 50", f"repeat = {n}")


def first_cycle_past(rows, onset, initial_efc=0.0):
    """The first cycle at whose end the throughput (as the simulator counts it) has reached the onset."""
    efc = initial_efc
    for row in rows:
        efc += (row["Charging Capacity / Ah"] + row["Discharging Capacity / Ah"]) / (2 * CAPACITY_AH)
        if efc >= onset:
            return int(row["Cycle Count / 1"])
    raise AssertionError(f"onset {onset} EFC not reached in {len(rows)} cycles")


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_healthy_cells_of_a_lot_pass_with_a_wide_margin(tmp_path, seed):
    run = run_profile(tmp_path, screen(tmp_path, 6), dut="lg-m50", seed=seed)
    assert run.verdict == "PASS", run.reason
    assert len(run.cycles()) == 6 and not run.events_of("loop_stopped")
    assert run.value("leakage (float current)") * 1000 < 0.5   # mA (shown in A)
    assert run.margin("leakage (float current)") > 0.9         # < 1 mA against 10 mA
    assert run.margin("self-discharge (K value)") > 0.9        # < 0.2 mV/h against 2 mV/h
    assert run.margin("heat (cell max temperature)") > 0.15    # < 34 degC against 40 degC
    assert run.margin("self-heating at rest (cell over ambient)") > 0.8  # < 0.2 K against 1 K


@pytest.mark.parametrize("onset, initial_efc", [(4, 0.0), (100, 96.0)], ids=["new cell", "aged cell"])
def test_short_appearing_after_n_cycles_is_flagged_at_the_first_float_after_it(tmp_path, onset, initial_efc):
    aged = station(tmp_path, overrides={"initial_efc": str(initial_efc)}) if initial_efc else None
    run = run_profile(tmp_path, screen(tmp_path, 12), dut="lg-m50", station_file=aged,
                      defects=(f"micro-short:onset={onset}",))
    assert run.verdict == "FAIL"
    assert {"leakage (float current)", "self-discharge (K value)", "self-heating at rest (cell over ambient)"
            } <= run.failed()  # the overheating named too, in the same cycle
    assert "leakage (float current)" in run.reason
    rows = run.cycles()
    switched_on = first_cycle_past(rows, onset, initial_efc)
    flagged = run.criteria["leakage (float current)"]["cycle"]
    assert switched_on <= flagged <= switched_on + 1           # the first float after the onset
    assert len(rows) == flagged                                # the screen stopped there
    (stopped,) = run.events_of("loop_stopped")
    assert stopped["passes"] == flagged
    assert 35.0 < run.value("leakage (float current)") * 1000 < 50.0   # mA: ~4.2 V / 100 ohm
    assert run.value("self-discharge (K value)") > 5.0          # mV/h
