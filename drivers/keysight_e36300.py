"""Keysight E36300 series triple-output programmable DC supplies (E36312A, E36313A).

Source: Keysight "E36300 Series Programmable DC Power Supplies Programming Guide"
(E36311-90008), chapter 1 "Programming Ranges and Output Identifiers" and "Channels and
Channel Lists", chapter 2 "SCPI Programming": APPLy subsystem (APPLy CH1|CH2|CH3,
<voltage>,<current>), OUTPut subsystem (OUTPut[:STATe] ON|OFF,(@<chanlist>),
OUTPut[:STATe]? (@<chanlist>)), MEASure subsystem (MEASure[:SCALar]:VOLTage|CURRent[:DC]?
(@<chanlist>)), SYSTem:ERRor?. The known-state commands are as the well-kept open drivers send
them to an E36312A (the guide's pages for them were not available): CURR:PROT:STAT (libsigrok's
scpi-pps E36300 profile, tested on an E36312A; the Keysight family's [SOURce:]CURRent:
PROTection:STATe 0|OFF|1|ON,(@<chanlist>), *RST OFF, as the MP4300 guide gives it),
VOLT:SENS:SOUR INT|EXT,(@n) (open E36312A bench drivers; the E36100 guide's
[SOURce:]VOLTage:SENSe[:SOURce] INTernal|EXTernal) and OUTP:PAIR OFF|PAR|SER (open E36312A
drivers and GUIs).

Known state, sent by identify() (every new session; open() identifies first, so nothing
reaches an instrument that is not an E36300):
1. *IDN? and the error queue read empty (SYST:ERR?), as every SCPI driver here;
2. OUTP OFF,(@n) - the wired output off first;
3. CURR:PROT:STAT OFF,(@n) - over-current protection off (*RST OFF): with it on, an output that
   goes into current limit is switched off, so a charge held at its current limit would switch
   itself off and look finished;
4. VOLT:SENS:SOUR INT|EXT,(@n) - option `sense`: "local" (the default, internal sensing) or
   "remote" (external, four wires);
5. SYST:ERR? - all of the above confirmed;
6. for CH2 and CH3, OUTP:PAIR? must answer OFF: paired in series or parallel they are one
   output whose settings the instrument couples (OUTPut:PAIR). The pairing is a wiring choice
   of the lab, and changing it changes the other output too, so the driver does not change it:
   it refuses to use a paired channel (InstrumentError naming the mode), its output already off.
   CH1 is never paired and is not asked (a lab may pair CH2 and CH3 for another fixture).

Current limit: the instrument's programmable minimum is 2 mA on CH1 and 1 mA on CH2 and CH3
(libsigrok's scpi-pps table, read from an E36312A with CURR? MIN; its E36313A row is estimated
from the E36312A's, and so is this driver's); a smaller limit
is refused before anything is sent (RangeError), and the twin refuses it as SCPI instruments
refuse an out-of-range number (-222, the limit unchanged).

Not confirmed against the guide text itself: the reply format of OUTP:PAIR? (taken as OFF, PAR
or SER, as open E36312A drivers read it), whether the instrument refuses or coerces a limit
below its minimum (refused before it is sent either way), the power-on sense (taken as
internal), tracking (OUTPut:TRACk, an E36311A function: not sent), and the over-voltage
protection, which is left as it is.

One APPLy sets voltage and current limit together (one command instead of two), and does
not touch the output state, so configuring never switches the DUT on.
"""
from __future__ import annotations

from drivers.base import DriverInfo
from drivers.dc_supply import DcSupply, Span
from drivers.roles import InstrumentError
from drivers.scpi import check_range
from drivers.transports import Transport

# model -> channel -> programmable range: the rated output + 3 %
PROGRAMMING_RANGES: dict[str, dict[int, Span]] = {
    "E36312A": {1: Span(0.0, 6.18, 5.15), 2: Span(0.0, 25.75, 1.03), 3: Span(0.0, 25.75, 1.03)},
    "E36313A": {1: Span(0.0, 6.18, 10.3), 2: Span(0.0, 25.75, 2.06), 3: Span(0.0, 25.75, 2.06)},
}
MIN_CURRENT = {1: 0.002, 2: 0.001, 3: 0.001}  # A, per channel (libsigrok, from CURR? MIN)
PAIRED_CHANNELS = (2, 3)  # the outputs OUTPut:PAIR couples
INDEPENDENT = "OFF"  # OUTP:PAIR? of independent outputs


class KeysightE36300(DcSupply):
    """PowerSupply role on one output. Options: channel (1, 2 or 3; default 1), model, sense
    ("local", the power-on default, or "remote")."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    ERROR_QUERY = "SYST:ERR?"  # SYSTem:ERRor? (E36311-90008, ch. 2 SYSTem subsystem)
    manufacturers = ("Keysight Technologies",)
    models = tuple(PROGRAMMING_RANGES)
    ranges = PROGRAMMING_RANGES
    SETPOINTS = ("APPL CH{ch},{v:.7g},{i:.7g}",)
    OUTPUT = "OUTP {state},(@{ch})"
    OUTPUT_QUERY = "OUTP? (@{ch})"
    MEASURE_VOLTS = "MEAS:VOLT? (@{ch})"
    MEASURE_AMPS = "MEAS:CURR? (@{ch})"
    SENSE_STATES = {"local": "INT", "remote": "EXT"}  # option `sense` -> VOLTage:SENSe:SOURce
    PAIRING_QUERY = "OUTP:PAIR?"

    def __init__(self, transport: Transport, *, channel: int = 1, model: str | None = None,
                 sense: str = "local") -> None:
        super().__init__(transport, channel=channel, model=model)
        self._sense = self.SENSE_STATES[self._checked_sense(sense)]

    def known_state(self) -> list[str]:
        ch = self.channel
        return [self._switch[False], f"CURR:PROT:STAT OFF,(@{ch})", f"VOLT:SENS:SOUR {self._sense},(@{ch})"]

    def check_known_state(self) -> None:
        """CH2 and CH3 must be independent: paired, they are one output of the other's making."""
        if self.channel in PAIRED_CHANNELS:
            pairing = self._ask(self.PAIRING_QUERY).strip()
            if pairing.upper() != INDEPENDENT:
                raise InstrumentError(
                    f"{self.resource}: CH2 and CH3 of the {self.model} are paired ({self.PAIRING_QUERY} "
                    f"answered {pairing}); CH{self.channel} is not used until they are independent "
                    "(front panel, or OUTP:PAIR OFF)")

    def configure(self, voltage: float, current_limit: float) -> None:
        """The current limit checked against the channel's minimum too, then DcSupply's."""
        where, span = self._span()
        check_range("current limit", current_limit, MIN_CURRENT[self.channel], span.imax, "A", where)
        super().configure(voltage, current_limit)


DRIVER = DriverInfo(
    name="keysight-e36300", driver=KeysightE36300, roles=("supply",),
    models=KeysightE36300.models, interfaces=("USB", "LAN"),
    source='Keysight "E36300 Series Programmable DC Power Supplies Programming Guide" '
           "(E36311-90008), ch. 2 APPLy, OUTPut (incl. PAIR), MEASure, SOURce (CURRent:PROTection, "
           "VOLTage:SENSe) subsystems; current minima from libsigrok scpi-pps",
    twin="drivers.sim.twins.keysight_e36300:KeysightE36300Twin",
    twin_options=frozenset({"model", "channel"}), twin_model="E36312A")
