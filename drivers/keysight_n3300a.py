"""Keysight (Agilent) N3300A / N3301A electronic load mainframes with N3302A..N3307A load
modules, over GPIB or RS-232. The driver works one module: channel = the module's slot.

Source: Agilent "Programming Guide, DC Electronic Loads Models N3300A, N3301A, N3302A,
N3303A, N3304A, N3305A, N3306A, and N3307A" (5964-8198, edition 2), chapter 4 "Language
Dictionary": CHANnel[:LOAD] <n> (INSTrument[:SELect] is the same command) directs the
channel-specific commands that follow; [SOURce:]FUNCtion (alias MODE) CURRent|RESistance|
VOLTage; [SOURce:]CURRent|RESistance|VOLTage[:LEVel][:IMMediate]; [SOURce:]INPut[:STATe]
0|1|OFF|ON and INPut? (0|1); [SOURce:]INPut:SHORt 0|1|OFF|ON (alias OUTPut:SHORt, channel
specific; query INPut:SHORt?, 0|1; *RST value OFF), which "programs the specified electronic
load module to the maximum current that it can sink in the present operating range" (p. 60,
"Input Commands", read from the guide's text as published at manualarchiveguide.com);
MEASure:CURRent|VOLTage[:DC]?; *RDT? lists the module in each channel. The modules have no
constant-power mode. The 6050A/6051A mainframes' guide it inherits (Language Dictionary, p. 51,
INPut:SHORt and INPut[:STATe]) spells the short INP:SHOR ON|OFF|1|0, channel-selected as in
"CHAN 2;INP:SHOR 1;:CHAN 1;INP:SHOR 0", and says INPut[:STATe] OFF "overrides" INPut:SHORt ON.
Checked against PyICe's agilent_n3301 driver (INSTRUMENT <n>, CURRENT <v>, MEASURE:CURRENT?)
and an N3301A script (:CHANnel:LOAD <n>, *RDT? parsed as "<...><n>:<module>;..."). Module
ratings from the N3300A data sheet (5980-0232). The CR span is kept to 1 ohm..1 kohm, inside
every module's resistance ranges; the wider module limits were not available to check.

Every channel-specific command and query carries its channel selection in the same message,
e.g. "CHAN 3;:INP OFF", "CHAN 3;:MEAS:VOLT?" (ch. 2 "Multiple Commands in a Message" and
"Moving Among Subsystems": ';' separates the commands of one message, a leading ':' starts the
next one at the root). The mainframe keeps one selection for all its clients: selected once,
it could be moved by another program, or by a second driver on another slot of the same
mainframe, and the next INP OFF or INP? would act on that module. Sent in the same message,
the selection costs no round trip. identify() refuses a slot without a module (*RDT?).

The mainframe keeps one error queue for all its modules (ch. 4 System Commands: SYSTem:ERRor?
takes no channel; empty, it answers '+0,"No error"', which an open N3300A driver waits for), so
the entry a refusal leaves is read by whoever asks first. Two drivers on one mainframe confirm
soundly only while one driver's set-point and the SYST:ERR? reads after it are not interleaved
with the other's commands: if the other driver read the entry first, it would fail, naming its
own set-point, and this one would take its refused set-point as confirmed. So one caller at a
time per mainframe, from a set-point's first write to its last SYST:ERR? read: the transport
locks each exchange, not that sequence, so a rack's channels on one mainframe reach it through
bench.station.instruments.Locked, which holds the mainframe's lock over each whole driver call.
Another program on the same mainframe is beyond what the bench can order.

Known state of the station's module, sent by identify() (every new session; open()
identifies first, so nothing reaches a mainframe or module the station does not expect):
1. *IDN? and the error queue read empty (SYST:ERR?), then *RDT? for the module in the channel;
   then INP OFF: the input off before anything else (a crash may have left it on with a DUT connected);
2. INP:SHOR OFF: no short left on by the front panel or another program (ch. 4 "Input
   Commands", INPut:SHORt: on, the module sinks the maximum current of its present range, up
   to its rating, 120 A on an N3306A, instead of the CC level). INP OFF does not end it: the
   6050A-family guide says INP OFF overrides the short, i.e. only while the input is off, so
   the short would sink again at the next INP ON;
3. TRAN OFF: the transient generator off (ch. 4 "Transient Commands": it would switch the
   input between the main and the transient level);
4. CURR:MODE FIX, RES:MODE FIX, VOLT:MODE FIX: no list runs when a trigger comes (ch. 4
   "Input Commands" and "List Commands");
5. CURR 0, then CURR:RANG <low>: the CC level 0 A, which both ranges hold, then the module's
   low CC range, so the range change is never in conflict with a stale level;
6. SYST:ERR?: all of the above confirmed, or an InstrumentError naming them.
Each of them in one message with the channel selection, as every channel command here.

CC range and level are coupled (ch. 4, CURRent:RANGe, as in the 6050A-family guide it inherits:
a range value selects the range that covers it; changing to a lower range sets levels above it
to the new range's top; "CURR:RANG 60; LEV 25.25" sets both in one message; an open N3300A
driver sends CURR:RANG MIN|MAX before each CURR). A CC level is set in the module's low range
(a tenth of its rating) when it fits and in the high range otherwise, range and level in the
order drivers/loads.py gives (the level inside the selected range at every moment, so the
coupling never lowers a level); other modes leave the CC range alone.

Not confirmed from the guide's text (its other pages were not available): the low CC range
of each module, taken as a tenth of its rating (the N3302A's 3 A / 30 A are what an open N3300A
driver uses; the other modules' were not checked against the data sheet), RES:MODE and VOLT:MODE
(CURR:MODE FIX is used by an open N3300A script), whether a level above the selected range is
refused or coerced (the twin refuses it: -222, level unchanged), and whether the modules have a
programmable remote sense: none is sent, and the `sense` option of other loads is not offered
here. The CR and CV ranges are not managed: a level outside the range the front panel left is
refused by the confirmation, with nothing switched on.

The driver never sends *RST: INPut's *RST value is ON (ch. 4 "Input Commands").
"""
from __future__ import annotations

