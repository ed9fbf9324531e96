"""Open thermocouple inputs found by plausibility, for readers whose hardware raises no flag
for them (drivers/pico_tc08.py says why the TC-08 is one).

A thermocouple input with nothing across it floats: the reader converts whatever the open
input picks up, and the cold-junction compensation turns that into the cold junction's own
temperature plus the noise. So a channel is taken as open when, over its last `window`
readings:

1. their mean lies within `band` degC of the cold junction's mean over the same readings, and
2. their scatter about the straight line that fits them best (the residual standard deviation)
   is at least `noise` degC.

Neither is enough alone. (1) holds for every connected thermocouple on a device at room
temperature, which is how every test starts. (2) also holds for a connected thermocouple that
picks up interference on a hot device, whose reading the bench still needs. The straight line
keeps a device warming up or cooling down (a trend, not scatter) from counting as noise; a
connected thermocouple's reading is smooth from one reading to the next, because the mass it
is fixed to changes temperature slowly.

Once open, a channel stays open until its scatter falls below half of `noise`, or its mean
leaves the band: one quiet window does not make a floating input a thermocouple again. A
channel is not judged before it has `window` readings.

Other signatures were weighed and left out: a jump to the cold junction's temperature (an open
input may drift back slowly, and at room temperature there is no jump to see), and a second
thermocouple beside each critical one (it needs wiring the station may not have, and only the
run, which knows which channels are critical, could compare them).
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from statistics import fmean

MAX_WINDOW = 100


@dataclass(frozen=True, slots=True)
class OpenInputRule:
    """The thresholds of the rule: degC, degC and a count of readings."""

    noise: float = 0.5
    band: float = 3.0
    window: int = 10

    def __post_init__(self) -> None:
        for name, value in (("open_noise", self.noise), ("open_band", self.band)):
            if (not isinstance(value, (int, float)) or isinstance(value, bool)
                    or not math.isfinite(value) or value <= 0):
                raise ValueError(f"option {name} = {value!r} is not a number above 0 (degC)")
        if (not isinstance(self.window, int) or isinstance(self.window, bool)
                or not 3 <= self.window <= MAX_WINDOW):
            raise ValueError(f"option open_window = {self.window!r} is not a whole number in "
                             f"3..{MAX_WINDOW} (readings)")


class OpenInputWatch:
    """The recent readings of each channel, with the cold junction's at the same moments, and
    which channels are taken as open."""

    def __init__(self, rule: OpenInputRule) -> None:
        self.rule = rule
        self._seen: dict[int, deque[tuple[float, float]]] = {}
        self._open: set[int] = set()

    def forget(self) -> None:
        """Start afresh (a new session: the thermocouples may have been rewired)."""
        self._seen.clear()
        self._open.clear()

    def judge(self, channel: int, value: float, cold_junction: float) -> str | None:
        """Take one reading of `channel`; why the channel looks open, or None."""
        rule = self.rule
        seen = self._seen.setdefault(channel, deque(maxlen=rule.window))
        seen.append((value, cold_junction))
        if len(seen) < rule.window:
            return None
        values = [v for v, _ in seen]
        mean, cold = fmean(values), fmean(c for _, c in seen)
        spread = scatter(values)
        limit = rule.noise / 2 if channel in self._open else rule.noise
        if abs(mean - cold) > rule.band or spread < limit:
            self._open.discard(channel)
            return None
        self._open.add(channel)
        return (f"open input (by plausibility): the last {len(values)} readings scatter by "
                f"{spread:.2f} degC around {mean:.1f} degC, the cold junction's {cold:.1f} degC "
                f"(a connected thermocouple scatters under {rule.noise:g} degC)")


def scatter(values: list[float]) -> float:
    """Residual standard deviation of `values` (equally spaced) about their least-squares line."""
    n = len(values)
    middle = (n - 1) / 2
    mean = fmean(values)
    spacing = sum((i - middle) ** 2 for i in range(n))
    slope = sum((i - middle) * (v - mean) for i, v in enumerate(values)) / spacing
    residuals = sum((v - mean - slope * (i - middle)) ** 2 for i, v in enumerate(values))
    return math.sqrt(residuals / (n - 2))
