"""B&K Precision 8600 series programmable DC electronic loads (8600, 8601, 8602, 8610, 8612,
8614, 8616, 8620, 8622, 8624, 8625) over USB-TMC, RS-232 or GPIB.

Source: B&K Precision "8600 Series Programming Manual", chapter 1 "Introduction to
Programming" (GPIB, RS-232 and USB-TMC capabilities; 2.3 "SCPI Data Formats": <NRf>, <Bool>
0|1|ON|OFF) and the SCPI command reference: SOURce subsystem ([SOURce:]FUNCtion CURRent|
VOLTage|POWer|RESistance; [SOURce:]FUNCtion:MODE FIXed|LIST; [SOURce:]TRANsient[:STATe];
[SOURce:]CURRent|VOLTage|RESistance|POWer[:LEVel][:IMMediate]; [SOURce:]CURRent:RANGe
(p. 47: a value selects the range that covers it; levels above a new, lower range are set
to its maximum); [SOURce:]INPut[:STATe], INPut? answering 0|1), REMote:SENSe[:STATe],
MEASure subsystem (MEASure:VOLTage[:DC]?, MEASure:CURRent[:DC]?), SYSTem:ERRor? (read
until its code is 0; the exact no-error text, '0,"No error"' here, is not confirmed) and
SYSTem:REMote / SYSTem:LOCal. Strings checked against the open drivers
torbenschmidt/py-bkprecision8600 (maker "B&K Precision", :MEASure:VOLTage?, SYSTem:REMote), a
BK8600 PyVISA driver (FUNC CURR, CURR:LEV, INP ON/OFF, INP?, MEAS:VOLT:DC?, SYST:REM/SYST:LOC,
REM:SENS ON/OFF, and the per-model current and power ratings used below), PyICe's bk8600
(CURRent:RANGe 3|30 on the 8600, REMote:SENSe 0|1) and B&K's own 8600 examples
(BKPrecisionCorp/8600_Series: func:mode list / func:mode fix, TRAN ON, list:range 30).

On a serial line the load is put in remote mode (SYSTem:REMote, as both open drivers do
first) and SYSTem:LOCal gives the front panel back at close; USB-TMC and GPIB switch to
remote by themselves.

Known state, sent by identify() (every new session; open() identifies first, so nothing but
the serial line's SYST:REM reaches an instrument that is not an 8600):
1. *IDN? and the error queue read empty (SYST:ERR?), as every SCPI driver here; then
   INP OFF: the input off before anything else (a crash may have left it on with a DUT connected);
2. FUNC:MODE FIX: the fixed (static) function, not a LIST the front panel left, which would
   run at input ON once triggered;
3. TRAN OFF: the transient generator off (it would switch the input between two levels);
4. CURR 0, then CURR:RANG <low>: the CC level 0 A, which both ranges hold, then the model's
   low CC range, so the range change never moves a level;
5. REM:SENS OFF or ON: the station's `sense` option ("local", the default, or "remote");
6. SYST:ERR?: all of the above confirmed, or an InstrumentError naming them.

CC range and level are coupled (p. 47). A CC level is set in the low range when it fits and
in the high range otherwise, range and level in the order drivers/loads.py gives (the level
inside the selected range at every moment, so the coupling never lowers a level); other modes
leave the CC range alone.

Not confirmed: the low CC range of every model but the 8600 (3 A / 30 A, PyICe): the table
below is recalled from the 8600 series data sheet, not checked against it; whether a level
above the selected range is refused or coerced (the twin refuses it: -222, level unchanged);
the power-on sense (taken as local); the FUNC:MODE choices other than FIX and LIST. The CR span
is kept to 1 ohm..1 kohm, inside every model's resistance ranges, and the CV and CR ranges are
not managed: a level outside the range the front panel left is refused by the confirmation,
with nothing switched on.
"""
from __future__ import annotations

from drivers.base import DriverInfo
from drivers.loads import LoadRatings, ScpiLoad
from drivers.roles import InstrumentError
from drivers.transports import Transport

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
# CC ranges (low, high) in A, as CURRent:RANGe selects them; the high one is the rating
CURRENT_RANGES: dict[str, tuple[float, float]] = {
    "8600": (3.0, 30.0), "8601": (6.0, 60.0), "8602": (3.0, 15.0), "8610": (12.0, 120.0),
    "8612": (3.0, 30.0), "8614": (24.0, 240.0), "8616": (6.0, 60.0), "8620": (48.0, 480.0),
    "8622": (10.0, 100.0), "8624": (60.0, 600.0), "8625": (72.0, 720.0)}


class BK8600(ScpiLoad):
    """ElectronicLoad role over SCPI. Options: sense ("local" or "remote" voltage sensing;
    default "local"), model (the model the station expects)."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    ERROR_QUERY = "SYST:ERR?"  # SYSTem:ERRor? (8600 Series Programming Manual, SYSTem subsystem)
    manufacturers = ("B&K Precision",)
    models = tuple(RATINGS)
    RATINGS = RATINGS
    CURRENT_RANGES = CURRENT_RANGES
    LEVEL = {"CC": "CURR {value}", "CV": "VOLT {value}", "CR": "RES {value}", "CP": "POW {value}"}
    FUNCTION = "FUNC {function}"
    INPUT = "INP {state}"
    INPUT_QUERY = "INP?"
    MEASURE_VOLTAGE = "MEAS:VOLT?"
    MEASURE_CURRENT = "MEAS:CURR?"
    PROGRAMS_OFF = ("FUNC:MODE FIX", "TRAN OFF")
    CURRENT_RANGE = "CURR:RANG {value}"
    SENSE = "REM:SENS {state}"

    def __init__(self, transport: Transport, *, sense: str = "local",
                 model: str | None = None) -> None:
        self.sense = self._checked_sense(sense)
        super().__init__(transport, model=model)

    def _remote(self) -> None:
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
           "SOURce ([SOURce:]FUNCtion and FUNCtion:MODE, TRANsient, CURRent|VOLTage|"
           "RESistance|POWer levels, CURRent:RANGe, INPut), REMote:SENSe, MEASure, "
           "SYSTem:ERRor?, SYSTem:REMote/LOCal; checked against py-bkprecision8600, PyICe "
           "bk8600 and B&K's 8600 examples",
    twin="drivers.sim.twins.bk_8600:BK8600Twin", twin_options=frozenset({"model"}), twin_model="8600")
