"""Keysight E36100 series single-output programmable DC supplies (E36102A..E36106A and the
E36102B..E36106B refresh).

Source: Keysight "E36100 Series Programmable DC Power Supplies Operating and Service Guide"
(the series has no separate programming guide), chapter 1 "Programming Ranges" and chapter 2
"SCPI Programming": APPLy {<voltage>}[,{<current>}], OUTPut[:STATe] ON|OFF and
OUTPut[:STATe]? (0 or 1), MEASure[:SCALar]:VOLTage[:DC]? and MEASure[:SCALar]:CURRent[:DC]?,
[SOURce:]VOLTage:SENSe[:SOURce] INTernal|EXTernal (internal: a relay ties the sense inputs to
the output, two wires, "2w" on the display; external: four wires, remote sensing; the query
answers 0 or 1), SYSTem:ERRor?.

Known state, sent by identify() (every new session; open() identifies first):
1. *IDN? and the error queue read empty (SYST:ERR?), as every SCPI driver here;
2. OUTP OFF - the output off first;
3. CURR:PROT:STAT OFF - over-current protection off: with it on, an output that goes into
   current limit is switched off (the Keysight family's CURRent:PROTection:STATe, *RST OFF), so a
   charge held at its current limit would switch itself off and look finished;
4. VOLT:SENS:SOUR INT or EXT - option `sense`: "local" (the default, two-wire) or "remote";
5. SYST:ERR? - all of the above confirmed before anything else is sent.

Not confirmed against the guide itself: the programming maxima below (the ratings + 3 %, the
pattern of the E36300's programming ranges), the B models' identity strings, CURRent:PROTection:
STATe on this series (its form here is the E36300's and the MP4300's, whose guides give it; an
E36100 without it would refuse it at open, -113, before anything is switched on), the power-on
sense (taken as internal), and the over-voltage protection, which is left as it is.

One APPLy sets voltage and current limit together and leaves the output state alone, so
configuring never switches the DUT on.
"""
from __future__ import annotations

from drivers.base import DriverInfo
from drivers.dc_supply import DcSupply, Span
from drivers.transports import Transport

_RATINGS = {"E36102": (6.0, 5.0), "E36103": (20.0, 2.0), "E36104": (35.0, 1.0),
            "E36105": (60.0, 0.6), "E36106": (100.0, 0.4)}
# model -> its only output -> programmable range (rating + 3 %)
PROGRAMMING_RANGES: dict[str, dict[int, Span]] = {
    f"{family}{suffix}": {1: Span(0.0, round(volts * 1.03, 6), round(amps * 1.03, 6))}
    for suffix in ("A", "B") for family, (volts, amps) in _RATINGS.items()
}


class KeysightE36100(DcSupply):
    """PowerSupply role. Options: model (the model the station expects), sense ("local", the
    power-on default, or "remote")."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    ERROR_QUERY = "SYST:ERR?"  # SYSTem:ERRor? (Operating and Service Guide, SYSTem subsystem)
    manufacturers = ("Keysight Technologies",)
    models = tuple(PROGRAMMING_RANGES)
    ranges = PROGRAMMING_RANGES
    SETPOINTS = ("APPL {v:.7g},{i:.7g}",)
    OUTPUT = "OUTP {state}"
    OUTPUT_QUERY = "OUTP?"
    MEASURE_VOLTS = "MEAS:VOLT?"
    MEASURE_AMPS = "MEAS:CURR?"
    SENSE_STATES = {"local": "INT", "remote": "EXT"}  # option `sense` -> VOLTage:SENSe:SOURce

    def __init__(self, transport: Transport, *, model: str | None = None, sense: str = "local") -> None:
        super().__init__(transport, model=model)
        self._sense = self.SENSE_STATES[self._checked_sense(sense)]

    def known_state(self) -> list[str]:
        return [self._switch[False], "CURR:PROT:STAT OFF", f"VOLT:SENS:SOUR {self._sense}"]


DRIVER = DriverInfo(
    name="keysight-e36100", driver=KeysightE36100, roles=("supply",),
    models=KeysightE36100.models, interfaces=("USB", "LAN"),
    source='Keysight "E36100 Series Programmable DC Power Supplies Operating and Service '
           'Guide", ch. 1 Programming Ranges, ch. 2 SCPI Programming (APPLy, OUTPut, '
           "MEASure, VOLTage:SENSe:SOURce)",
    twin="drivers.sim.twins.keysight_e36100:KeysightE36100Twin",
    twin_options=frozenset({"model"}), twin_model="E36102A")
