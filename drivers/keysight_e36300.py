"""Keysight E36300 series triple-output programmable DC supplies (E36312A, E36313A).

Source: Keysight "E36300 Series Programmable DC Power Supplies Programming Guide"
(E36311-90008), chapter 1 "Programming Ranges and Output Identifiers" and "Channels and
Channel Lists", chapter 2 "SCPI Programming": APPLy subsystem (APPLy CH1|CH2|CH3,
<voltage>,<current>), OUTPut subsystem (OUTPut[:STATe] ON|OFF,(@<chanlist>) and OUTPut[:STATe]? (@<chanlist>)), MEASure
subsystem (MEASure[:SCALar]:VOLTage|CURRent[:DC]? (@<chanlist>)).

One APPLy sets voltage and current limit together (one command instead of two), and
does not touch the output state, so configuring never switches the DUT on.
"""
from __future__ import annotations

from drivers.base import DriverInfo
from drivers.scpi import ScpiInstrument, check_range, nrf
from drivers.transports import Transport

# model -> channel -> (max programmable volts, max programmable amps): the rated output + 3 %
PROGRAMMING_RANGES: dict[str, dict[int, tuple[float, float]]] = {
    "E36312A": {1: (6.18, 5.15), 2: (25.75, 1.03), 3: (25.75, 1.03)},
    "E36313A": {1: (6.18, 10.3), 2: (25.75, 2.06), 3: (25.75, 2.06)},
}


class KeysightE36300(ScpiInstrument):
    """PowerSupply role on one output. Options: channel (1, 2 or 3; default 1), model."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    ERROR_QUERY = "SYST:ERR?"  # SYSTem:ERRor? (E36311-90008, ch. 2 SYSTem subsystem)
    manufacturers = ("Keysight Technologies",)
    models = tuple(PROGRAMMING_RANGES)

    def __init__(self, transport: Transport, *, channel: int = 1, model: str | None = None) -> None:
        if channel not in (1, 2, 3):
            raise ValueError(f"KeysightE36300: channel {channel!r} is not 1, 2 or 3")
        super().__init__(transport, model=model)
        self.channel = channel
        self._chanlist = f"(@{channel})"

    def _limits(self) -> tuple[str, float, float]:
        model = self._known_model()
        return (model, *PROGRAMMING_RANGES[model][self.channel])

    def configure(self, voltage: float, current_limit: float) -> None:
        model, vmax, imax = self._limits()
        where = f"{model} CH{self.channel}"
        volts = check_range("voltage", voltage, 0.0, vmax, "V", where)
        amps = check_range("current limit", current_limit, 0.0, imax, "A", where)
        command = f"APPL CH{self.channel},{nrf(volts)},{nrf(amps)}"
        self.transport.write(command)
        self._confirm([command])

    def set_output(self, on: bool) -> None:
        self.transport.write(f"OUTP {'ON' if on else 'OFF'},{self._chanlist}")

    def output_on(self) -> bool:
        return self._query_bool(f"OUTP? {self._chanlist}")

    def measure(self) -> tuple[float, float]:
        _, vmax, imax = self._limits()
        volts = self._query_float(f"MEAS:VOLT? {self._chanlist}", -0.05 * vmax, 1.1 * vmax)
        amps = self._query_float(f"MEAS:CURR? {self._chanlist}", -0.05 * imax, 1.1 * imax)
        return volts, max(amps, 0.0)  # offset noise around zero is not a sourced current


DRIVER = DriverInfo(
    name="keysight-e36300", driver=KeysightE36300, roles=("supply",),
    models=KeysightE36300.models, interfaces=("USB", "LAN"),
    source='Keysight "E36300 Series Programmable DC Power Supplies Programming Guide" '
           "(E36311-90008), ch. 2 APPLy, OUTPut, MEASure subsystems",
    twin="drivers.sim.twins.keysight_e36300:KeysightE36300Twin",
    twin_options=frozenset({"model", "channel"}))
