"""Keysight E36100 series single-output programmable DC supplies (E36102A..E36106A and the
E36102B..E36106B refresh).

Source: Keysight "E36100 Series Programmable DC Power Supplies Operating and Service Guide"
(the series has no separate programming guide), chapter 1 "Programming Ranges" and chapter 2
"SCPI Programming": APPLy {<voltage>}[,{<current>}], OUTPut[:STATe] ON|OFF and
OUTPut[:STATe]? (0 or 1), MEASure[:SCALar]:VOLTage[:DC]? and MEASure[:SCALar]:CURRent[:DC]?.
Not confirmed against the guide itself: the programming maxima below are the ratings + 3 %
(the pattern of the E36300's programming ranges), and the B models' identity strings.

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
    """PowerSupply role. Option: model (the model the station expects)."""

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

    def __init__(self, transport: Transport, *, model: str | None = None) -> None:
        super().__init__(transport, model=model)


DRIVER = DriverInfo(
    name="keysight-e36100", driver=KeysightE36100, roles=("supply",),
    models=KeysightE36100.models, interfaces=("USB", "LAN"),
    source='Keysight "E36100 Series Programmable DC Power Supplies Operating and Service '
           'Guide", ch. 1 Programming Ranges, ch. 2 SCPI Programming (APPLy, OUTPut, '
           "MEASure)",
    twin="drivers.sim.twins.keysight_e36100:KeysightE36100Twin",
    twin_options=frozenset({"model"}))
