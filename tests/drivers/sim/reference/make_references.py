"""Make the PyBaMM DFN reference curves the LG M50 cell model is checked against.

Not a runtime or test dependency: run it by hand in a separate environment,
    python3 -m venv /tmp/pybamm-venv && /tmp/pybamm-venv/bin/pip install pybamm
    /tmp/pybamm-venv/bin/python tests/drivers/sim/reference/make_references.py
and it rewrites the CSVs beside it (tests/drivers/sim/test_sim_cell_reference.py reads them).

Model: pybamm.lithium_ion.DFN (Doyle-Fuller-Newman), default options (isothermal) or
{"thermal": "lumped"}; parameter set "Chen2020" (LG INR21700-M50, Chen et al., J. Electrochem.
Soc. 167 080534, 2020); solver: PyBaMM's default (IDAKLU). Initial state: `initial_soc`
(100 % = the stoichiometries at 4.2 V, 0 % at 2.5 V, PyBaMM's voltage-window definition; the
same window as drivers/sim/data/chen2020_ocv.csv). Isothermal cases at 10 and 40 degC set the
ambient and initial temperature. Lumped-thermal cases: ambient = initial = 25 degC; the cell
exchanges heat through "Total heat transfer coefficient" (10 W/m2K) x "Cell cooling surface
area" (0.00531 m2) = 0.0531 W/K, and its heat capacity is the volume-averaged rho*cp of the
layer stack (current collectors, electrodes, separator) x "Cell volume" (2.42e-5 m3): printed
by this script (42.8 J/K): test_sim_cell_reference.py runs the bare cell with these two
values (DFN_THERMAL) and with the preset's own. Chen2020 has no entropic term (dU/dT = 0).

Each CSV: one header comment line (case, PyBaMM version), then time_s, voltage_V, current_A
(+ = discharge), discharged_capacity_Ah, temperature_degC; samples every 10 s (30 s at 0.2C)
and the exact end (2.5 V cut-off) as the last row. pybamm_chen2020_dfn_dcir_0.5C_10s.csv: the
voltage at rest and 1 s and 10 s into a 0.5C pulse from rest at 90 ... 10 % SOC, 10 / 25 / 40 degC.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pybamm

HERE = Path(__file__).resolve().parent
CAPACITY = 5.0  # A h, nominal: 1C = 5 A
KELVIN = 273.15

# name: (C-rate, temperature degC, thermal option, initial SOC, [(current A, duration s), ...] or None = CC to 2.5 V)
CASES = {
    "dfn_0.2C_25degC": (0.2, 25.0, "isothermal", 1.0, None),
    "dfn_0.5C_25degC": (0.5, 25.0, "isothermal", 1.0, None),
    "dfn_1C_25degC": (1.0, 25.0, "isothermal", 1.0, None),
    "dfn_2C_25degC": (2.0, 25.0, "isothermal", 1.0, None),
    "dfn_0.5C_10degC": (0.5, 10.0, "isothermal", 1.0, None),
    "dfn_1C_10degC": (1.0, 10.0, "isothermal", 1.0, None),
    "dfn_2C_10degC": (2.0, 10.0, "isothermal", 1.0, None),
    "dfn_0.5C_40degC": (0.5, 40.0, "isothermal", 1.0, None),
    "dfn_1C_40degC": (1.0, 40.0, "isothermal", 1.0, None),
    "dfn_2C_40degC": (2.0, 40.0, "isothermal", 1.0, None),
    "dfn_lumped_1C_25degC": (1.0, 25.0, "lumped", 1.0, None),
    "dfn_lumped_2C_25degC": (2.0, 25.0, "lumped", 1.0, None),
    "dfn_pulse_1C_10min_rest_1h_soc50": (1.0, 25.0, "isothermal", 0.5, [(5.0, 600.0), (0.0, 3600.0)]),
}


def lumped_heat_capacity(p: pybamm.ParameterValues) -> float:
    """J/K of PyBaMM's lumped model: the thickness-weighted rho*cp of the layers x cell volume."""
    layers = ("Negative current collector", "Negative electrode", "Separator", "Positive electrode",
              "Positive current collector")
    thick = {"Negative current collector": "Negative current collector thickness [m]",
             "Negative electrode": "Negative electrode thickness [m]", "Separator": "Separator thickness [m]",
             "Positive electrode": "Positive electrode thickness [m]",
             "Positive current collector": "Positive current collector thickness [m]"}
    total = sum(p[thick[k]] for k in layers)
    rho_cp = sum(p[thick[k]] * p[f"{k} density [kg.m-3]"] * p[f"{k} specific heat capacity [J.kg-1.K-1]"]
                 for k in layers) / total
    return rho_cp * p["Cell volume [m3]"]