import re

from drivers.base import DriverInfo
from drivers.loads import LoadRatings, ScpiLoad
from drivers.roles import InstrumentError
from drivers.transports import Transport

_OHMS = (1.0, 1000.0)
MODULES: dict[str, LoadRatings] = {
    "N3302A": LoadRatings(volts=60.0, amps=30.0, watts=None, ohms=_OHMS),  # 150 W
    "N3303A": LoadRatings(volts=240.0, amps=10.0, watts=None, ohms=_OHMS),  # 250 W
    "N3304A": LoadRatings(volts=60.0, amps=60.0, watts=None, ohms=_OHMS),  # 300 W
    "N3305A": LoadRatings(volts=150.0, amps=60.0, watts=None, ohms=_OHMS),  # 500 W
    "N3306A": LoadRatings(volts=60.0, amps=120.0, watts=None, ohms=_OHMS),  # 600 W
    "N3307A": LoadRatings(volts=150.0, amps=30.0, watts=None, ohms=_OHMS),  # 250 W
}
# module -> its CC ranges (low, high) in A, as CURRent:RANGe selects them; high is the rating
CURRENT_RANGES: dict[str, tuple[float, float]] = {
    module: (ratings.amps / 10, ratings.amps) for module, ratings in MODULES.items()}
SLOTS: dict[str, int] = {"N3300A": 6, "N3301A": 2}
_RDT_ENTRY = re.compile(r"\D*(\d+)\s*:\s*(\S+)")


