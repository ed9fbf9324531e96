"""Capacity and energy by the trapezoid rule on both sides of the DUT (input: supply, output:
load), with the running aggregates of each scope. The one integrator: the live run and the
replay of rows from disk both feed it, so a resumed or re-read run counts exactly the same."""
from __future__ import annotations

from typing import Any, Iterable


class Integrator:
    """Trapezoid between consecutive samples; `reset()` where a segment must not be bridged (a new
    set-point, a pause, a gap in the data)."""

    __slots__ = ("prev",)

    def __init__(self, prev: list[float] | None = None) -> None:
        self.prev = prev  # the last sample: [t, I in, I out, P in, P out]

    def reset(self) -> None:
        self.prev = None

    def add(self, r: Any, scopes: Iterable["Totals"]) -> None:
        """Integrate from the previous sample to this one (`r`: live Readings or a replayed row)
        into every scope."""
        now, i_in, i_out, p_in, p_out = r.test_time, r.i_in, r.i_out, r.p_in, r.p_out
        prev = self.prev
        self.prev = [now, i_in, i_out, p_in, p_out]
        if prev is None:  # nothing to integrate from; its readings (a step's first) count all the same
            for totals in scopes:
                totals.add(now, 0.0, 0.0, 0.0, 0.0, r)
            return
        dt = now - prev[0]
        dq_in, dq_out = 0.5 * (prev[1] + i_in) * dt, 0.5 * (prev[2] + i_out) * dt
        de_in, de_out = 0.5 * (prev[3] + p_in) * dt, 0.5 * (prev[4] + p_out) * dt
        for totals in scopes:
            totals.add(now, dq_in, dq_out, de_in, de_out, r)


class Totals:
    """Running aggregates over one scope (run, cycle or step): flat memory, SI floats.

    Fed the live Readings (anything with temps, voltage, i_in and i_out) once per sample.
    """

    __slots__ = ("start", "end", "q_in", "q_out", "e_in", "e_out", "t_max", "t_min", "t_start", "v_before",
                 "i_before", "v_first", "v_end", "i_in_max", "i_out_max", "i_in_end", "i_out_end")

    def __init__(self, start: float, readings: object, v_before: float = float("nan"), i_before: float = 0.0
                 ) -> None:
        r = readings
        self.start = self.end = start
        self.q_in = self.q_out = self.e_in = self.e_out = 0.0
        self.t_start = dict(r.temps)  # type: ignore[attr-defined]
        self.t_max = dict(r.temps)  # type: ignore[attr-defined]
        self.t_min = dict(r.temps)  # type: ignore[attr-defined]
        self.v_before = v_before  # the DUT voltage just before the scope (a pulse's rest voltage)
        self.i_before = i_before  # and its net current (input - output) then
        self.v_first = self.v_end = r.voltage  # type: ignore[attr-defined]
        self.i_in_max = self.i_in_end = r.i_in  # type: ignore[attr-defined]
        self.i_out_max = self.i_out_end = r.i_out  # type: ignore[attr-defined]

    def add(self, now: float, dq_in: float, dq_out: float, de_in: float, de_out: float, r: object) -> None:
        """One sample's increments and readings into the scope (three scopes every sample)."""
        self.end = now
        self.q_in += dq_in
        self.q_out += dq_out
        self.e_in += de_in
        self.e_out += de_out
        self.v_end = r.voltage  # type: ignore[attr-defined]
        self.i_in_end = i_in = r.i_in  # type: ignore[attr-defined]
        self.i_out_end = i_out = r.i_out  # type: ignore[attr-defined]
        if i_in > self.i_in_max:
            self.i_in_max = i_in
        if i_out > self.i_out_max:
            self.i_out_max = i_out
        t_max, t_min, t_start = self.t_max, self.t_min, self.t_start
        for name, value in r.temps.items():  # type: ignore[attr-defined]
            high, low, start = t_max[name], t_min[name], t_start[name]
            if value > high or high != high:  # NaN so far (a fault): take the reading
                t_max[name] = value
            if value < low or low != low:
                t_min[name] = value
            if start != start:
                t_start[name] = value

    def state(self) -> dict[str, object]:
        """Everything needed to carry on after a resume (see from_state)."""
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_state(cls, state: dict[str, object]) -> "Totals":
        totals = cls.__new__(cls)
        for name in cls.__slots__:
            value = state[name]
            setattr(totals, name, dict(value) if isinstance(value, dict) else value)
        return totals

    def to_json(self) -> dict[str, float]:
        return {"duration_s": self.end - self.start, "charge_capacity_Ah": self.q_in / 3600,
                "discharge_capacity_Ah": self.q_out / 3600, "charge_energy_Wh": self.e_in / 3600,
                "discharge_energy_Wh": self.e_out / 3600,
                "max_temperature_degC": {k: round(v, 3) for k, v in self.t_max.items()}}