def run(rate: float, temp: float, thermal: str, soc: float, pulse):
    options = {"thermal": "lumped"} if thermal == "lumped" else {}
    model = pybamm.lithium_ion.DFN(options=options)
    p = pybamm.ParameterValues("Chen2020")
    p.update({"Ambient temperature [K]": temp + KELVIN, "Initial temperature [K]": temp + KELVIN})
    if pulse is None:
        current = rate * CAPACITY
        p.update({"Current function [A]": current})
        dt = 30.0 if rate < 0.3 else 10.0
        t_end = 1.3 * 3600.0 / rate
    else:
        edges = np.cumsum([0.0] + [d for _, d in pulse])
        levels = [i for i, _ in pulse]

        def current_fn(t):  # the pulse, then rest (a step function of time)
            return levels[0] * (t < edges[1]) + levels[1] * (t >= edges[1])

        p.update({"Current function [A]": current_fn})
        dt = 10.0
        t_end = float(edges[-1])
    sim = pybamm.Simulation(model, parameter_values=p)
    t_eval = np.arange(0.0, t_end + 0.5 * dt, dt)
    if pulse is not None:
        t_eval = np.union1d(t_eval, [599.999, 600.0, 600.001])
    sol = sim.solve([0.0, t_end], t_interp=t_eval, initial_soc=soc)
    t = sol["Time [s]"].entries
    out = {
        "time_s": t,
        "voltage_V": sol["Voltage [V]"].entries,
        "current_A": sol["Current [A]"].entries,
        "discharged_capacity_Ah": sol["Discharge capacity [A.h]"].entries,
        "temperature_degC": sol["Volume-averaged cell temperature [K]"].entries - KELVIN,
    }
    return out, p


# DCIR points: a 10 s pulse of DCIR_CURRENT from rest (relaxed) at each SOC and temperature, isothermal
DCIR_CURRENT = 2.5  # A (0.5C, as profiles/dcir.toml)
DCIR_SOCS = (0.9, 0.7, 0.5, 0.3, 0.1)
DCIR_TEMPS = (10.0, 25.0, 40.0)


def dcir_points() -> list[tuple[float, float, float, float, float]]:
    """(degC, SOC, rest voltage, voltage after 1 s, after 10 s) of each pulse."""
    points = []
    for temp in DCIR_TEMPS:
        for soc in DCIR_SOCS:
            volts = []
            for current, times in ((0.0, [0.0, 1.0]), (DCIR_CURRENT, [0.0, 1.0, 10.0])):
                p = pybamm.ParameterValues("Chen2020")
                p.update({"Ambient temperature [K]": temp + KELVIN, "Initial temperature [K]": temp + KELVIN,
                          "Current function [A]": current})
                sol = pybamm.Simulation(pybamm.lithium_ion.DFN(), parameter_values=p).solve(
                    [0.0, times[-1]], t_interp=np.array(times), initial_soc=soc)
                volts.append(sol["Voltage [V]"].entries)
            points.append((temp, soc, float(volts[0][-1]), float(volts[1][1]), float(volts[1][2])))
    return points


def write_dcir(version: str) -> None:
    path = HERE / "pybamm_chen2020_dfn_dcir_0.5C_10s.csv"
    with path.open("w", newline="") as f:
        f.write(f"# PyBaMM {version} DFN, Chen2020 (LG M50), isothermal: a {DCIR_CURRENT:g} A discharge pulse "
                "from rest at each SOC and temperature; DCIR = (V_rest - V(t)) / I\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["temperature_degC", "soc", "rest_voltage_V", "voltage_1s_V", "voltage_10s_V"])
        for temp, soc, v0, v1, v10 in dcir_points():
            w.writerow([f"{temp:g}", f"{soc:g}", f"{v0:.5f}", f"{v1:.5f}", f"{v10:.5f}"])
            print(f"DCIR {temp:g} degC {soc:.0%}: {(v0 - v10) / DCIR_CURRENT * 1000:.1f} mOhm at 10 s")


def main() -> None:
    version = pybamm.__version__
    write_dcir(version)
    for name, (rate, temp, thermal, soc, pulse) in CASES.items():
        data, p = run(rate, temp, thermal, soc, pulse)
        path = HERE / f"pybamm_chen2020_{name}.csv"
        with path.open("w", newline="") as f:
            f.write(f"# PyBaMM {version} DFN, Chen2020 (LG M50), {thermal}, {temp:g} degC ambient/initial, "
                    f"initial SOC {soc:g}, " + (f"{rate:g}C ({rate * CAPACITY:g} A) CC to 2.5 V" if pulse is None
                                                  else "5 A for 600 s then rest 3600 s") + "\n")
            w = csv.writer(f, lineterminator="\n")
            keys = list(data)
            w.writerow(keys)
            for k in range(len(data["time_s"])):
                w.writerow([f"{data['time_s'][k]:.3f}", f"{data['voltage_V'][k]:.5f}", f"{data['current_A'][k]:.4f}",
                            f"{data['discharged_capacity_Ah'][k]:.5f}", f"{data['temperature_degC'][k]:.3f}"])
        v, q, tc = data["voltage_V"], data["discharged_capacity_Ah"], data["temperature_degC"]
        print(f"{name}: {len(v)} rows, end {data['time_s'][-1]:.0f} s, {v[-1]:.3f} V, {q[-1]:.4f} Ah, "
              f"V(0) {v[0]:.4f}, T max {tc.max():.2f} degC")
    p = pybamm.ParameterValues("Chen2020")
    print(f"lumped heat capacity {lumped_heat_capacity(p):.2f} J/K, "
          f"h*A {p['Total heat transfer coefficient [W.m-2.K-1]'] * p['Cell cooling surface area [m2]']:.4f} W/K")


if __name__ == "__main__":
    main()
