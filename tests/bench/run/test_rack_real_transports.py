"""A rack on real transports: the load mainframe and the triple supply shared over TCP sockets
(pyvisa-py), the thermocouple reader over a serial line (pyserial on a pseudo-terminal), each
serving the simulated instruments' command set to two DUT channels at once. The run ends, is
stopped, or loses the shared reader: every channel's load input and supply output end off, as
the instruments themselves say."""
from __future__ import annotations

import json

import pytest

from benchmarks.loopback import TwinServer
from bench.record import schema
from bench.record.records import Sink
from bench.run import rack, signals
from bench.run.session import Request
from bench.run.stops import OperatorStop
from drivers.sim.twins.keysight_34970a import Keysight34970ATwin
from drivers.sim.twins.keysight_n3300a import KeysightN3300ATwin
from drivers.sim.twins.rigol_dp800 import RigolDP800Twin
from drivers.sim.world import World

pytestmark = pytest.mark.slow  # real time on loopback instruments

STATION = '''name = "Loopback rack"

[instruments.loads]
driver = "keysight-n3300a"
resource = "{loads}"
model = "N3300A"

[instruments.psu]
driver = "rigol-dp800"
resource = "{psu}"
model = "DP832"

[instruments.tc]
driver = "keysight-34970a"
resource = "serial://{tty}?baudrate=115200"

[[channels]]
name = "A"
load = "loads:1"
supply = "psu:1"
temperatures = {{ cell = "tc:101", surface = "tc:102" }}

[[channels]]
name = "B"
load = "loads:2"
supply = "psu:2"
temperatures = {{ cell = "tc:103", surface = "tc:104" }}

[limits]
max_voltage = "21 V"
max_current = "5 A"
max_power = "60 W"
max_temperature = "70 degC"

[faults]
grace = "1 s"
'''
PROFILE = '''name = "Real-time pulse"
period = "100 ms"
steps = ["Discharge at 1 A for 1.5 s", "Charge at 4.2 V, 1 A limit for 1 s"]
[dut]
kind = "cell"
'''


@pytest.fixture
def loopback_rack(tmp_path, write):
    """Two simulated cells behind three served instruments, and the rack file naming them."""
    worlds = [World(dut="lg-m50", seed=n, ambient=25.0) for n in (1, 2)]
    loads = KeysightN3300ATwin(worlds[0], model="N3300A", channel=1)
    loads.wire(2, worlds[1])
    psu = RigolDP800Twin(worlds[0], model="DP832", channel=1)
    psu.wire(2, worlds[1])
    tc = Keysight34970ATwin(worlds[0], channels={"cell": 101, "surface": 102})
    tc.wire({"cell": 103, "surface": 104}, worlds[1])
    servers = {name: TwinServer(twin) for name, twin in (("loads", loads), ("psu", psu), ("tc", tc))}
    station = write("rack.toml", STATION.format(loads=servers["loads"].resource, psu=servers["psu"].resource,
                                                tty=servers["tc"].serve_pty()))
    yield worlds, servers, station
    for server in servers.values():
        server.close()


def _run(station, write, tmp_path, sink=None):
    request = Request(write("pulse.toml", PROFILE), station, tmp_path / "logs")
    with signals.handled():
        return rack.execute(request, ["SN-A", "SN-B"], sinks_for=lambda name, serial: [sink] if sink else [])


def _all_off(worlds) -> bool:
    return not any(w.load_input_on or w.supply_output_on for w in worlds)


def _confirmed(folder) -> bool:
    events = [json.loads(line) for line in (folder / schema.EVENTS).read_text(encoding="utf-8").splitlines()]
    return [e for e in events if e["event"] == "safe_state"][-1]["confirmed"]


def test_a_rack_on_sockets_and_a_serial_line_ends_with_every_channel_off(loopback_rack, write, tmp_path):
    worlds, servers, station = loopback_rack
    scans = []
    feed = servers["tc"].twin.feed
    servers["tc"].twin.feed = lambda data: (scans.append(data.count(b"READ?")), feed(data))[1]
    _, runs = _run(station, write, tmp_path)
    assert [str(r.outcome.verdict) for r in runs] == ["PASS", "PASS"]
    assert all(_confirmed(r.folder) for r in runs) and _all_off(worlds)
    rows = sum(len((r.folder / schema.SAMPLES).read_text().splitlines()) - 1 for r in runs)
    assert sum(scans) < 0.75 * rows  # the channels share the reader's polling rounds: ~one scan a tick, not two


class _At(Sink):
    def __init__(self, at: float, action) -> None:
        self.at, self.action, self.done = at, action, False

    def sample(self, record) -> None:
        if not self.done and record.readings.test_time >= self.at:
            self.done = True
            self.action()


def test_a_stop_on_real_transports_leaves_every_channel_off(loopback_rack, write, tmp_path):
    worlds, _, station = loopback_rack
    _, runs = _run(station, write, tmp_path, _At(0.5, lambda: signals.request("SIGTERM")))
    assert [str(r.outcome.verdict) for r in runs] == ["ABORTED", "ABORTED"]
    assert all(_confirmed(r.folder) for r in runs) and _all_off(worlds)


