"""Rigol DP800 series programmable DC supplies (DP811/DP811A, DP821/DP821A, DP831/DP831A,
DP832/DP832A); option `channel` picks the output wired to the DUT.

Source: RIGOL "DP800 Series Programmable Linear DC Power Supply Programming Guide",
chapter 2 "Command System": :APPLy {CH1|CH2|CH3}[,<volt>[,<curr>]] (Table 2-1, the per-model
settable ranges), :OUTPut[:STATe] [{CH1|CH2|CH3},]{ON|OFF} and :OUTPut[:STATe]? [{CH1|CH2|CH3}]
(ON or OFF), :MEASure[:VOLTage][:DC]? and :MEASure:CURRent[:DC]? [{CH1|CH2|CH3}], and
:SYSTem:ERRor?. Cross-checked with QCoDeS's Rigol DP821/DP831/DP832 drivers (channels and
ratings, the DP831's CH3 negative), libsigrok's scpi-pps DP800 profile (:OUTP:OCP, :OUTP:OVP)
and the :OUTPut CH1,ON / :OUTPut? CH1 usage of open DP700/DP832 scripts.

Known state, sent by identify() (every new session; open() identifies first, so nothing
reaches an instrument that is not a DP800):
1. *IDN? and the error queue read empty (SYST:ERR?), as every SCPI driver here;
2. :OUTP CHn,OFF - the output off first (":OUTPut[:STATe]");
3. :INST:NSEL n, then :TIME OFF and :DELAY OFF - the timer and the delayer switch outputs and
   change their set-points on their own once on (":TIMEr[:STATe]": "enabling the timer will
   change the output state of the channel"; ":DELAY[:STATe]", the on/off delayer), and act on
   the selected channel (":INSTrument:NSELect"; an open DP832 driver: "Before enabling timer
   you have to first select a channel. Timer will run on selected channel"): the wired one is
   selected first, or a timer armed on it would survive while another channel's is switched off;
4. :OUTP:TRAC CHa,OFF and CHb,OFF when the wired channel is one of a tracking pair (CH1/CH2
   of a DP832, CH2/CH3 of a DP831): with either one's track function on, setting one channel's
   voltage sets the other's too (":OUTPut:TRACk", default OFF), so the pair is made independent;
5. :OUTP:OCP CHn,OFF and :OUTP:OVP CHn,OFF - the protections at their default, OFF
   (":OUTPut:OCP[:STATe]": with OCP on the output turns off when the current exceeds the OCP
   value, so a charge held at its current limit would switch itself off and look finished;
   OVP likewise turns the output off above its limit). The supply then regulates (CV or CC)
   and never switches itself off; the station's limits and safe() are the bench's protection;
6. :OUTP:SENS CHn,{ON|OFF} where the channel has remote sense (":OUTPut:SENSe": CH2 of the
   DP821/DP821A, the DP811/DP811A; default OFF): option `sense`, "local" (the default) or
   "remote"; "remote" on a channel without sense terminals is refused;
7. SYST:ERR? - all of the above confirmed; then :OUTP? CHn must answer OFF (read back rather
   than assumed: a timer or delayer left running could have switched it again).

Ranges: Table 2-1 of the guide: DP831 and DP832 rows, and the DP821A (CH1 0..63 V/0..1.05 A,
CH2 0..8.4 V/0..10.5 A). The DP811 has two output ranges (20 V/10 A, 40 V/5 A) selected by
:OUTPut:RANGe; the driver does not switch ranges, it allows only what is valid in both
(0..21 V, 0..5.3 A), so whatever range the front panel left, APPLy never fails.
The DP831's CH3 is a negative output (-32..0 V): a positive setpoint there is a RangeError.

Not confirmed against the guide text: the :OUTP:OVP page itself (its default OFF is taken from
the :OUTP:OCP page's), :DELAY[:STATe] (the delayer's other commands, e.g. :DELAY:TIME:GEN, are in
the guide; its state command was not among the pages read), the error an instrument queues
for :OUTP:SENS or :OUTP:TRAC on a channel without the function (the twin queues -224),.
"""
from __future__ import annotations

from drivers.base import DriverInfo
from drivers.dc_supply import DcSupply, Span
from drivers.roles import InstrumentError
from drivers.transports import Transport

