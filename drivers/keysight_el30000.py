"""Keysight EL30000 series bench DC electronic loads: EL34143A (one input) and EL34243A (two
inputs), over USB-TMC or LAN. Every channel-specific command names its input with a channel
list, so one connection can drive either input of an EL34243A.

Source: Keysight "EL30000 Series Bench DC Electronic Loads Operating and Service Guide",
chapter "SCPI Programming Reference": channel lists (@<chanlist>); [SOURce:]MODE CURRent|
VOLTage|POWer|RESistance; [SOURce:]CURRent|VOLTage|RESistance|POWer[:LEVel][:IMMediate];
[SOURce:]CURRent:RANGe; [SOURce:]<function>:MODE FIXed|STEP|LIST (what the transient
system does to a level); [SOURce:]VOLTage:SENSe[:SOURce] INTernal|EXTernal; INPut[:STATe]
ON|OFF and INPut[:STATe]? (0|1); MEASure[:SCALar]:VOLTage|CURRent[:DC]?; SYSTem:ERRor?
('+0,"No error"', the Keysight format). Checked against PyICe's EL34143A driver (MODE CURR|
VOLT|POW|RES, CURR/VOLT/RES/POW levels, INP 1|0, MEAS:VOLT?/MEAS:CURR?, CURR:RANG with three
CC ranges programmable to 0.612, 6.12 and 61.2 A, VOLT:SENS INT|EXT, programming limits
61.2 A, 153 V, 357 W, CR 0.05 ohm..4 kohm). Ratings from the EL30000 data sheet: 150 V,
60 A per input; 350 W (EL34143A), 300 W per input (EL34243A).

Known state, sent by identify() (every new session; open() identifies first, so nothing
reaches an instrument that is not an EL30000), all on the station's input:
1. *IDN? and the error queue read empty (SYST:ERR?), as every SCPI driver here; then
   INP OFF,(@n): the input off before anything else (a crash may have left it on with a DUT connected);
2. CURR:MODE FIX, VOLT:MODE FIX, RES:MODE FIX, POW:MODE FIX: the transient system leaves
   every function's level alone (no STEP or LIST program left by the front panel runs when
   a trigger comes);
3. CURR 0, then CURR:RANG 0.6: the CC level 0 A, which every range holds, then the lowest CC
   range, so the range change is never in conflict with a stale level;
4. VOLT:SENS INT or EXT: the station's `sense` option ("local", the default, or "remote");
5. SYST:ERR?: all of the above confirmed, or an InstrumentError naming them.

CC range and level are coupled: a level above the selected range is out of range, and PyICe
sends the two together ("CURR:RANG <r>;CURR <level>", "to bypass conflicts") and steps a level
into the new range before lowering a range. A CC level is set in the lowest range that covers
it (0.6, 6 or 60 A), range and level in the order drivers/loads.py gives (the level inside the
selected range at every moment); other modes leave the CC range alone.

Not confirmed from the guide's text itself (its SCPI pages were not available): the
<function>:MODE spellings and their STEP/LIST choices (those of Keysight's N6700/N7900 SCPI
family, which the EL30000 follows), the power-on sense (taken as INTernal), whether a level
above the range is refused (-222) or coerced, and whether a range change that leaves the
level outside is refused or coerces the level; the order above is safe under either, and the
twin takes the stricter one (refused, level unchanged). The voltage, resistance and power
ranges are not managed: a level outside the range the front panel left is refused by the
confirmation, with nothing switched on.
"""
from __future__ import annotations

from drivers.base import DriverInfo
from drivers.loads import LoadRatings, ScpiLoad
from drivers.roles import InstrumentError
from drivers.transports import Transport

RATINGS: dict[str, LoadRatings] = {
    "EL34143A": LoadRatings(volts=150.0, amps=60.0, watts=350.0, ohms=(0.05, 4000.0)),
    "EL34243A": LoadRatings(volts=150.0, amps=60.0, watts=300.0, ohms=(0.05, 4000.0)),
}
INPUTS: dict[str, int] = {"EL34143A": 1, "EL34243A": 2}
# the CC ranges of every input, their tops in A, lowest first (CURR:RANG selects the lowest
# that covers the value sent)
CURRENT_RANGES: dict[str, tuple[float, ...]] = dict.fromkeys(RATINGS, (0.6, 6.0, 60.0))


class KeysightEL30000(ScpiLoad):
    """ElectronicLoad role on one input. Options: channel (the input, 1 or 2; default 1),
    sense ("local" or "remote" voltage sensing; default "local"), model (the model the
    station expects)."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    ERROR_QUERY = "SYST:ERR?"  # SYSTem:ERRor? (SCPI Programming Reference, SYSTem subsystem)
    manufacturers = ("Keysight Technologies",)
    models = tuple(RATINGS)
    RATINGS = RATINGS
    CURRENT_RANGES = CURRENT_RANGES
    LEVEL = {"CC": "CURR {value},(@{ch})", "CV": "VOLT {value},(@{ch})",
             "CR": "RES {value},(@{ch})", "CP": "POW {value},(@{ch})"}
    FUNCTION = "MODE {function},(@{ch})"
    INPUT = "INP {state},(@{ch})"
    INPUT_QUERY = "INP? (@{ch})"
    MEASURE_VOLTAGE = "MEAS:VOLT? (@{ch})"
    MEASURE_CURRENT = "MEAS:CURR? (@{ch})"
    PROGRAMS_OFF = ("CURR:MODE FIX,(@{ch})", "VOLT:MODE FIX,(@{ch})", "RES:MODE FIX,(@{ch})",
                    "POW:MODE FIX,(@{ch})")
    CURRENT_RANGE = "CURR:RANG {value},(@{ch})"
    SENSE = "VOLT:SENS {state},(@{ch})"
    SENSE_STATES = {"local": "INT", "remote": "EXT"}

    def __init__(self, transport: Transport, *, channel: int = 1, sense: str = "local",
                 model: str | None = None) -> None:
        if channel not in (1, 2):
            raise ValueError(f"KeysightEL30000: channel {channel!r} is not 1 or 2")
        self.sense = self._checked_sense(sense)
        super().__init__(transport, model=model)
        if model is not None and channel > INPUTS[model]:
            raise ValueError(f"KeysightEL30000: the {model} has one input; channel {channel} "
                             "does not exist")
        self.channel = channel

    def _identified(self, idn: str) -> str:
        assert self.model is not None
        if self.channel > INPUTS[self.model]:
            raise InstrumentError(f"{self.resource} is an {self.model}, which has one input; "
                                  f"channel {self.channel} does not exist")
        return idn

    def _ratings(self) -> tuple[LoadRatings, str]:
        ratings, model = super()._ratings()
        return ratings, f"{model} input {self.channel}"


DRIVER = DriverInfo(
    name="keysight-el30000", driver=KeysightEL30000, roles=("load",),
    models=KeysightEL30000.models, interfaces=("USB", "LAN"),
    source='Keysight "EL30000 Series Bench DC Electronic Loads Operating and Service '
           'Guide", SCPI Programming Reference ([SOURce:]MODE, CURRent|VOLTage|'
           "RESistance|POWer levels and :MODE, CURRent:RANGe, VOLTage:SENSe, INPut, MEASure "
           "with (@<chanlist>), SYSTem:ERRor?); checked against PyICe EL34143A",
    twin="drivers.sim.twins.keysight_el30000:KeysightEL30000Twin",
    twin_options=frozenset({"model", "channel"}), twin_model="EL34243A")