class KeysightN3300A(ScpiLoad):
    """ElectronicLoad role on one module. Options: channel (its slot, 1-6; default 1), module
    (the module the station expects there), model (the mainframe the station expects)."""

    TRANSPORT = {"read_termination": "\n", "write_termination": "\n", "timeout": 2.0}
    ERROR_QUERY = "SYST:ERR?"  # SYSTem:ERRor? (5964-8198, ch. 4 System Commands)
    manufacturers = ("Agilent Technologies", "Keysight Technologies")
    models = tuple(SLOTS)  # the mainframes
    modules = tuple(MODULES)
    LEVEL = {"CC": "CURR {value}", "CV": "VOLT {value}", "CR": "RES {value}"}
    FUNCTIONS = {"CC": "CURR", "CV": "VOLT", "CR": "RES"}
    FUNCTION = "FUNC {function}"
    INPUT = "INP {state}"
    INPUT_QUERY = "INP?"
    MEASURE_VOLTAGE = "MEAS:VOLT?"
    MEASURE_CURRENT = "MEAS:CURR?"
    PROGRAMS_OFF = ("INP:SHOR OFF", "TRAN OFF", "CURR:MODE FIX", "RES:MODE FIX",
                    "VOLT:MODE FIX")
    CURRENT_RANGE = "CURR:RANG {value}"

    def __init__(self, transport: Transport, *, channel: int = 1, module: str | None = None,
                 model: str | None = None) -> None:
        if channel not in range(1, 7):
            raise ValueError(f"KeysightN3300A: channel {channel!r} is not a slot 1-6")
        if module is not None and module not in MODULES:
            raise ValueError(f"KeysightN3300A: module {module!r} is not one of "
                             f"{', '.join(MODULES)}")
        super().__init__(transport, model=model)
        if model is not None and channel > SLOTS[model]:
            raise ValueError(f"KeysightN3300A: the {model} has {SLOTS[model]} slots; "
                             f"channel {channel} does not exist")
        self.channel = channel
        self.module = module  # the expected module until identify() reads the real one

    def _identified(self, idn: str) -> str:
        """The mainframe's identity and, from *RDT?, the module in this channel; InstrumentError
        unless it is what the driver (and the station) expect."""
        assert self.model is not None
        if self.channel > SLOTS[self.model]:
            raise InstrumentError(f"{self.resource} is an {self.model} with {SLOTS[self.model]} "
                                  f"slots; channel {self.channel} does not exist")
        found = self._modules().get(self.channel)
        if found is None:
            raise InstrumentError(f"{self.resource}: no load module in channel {self.channel}")
        if found not in MODULES:
            raise InstrumentError(f"{self.resource}: channel {self.channel} holds a {found}, "
                                  f"not one of {', '.join(MODULES)}")
        if self.module is not None and found != self.module:
            raise InstrumentError(f"{self.resource}: channel {self.channel} holds a {found}; "
                                  f"the station expects a {self.module}")
        self.module = found
        return f"{idn} (channel {self.channel}: {found})"

    def ranges(self, kind: str) -> tuple[float, ...]:
        return CURRENT_RANGES[self._known_module()] if kind == "I" else ()

    def _known_module(self) -> str:
        """The module whose ranges apply, asking the mainframe once if not known yet."""
        if self.module is None:
            self.identify()
        assert self.module is not None
        return self.module

    def _modules(self) -> dict[int, str]:
        """Channel -> module model, from *RDT?."""
        reply = self.transport.query("*RDT?")
        modules: dict[int, str] = {}
        for entry in reply.split(";"):
            match = _RDT_ENTRY.fullmatch(entry.strip())
            if match is None:
                raise InstrumentError(f"'*RDT?' answered {reply!r}: not a list of "
                                      "<channel>:<module> entries")
            modules[int(match[1])] = match[2]
        return modules

    def _ratings(self) -> tuple[LoadRatings, str]:
        module = self._known_module()
        return MODULES[module], f"{module} in channel {self.channel}"

    def _format(self, template: str, **fields: str) -> str:
        """A channel-specific command, preceded by its channel selection in the same message."""
        return f"CHAN {self.channel};:{super()._format(template, **fields)}"


DRIVER = DriverInfo(
    name="keysight-n3300a", driver=KeysightN3300A, roles=("load",),
    models=(*KeysightN3300A.models, *KeysightN3300A.modules), interfaces=("GPIB", "RS-232"),
    source='Agilent "Programming Guide, DC Electronic Loads Models N3300A ... N3307A" '
           "(5964-8198), ch. 2 (several commands in one message), ch. 4 Language "
           "Dictionary (CHANnel, FUNCtion, CURRent|RESistance|VOLTage levels and :MODE, "
           "CURRent:RANGe, TRANsient, INPut, INPut:SHORt, MEASure, *RDT?, SYSTem:ERRor?); "
           "6050A/6051A guide, Language Dictionary (INPut:SHORt; INPut OFF overrides it); "
           "checked against PyICe agilent_n3301",
    twin="drivers.sim.twins.keysight_n3300a:KeysightN3300ATwin",
    twin_options=frozenset({"model", "channel", "module"}), twin_model="N3300A")
