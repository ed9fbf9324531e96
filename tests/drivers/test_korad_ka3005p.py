"""Korad KA3005P driver: its byte protocol (no terminators, fixed-width replies), over a real
serial line (a pseudo-terminal with the twin on the other end), the pause between commands,
the identities of the family, and the twin."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from driver_helpers import assert_refused_before_sending, charge_the_cell_and_switch_off, Recorder
from pacing_helpers import fake_clock
from serial_line import PtyLine, serve_on_pty

from drivers.korad_ka3005p import COMMAND_DELAY, KoradKA3005P
from drivers.registry import open_instrument
from drivers.roles import InstrumentError, PowerSupply
from drivers.sim.transport import SimTransport
from drivers.sim.twins.korad_ka3005p import KoradKA3005PTwin


class ByteWire(Recorder):
    """A recorded transport that also keeps the raw bytes sent (this protocol's messages)."""

    def __init__(self, inner: SimTransport) -> None:
        super().__init__(inner)
        self.sent_bytes: list[bytes] = []

    def write_bytes(self, data: bytes) -> None:
        self.sent_bytes.append(data)
        super().write_bytes(data)


def wired(world: object, twin_model: str = "KA3005P",
          **options: object) -> tuple[KoradKA3005P, ByteWire]:
    """The driver on the twin through a recorder (which hides that the line is simulated, so
    the driver would pause unless told not to)."""
    line = SimTransport("sim://korad", KoradKA3005PTwin(world, model=twin_model),
                        read_termination="", write_termination="")
    wire = ByteWire(line)
    return KoradKA3005P(wire, **{"command_delay": 0.0, **options}), wire


def test_commands_go_out_as_bare_bytes_with_fixed_width_numbers(cell_world: object) -> None:
    supply, wire = wired(cell_world)
    supply.configure(4.2, 1.25)
    supply.set_output(True)
    assert supply.output_on() is True
    volts, amps = supply.measure()
    supply.set_output(False)
    assert wire.sent_bytes == [b"*IDN?", b"VSET1:04.20", b"ISET1:1.250", b"OUT1", b"STATUS?",
                               b"VOUT1?", b"IOUT1?", b"OUT0"]
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
    supply, wire = wired(cell_world, twin_model=model, model=model)
    assert_refused_before_sending(wire.sent_bytes, shown, supply.configure, voltage, current)


# --- identities ---------------------------------------------------------------------------

class CannedLine:
    """A line whose instrument answers *IDN? with given bytes, then falls silent."""

    resource = "serial:///dev/ttyKORAD"
    serial_line = True

    def __init__(self, identity: bytes) -> None:
        self.identity = identity
        self.pending = b""

    def write_bytes(self, data: bytes) -> None:
        self.pending += self.identity if data == b"*IDN?" else b""

    def read_bytes(self, n: int) -> bytes:
        if len(self.pending) < n:
            raise InstrumentError(f"{self.resource}: no reply within 0.5 s (timeout)")
        data, self.pending = self.pending[:n], self.pending[n:]
        return data


@pytest.mark.parametrize(("identity", "model", "idn"), [
    (b"KORADKA3005PV2.0", "KA3005P", "KORADKA3005PV2.0"),
    (b"KORADKA3005PV2.0\x01", "KA3005P", "KORADKA3005PV2.0"),  # the stray byte some units add
    (b"KORAD KA3005P V5.5", "KA3005P", "KORAD KA3005P V5.5"),
    (b"RND 320-KD3005P V4.2 SN:59834414", "KD3005P", "RND 320-KD3005P V4.2 SN:59834414"),
    (b"TENMA 72-2540 V2.1", "72-2540", "TENMA 72-2540 V2.1"),
    (b"VELLEMANLABPS3005DV2.0", "LABPS3005D", "VELLEMANLABPS3005DV2.0"),
])
def test_the_family_is_recognised_from_its_unterminated_identity(identity: bytes, model: str,
                                                                 idn: str) -> None:
    supply = KoradKA3005P(CannedLine(identity), command_delay=0.0)  # type: ignore[arg-type]
    assert supply.identify() == idn
    assert supply.model == model


@pytest.mark.parametrize(("identity", "shown"), [
    (b"KORADKA6003PV2.0", r"is a KORAD KA6003P, not one of the KoradKA3005P models"),
    (b"HP E3631A", r"'\*IDN\?' answered b'HP E3631A': not the identity of a Korad"),
    (b"", "no reply within 0.5 s"),
])
def test_another_instrument_or_none_is_rejected(identity: bytes, shown: str) -> None:
    supply = KoradKA3005P(CannedLine(identity), command_delay=0.0)  # type: ignore[arg-type]
    with pytest.raises(InstrumentError, match=shown):
        supply.identify()


# --- the pause between commands ----------------------------------------------------------

def test_on_a_real_line_each_command_waits_for_the_last_to_be_processed(
        cell_world: object, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = fake_clock(monkeypatch)
    supply, wire = wired(cell_world, model="KA3005P", command_delay=COMMAND_DELAY)
    supply.configure(4.2, 1.0)
    supply.measure()
    assert wire.sent_bytes == [b"VSET1:04.20", b"ISET1:1.000", b"VOUT1?", b"IOUT1?"]
    assert clock.slept == [COMMAND_DELAY] * 3  # before each command but the first
    simulated = open_instrument("korad-ka3005p", "sim://korad", world=cell_world)
    assert isinstance(simulated.transport, SimTransport)  # the simulated bench never pauses
    simulated.configure(4.2, 1.0)
    assert clock.slept == [COMMAND_DELAY] * 3


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


def test_the_status_byte_shows_output_and_current_limit(cell_world: object) -> None:
    twin = KoradKA3005PTwin(cell_world)
    twin.feed(b"VSET1:04.20ISET1:0.000OUT1")  # a zero limit: the output is in CC
    assert twin.feed(b"STATUS?") == bytes([0x40])
    twin.feed(b"ISET1:1.000")
    assert twin.feed(b"STATUS?") == bytes([0x41])  # CV now, the cell takes less than 1 A


# --- over a real serial line: pyserial on a pseudo-terminal, the twin on the other end -----

@pytest.fixture
def pty_twin(cell_world: object) -> Iterator[PtyLine]:
    yield from serve_on_pty(KoradKA3005PTwin(cell_world))


def test_the_driver_runs_a_supply_over_a_real_serial_line(pty_twin: PtyLine,
                                                          cell_world: object) -> None:
    supply = open_instrument("korad-ka3005p", f"serial://{pty_twin.tty}?baudrate=9600",
                             timeout=0.2, command_delay=0.005)
    assert supply.transport.serial_line
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
