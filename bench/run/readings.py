"""The live state of the bench at one sample, updated in place (no allocation per sample).

Conditions read its attributes by name (see bench.profile.conditions.QUANTITIES).
"""
from __future__ import annotations

from collections import deque

NAN = float("nan")
_VALUES = ("test_time", "step_time", "v_in", "i_in", "p_in", "v_out", "i_out", "p_out", "voltage", "current", "power",
           "t_max", "dtdt_max", "dvdt", "step_capacity", "step_energy")


class Readings:
    __slots__ = ("test_time", "step_time", "v_in", "i_in", "p_in", "v_out", "i_out", "p_out", "voltage",
                 "current", "power", "temps", "t_max", "temp_rates", "dtdt_max", "dvdt", "step_capacity",
                 "step_energy", "_temp_history", "_volt_history", "_window")

    def __init__(self, channels: tuple[str, ...], rate_window: float | None) -> None:
        self.test_time = self.step_time = 0.0
        self.v_in = self.i_in = self.p_in = self.v_out = self.i_out = self.p_out = 0.0
        self.voltage = self.current = self.power = 0.0
        self.temps = dict.fromkeys(channels, NAN)
        self.temp_rates = dict.fromkeys(channels, NAN)
        self.t_max = self.dtdt_max = self.dvdt = NAN
        self.step_capacity = self.step_energy = 0.0
        self._window = rate_window
        self._temp_history: deque[tuple[float, dict[str, float]]] = deque()
        self._volt_history: deque[tuple[float, float]] = deque()

    def update_rates(self) -> None:
        """dT/dt and dV/dt over the rate window (kept only when a condition needs them)."""
        if self._window is None:
            return
        now = self.test_time
        t0, temps0 = _slide(self._temp_history, (now, dict(self.temps)), now, self._window)
        if now > t0:
            rates = self.temp_rates
            for name, value in self.temps.items():
                rates[name] = (value - temps0[name]) / (now - t0)
            self.dtdt_max = max((v for v in rates.values() if v == v), default=NAN)  # a faulted channel has none
        t0, v0 = _slide(self._volt_history, (now, self.voltage), now, self._window)
        if now > t0:
            self.dvdt = (self.voltage - v0) / (now - t0)

    def state(self) -> dict[str, object]:
        """The last values and the rate windows, as plain data (part of the run state)."""
        out = {name: getattr(self, name) for name in _VALUES}
        out["temps"], out["temp_rates"] = dict(self.temps), dict(self.temp_rates)
        out["temp_history"] = [[t, dict(temps)] for t, temps in self._temp_history]
        out["volt_history"] = [list(entry) for entry in self._volt_history]
        return out

    def restore(self, state: dict[str, object]) -> None:
        for name in _VALUES:
            setattr(self, name, state[name])
        self.temps.update(state["temps"])  # type: ignore[arg-type]
        self.temp_rates.update(state["temp_rates"])  # type: ignore[arg-type]
        self._temp_history = deque((t, dict(temps)) for t, temps in state["temp_history"])  # type: ignore[attr-defined]
        self._volt_history = deque((t, v) for t, v in state["volt_history"])  # type: ignore[attr-defined]

    def restart_voltage_rate(self) -> None:
        """A new step: dV/dt must not straddle a change of setpoint (temperatures run on)."""
        self._volt_history.clear()
        self.dvdt = NAN


def _slide(history: deque, entry: tuple, now: float, window: float) -> tuple:
    """Append `entry` and drop what is older than the window; the oldest kept is the base."""
    history.append(entry)
    while len(history) > 2 and now - history[1][0] >= window:
        history.popleft()
    return history[0]
