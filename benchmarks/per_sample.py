"""Per-sample overhead: one pyvisa-sim load (benchmarks/load.yaml) read for voltage and
current SAMPLES times, by raw PyVISA (the floor), by powerbench and by its peers; and the
runner's station read by raw queries (the runner's floor).

Every case asks the load the same two queries per sample through the same VISA library (the
three-instrument floor and the runner also ask the supply and the thermocouple reader); what
differs is what each framework does around them:

- raw PyVISA: two `query` calls, the reply strings appended to a list.
- raw queries of the three instruments: the floor the runner is held to, since its tick reads
  three instruments. In one plain loop, the five queries of its Station.read through the same
  transports: the load's two as raw PyVISA does, the supply's two and the thermocouple reader's
  READ? on the sim:// transports of the station the runner opens. Reply strings appended to a
  list; no parsing, no checks. Target: the runner within 1.15x of it, and ahead of every peer.
- powerbench driver: `RigolDL3000.measure()` (drivers/), floats parsed and range-checked.
- powerbench runner: `bench.run.engine.Runner.run()` on one step "Discharge at 1.5 A" on a
  station opened by `bench.station.instruments.open_station` whose load is the pyvisa-sim instrument
  and whose supply and thermocouple reader are the simulated twins (sim://). Each tick:
  Station.read (load 2 queries, supply 2, thermo 1 READ? of 3 channels), Readings, trapezoid
  integrators of the step, the cycle and the run, safety (the station's hard limits on both
  sides of the DUT, PROFILE's 4 abort conditions, the critical channels' frozen check), the
  step's end check, the regulation check, one samples row in a temp folder (flushed every
  second), housekeeping (watchdog, control file, checkpoints by the checkpointer sink). Not
  included: the live view (no view sink) and the simulated DUT's physics (the clock never
  waits and never advances the world). Two more rows split it: Station.read alone (the three
  instruments through their drivers), and the runner with Station.read replaced by a replay of
  readings taken before (its own work per tick).
- PyMeasure: Instrument.measurement properties; and a Procedure run by a Worker whose
  Results write the CSV file.
- QCoDeS: VisaInstrument parameter gets; and a Measurement whose DataSaver writes SQLite.
- OpenHTF: one phase per sample with voltage and current measurements and in_range
  validators (phase repeated with PhaseResult.REPEAT), the record written as JSON.
  Timed on a tenth of the samples and scaled (about 2 ms a phase).
"""
from __future__ import annotations

import io
import itertools
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from functools import cache
from pathlib import Path
from typing import Any

import benchmarks
from benchmarks.harness import Case, Timings, interleave, new_logbook, ratio, rows, run_profile

SAMPLES = 20_000
OPENHTF_SHARE = 10  # OpenHTF is timed on SAMPLES / OPENHTF_SHARE samples, then scaled
RESOURCE = "USB0::0x1AB1::0x0E11::DL3A000000001::INSTR"
VISA_LIBRARY = f"{Path(__file__).with_name('load.yaml')}@sim"
STATION = Path(__file__).with_name("per_sample_station.toml")
VOLT, CURR = ":MEAS:VOLT?", ":MEAS:CURR?"
PROFILE = """
name = "per-sample benchmark"
period = "1 s"
steps = ["Discharge at 1.5 A for {last} s"]
[dut]
kind = "power bank"
[safety]
abort_if = ["cell temperature > 60 degC", "surface temperature > 50 degC",
            "input current > 3.2 A for 2 s", "output voltage > 5.5 V for 2 s"]
"""
Poll = Callable[[], object]
FLOOR, RUNNER = "raw PyVISA query (floor)", "powerbench runner (full sample path)"
FAIR = "raw queries of the three instruments (the runner's floor)"
READ, OWN = "(in the runner) Station.read: load + 2 twins", "(in the runner) its own work, readings replayed"
PYMEASURE, PROCEDURE = "PyMeasure Instrument properties", "PyMeasure Procedure + Results CSV"
QCODES, DATASAVER = "QCoDeS parameter get", "QCoDeS Measurement + DataSaver"
OPENHTF = "OpenHTF phase per sample, in_range"
PEERS = (PYMEASURE, PROCEDURE, QCODES, DATASAVER, OPENHTF)
TARGET = 1.15  # the runner's full tick, at most this many times the three-instrument floor


