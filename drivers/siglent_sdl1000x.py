"""Siglent SDL1000X / SDL1000X-E programmable DC electronic loads (SDL1020X, SDL1020X-E,
SDL1030X, SDL1030X-E) over USB-TMC or LAN.

Source: Siglent "SDL1000X Programming Guide" (edition E02B): section 2.3 parameter types
(Boolean ON|OFF|0|1, enumeration [:SOURce]:FUNCtion {CURRent|VOLTage|POWer|RESistance|LED}),
command reference, SOURce subsystem ([:SOURce]:FUNCtion; [:SOURce]:CURRent|VOLTage|
RESistance|POWer[:LEVel][:IMMediate]; [:SOURce]:INPut[:STATe][?], answering 0|1) and MEASure
subsystem (MEASure:VOLTage[:DC]?, MEASure:CURRent[:DC]?). Checked against libsigrok's
siglent-sdl10x0 driver (maker "Siglent Technologies", the four model names, :FUNC with the
long function names, MEAS:VOLT?/MEAS:CURR?, CR span 0.03 ohm..10 kohm) and PyMeasure's
Sdl1022X (:SOURce:INPut:STATe, 0/1 replies). Ratings from the SDL1000X data sheet:
150 V, 30 A; 200 W (SDL1020X*) or 300 W (SDL1030X*).
"""
from __future__ import annotations

from drivers.base import DriverInfo
from drivers.loads import LoadRatings, ScpiLoad

_SDL1020 = LoadRatings(volts=150.0, amps=30.0, watts=200.0, ohms=(0.03, 10_000.0))
_SDL1030 = LoadRatings(volts=150.0, amps=30.0, watts=300.0, ohms=(0.03, 10_000.0))
RATINGS: dict[str, LoadRatings] = {"SDL1020X": _SDL1020, "SDL1020X-E": _SDL1020,
                                   "SDL1030X": _SDL1030, "SDL1030X-E": _SDL1030}


class SiglentSDL1000X(ScpiLoad):
    """ElectronicLoad role over SCPI. Option: model (the model the station expects)."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    manufacturers = ("Siglent Technologies",)
    models = tuple(RATINGS)
    RATINGS = RATINGS
    LEVEL = {"CC": ":SOUR:CURR:LEV:IMM {value}", "CV": ":SOUR:VOLT:LEV:IMM {value}",
             "CR": ":SOUR:RES:LEV:IMM {value}", "CP": ":SOUR:POW:LEV:IMM {value}"}
    FUNCTIONS = {"CC": "CURRENT", "CV": "VOLTAGE", "CR": "RESISTANCE", "CP": "POWER"}
    FUNCTION = ":SOUR:FUNC {function}"
    INPUT = ":SOUR:INP:STAT {state}"
    INPUT_QUERY = ":SOUR:INP:STAT?"
    MEASURE_VOLTAGE = "MEAS:VOLT?"
    MEASURE_CURRENT = "MEAS:CURR?"


DRIVER = DriverInfo(
    name="siglent-sdl1000x", driver=SiglentSDL1000X, roles=("load",),
    models=SiglentSDL1000X.models, interfaces=("USB", "LAN"),
    source='Siglent "SDL1000X Programming Guide" (E02B), SOURce and MEASure subsystems '
           "([:SOURce]:FUNCtion, [:SOURce]:CURRent|VOLTage|RESistance|POWer[:LEVel]"
           "[:IMMediate], [:SOURce]:INPut[:STATe], MEASure:VOLTage|CURRent[:DC]?); "
           "checked against libsigrok siglent-sdl10x0 and PyMeasure Sdl1022X",
    twin="drivers.sim.twins.siglent_sdl1000x:SiglentSDL1000XTwin",
    twin_options=frozenset({"model"}))
