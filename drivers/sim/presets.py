"""Named DUTs the simulated world can hold, with their default parameters.

`PRESETS[name].parameters()` lists every parameter with its default, pint unit and doc
(what `bench sim list` shows); `PRESETS[name].build(overrides, ambient)` makes the model.
`dut_type(name)` is what any DUT name stands for: a preset, or a PyBaMM cell named
`pybamm:<parameter set>[:<model>]` (drivers.sim.pybamm_cell), which answers the same.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping

from drivers.sim.barecell import BareCell
from drivers.sim.cell import AH, LG_M50, LG_MJ1, OCV_CHEN2020, OCV_LG_MJ1, OcvCurve, load_ocv
from drivers.sim.circuit import Dut
from drivers.sim.params import ParameterInfo, describe, with_overrides
from drivers.sim.powerbank import PowerBank, pack_of
from drivers.sim.pybamm_cell import PREFIX as PYBAMM_PREFIX, PybammPreset, preset as pybamm_preset


@dataclass(frozen=True)
class Preset:
    """A DUT type: what it is, its default parameters, its model and OCV table."""

    name: str
    description: str
    params: Any  # a frozen parameter dataclass (CellParams, PowerBankParams)
    model: Callable[[Any, OcvCurve, float], Dut]  # (params, ocv, ambient degC) -> model
    ocv_table: str
    spreads: ClassVar[bool] = True  # a lot's unit-to-unit spread applies (drivers.sim.spread)

    @property
    def kind(self) -> str:
        """What a profile's `[dut] kind` calls this DUT, so a profile runs on a DUT it was written for."""
        return "cell" if self.model is BareCell else "power bank"

    @property
    def label(self) -> str:
        """The shipped product it is judged against by default: products/<preset>.toml."""
        return self.name

    def parameters(self) -> list[ParameterInfo]:
        """Every parameter with its default (SI), unit and doc."""
        return describe(self.params)

    def with_overrides(self, overrides: Mapping[str, float] | None) -> Any:
        """The default parameters with some replaced (SI floats); unknown names are refused."""
        return with_overrides(self.params, overrides, owner=f"DUT preset {self.name!r}")

    def build(self, params: Any, ambient: float) -> Dut:
        """The model for these parameters, at ambient temperature."""
        return self.model(params, load_ocv(self.ocv_table), ambient)


def _presets(*presets: Preset) -> dict[str, Preset]:
    return {p.name: p for p in presets}


# Power-bank cases: ~80 g (10 000) / ~140 g (20 000) of plastic, aluminium and PCB at ~1 J/(g K);
# h*A ~ 10 W/(m2 K) over a 0.025 / 0.04 m2 surface; cells pressed to the case through pads.
# 9 V outputs (USB PD / QC fixed 9 V profile): a boost that loses 7.5 % of its output power
# against 4.5 % at 5 V (a higher step-up ratio), ~2.5 points less efficient at the same power;
# 2 A rated, over-current at 2.6 A, droop over a shorter, thicker cable, so at the bank's output
# the two are within half a point at 10 W (90.3 against 90.5 %; 89.1 against 90.4 % at the
# 10 000 mAh banks' rated currents, 18 W against 10.5 W).
_BANK_10000 = dict(case_heat_capacity=80.0, cells_to_case_conductance=0.5, case_to_ambient_conductance=0.25)
_BANK_20000 = dict(case_heat_capacity=140.0, cells_to_case_conductance=0.8, case_to_ambient_conductance=0.4)
_NINE_VOLT = dict(output_voltage=9.1, output_resistance=0.06, boost_proportional_loss=0.075,
                  rated_output_current=2.0, ocp_current=2.6)

PRESETS: dict[str, Preset] = _presets(
    Preset(
        "lg-m50",
        "bare LG INR21700-M50 cell (5 Ah NMC811/graphite-SiOx), load and supply on its terminals",
        LG_M50,
        BareCell,
        OCV_CHEN2020,
    ),
    Preset(
        "lg-mj1",
        "bare LG INR18650-MJ1 cell (3.5 Ah NMC/graphite-SiOx, measured OCV), load and supply on its terminals",
        LG_MJ1,
        BareCell,
        OCV_LG_MJ1,
    ),
    Preset(
        "powerbank-10000",
        "10 000 mAh power bank: 2P LG M50, 5 V 2.1 A USB output, 2 A charger",
        pack_of(LG_M50, 2, rated_capacity=10.0 * AH, rated_output_current=2.1, ocp_current=3.0,
                charge_current=2.0, **_BANK_10000),
        PowerBank,
        OCV_CHEN2020,
    ),
    Preset(
        "powerbank-20000",
        "20 000 mAh power bank: 4P LG M50, 5 V 3 A USB output, 3 A charger",
        pack_of(LG_M50, 4, rated_capacity=20.0 * AH, rated_output_current=3.0, ocp_current=3.6,
                charge_current=3.0, **_BANK_20000),
        PowerBank,
        OCV_CHEN2020,
    ),
    Preset(
        "powerbank-10000-9v",
        "10 000 mAh power bank: 3P LG MJ1, fixed 9 V 2 A output, 2 A charger",
        pack_of(LG_MJ1, 3, rated_capacity=10.0 * AH, charge_current=2.0, **_NINE_VOLT, **_BANK_10000),
        PowerBank,
        OCV_LG_MJ1,
    ),
    Preset(
        "powerbank-20000-9v",
        "20 000 mAh power bank: 6P LG MJ1, fixed 9 V 2 A output, 3 A charger",
        pack_of(LG_MJ1, 6, rated_capacity=20.0 * AH, charge_current=3.0, **_NINE_VOLT, **_BANK_20000),
        PowerBank,
        OCV_LG_MJ1,
    ),
)


def dut_type(name: str) -> Preset | PybammPreset:
    """What a DUT name stands for, the one place that knows: a preset, or `pybamm:<set>[:<model>]`.
    ValueError says what exists (or that PyBaMM, which a pybamm: name needs, is not installed)."""
    if name.startswith(PYBAMM_PREFIX):
        return pybamm_preset(name)
    if name not in PRESETS:
        raise ValueError(f"unknown DUT preset {name!r}; known presets: {', '.join(PRESETS)}; or a PyBaMM cell, "
                         f"{PYBAMM_PREFIX}<parameter set>[:<model>]")
    return PRESETS[name]