@cache
def _visa() -> Any:
    """One pyvisa-sim resource manager for the raw PyVISA and OpenHTF cases."""
    import pyvisa

    return pyvisa.ResourceManager(VISA_LIBRARY)


def _raw_load() -> Any:
    """The pyvisa-sim load as a plain PyVISA resource (no driver, no transport wrapper)."""
    return _visa().open_resource(RESOURCE, read_termination="\n", write_termination="\n")


@contextmanager
def raw_pyvisa(n: int) -> Iterator[Poll]:
    inst = _raw_load()

    def poll() -> list[tuple[str, str]]:
        out = []
        for _ in range(n):
            out.append((inst.query(VOLT), inst.query(CURR)))
        return out

    try:
        yield poll
    finally:
        inst.close()


@contextmanager
def raw_three_instruments(n: int) -> Iterator[Poll]:
    """The three-instrument floor: the five queries of the runner's Station.read in one plain
    loop, the reply strings appended to a list. The load as in `raw_pyvisa`; the supply and the
    thermocouple reader through the sim:// transports of the station the runner opens, with the
    commands their drivers send (the 34970A's scan list selected by one read before)."""
    with _station() as station:
        station.read()
        inst, supply, thermo = _raw_load(), station.supply.transport, station.thermo.transport
        volts, amps = (template.format(ch=station.supply.channel) for template in
                       (station.supply.MEASURE_VOLTS, station.supply.MEASURE_AMPS))

        def poll() -> list[tuple[str, str, str, str, str]]:
            out = []
            for _ in range(n):
                out.append((inst.query(VOLT), inst.query(CURR), supply.query(volts), supply.query(amps),
                            thermo.query("READ?")))
            return out

        try:
            yield poll
        finally:
            inst.close()


@contextmanager
def powerbench_driver(n: int) -> Iterator[Poll]:
    from drivers.registry import open_instrument

    load = open_instrument("rigol-dl3000", RESOURCE, visa_library=VISA_LIBRARY)
    load.identify()

    def poll() -> list[tuple[float, float]]:
        out = []
        for _ in range(n):
            out.append(load.measure())
        return out

    try:
        yield poll
    finally:
        load.close()


class InstantClock:
    """A clock that never waits: each sleep jumps to the next sample time, so the runner takes
    its samples back to back and a step of N periods is exactly N samples. Everything else
    (the real-time block) is the real clock's."""

    def __init__(self) -> None:
        from bench.run.clock import RealClock

        self._real = RealClock()
        self._t = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def now(self) -> float:
        return self._t

    def notices(self) -> list[str]:
        """The real clock's answer, asked every tick: not through __getattr__, which would add
        its own cost to the runner's."""
        return []

    def sleep_until(self, t: float) -> None:
        self._t = max(self._t, t)

    def wall_period(self, period: float) -> float:
        """No wall time passes between samples: the runner has no sleep to cut into slices."""
        return 0.0

    def wall_left(self, t: float) -> float:
        return 0.0


@contextmanager
def _station() -> Iterator[Any]:
    """The per-sample station as `open_station` opens it, its load then replaced by the
    pyvisa-sim instrument (same driver, over PyVISA), identified as `bench run` does."""
    from bench.run.session import make_world
    from bench.station.config import load_station
    from bench.station.instruments import open_station
    from drivers.registry import open_instrument

    config = load_station(STATION)
    station = open_station(config, make_world(config, None, None))
    try:
        station.load.close()
        station.load = open_instrument("rigol-dl3000", RESOURCE, visa_library=VISA_LIBRARY)
        station.identify()
        yield station
    finally:
        station.close()


