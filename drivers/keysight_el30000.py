"""Keysight EL30000 series bench DC electronic loads: EL34143A (one input) and EL34243A (two
inputs), over USB-TMC or LAN. Every channel-specific command names its input with a channel
list, so one connection can drive either input of an EL34243A.

Source: Keysight "EL30000 Series Bench DC Electronic Loads Operating and Service Guide",
chapter "SCPI Programming Reference": channel lists (@<chanlist>); [SOURce:]MODE CURRent|
VOLTage|POWer|RESistance; [SOURce:]CURRent|VOLTage|RESistance|POWer[:LEVel][:IMMediate];
INPut[:STATe] ON|OFF and INPut[:STATe]? (0|1); MEASure[:SCALar]:VOLTage|CURRent[:DC]?.
Checked against PyICe's EL34143A driver (MODE CURR|VOLT|POW|RES, CURR/VOLT/RES/POW levels,
INP 1|0, MEAS:VOLT?/MEAS:CURR?, programming limits 61.2 A, 153 V, 357 W, CR 0.05 ohm..4 kohm).
Ratings from the EL30000 data sheet: 150 V, 60 A per input; 350 W (EL34143A), 300 W per
input (EL34243A).
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


class KeysightEL30000(ScpiLoad):
    """ElectronicLoad role on one input. Options: channel (the input, 1 or 2; default 1),
    model (the model the station expects)."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    ERROR_QUERY = "SYST:ERR?"  # SYSTem:ERRor? (SCPI Programming Reference, SYSTem subsystem)
    manufacturers = ("Keysight Technologies",)
    models = tuple(RATINGS)
    RATINGS = RATINGS
    LEVEL = {"CC": "CURR {value},(@{ch})", "CV": "VOLT {value},(@{ch})",
             "CR": "RES {value},(@{ch})", "CP": "POW {value},(@{ch})"}
    FUNCTION = "MODE {function},(@{ch})"
    INPUT = "INP {state},(@{ch})"
    INPUT_QUERY = "INP? (@{ch})"
    MEASURE_VOLTAGE = "MEAS:VOLT? (@{ch})"
    MEASURE_CURRENT = "MEAS:CURR? (@{ch})"

    def __init__(self, transport: Transport, *, channel: int = 1, model: str | None = None) -> None:
        if channel not in (1, 2):
            raise ValueError(f"KeysightEL30000: channel {channel!r} is not 1 or 2")
        super().__init__(transport, model=model)
        if model is not None and channel > INPUTS[model]:
            raise ValueError(f"KeysightEL30000: the {model} has one input; channel {channel} "
                             "does not exist")
        self.channel = channel

    def identify(self) -> str:
        idn = super().identify()
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
           "RESistance|POWer levels, INPut, MEASure with (@<chanlist>)); checked "
           "against PyICe EL34143A",
    twin="drivers.sim.twins.keysight_el30000:KeysightEL30000Twin",
    twin_options=frozenset({"model", "channel"}))
