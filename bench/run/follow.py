"""A run followed from its folder (`bench watch`): its files read back as the records its own
process hands to its sinks, so that a view draws the same thing in any terminal.

Read only: nothing in the folder is written, locked or removed, so any number of followers can
watch one run (and a finished one). What is read: run.json (what the run is, and its end),
events.jsonl from its start (steps, cycles, pauses; a torn last line waits for the next look),
the last whole row of the samples file and the rows of cycles.csv, all through the column and
file names of bench.record.schema.
"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from bench.analysis.cycles import CycleSummary
from bench.analysis.integrator import Totals
from bench.record.verdict import Verdict
from bench.errors import InputError
from bench.profile.reader import parse_profile
from bench.record import schema
from bench.record.records import CycleEnd, Event, RunEnd, RunInfo, RunStart, Sample, Sinks, StepEnd, StepStart
from bench.run.engine import Outcome, hard_limit_conditions, new_state
from bench.run.readings import NAN, Readings
from bench.run.session import recorded_product
from bench.station.config import parse_station


def read_meta(folder: Path) -> dict[str, Any]:
    """run.json of a run folder (InputError naming the file if it is not one)."""
    path = folder / schema.RUN
    try:
        meta = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise InputError(str(folder), "", f"not a run folder (no {schema.RUN})") from None
    except (OSError, ValueError) as exc:
        raise InputError(str(path), "", f"cannot be read ({exc})") from None
    if not isinstance(meta, dict) or not all(isinstance(meta.get(key), dict) for key in ("profile", "station")):
        raise InputError(str(path), "", "not the run.json of a bench run")
    return meta


def _said(kind: str, fields: dict[str, Any]) -> str | None:
    """The line a view prints for an event read back (events.jsonl keeps fields, not messages)."""
    if kind == "paused":
        return "paused"
    if kind == "continued":
        return f"continued after {float(fields.get('paused_s', 0)):.0f} s paused"
    if kind == "resumed":
        return "resumed from the last checkpoint"
    if kind == "loop_stopped":
        return f"loop stopped after {fields.get('passes')} passes: {fields.get('condition')}"
    if kind == "simulated_dut":
        return f"simulated DUT: {fields.get('detail')}"
    if "reason" in fields:
        return f"{kind.replace('_', ' ')}: {fields['reason']}"
    return None


class Follower:
    """Hands a run folder's records to `sinks` as they come: `look()` reads what is new."""

    def __init__(self, folder: Path, sinks: Sinks) -> None:
        self.folder = folder
        self.sinks = sinks
        self.meta = meta = read_meta(folder)
        try:
            self.profile = parse_profile(meta["profile"]["text"], meta["profile"]["path"], recorded_product(meta))
            station = parse_station(meta["station"]["text"], meta["station"]["path"])
        except (KeyError, TypeError):
            raise InputError(str(folder / schema.RUN), "profile", "not the run.json of a bench run") from None
        self.steps = {step.index: step for step in self.profile.steps()}
        self.period = self.profile.period
        self.limits = hard_limit_conditions(station.limits)
        channels = meta.get("temperature_channels") or {}
        self.temperatures = {name: column for name, column in channels.items()
                             if isinstance(name, str) and isinstance(column, str)}  # channel name -> its column
        # a power bank's charge is at its input port, in run-wide Input columns: a step's is what they
        # gained since the steps that ended (their step_end totals, summed in `_record`)
        self.bank = (meta.get("dut") or {}).get("kind") == "power bank"
        self._input_before = [0.0, 0.0]  # C and J into the input port by the steps that ended
        self.readings = Readings(tuple(self.temperatures), None)
        self.ended: Outcome | None = None
        self._events = 0  # bytes of events.jsonl read
        self._cycles: dict[int, dict[str, str]] = {}
        self._step: Any = None
        self._step_from = 0.0  # test time the step started, moved on by its pauses
        self._cycle = self._count = 0
        self._row: dict[str, str] | None = None
        self._stamp: int | None = None  # of run.json as last read

    def start(self) -> None:
        """What the run is, as if it started now (then `look` replays what it did)."""
        self.sinks.emit("run_info", RunInfo(0.0, self.meta, self.profile, self.limits,
                                            new_state(self.profile, tuple(self.temperatures))))

    def look(self) -> bool:
        """Hand over what is new in the files; True once the run has ended (run.json has its verdict)."""
        ended = self._run_ended()
        path = self.folder / schema.EVENTS
        try:
            with open(path, "rb") as fh:
                if fh.seek(0, 2) < self._events:  # cut back by a resume: follow it again from its start
                    self._events = 0
                    self.start()
                fh.seek(self._events)
                text = fh.read()
        except FileNotFoundError:
            text = b""
        whole = text[:text.rfind(b"\n") + 1]
        self._events += len(whole)
        for line in whole.splitlines():
            try:
                read = self._record(json.loads(line))
            except (ValueError, TypeError, KeyError, AttributeError):  # not a line the logbook writes
                continue
            if read is not None:
                self.sinks.emit(*read)
        self._sample()
        if ended:
            self.sinks.emit("run_end", RunEnd(self.ended))
        return ended

    def quiet_for(self, wall: float) -> bool:
        """Whether the run has written nothing new for longer than a sample period and `wall` s
        (a run killed without an end says "running" in its run.json until it is resumed)."""
        newest = max((p.stat().st_mtime for p in (self.folder / schema.SAMPLES, self.folder / schema.EVENTS)
                      if p.exists()), default=0.0)
        return time.time() - newest > max(wall, 2 * self.period)

    # -- records from the files ---------------------------------------------------------------
    def _run_ended(self) -> bool:
        """run.json read again when it changed: a verdict means the run is over (for now: a
        stopped run may be resumed)."""
        path = self.folder / schema.RUN
        try:
            stamp = path.stat().st_mtime_ns
        except FileNotFoundError:
            return False
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self.meta.update(read_meta(self.folder))
            except InputError:
                return False
        verdict = self.meta.get("verdict")
        if self.meta.get("status") == "running" or verdict not in {str(v) for v in Verdict}:
            return False
        confirmed = self.meta.get("safe_state_confirmed") is True
        self.ended = Outcome(Verdict(verdict), str(self.meta.get("reason", "")),
                             safe_problems=[] if confirmed else ["run.json does not say the bench was left safe"],
                             resumable=self.meta.get("status") == "stopped")
        return True

    def _record(self, data: dict[str, Any]) -> tuple[str, Any] | None:
        """One line of events.jsonl as the record the run handed its sinks, and its kind (None
        for a line that is not what the logbook writes)."""
        kind, at = str(data.pop("event", "")), float(data.pop("test_time_s", 0.0))
        data.pop("unix_time_s", None)
        if kind == "run_start":
            return kind, RunStart(at, str(data.get("profile")), str(data.get("product", "")))
        if kind == "cycle_end":
            return kind, CycleEnd(at, self._summary(int(data.get("cycle", 0)), at, data))
        if kind not in ("step_start", "step_continued", "step_end"):
            if kind == "continued":
                self._step_from += float(data.get("paused_s", 0.0))
            return "event", Event(kind, at, data, _said(kind, data))
        step = self.steps.get(data.get("index"))  # type: ignore[arg-type]
        if step is None:
            return None
        if kind == "step_end":
            totals = self._totals(data.get("results") or {})
            self._input_before[0] += totals.q_in
            self._input_before[1] += totals.e_in
            return kind, StepEnd(at, step, int(data["count"]), int(data["cycle"]), str(data.get("ended_by")), totals)
        self._step, self._cycle, self._count = step, int(data["cycle"]), int(data["count"])
        step_time = float(data.get("step_time_s", 0.0))
        self._step_from = at - step_time
        return "step_start", StepStart(at, step, self._count, int(data["position"]), self._cycle,
                                       kind == "step_continued", step_time)

    def _totals(self, results: dict[str, Any]) -> Totals:
        """A step's totals as its step_end event gives them (Ah, Wh, hottest readings)."""
        totals = Totals(0.0, self.readings)
        totals.end = float(results.get("duration_s", 0.0))
        totals.q_in, totals.q_out = (3600 * float(results.get(k, 0.0)) for k in ("charge_capacity_Ah",
                                                                                 "discharge_capacity_Ah"))
        totals.e_in, totals.e_out = (3600 * float(results.get(k, 0.0)) for k in ("charge_energy_Wh",
                                                                                 "discharge_energy_Wh"))
        totals.t_max = {k: float(v) for k, v in (results.get("max_temperature_degC") or {}).items()}
        return totals

    def _summary(self, cycle: int, time: float, data: dict[str, Any]) -> CycleSummary:
        """A cycle that ended, as cycles.csv has it (the event alone when its row is not there)."""
        if cycle not in self._cycles:
            self._cycles = _rows(self.folder / schema.CYCLES)
        row = self._cycles.get(cycle)
        if row is None:
            q_in, q_out, e_in, e_out = (3600 * float(data.get(k, 0.0)) for k in (
                "charge_capacity_Ah", "discharge_capacity_Ah", "charge_energy_Wh", "discharge_energy_Wh"))
            return CycleSummary(cycle, time, q_in, q_out, e_in, e_out, NAN, NAN, NAN)

        def number(column: str, scale: float = 1.0) -> float:
            try:
                return float(row[column]) * scale  # type: ignore[index]
            except (KeyError, ValueError):
                return NAN
        return CycleSummary(cycle, time, number(schema.CHARGING_CAPACITY, 3600), number(schema.DISCHARGING_CAPACITY, 3600),
                            number(schema.CHARGING_ENERGY, 3600), number(schema.DISCHARGING_ENERGY, 3600),
                            number(schema.COULOMBIC_EFFICIENCY, 0.01), number(schema.ENERGY_EFFICIENCY, 0.01),
                            number(schema.MAX_TEMPERATURE))

    def _sample(self) -> None:
        """The last whole row of the samples file as a sample of the step it belongs to."""
        row = schema.last_row(self.folder / schema.SAMPLES)
        if row is None or row == self._row or self._step is None or row.get(schema.STEP_COUNT) != str(self._count):
            return  # nothing new, or a row of the step before (the step's first rows are on their way)
        self._row = row
        try:
            charged = (schema.INPUT_CAPACITY, schema.INPUT_ENERGY) if self.bank else (
                schema.STEP_CHARGING_CAPACITY, schema.STEP_CHARGING_ENERGY)
            values = {column: float(row[column]) for column in (
                schema.TEST_TIME, schema.INPUT_VOLTAGE, schema.INPUT_CURRENT, schema.OUTPUT_VOLTAGE,
                schema.OUTPUT_CURRENT, *charged, schema.STEP_DISCHARGING_CAPACITY, schema.STEP_DISCHARGING_ENERGY,
                *self.temperatures.values())}
        except (KeyError, ValueError):
            return
        r, step = self.readings, self._step
        r.test_time = values[schema.TEST_TIME]
        r.step_time = r.test_time - self._step_from
        r.v_in, r.i_in, r.v_out, r.i_out = (values[c] for c in (schema.INPUT_VOLTAGE, schema.INPUT_CURRENT,
                                                                schema.OUTPUT_VOLTAGE, schema.OUTPUT_CURRENT))
        r.p_in, r.p_out = r.v_in * r.i_in, r.v_out * r.i_out
        r.voltage, r.current, r.power = (r.v_in, r.i_in, r.p_in) if step.measures_input else (r.v_out, r.i_out, r.p_out)
        for name, column in self.temperatures.items():
            r.temps[name] = values[column]
        r.t_max = max((v for v in r.temps.values() if not math.isnan(v)), default=NAN)
        totals = Totals(r.test_time, r)
        totals.q_in, totals.q_out, totals.e_in, totals.e_out = (3600 * values[c] for c in (
            charged[0], schema.STEP_DISCHARGING_CAPACITY, charged[1], schema.STEP_DISCHARGING_ENERGY))
        if self.bank:
            totals.q_in -= self._input_before[0]
            totals.e_in -= self._input_before[1]
        r.step_capacity, r.step_energy = (totals.q_in, totals.e_in) if step.measures_input else (totals.q_out,
                                                                                                 totals.e_out)
        action = row.get(schema.STEP_TYPE, step.action)
        self.sinks.sample(Sample(r, step, self._cycle, self._count, totals, action))


def _rows(path: Path) -> dict[int, dict[str, str]]:
    """cycles.csv by cycle number ({} while there is none); a torn last line left out."""
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return {}
    lines = text[:text.rfind("\n") + 1].splitlines()
    if not lines:
        return {}
    names = lines[0].split(",")
    rows = {}
    for line in lines[1:]:
        row = dict(zip(names, line.split(",")))
        try:
            rows[int(row[schema.CYCLE_COUNT])] = row
        except (KeyError, ValueError):
            continue
    return rows