@contextmanager
def powerbench_runner(n: int, replay: bool = False) -> Iterator[Poll]:
    """`Runner.run()` for n samples; with `replay`, Station.read gives back readings taken
    before the run (the runner's own work per tick, without instrument I/O)."""
    from bench.profile.reader import parse_profile

    profile = parse_profile(PROFILE.format(last=n - 1), "per_sample profile")
    with _station() as station, tempfile.TemporaryDirectory() as tmp:
        if replay:  # a thousand real readings, so temperatures vary as the frozen-channel check expects
            station.read = itertools.cycle([station.read() for _ in range(1000)]).__next__
        log = new_logbook(Path(tmp), profile, station.names)
        try:
            yield lambda: run_profile(profile, station, InstantClock(), log)
        finally:
            log.close()
        if log.rows != n:
            raise RuntimeError(f"the runner wrote {log.rows} samples, not {n}")


@contextmanager
def powerbench_station_read(n: int) -> Iterator[Poll]:
    """The instrument part of a tick: Station.read (the load, the supply and thermo twins)."""
    with _station() as station:
        def poll() -> None:
            for _ in range(n):
                station.read()

        yield poll


def _pymeasure_load() -> Any:
    from pymeasure.instruments import Instrument

    class Load(Instrument):
        voltage = Instrument.measurement(VOLT, "Voltage at the input (V).")
        current = Instrument.measurement(CURR, "Current sunk (A).")

    return Load(RESOURCE, "load", includeSCPI=False, visa_library=VISA_LIBRARY,
                read_termination="\n", write_termination="\n")


@contextmanager
def pymeasure_properties(n: int) -> Iterator[Poll]:
    load = _pymeasure_load()

    def poll() -> list[tuple[float, float]]:
        out = []
        for _ in range(n):
            out.append((load.voltage, load.current))
        return out

    try:
        yield poll
    finally:
        load.adapter.close()


@contextmanager
def pymeasure_procedure(n: int) -> Iterator[Poll]:
    from pymeasure.experiment import Procedure, Results, Worker

    load = _pymeasure_load()

    class Sampling(Procedure):
        DATA_COLUMNS = ["Voltage (V)", "Current (A)"]

        def execute(self) -> None:
            for _ in range(n):
                self.emit("results", {"Voltage (V)": load.voltage, "Current (A)": load.current})

    with tempfile.TemporaryDirectory() as tmp:
        worker = Worker(Results(Sampling(), str(Path(tmp) / "samples.csv")))

        def poll() -> None:
            worker.start()
            worker.join(timeout=3600)

        try:
            yield poll
        finally:
            load.adapter.close()
        if worker.procedure.status != Procedure.FINISHED:
            raise RuntimeError(f"the PyMeasure procedure ended with status {worker.procedure.status}")


def _qcodes_load() -> Any:
    from qcodes.instrument import VisaInstrument

    class Load(VisaInstrument):
        def __init__(self) -> None:
            super().__init__("load", RESOURCE, terminator="\n", visalib=VISA_LIBRARY, device_clear=False)
            self.voltage = self.add_parameter("voltage", get_cmd=VOLT, get_parser=float, unit="V")
            self.current = self.add_parameter("current", get_cmd=CURR, get_parser=float, unit="A")

    return Load()


@contextmanager
def qcodes_parameters(n: int) -> Iterator[Poll]:
    load = _qcodes_load()

    def poll() -> list[tuple[float, float]]:
        out = []
        for _ in range(n):
            out.append((load.voltage(), load.current()))
        return out

    try:
        yield poll
    finally:
        load.close()


@contextmanager
def qcodes_measurement(n: int) -> Iterator[Poll]:
    from qcodes.dataset import Measurement, initialise_or_create_database_at, load_or_create_experiment

    with tempfile.TemporaryDirectory() as tmp:
        initialise_or_create_database_at(Path(tmp) / "qcodes.db")
        load = _qcodes_load()
        measurement = Measurement(exp=load_or_create_experiment("per-sample", sample_name="sim"))
        measurement.register_parameter(load.voltage)
        measurement.register_parameter(load.current)

        def poll() -> None:
            with redirect_stdout(io.StringIO()), measurement.run() as saver:
                for _ in range(n):
                    saver.add_result((load.voltage, load.voltage()), (load.current, load.current()))

        try:
            yield poll
        finally:
            load.close()


