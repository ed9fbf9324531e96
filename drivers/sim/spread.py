"""Unit-to-unit manufacturing spread: no two cells of a lot are quite alike.

`World(dut=..., seed=s, spread=Spread())` gives the DUT its own parameters, drawn from the
seed: each parameter listed in `Spread` is multiplied by exp(sigma x g), g a standard normal
draw clipped to +-3 (so a factor is always > 0 and never absurd), which for these small sigmas
is a spread of about `sigma` relative (1 % of capacity, 3 % of resistance...). The draws come
from a generator of their own, `random.Random(f"{seed}:spread")`, one draw per field in the
order below whatever the sigmas, so the same seed gives the same unit, a sigma set to 0 does
not shift the other draws, and the sensor noise of the world is not shifted either.

Only the manufacturing values of the pack or cell (the `CellModel` fields below) are spread;
the label (`rated_capacity`), the electronics of a power bank and the ageing law are not.
Default sigmas: a lot of ordinary grade. Studies of new cells of one batch report capacity
spreads of 0.2-0.3 % and impedance spreads of 0.7-3.8 % (reviewed in Wildfeuer and Lienkamp,
"Quantifiability of inherent cell-to-cell variations of commercial lithium-ion batteries",
eTransportation 9 (2021) 100129); the cells inside cheap power banks are not that well sorted,
so 1 % and 3 % are taken, and 10 % for the self-discharge, whose spread is wider (hence the
K-value sorting of cells). All are parameters: `Spread(capacity=0.003)` for a premium lot.
"""
from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass
from typing import Any

CLIP = 3.0  # a draw beyond 3 sigma is taken at 3 sigma


@dataclass(frozen=True)
class Spread:
    """Relative sigmas (log-normal) of the manufacturing parameters; 0 = no spread of that one."""

    capacity: float = 0.01
    r0: float = 0.03
    r1: float = 0.03
    tau1: float = 0.03
    self_discharge_resistance: float = 0.10

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 0.5:
                raise ValueError(f"spread of {f.name!r} must be a relative sigma between 0 and 0.5, got {value!r}")

    def factors(self, seed: int) -> dict[str, float]:
        """The factor each parameter of the unit with this seed is multiplied by."""
        rng = random.Random(f"{seed}:spread")
        out = {}
        for f in dataclasses.fields(self):
            g = max(-CLIP, min(CLIP, rng.gauss(0.0, 1.0)))  # drawn even when the sigma is 0
            out[f.name] = math.exp(getattr(self, f.name) * g)
        return out

    def apply(self, params: Any, seed: int) -> Any:
        """`params` (a frozen CellModel dataclass) with the unit's own manufacturing values."""
        factors = self.factors(seed)
        return dataclasses.replace(params, **{name: getattr(params, name) * k for name, k in factors.items()})
