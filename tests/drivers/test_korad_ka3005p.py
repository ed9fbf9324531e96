"""Korad KA3005P driver: its byte protocol (no terminators, fixed-width replies) over a real
serial line (a pseudo-terminal with the twin on the other end), the known state at open, every
setting read back, the pause between commands (longer for the Velleman PS3005D V1.3, chosen by
its identity), the identities of the family, and the twin."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from driver_helpers import Recorder, assert_refused_before_sending, charge_the_cell_and_switch_off
from pacing_helpers import fake_clock
from serial_line import PtyLine, serve_on_pty

from drivers.korad_ka3005p import COMMAND_DELAY, EXTRA_PROCESSING, KoradKA3005P
from drivers.registry import open_instrument
from drivers.roles import InstrumentError, PowerSupply
from drivers.sim.transport import SimTransport
from drivers.sim.twins import korad_ka3005p as twin_module
from drivers.sim.twins.korad_ka3005p import KoradKA3005PTwin

OPENED = [b"*IDN?", b"OUT0", b"OCP0", b"OVP0", b"STATUS?"]  # who it is, then the known state
SLOW = COMMAND_DELAY + EXTRA_PROCESSING  # after a setting or STATUS? on a PS3005D V1.3


class ByteWire(Recorder):
    """A recorded transport that also keeps the raw bytes sent (this protocol's messages)."""

    def __init__(self, inner: SimTransport) -> None:
        super().__init__(inner)
        self.sent_bytes: list[bytes] = []

    def write_bytes(self, data: bytes) -> None:
        self.sent_bytes.append(data)
        super().write_bytes(data)


def wired(world: object, twin: KoradKA3005PTwin | None = None,
          **options: object) -> tuple[KoradKA3005P, ByteWire]:
    """The driver on a twin (a KA3005P unless given) through a recorder (which hides that the
    line is simulated, so the driver would pause unless told not to)."""
    line = SimTransport("sim://korad", twin or KoradKA3005PTwin(world),
                        read_termination="", write_termination="")
    wire = ByteWire(line)
    return KoradKA3005P(wire, **{"command_delay": 0.0, **options}), wire


def test_commands_go_out_as_bare_bytes_with_fixed_width_numbers(cell_world: object) -> None:
    supply, wire = wired(cell_world)
    supply.configure(4.2, 1.25)  # the model is asked first: *IDN?, and the known state with it
    supply.set_output(True)
    assert supply.output_on() is True
    volts, amps = supply.measure()
    supply.set_output(False)
    assert wire.sent_bytes == [*OPENED, b"VSET1:04.20", b"ISET1:1.250", b"VSET1?", b"ISET1?",
                               b"OUT1", b"STATUS?", b"VOUT1?", b"IOUT1?", b"OUT0"]
    assert volts == 4.2 and 0.0 < amps <= 1.25
    with pytest.raises(InstrumentError, match="timeout"):
        wire.read_bytes(1)  # every reply was read to its last byte


@pytest.mark.parametrize(("model", "voltage", "current", "shown"), [
    ("KA3005P", 31.5, 1.0, "voltage 31.5 V is outside the KA3005P range 0..31 V"),
    ("KA3005P", 5.0, 5.2, "current limit 5.2 A is outside the KA3005P range 0..5.1 A"),
    ("72-2550", 5.0, 3.2, "current limit 3.2 A is outside the 72-2550 range 0..3.1 A"),
])
def test_out_of_range_settings_are_refused_before_anything_is_sent(
        cell_world: object, model: str, voltage: float, current: float, shown: str) -> None:
    supply, wire = wired(cell_world, KoradKA3005PTwin(cell_world, model=model), model=model)
    assert_refused_before_sending(wire.sent_bytes, shown, supply.configure, voltage, current)


# --- the known state and the read-back -----------------------------------------------------

def test_open_switches_the_output_and_the_protections_off_and_reads_the_status_back(
        cell_world: Any) -> None:
    twin = KoradKA3005PTwin(cell_world)
    twin.feed(b"VSET1:05.00OCP1OVP1OUT1")  # the front panel (or the last program) left it so
    supply, wire = wired(cell_world, twin)
    supply.open()
    assert wire.sent_bytes == OPENED
    assert (twin.outputs.on[1], twin.ocp, twin.ovp) == (False, False, False)
    assert not cell_world.supply_output_on
    assert supply.confirmed == ["OUT0", "OCP0", "OVP0"]


def test_every_setting_is_read_back_before_the_output_can_go_on(cell_world: object) -> None:
    supply, wire = wired(cell_world)
    supply.open()
    supply.configure(4.2, 1.0)
    assert wire.sent_bytes == [*OPENED, b"VSET1:04.20", b"ISET1:1.000", b"VSET1?", b"ISET1?"]
    assert supply.confirmed == ["OUT0", "OCP0", "OVP0", "VSET1:04.20", "ISET1:1.000"]


def test_a_setting_the_supply_did_not_take_is_an_error_naming_command_and_reply(
        cell_world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    supply, _ = wired(cell_world)
    supply.open()
    supply.configure(5.0, 1.0)
    monkeypatch.setitem(twin_module._COMMANDS, b"VSET1:", (5, lambda twin, argument: b""))  # lost
    with pytest.raises(InstrumentError, match=r"did not take VSET1:04.20: VSET1\? answered '05.00'"):
        supply.configure(4.2, 1.0)
    assert supply.confirmed[-1] == "ISET1:1.000"  # the earlier configure's, not this one's
    assert not cell_world.supply_output_on


class ScriptedLine:
    """A line whose instrument answers each command with given bytes, then falls silent."""

    resource = "serial:///dev/ttyKORAD"
    serial_line = True

    def __init__(self, replies: dict[bytes, bytes]) -> None:
        self.replies = replies
        self.pending = b""

    def write_bytes(self, data: bytes) -> None:
        self.pending += self.replies.get(data, b"")

    def read_bytes(self, n: int) -> bytes:
        if len(self.pending) < n:
            raise InstrumentError(f"{self.resource}: no reply within 0.5 s (timeout)")
        data, self.pending = self.pending[:n], self.pending[n:]
        return data


def korad_answering(**replies: bytes) -> KoradKA3005P:
    """The driver on a scripted KA3005P (status: CV, output off, protections off)."""
    line = ScriptedLine({b"*IDN?": b"KORADKA3005PV2.0", b"STATUS?": b"\x01",
                         **{key.replace("_", "?").encode(): value for key, value in replies.items()}})
    return KoradKA3005P(line, command_delay=0.0)  # type: ignore[arg-type]


def test_a_stray_sixth_byte_after_the_current_setting_does_not_shift_the_next_reply() -> None:
    supply = korad_answering(VSET1_=b"04.20", ISET1_=b"1.000\x00", VOUT1_=b"04.19", IOUT1_=b"0.512")
    supply.configure(4.2, 1.0)  # libsigrok: some firmware answers ISET1? with a sixth byte
    assert supply.measure() == (4.19, 0.512)


@pytest.mark.parametrize(("status", "shown"), [
    (b"\x41", r"still reports its output on \(STATUS\? answered 0x41\) after OUT0"),
    (b"\x21", r"still reports OCP on \(STATUS\? answered 0x21\) after OCP0"),
])
def test_a_status_that_does_not_show_the_known_state_is_an_error_at_open(status: bytes, shown: str) -> None:
    line = ScriptedLine({b"*IDN?": b"KORADKA3005PV2.0", b"STATUS?": status})
    with pytest.raises(InstrumentError, match=shown):
        KoradKA3005P(line, command_delay=0.0).identify()  # type: ignore[arg-type]


# --- identities ---------------------------------------------------------------------------

@pytest.mark.parametrize(("identity", "model", "idn"), [
    (b"KORADKA3005PV2.0", "KA3005P", "KORADKA3005PV2.0"),
    (b"KORADKA3005PV2.0\x01", "KA3005P", "KORADKA3005PV2.0"),  # the stray byte some units add
    (b"KORAD KA3005P V5.5", "KA3005P", "KORAD KA3005P V5.5"),
    (b"RND 320-KD3005P V4.2 SN:59834414", "KD3005P", "RND 320-KD3005P V4.2 SN:59834414"),
    (b"RND 320-KA3005P", "KA3005P", "RND 320-KA3005P"),  # RND units may give no version (libsigrok)
    (b"RND 320-KD3005P SN:59834414", "KD3005P", "RND 320-KD3005P SN:59834414"),
    (b"TENMA 72-2540 V2.1", "72-2540", "TENMA 72-2540 V2.1"),
    (b"VELLEMANLABPS3005DV2.0", "LABPS3005D", "VELLEMANLABPS3005DV2.0"),
    (b"VELLEMANPS3005DV1.3\xbc", "PS3005D", "VELLEMANPS3005DV1.3"),
])
def test_the_family_is_recognised_from_its_unterminated_identity(identity: bytes, model: str,
                                                                 idn: str) -> None:
    line = ScriptedLine({b"*IDN?": identity, b"STATUS?": b"\x01"})
    supply = KoradKA3005P(line, command_delay=0.0)  # type: ignore[arg-type]
    assert supply.identify() == idn
    assert supply.model == model


@pytest.mark.parametrize(("identity", "shown"), [
    (b"KORADKA6003PV2.0", r"is a KORAD KA6003P, not one of the KoradKA3005P models"),
    (b"HP E3631A", r"'\*IDN\?' answered b'HP E3631A': not the identity of a Korad"),
    (b"", "no reply within 0.5 s"),
])
def test_another_instrument_or_none_is_rejected(identity: bytes, shown: str) -> None:
    supply = KoradKA3005P(ScriptedLine({b"*IDN?": identity}), command_delay=0.0)  # type: ignore[arg-type]
    with pytest.raises(InstrumentError, match=shown):
        supply.identify()


# --- the pause between commands ----------------------------------------------------------

def test_on_a_real_line_each_command_waits_for_the_last_to_be_processed(
        cell_world: object, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = fake_clock(monkeypatch)
    supply, wire = wired(cell_world, model="KA3005P", command_delay=COMMAND_DELAY)
    supply.configure(4.2, 1.0)
    supply.measure()
    assert wire.sent_bytes == [b"VSET1:04.20", b"ISET1:1.000", b"VSET1?", b"ISET1?", b"VOUT1?", b"IOUT1?"]
    assert clock.slept == [COMMAND_DELAY] * 5  # before each command but the first
    simulated = open_instrument("korad-ka3005p", "sim://korad", world=cell_world)
    assert isinstance(simulated.transport, SimTransport)  # the simulated bench never pauses
    simulated.configure(4.2, 1.0)
    assert clock.slept == [COMMAND_DELAY] * 5


def timed_twin(world: Any, monkeypatch: pytest.MonkeyPatch, **options: Any) -> tuple[
        KoradKA3005PTwin, Callable[[], list[float]]]:
    """A twin that loses what comes too soon, on the fake clock the driver's pauses advance."""
    clock = fake_clock(monkeypatch)
    return KoradKA3005PTwin(world, clock=clock.monotonic, **options), lambda: clock.slept


def test_a_velleman_ps3005d_v13_is_given_450_ms_more_after_settings_and_status_by_its_identity(
        cell_world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    twin, slept = timed_twin(cell_world, monkeypatch, model="PS3005D", identity="VELLEMANPS3005DV1.3")
    supply, wire = wired(cell_world, twin, command_delay=COMMAND_DELAY)
    supply.open()
    supply.configure(4.2, 1.0)
    supply.set_output(True)
    assert supply.output_on() is True
    assert (twin.outputs.volts[1], twin.outputs.amps[1], cell_world.supply_output_on) == (4.2, 1.0, True)
    assert wire.sent_bytes == [*OPENED, b"VSET1:04.20", b"ISET1:1.000", b"VSET1?", b"ISET1?",
                               b"OUT1", b"STATUS?"]
    # after *IDN? the usual pause; after each setting and each STATUS? the longer one
    assert slept() == [pytest.approx(p) for p in (COMMAND_DELAY, SLOW, SLOW, SLOW, SLOW, SLOW, SLOW,
                                                  COMMAND_DELAY, COMMAND_DELAY, SLOW)]


def test_another_ps3005d_firmware_keeps_the_usual_pause(cell_world: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    twin, slept = timed_twin(cell_world, monkeypatch, model="PS3005D")
    supply, _ = wired(cell_world, twin, command_delay=COMMAND_DELAY)
    supply.open()
    supply.configure(4.2, 1.0)
    assert slept() == [pytest.approx(COMMAND_DELAY)] * len(slept()) and slept()
    assert twin.outputs.volts[1] == 4.2


def test_the_twin_loses_a_command_that_comes_before_the_last_one_was_processed(
        cell_world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    twin, _ = timed_twin(cell_world, monkeypatch, model="PS3005D", identity="VELLEMANPS3005DV1.3")
    supply, _ = wired(cell_world, twin, model="PS3005D", command_delay=COMMAND_DELAY)
    # not opened, the model named: no *IDN?, so the driver knows nothing of the slow firmware
    with pytest.raises(InstrumentError, match=r"no reply"):
        supply.configure(4.2, 1.0)  # ISET1: came 80 ms after VSET1:, and was lost
    assert twin.outputs.amps[1] == 5.1  # the power-on limit, unchanged


# --- the twin -----------------------------------------------------------------------------

def test_every_driver_method_is_accepted_by_the_twin(cell_world: object) -> None:
    supply = open_instrument("korad-ka3005p", "sim://korad", world=cell_world, model="72-2540")
    assert isinstance(supply, PowerSupply)
    assert supply.identify() == "TENMA 72-2540 V2.1"
    charge_the_cell_and_switch_off(supply)
    assert not cell_world.supply_output_on  # type: ignore[attr-defined]
    supply.close()
    with pytest.raises(InstrumentError, match="timeout"):
        supply.transport.read_bytes(1)  # nothing left unread


def test_the_twin_finds_commands_in_the_stream_however_it_is_cut(cell_world: object) -> None:
    twin = KoradKA3005PTwin(cell_world)
    assert twin.feed(b"VSET1:0") == b""
    assert twin.feed(b"5.00ISET1:2.500OUT") == b""
    assert twin.feed(b"0VSET1?ISET1?") == b"05.002.500"
    assert twin.feed(b"STAT") == b""
    assert twin.feed(b"US?") == bytes([0x01])  # CV, output off


@pytest.mark.parametrize("unknown", [b"BEEP1", b"VSET2:05.00", b"*RST", b"OUTP ON\n"])
def test_the_twin_ignores_what_it_does_not_know_silently(cell_world: object, unknown: bytes) -> None:
    twin = KoradKA3005PTwin(cell_world)
    assert twin.feed(unknown) == b""
    assert twin.feed(b"VSET1?") == b"00.00"  # and the next command is understood


def test_the_twin_ignores_a_setting_the_unit_cannot_take(cell_world: object) -> None:
    twin = KoradKA3005PTwin(cell_world)
    twin.feed(b"VSET1:05.00VSET1:32.00VSET1:5,000")
    assert twin.feed(b"VSET1?") == b"05.00"


def test_the_status_byte_shows_output_current_limit_and_protections(cell_world: object) -> None:
    twin = KoradKA3005PTwin(cell_world)
    twin.feed(b"VSET1:04.20ISET1:0.000OUT1")  # a zero limit: the output is in CC
    assert twin.feed(b"STATUS?") == bytes([0x40])
    twin.feed(b"ISET1:1.000")
    assert twin.feed(b"STATUS?") == bytes([0x41])  # CV now, the cell takes less than 1 A
    twin.feed(b"OVP1")
    assert twin.feed(b"STATUS?") == bytes([0xC1])  # bit 7: OVP on (libsigrok)
    twin.feed(b"OCP1")
    assert twin.feed(b"STATUS?") == bytes([0xE1])  # bit 5: OCP on


def test_an_ocp_left_on_switches_the_output_off_in_current_limit_in_the_twin(cell_world: object) -> None:
    twin = KoradKA3005PTwin(cell_world)
    twin.feed(b"OCP1VSET1:04.30ISET1:0.002OUT1")  # the cell takes more than 2 mA at 4.3 V
    assert twin.feed(b"IOUT1?") == b"0.000"  # tripped: the charge looks finished
    assert twin.feed(b"STATUS?")[0] & 0x40 == 0


# --- over a real serial line: pyserial on a pseudo-terminal, the twin on the other end -----

@pytest.fixture
def pty_twin(cell_world: object) -> Iterator[PtyLine]:
    yield from serve_on_pty(KoradKA3005PTwin(cell_world))


def test_the_driver_runs_a_supply_over_a_real_serial_line(pty_twin: PtyLine,
                                                          cell_world: object) -> None:
    supply = open_instrument("korad-ka3005p", f"serial://{pty_twin.tty}?baudrate=9600",
                             timeout=0.2, command_delay=0.005)
    assert supply.transport.serial_line
    assert supply.confirmed == ["OUT0", "OCP0", "OVP0"]
    assert supply.identify() == "KORADKA3005PV2.0"
    supply.configure(4.2, 1.0)
    supply.set_output(True)
    assert supply.output_on() is True
    volts, amps = supply.measure()
    assert volts == 4.2 and 0.0 < amps <= 1.0
    supply.set_output(False)
    assert supply.output_on() is False
    supply.close()
    pty_twin.finish()
    outputs = pty_twin.twin.outputs
    assert (outputs.volts[1], outputs.amps[1], outputs.on[1]) == (4.2, 1.0, False)
    assert not cell_world.supply_output_on  # type: ignore[attr-defined]
