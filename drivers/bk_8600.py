"""B&K Precision 8600 series programmable DC electronic loads (8600, 8601, 8602, 8610, 8612,
8614, 8616, 8620, 8622, 8624, 8625) over USB-TMC, RS-232 or GPIB.

Source: B&K Precision "8600 Series Programming Manual", chapter 1 "Introduction to
Programming" (GPIB, RS-232 and USB-TMC capabilities; 2.3 "SCPI Data Formats": <NRf>, <Bool>
0|1|ON|OFF) and the SCPI command reference: SOURce subsystem ([SOURce:]FUNCtion CURRent|
VOLTage|POWer|RESistance; [SOURce:]CURRent|VOLTage|RESistance|POWer[:LEVel][:IMMediate];
[SOURce:]INPut[:STATe], INPut? answering 0|1), MEASure subsystem (MEASure:VOLTage[:DC]?,
MEASure:CURRent[:DC]?) and SYSTem:REMote / SYSTem:LOCal. Strings checked against the open
drivers torbenschmidt/py-bkprecision8600 (maker "B&K Precision", :MEASure:VOLTage?,
SYSTem:REMote) and a BK8600 PyVISA driver (FUNC CURR, CURR:LEV, INP ON/OFF, INP?, MEAS:VOLT:DC?,
SYST:REM/SYST:LOC, and the per-model current and power ratings used below).

On a serial line the load is put in remote mode (SYSTem:REMote, as both open drivers do
first) and SYSTem:LOCal gives the front panel back at close; USB-TMC and GPIB switch to
remote by themselves.
The CR span is kept to 1 ohm..1 kohm, inside every model's resistance ranges; the wider
model limits were not available to check.
"""
from __future__ import annotations

from drivers.base import DriverInfo
from drivers.loads import LoadRatings, ScpiLoad
from drivers.roles import InstrumentError

_OHMS = (1.0, 1000.0)
RATINGS: dict[str, LoadRatings] = {
    "8600": LoadRatings(volts=120.0, amps=30.0, watts=150.0, ohms=_OHMS),
    "8601": LoadRatings(volts=120.0, amps=60.0, watts=250.0, ohms=_OHMS),
    "8602": LoadRatings(volts=500.0, amps=15.0, watts=200.0, ohms=_OHMS),
    "8610": LoadRatings(volts=120.0, amps=120.0, watts=750.0, ohms=_OHMS),
    "8612": LoadRatings(volts=500.0, amps=30.0, watts=750.0, ohms=_OHMS),
    "8614": LoadRatings(volts=120.0, amps=240.0, watts=1500.0, ohms=_OHMS),
    "8616": LoadRatings(volts=500.0, amps=60.0, watts=1200.0, ohms=_OHMS),
    "8620": LoadRatings(volts=120.0, amps=480.0, watts=3000.0, ohms=_OHMS),
    "8622": LoadRatings(volts=500.0, amps=100.0, watts=2500.0, ohms=_OHMS),
    "8624": LoadRatings(volts=120.0, amps=600.0, watts=4500.0, ohms=_OHMS),
    "8625": LoadRatings(volts=120.0, amps=720.0, watts=6000.0, ohms=_OHMS),
}


class BK8600(ScpiLoad):
    """ElectronicLoad role over SCPI. Option: model (the model the station expects)."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    ERROR_QUERY = "SYST:ERR?"  # SYSTem:ERRor? (8600 Series Programming Manual, SYSTem subsystem)
    manufacturers = ("B&K Precision",)
    models = tuple(RATINGS)
    RATINGS = RATINGS
    LEVEL = {"CC": "CURR {value}", "CV": "VOLT {value}", "CR": "RES {value}", "CP": "POW {value}"}
    FUNCTION = "FUNC {function}"
    INPUT = "INP {state}"
    INPUT_QUERY = "INP?"
    MEASURE_VOLTAGE = "MEAS:VOLT?"
    MEASURE_CURRENT = "MEAS:CURR?"

    def open(self) -> None:
        super().open()
        if self.transport.serial_line:
            self.transport.write("SYST:REM")

    def close(self) -> None:
        if self.transport.serial_line:
            try:
                self.transport.write("SYST:LOC")  # front panel usable again
            except InstrumentError:
                pass  # the line is gone: nothing to give back
        super().close()


DRIVER = DriverInfo(
    name="bk-8600", driver=BK8600, roles=("load",),
    models=BK8600.models, interfaces=("USB", "RS-232", "GPIB"),
    source='B&K Precision "8600 Series Programming Manual", SCPI command reference: '
           "SOURce ([SOURce:]FUNCtion, CURRent|VOLTage|RESistance|POWer levels, INPut), "
           "MEASure, SYSTem:REMote/LOCal; checked against py-bkprecision8600",
    twin="drivers.sim.twins.bk_8600:BK8600Twin", twin_options=frozenset({"model"}))
