"""The live state of the bench at one sample, updated in place (no allocation per sample beyond
the rate windows' own points).

Conditions read its attributes by name (see bench.profile.conditions.QUANTITIES).
"""
from __future__ import annotations

from collections import deque

NAN = float("nan")
_EPS = 1e-9  # s: sample times are sums of periods, a hair off the window's edge
_VALUES = ("test_time", "step_time", "v_in", "i_in", "p_in", "v_out", "i_out", "p_out", "voltage", "current", "power",
           "t_max", "dtdt_max", "dvdt", "step_capacity", "step_energy")


class Slopes:
    """Least-squares slopes of series sampled together (one per temperature channel, or the
    voltage), over the last `window` s.

    O(1) a sample: running sums over the points in the window, each point added once and taken
    out once. Times are counted from a reference that moves up to the oldest point whenever the
    window has turned over, and the sums are then recomputed from the points it holds: they stay
    small numbers and carry no rounding from points long gone, however long the run.

    A slope is reported once the window spans half its length (over a shorter span, noise
    dominates: the error of a fitted slope grows as the span to the power -3/2, so half the
    window is three times as noisy as the whole, a tenth of it thirty times), and only if every
    point in the window holds a reading of that series (a faulted thermocouple reads NaN).
    """

    __slots__ = ("window", "points", "ref", "sx", "sxx", "n", "sy", "sxy", "turned")

    def __init__(self, window: float, width: int) -> None:
        self.window = window
        self.points: deque[tuple[float, tuple[float, ...]]] = deque()
        self.clear(width)

    def clear(self, width: int) -> None:
        """Forget every point (a new step for dV/dt)."""
        self.points.clear()
        self.ref = self.sx = self.sxx = 0.0
        self.n, self.sy, self.sxy = [0] * width, [0.0] * width, [0.0] * width
        self.turned = 0  # points taken out since the reference moved

    def add(self, t: float, values: tuple[float, ...]) -> None:
        """A new point at time `t`; what is older than the window goes."""
        points = self.points
        if not points:
            self.ref = t
        points.append((t, values))
        self._add(t, values)
        while t - points[0][0] > self.window + _EPS:
            self._remove(*points.popleft())
            self.turned += 1
        if self.turned >= len(points):
            self._rebase()

    def slope(self, i: int) -> float:
        """The slope of series `i` (per second), or NaN while there is none to trust."""
        points = self.points
        count = len(points)
        if self.n[i] != count or count < 2 or points[-1][0] - points[0][0] < self.window / 2 - _EPS:
            return NAN
        return (self.sxy[i] - self.sx * self.sy[i] / count) / (self.sxx - self.sx * self.sx / count)

    def _add(self, t: float, values: tuple[float, ...]) -> None:
        x = t - self.ref
        self.sx += x
        self.sxx += x * x
        n, sy, sxy = self.n, self.sy, self.sxy
        for i, y in enumerate(values):
            if y == y:
                n[i] += 1
                sy[i] += y
                sxy[i] += x * y

    def _remove(self, t: float, values: tuple[float, ...]) -> None:
        x = t - self.ref
        self.sx -= x
        self.sxx -= x * x
        n, sy, sxy = self.n, self.sy, self.sxy
        for i, y in enumerate(values):
            if y == y:
                n[i] -= 1
                sy[i] -= y
                sxy[i] -= x * y

    def _rebase(self) -> None:
        points = list(self.points)
        self.clear(len(self.n))
        self.ref = points[0][0]
        for t, values in points:
            self.points.append((t, values))
            self._add(t, values)

    def state(self) -> dict[str, object]:
        """The points and the sums as plain data: a restored window carries on to the last bit."""
        return {"points": [[t, list(values)] for t, values in self.points], "ref": self.ref, "sx": self.sx,
                "sxx": self.sxx, "n": list(self.n), "sy": list(self.sy), "sxy": list(self.sxy),
                "turned": self.turned}

    def restore(self, state: dict) -> None:
        self.points = deque((t, tuple(values)) for t, values in state["points"])
        self.ref, self.sx, self.sxx, self.turned = state["ref"], state["sx"], state["sxx"], state["turned"]
        self.n, self.sy, self.sxy = list(state["n"]), list(state["sy"]), list(state["sxy"])


class Readings:
    __slots__ = ("test_time", "step_time", "v_in", "i_in", "p_in", "v_out", "i_out", "p_out", "voltage",
                 "current", "power", "temps", "t_max", "temp_rates", "dtdt_max", "dvdt", "step_capacity",
                 "step_energy", "_temp_slopes", "_volt_slopes")

    def __init__(self, channels: tuple[str, ...], rate_window: float | None) -> None:
        """`rate_window`: the span of dT/dt and dV/dt in s, or None when no condition needs them."""
        self.test_time = self.step_time = 0.0
        self.v_in = self.i_in = self.p_in = self.v_out = self.i_out = self.p_out = 0.0
        self.voltage = self.current = self.power = 0.0
        self.temps = dict.fromkeys(channels, NAN)
        self.temp_rates = dict.fromkeys(channels, NAN)
        self.t_max = self.dtdt_max = self.dvdt = NAN
        self.step_capacity = self.step_energy = 0.0
        self._temp_slopes = None if rate_window is None else Slopes(rate_window, len(channels))
        self._volt_slopes = None if rate_window is None else Slopes(rate_window, 1)

    def update_rates(self) -> None:
        """dT/dt of each channel, the fastest of them, and dV/dt, with this sample in their windows."""
        temps, volts = self._temp_slopes, self._volt_slopes
        if temps is None or volts is None:
            return
        now = self.test_time
        temps.add(now, tuple(self.temps.values()))
        rates, fastest = self.temp_rates, NAN
        for i, name in enumerate(rates):
            rate = rates[name] = temps.slope(i)
            if rate > fastest or fastest != fastest:  # a channel without a rate (NaN) never wins
                fastest = rate
        self.dtdt_max = fastest
        volts.add(now, (self.voltage,))
        self.dvdt = volts.slope(0)

    def state(self) -> dict[str, object]:
        """The last values and the rate windows, as plain data (part of the run state)."""
        out = {name: getattr(self, name) for name in _VALUES}
        out["temps"], out["temp_rates"] = dict(self.temps), dict(self.temp_rates)
        for name in ("_temp_slopes", "_volt_slopes"):
            slopes = getattr(self, name)
            out[name[1:]] = None if slopes is None else slopes.state()
        return out

    def restore(self, state: dict[str, object]) -> None:
        for name in _VALUES:
            setattr(self, name, state[name])
        self.temps.update(state["temps"])  # type: ignore[arg-type]
        self.temp_rates.update(state["temp_rates"])  # type: ignore[arg-type]
        for name in ("_temp_slopes", "_volt_slopes"):
            slopes, saved = getattr(self, name), state[name[1:]]
            if slopes is not None and saved is not None:
                slopes.restore(saved)

    def restart_voltage_rate(self) -> None:
        """A new step: dV/dt must not straddle a change of setpoint (temperatures run on)."""
        if self._volt_slopes is not None:
            self._volt_slopes.clear(1)
        self.dvdt = NAN