_DP811 = {1: Span(0.0, 21.0, 5.3)}
_DP821 = {1: Span(0.0, 63.0, 1.05), 2: Span(0.0, 8.4, 10.5)}
_DP831 = {1: Span(0.0, 8.4, 5.3), 2: Span(0.0, 32.0, 2.1), 3: Span(-32.0, 0.0, 2.1)}
_DP832 = {1: Span(0.0, 32.0, 3.2), 2: Span(0.0, 32.0, 3.2), 3: Span(0.0, 5.3, 3.2)}
# model -> channel -> programmable range
PROGRAMMING_RANGES: dict[str, dict[int, Span]] = {
    "DP811": _DP811, "DP811A": _DP811, "DP821": _DP821, "DP821A": _DP821,
    "DP831": _DP831, "DP831A": _DP831, "DP832": _DP832, "DP832A": _DP832,
}
# model -> the two channels whose voltages :OUTPut:TRACk couples
TRACKING_PAIRS: dict[str, tuple[int, int]] = {"DP831": (2, 3), "DP831A": (2, 3),
                                              "DP832": (1, 2), "DP832A": (1, 2)}
# model -> the channel with remote sense terminals (:OUTPut:SENSe)
SENSE_CHANNELS: dict[str, int] = {"DP811": 1, "DP811A": 1, "DP821": 2, "DP821A": 2}


class RigolDP800(DcSupply):
    """PowerSupply role on one output. Options: channel (default 1), model, sense ("local",
    the power-on default, or "remote" where the channel has sense terminals)."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    ERROR_QUERY = "SYST:ERR?"  # :SYSTem:ERRor? (DP800 Programming Guide, ch. 2 :SYSTem commands)
    manufacturers = ("RIGOL TECHNOLOGIES",)
    models = tuple(PROGRAMMING_RANGES)
    ranges = PROGRAMMING_RANGES
    SETPOINTS = (":APPL CH{ch},{v:.7g},{i:.7g}",)
    OUTPUT = ":OUTP CH{ch},{state}"
    OUTPUT_QUERY = ":OUTP? CH{ch}"
    MEASURE_VOLTS = ":MEAS:VOLT? CH{ch}"
    MEASURE_AMPS = ":MEAS:CURR? CH{ch}"
    PROGRAMS_OFF: tuple[str, ...] = (":INST:NSEL {ch}", ":TIME OFF", ":DELAY OFF")  # of the selected channel
    PROTECTIONS_OFF: tuple[str, ...] = (":OUTP:OCP CH{ch},OFF", ":OUTP:OVP CH{ch},OFF")

    def __init__(self, transport: Transport, *, channel: int = 1, model: str | None = None,
                 sense: str = "local") -> None:
        self._sense = self.SENSE_STATES[self._checked_sense(sense)]  # :OUTPut:SENSe OFF|ON
        super().__init__(transport, channel=channel, model=model)
        if model is not None:
            self._sense_command(model)  # a channel without sense terminals: refused now

    def known_state(self) -> list[str]:
        """The commands of the known state for the model identify() found (docstring above)."""
        self._span()  # a channel the model lacks: RangeError before anything is switched
        model = self._known_model()
        ch = self.channel
        pair = TRACKING_PAIRS.get(model, ())
        tracking = [f":OUTP:TRAC CH{c},OFF" for c in pair] if ch in pair else []
        try:
            sense = self._sense_command(model)
        except ValueError as exc:  # the station did not name the model: found out now
            raise InstrumentError(f"{self.resource}: {exc}") from None
        return [self._switch[False], *(p.format(ch=ch) for p in self.PROGRAMS_OFF), *tracking,
                *(p.format(ch=ch) for p in self.PROTECTIONS_OFF), *([sense] if sense else [])]

    def check_known_state(self) -> None:
        if self.output_on():
            raise InstrumentError(f"{self.resource}: CH{self.channel} still reports its output ON "
                                  f"after {self._switch[False]!r}; it is not used until it switches off")

    def _sense_command(self, model: str) -> str | None:
        """:OUTP:SENS for the wired channel, None where it has no sense terminals (local sense
        is then the only one); remote sense there is a ValueError naming model and channel."""
        if SENSE_CHANNELS.get(model) == self.channel:
            return f":OUTP:SENS CH{self.channel},{self._sense}"
        if self._sense != self.SENSE_STATES["local"]:
            raise ValueError(f"{type(self).__name__}: the {model} CH{self.channel} has no remote "
                             "sense terminals; set sense = \"local\" in the station file")
        return None


DRIVER = DriverInfo(
    name="rigol-dp800", driver=RigolDP800, roles=("supply",),
    models=RigolDP800.models, interfaces=("USB", "LAN", "RS-232"),
    source='RIGOL "DP800 Series Programmable Linear DC Power Supply Programming Guide", '
           "ch. 2 Command System (:APPLy and Table 2-1, :OUTPut[:STATe], :OUTPut:TRACk, "
           ":OUTPut:OCP/:OVP, :OUTPut:SENSe, :INSTrument:NSELect, :TIMEr, :DELAY, :MEASure); channel "
           "ratings checked "
           "against QCoDeS Rigol DP821/DP831/DP832",
    twin="drivers.sim.twins.rigol_dp800:RigolDP800Twin",
    twin_options=frozenset({"model", "channel"}), twin_model="DP832")
