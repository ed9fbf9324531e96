"""Rigol DL3000 series programmable DC electronic loads (DL3021, DL3021A, DL3031, DL3031A).

Source: RIGOL "DL3000 Series Programmable DC Electronic Load Programming Guide",
chapter 2 "Command System": ":SOURce Commands" ([:SOURce]:FUNCtion {CURRent|VOLTage|
RESistance|POWer}; [:SOURce]:CURRent|VOLTage|RESistance|POWer[:LEVel][:IMMediate];
[:SOURce]:INPut[:STATe][?]) and ":MEASure Commands" (:MEASure[:SCALar]:VOLTage|CURRent[:DC]?).
Ratings from the "DL3000 Series Programmable DC Electronic Load" data sheet.
Cross-checked with PyMeasure's rigol DL3021A driver (same command strings).

The level is written before the function, so switching mode never regulates, even for a
moment, at the stale level of the new function (e.g. a 40 A CC level left from last run).
"""
from __future__ import annotations

from drivers.base import DriverInfo
from drivers.loads import LoadRatings, ScpiLoad

_DL3021 = LoadRatings(volts=150.0, amps=40.0, watts=200.0, ohms=(0.08, 15_000.0))
_DL3031 = LoadRatings(volts=150.0, amps=60.0, watts=350.0, ohms=(0.08, 15_000.0))
RATINGS: dict[str, LoadRatings] = {"DL3021": _DL3021, "DL3021A": _DL3021,
                                   "DL3031": _DL3031, "DL3031A": _DL3031}


class RigolDL3000(ScpiLoad):
    """ElectronicLoad role over SCPI. Option: model (the model the station expects)."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    manufacturers = ("RIGOL TECHNOLOGIES",)
    models = tuple(RATINGS)
    RATINGS = RATINGS
    LEVEL = {"CC": ":SOUR:CURR:LEV:IMM {value}", "CV": ":SOUR:VOLT:LEV:IMM {value}",
             "CR": ":SOUR:RES:LEV:IMM {value}", "CP": ":SOUR:POW:LEV:IMM {value}"}
    FUNCTION = ":SOUR:FUNC {function}"
    INPUT = ":SOUR:INP:STAT {state}"
    INPUT_QUERY = ":SOUR:INP:STAT?"
    MEASURE_VOLTAGE = ":MEAS:VOLT?"
    MEASURE_CURRENT = ":MEAS:CURR?"
    ERROR_QUERY = "SYST:ERR?"  # :SYSTem:ERRor? (Programming Guide, ch. 2 ":SYSTem Commands")


DRIVER = DriverInfo(
    name="rigol-dl3000", driver=RigolDL3000, roles=("load",),
    models=RigolDL3000.models, interfaces=("USB", "LAN", "RS-232"),
    source='RIGOL "DL3000 Series Programmable DC Electronic Load Programming Guide", '
           "ch. 2 :SOURce and :MEASure commands",
    twin="drivers.sim.twins.rigol_dl3000:RigolDL3000Twin", twin_options=frozenset({"model"}))