def test_the_shared_reader_lost_on_its_serial_line_ends_every_channel_off(loopback_rack, write, tmp_path):
    worlds, servers, station = loopback_rack
    _, runs = _run(station, write, tmp_path, _At(0.5, servers["tc"].close))
    assert [str(r.outcome.verdict) for r in runs] == ["ERROR", "ERROR"]
    for run in runs:  # each gives the reader up after its grace time, or is stopped by the other's giving up
        assert "thermo: not recovered within 1 s" in run.outcome.reason or \
            "station fault: instrument 'tc' lost" in run.outcome.reason
    assert all(_confirmed(r.folder) for r in runs) and _all_off(worlds)


def test_channels_start_one_by_one_as_each_serial_is_given(loopback_rack, write, tmp_path):
    import time

    worlds, _, station = loopback_rack
    asked_at = {}

    def ask(name: str) -> str:  # the technician plugs channel B's DUT in half a second after A's
        if name == "B":
            time.sleep(0.5)
        asked_at[name] = time.time()
        return f"SN-{name}"
    with signals.handled():
        lot, runs = rack.execute(Request(write("pulse.toml", PROFILE), station, tmp_path / "logs"), ask=ask)
    assert [(r.name, r.serial, str(r.outcome.verdict)) for r in runs] == [("A", "SN-A", "PASS"), ("B", "SN-B", "PASS")]
    first_rows = [float((r.folder / schema.SAMPLES).read_text().splitlines()[1].split(",")[1]) for r in runs]
    assert first_rows[1] - first_rows[0] >= 0.4  # B's first sample half a second after A's
    assert all(_confirmed(r.folder) for r in runs) and _all_off(worlds)


def test_a_stop_at_the_first_serial_prompt_starts_no_channel_and_switches_nothing_on(loopback_rack, write, tmp_path):
    worlds, _, station = loopback_rack

    def ask(name: str) -> None:  # Ctrl-C while the prompt waits: the prompt gives no serial
        signals.request("Ctrl-C")
    with signals.handled(), pytest.raises(OperatorStop):
        rack.execute(Request(write("pulse.toml", PROFILE), station, tmp_path / "logs"), ask=ask)
    assert _all_off(worlds)


def test_a_channel_that_cannot_start_ends_the_rack_with_the_running_ones_off_and_recorded(loopback_rack, write,
                                                                                         tmp_path):
    import time

    worlds, _, station = loopback_rack

    def ask(name: str) -> str:
        if name == "B":  # channel A runs meanwhile
            time.sleep(0.3)
            raise OSError("No space left on device")
        return "SN-A"
    with signals.handled(), pytest.raises(OSError, match="No space left"):
        rack.execute(Request(write("pulse.toml", PROFILE), station, tmp_path / "logs"), ask=ask)
    (lot,) = (tmp_path / "logs").iterdir()
    (entry,) = json.loads((lot / "rack.json").read_text(encoding="utf-8"))["channels"]
    assert entry["verdict"] == "ERROR" and "channel B could not start: OSError" in entry["reason"]
    assert entry["safe_confirmed"] and _confirmed(lot / entry["folder"]) and _all_off(worlds)



def _left_on_by_a_crash(worlds) -> None:
    for world in worlds:
        world.set_load_input(True)
        world.set_supply_output(True)


def _recorded_safe(folder) -> bool:
    return json.loads((folder / schema.RUN).read_text(encoding="utf-8"))["safe_state_confirmed"]


def test_a_shared_reader_whose_line_does_not_open_ends_every_channel_with_its_load_and_supply_off(
        loopback_rack, write, tmp_path):
    """The reader is connected after the load mainframe and the supply: each channel's load input
    and supply output, left on by a crash, are switched off and read back through them."""
    worlds, servers, station = loopback_rack
    _left_on_by_a_crash(worlds)
    servers["tc"].close()
    _, runs = _run(station, write, tmp_path)
    assert _all_off(worlds)
    for run in runs:
        assert str(run.outcome.verdict) == "ERROR" and run.outcome.reason.startswith("instrument fault")
        assert "SAFE STATE NOT CONFIRMED" not in run.outcome.reason and run.outcome.safe_problems == []
        assert _recorded_safe(run.folder)


def test_a_load_mainframe_that_does_not_open_leaves_the_supplies_off_and_is_said_not_confirmed(
        loopback_rack, write, tmp_path):
    """The mainframe is the first instrument connected: the supply, not reached yet, is connected
    to switch each channel's output off; each channel's load input is said NOT CONFIRMED off."""
    worlds, servers, station = loopback_rack
    _left_on_by_a_crash(worlds)
    servers["loads"].close()
    _, runs = _run(station, write, tmp_path)
    assert not any(w.supply_output_on for w in worlds)
    for run in runs:
        assert str(run.outcome.verdict) == "ERROR" and "SAFE STATE NOT CONFIRMED" in run.outcome.reason
        assert [p.split(":")[0] for p in run.outcome.safe_problems] == ["load input not confirmed off"]
        assert not _recorded_safe(run.folder)