@contextmanager
def openhtf_phases(n: int) -> Iterator[Poll]:
    import openhtf as htf
    from openhtf.output.callbacks.json_factory import OutputToJSON
    from openhtf.util import console_output

    console_output.CLI_QUIET = True

    class Load(htf.plugs.BasePlug):
        def __init__(self) -> None:
            self.inst = _visa().open_resource(RESOURCE, read_termination="\n", write_termination="\n")

        def tearDown(self) -> None:
            self.inst.close()

    done = [0]

    @htf.PhaseOptions(repeat_limit=n)
    @htf.measures(htf.Measurement("voltage").in_range(0.0, 5.5), htf.Measurement("current").in_range(0.0, 3.2))
    @htf.plug(load=Load)
    def sample(test: Any, load: Load) -> Any:
        test.measurements.voltage = float(load.inst.query(VOLT))
        test.measurements.current = float(load.inst.query(CURR))
        done[0] += 1
        return htf.PhaseResult.REPEAT if done[0] < n else None

    with tempfile.TemporaryDirectory() as tmp:
        test = htf.Test(sample)
        test.add_output_callbacks(OutputToJSON(str(Path(tmp) / "record.json")))

        def poll() -> None:
            with redirect_stdout(io.StringIO()):
                test.execute(test_start=lambda: "DUT")

        yield poll
        if done[0] != n:
            raise RuntimeError(f"OpenHTF ran {done[0]} phases, not {n}")


def run(repeat: int = 5) -> list[dict]:
    n = SAMPLES // 10 if benchmarks.QUICK else SAMPLES
    cases: dict[str, Case] = {
        FLOOR: lambda: raw_pyvisa(n),
        FAIR: lambda: raw_three_instruments(n),
        "powerbench driver measure()": lambda: powerbench_driver(n),
        RUNNER: lambda: powerbench_runner(n),
        READ: lambda: powerbench_station_read(n),
        OWN: lambda: powerbench_runner(n, replay=True),
        PYMEASURE: lambda: pymeasure_properties(n),
        PROCEDURE: lambda: pymeasure_procedure(n),
        QCODES: lambda: qcodes_parameters(n),
        DATASAVER: lambda: qcodes_measurement(n),
        OPENHTF: lambda: openhtf_phases(n // OPENHTF_SHARE),
    }
    timings = interleave(cases, repeat)
    timings.seconds[OPENHTF][:] = [s * OPENHTF_SHARE for s in timings.seconds[OPENHTF]]
    notes = {name: f"{n:,} samples" for name in cases}
    notes[FAIR] += "; the five queries of the runner's Station.read"
    for name in (READ, OWN):
        notes[name] += f"; {ratio(timings, name, FAIR):.2f}x the three-instrument floor"
    notes[RUNNER] += f"; {_targets(timings)}"
    notes[OPENHTF] = f"{n // OPENHTF_SHARE:,} phases timed, x{OPENHTF_SHARE}"
    return rows("per_sample", timings, FLOOR, notes)


def _targets(timings: Timings) -> str:
    """The runner's targets, each met or missed: within TARGET of the three-instrument floor,
    and ahead of every peer case that ran (its time below theirs, round by round)."""
    against = ratio(timings, RUNNER, FAIR)
    out = f"{against:.2f}x the three-instrument floor: target <= {TARGET}x {'met' if against <= TARGET else 'MISSED'}"
    peers = [name for name in PEERS if name not in timings.skipped]
    behind = [f"{name} (the runner {ratio(timings, RUNNER, name):.2f}x its time)" for name in peers
              if ratio(timings, RUNNER, name) >= 1.0]
    if not peers:
        return f"{out}; ahead of every peer: not judged, no peer installed"
    return f"{out}; ahead of every peer: " + (f"MISSED, behind {', '.join(behind)}" if behind else "met")
