"""The run folder's layout: file names and the columns of its CSV files, in one place.

The samples are Battery Data Format 1.3.0 (BDF, the Battery Data Alliance's; read by its
`batterydf` package, `import bdf; bdf.read(path)`, with no warnings and every column kept): the
file is named by BDF's convention (`.bdf.csv`), its metadata sidecar beside it, and every column
that BDF defines means what BDF says:

- Voltage, Current and Power are those of one fixed port of the DUT, with BDF's sign (current
  positive when it charges the DUT): a cell's terminals (where the supply and the load are both
  connected); a power bank's output port, the one the load is on (what a bank is for, and where
  its label's rated output capacity is stated and measured, GB/T 35590). A bank is charged
  through its other port, its input: its current never flows into the output, so there the
  charging capacity and energy stay 0, and the input port has columns of its own (`Input ...`,
  with its capacity and energy since the run started).
- Charging and Discharging Capacity and Energy count from the start of the run and never reset
  (a resume carries them on: they are part of the checkpointed run state); the `Step ...`
  ones (BDF 1.3.0's step-scoped terms) count from the start of the step.
- Step Count counts every step run; Step ID is the step's number in the profile (it repeats in
  every cycle); Step Time runs from the start of the step (time spent paused is not counted; a
  pause row's step time runs from the start of the pause).
- Temperatures: a station's channel named `ambient` is BDF's Ambient Temperature; the others are
  Temperature T1, T2... in the station's order (their names and placements are in run.json and
  the sidecar). A simulated station without an ambient channel writes its simulated chamber's
  temperature as the ambient; a real one without one has no ambient column (none is made up).
- `Input Voltage / V`, `Input Current / A`, `Output Voltage / V` and `Output Current / A` are what
  the supply and the load measure (currents >= 0): the readings a resume on a real bench replays.

Readers (bench.run.recovery, tests, reports) take the names from here, never by position alone.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, NamedTuple, Sequence

SAMPLES = "samples.bdf.csv"
METADATA = "samples.bdf.metadata.json"  # BDF's sidecar: the samples file's name, .metadata.json for its last suffix
PARQUET = "samples.bdf.parquet"  # the samples again as Parquet, at the end of a run that asks for it
EVENTS = "events.jsonl"
CYCLES = "cycles.csv"
RUN = "run.json"
JUNIT = "junit.xml"
CHECKPOINT = "checkpoint.json"
CHECKPOINT_CYCLES = "checkpoint-cycles.jsonl"  # the closed cycles' records, each saved once beside the checkpoint
CONTROL = "control"
LOCK = "run.lock"
RACK = "rack.json"  # a rack run's lot folder: its channels' run folders and how they ended
# The events that record what ended a run (bench.run.stops names each kind of stop by one): what
# follows one in events.jsonl, a cycle closed then, is cut short by the end.
ENDING_EVENTS = frozenset({"deviation", "fault", "operator_stop", "safety_trip", "wiring"})

BDF_VERSION = "1.3.0"
BDF_TERMS = "https://w3id.org/battery-data-alliance/ontology/battery-data-format#"
AMBIENT_CHANNEL = "ambient"  # the station's thermocouple channel of this name is the ambient temperature
BDF_NUMBERED_TEMPERATURES = 5  # BDF defines Temperature T1 to T5; a sixth channel on is a column of our own


class Column(NamedTuple):
    name: str
    format: str  # printf
    term: str | None  # BDF's machine-readable name, None for a column of our own
    meaning: str


# Every column's name, as readers use it.
TEST_TIME = "Test Time / s"
UNIX_TIME = "Unix Time / s"
VOLTAGE = "Voltage / V"
CURRENT = "Current / A"
POWER = "Power / W"
CYCLE_COUNT = "Cycle Count / 1"
STEP_COUNT = "Step Count / 1"
STEP_ID = "Step ID"
STEP_TYPE = "Step Type"
STEP_TIME = "Step Time / s"
CHARGING_CAPACITY = "Charging Capacity / Ah"
DISCHARGING_CAPACITY = "Discharging Capacity / Ah"
CHARGING_ENERGY = "Charging Energy / Wh"
DISCHARGING_ENERGY = "Discharging Energy / Wh"
STEP_CHARGING_CAPACITY = "Step Charging Capacity / Ah"
STEP_DISCHARGING_CAPACITY = "Step Discharging Capacity / Ah"
STEP_CHARGING_ENERGY = "Step Charging Energy / Wh"
STEP_DISCHARGING_ENERGY = "Step Discharging Energy / Wh"
INPUT_VOLTAGE = "Input Voltage / V"
INPUT_CURRENT = "Input Current / A"
OUTPUT_VOLTAGE = "Output Voltage / V"
OUTPUT_CURRENT = "Output Current / A"
COULOMBIC_EFFICIENCY = "Coulombic Efficiency / %"
ENERGY_EFFICIENCY = "Energy Efficiency / %"
MAX_TEMPERATURE = "Max Temperature / degC"
INPUT_CAPACITY = "Input Capacity / Ah"
INPUT_ENERGY = "Input Energy / Wh"
AMBIENT_TEMPERATURE = "Ambient Temperature / degC"


def temperature(number: int) -> str:
    """The column of the station's n-th temperature channel other than the ambient one."""
    return f"Temperature T{number} / degC"


_AT_PORT = "at the DUT's port (a cell's terminals, a power bank's output port)"
SAMPLE_COLUMNS = (  # every run's
    Column(TEST_TIME, "%.3f", "test_time_second", "since the run started (simulated time on the simulated bench)"),
    Column(UNIX_TIME, "%.3f", "unix_time_second", "the run's start plus its test time"),
    Column(VOLTAGE, "%.5f", "voltage_volt", _AT_PORT),
    Column(CURRENT, "%.5f", "current_ampere", f"{_AT_PORT}, positive when it charges the DUT"),
    Column(POWER, "%.5f", "power_watt", f"{_AT_PORT}, positive when it charges the DUT"),
    Column(CYCLE_COUNT, "%d", "cycle_count", "the profile's loop pass (1 outside loops)"),
    Column(STEP_COUNT, "%d", "step_count", "steps run so far, this one included"),
    Column(STEP_ID, "%d", "step_id", "the step's number in the profile (the same in every cycle)"),
    Column(STEP_TYPE, "%s", "step_type", "charge, discharge, hold, rest, or pause (an operator's pause)"),
    Column(STEP_TIME, "%.3f", "step_time_second",
           "since the step started, time paused not counted (in a pause: since the pause began)"),
    Column(CHARGING_CAPACITY, "%.6f", "charging_capacity_ah", f"into the DUT {_AT_PORT}, since the run started"),
    Column(DISCHARGING_CAPACITY, "%.6f", "discharging_capacity_ah",
           f"out of the DUT {_AT_PORT}, since the run started"),
    Column(CHARGING_ENERGY, "%.6f", "charging_energy_wh", f"into the DUT {_AT_PORT}, since the run started"),
    Column(DISCHARGING_ENERGY, "%.6f", "discharging_energy_wh", f"out of the DUT {_AT_PORT}, since the run started"),
    Column(STEP_CHARGING_CAPACITY, "%.6f", "step_charging_capacity_ah", "as Charging Capacity, since the step started"),
    Column(STEP_DISCHARGING_CAPACITY, "%.6f", "step_discharging_capacity_ah",
           "as Discharging Capacity, since the step started"),
    Column(STEP_CHARGING_ENERGY, "%.6f", "step_charging_energy_wh", "as Charging Energy, since the step started"),
    Column(STEP_DISCHARGING_ENERGY, "%.6f", "step_discharging_energy_wh",
           "as Discharging Energy, since the step started"),
    Column(INPUT_VOLTAGE, "%.5f", None, "the supply's reading: a power bank's input port, a cell's terminals"),
    Column(INPUT_CURRENT, "%.5f", None, "the current the supply delivers (>= 0)"),
    Column(OUTPUT_VOLTAGE, "%.5f", None, "the load's reading: a power bank's output port, a cell's terminals"),
    Column(OUTPUT_CURRENT, "%.5f", None, "the current the load draws (>= 0)"),
)
BANK_COLUMNS = (  # a power bank's: its input port, which BDF's capacities (at the output port) never see
    Column(INPUT_CAPACITY, "%.6f", None, "into the power bank's input port, since the run started"),
    Column(INPUT_ENERGY, "%.6f", None, "into the power bank's input port, since the run started"),
)
CELL_PORT = ("Voltage, Current, Power and the BDF capacities and energies are at the cell's terminals, where the "
             "supply (Input ...) and the load (Output ...) are both connected; current is positive into the cell.")
BANK_PORT = ("Voltage, Current, Power and the BDF capacities and energies are at the power bank's output port, the "
             "one the load is on (Output ...): what a bank is for, and where its label's rated output capacity is "
             "stated and measured (GB/T 35590). Current there is negative while it delivers and never positive, so "
             "Charging Capacity and Charging Energy stay 0: the bank is charged through its input port, the one "
             "the supply is on, whose voltage, current (into the bank, >= 0), capacity and energy since the run "
             "started are the Input ... columns.")
CYCLE_COLUMNS = (
    (CYCLE_COUNT, "%d"), (TEST_TIME, "%.3f"), (CHARGING_CAPACITY, "%.6f"), (DISCHARGING_CAPACITY, "%.6f"),
    (CHARGING_ENERGY, "%.6f"), (DISCHARGING_ENERGY, "%.6f"), (COULOMBIC_EFFICIENCY, "%.4f"), (ENERGY_EFFICIENCY, "%.4f"),
    (MAX_TEMPERATURE, "%.3f"),
)


class Row(NamedTuple):
    """The measured part of a samples row, read back (a resume's replay, a re-count of totals)."""

    test_time: float
    step_count: int
    step_type: str
    v_in: float
    i_in: float
    v_out: float
    i_out: float
    temps: tuple[float, ...]  # in the station's channel order


_AT = {c.name: i for i, c in enumerate(SAMPLE_COLUMNS)}
_AMBIENT_TERM = "ambient_temperature_celsius"


class Layout:
    """The columns of one run's samples: the fixed ones, a power bank's input-port totals, one per
    temperature channel in the station's order, and the simulated chamber's temperature as the
    ambient on a simulated station that has no ambient channel."""

    def __init__(self, channels: Sequence[str], bank: bool, simulated: bool = False) -> None:
        self.channels = tuple(channels)
        self.bank = bank
        self.world_ambient = simulated and AMBIENT_CHANNEL not in self.channels
        temps, number = [], 0
        for name in self.channels:
            if name == AMBIENT_CHANNEL:
                column, term = AMBIENT_TEMPERATURE, _AMBIENT_TERM
            else:
                number += 1
                column = temperature(number)
                term = f"temperature_t{number}_celsius" if number <= BDF_NUMBERED_TEMPERATURES else None
            temps.append(Column(column, "%.3f", term, f"the station's temperature channel {name!r}"))
        if self.world_ambient:
            temps.append(Column(AMBIENT_TEMPERATURE, "%.3f", _AMBIENT_TERM,
                                "the simulated chamber's (the station names no ambient channel)"))
        self.temperatures = {name: c.name for name, c in zip(self.channels, temps)}  # channel name -> column
        self.columns = SAMPLE_COLUMNS + (BANK_COLUMNS if bank else ()) + tuple(temps)
        self.names = tuple(c.name for c in self.columns)
        self.header = ",".join(self.names) + "\n"
        self.format = ",".join(c.format for c in self.columns) + "\n"
        first = len(SAMPLE_COLUMNS) + len(BANK_COLUMNS) * bank
        self._temps = slice(first, first + len(self.channels))

    @classmethod
    def of_run(cls, meta: dict[str, Any]) -> Layout:
        """The layout of a run folder, from its run.json."""
        return cls(list(meta["temperature_channels"]), meta["dut"]["kind"] == "power bank",
                   bool(meta["station"]["simulated"]))

    def parse(self, fields: list[str]) -> Row:
        """A row's fields (ValueError or IndexError if they are not a row of these columns)."""
        at = _AT
        if len(fields) != len(self.names):
            raise ValueError(f"{len(fields)} fields, not {len(self.names)}")
        return Row(float(fields[at[TEST_TIME]]), int(fields[at[STEP_COUNT]]), fields[at[STEP_TYPE]],
                   float(fields[at[INPUT_VOLTAGE]]), float(fields[at[INPUT_CURRENT]]),
                   float(fields[at[OUTPUT_VOLTAGE]]), float(fields[at[OUTPUT_CURRENT]]),
                   tuple(map(float, fields[self._temps])))


def rows_on_disk(path: Path) -> tuple[int, float | None]:
    """The complete rows of a samples file (neither its header nor a torn last line counted) and
    the test time of the last one (None if there is none); read in chunks, a week of rows is large."""
    header = TEST_TIME.encode()
    if not path.exists():
        return 0, None
    with open(path, "rb") as fh:
        lines, last, rest, first = 0, b"", b"", None
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            first = chunk if first is None else first
            lines += chunk.count(b"\n")
            data = rest + chunk
            end = data.rfind(b"\n")
            if end >= 0:
                last, rest = data[data.rfind(b"\n", 0, end) + 1:end], data[end + 1:]
            else:
                rest = data
    headed = first is not None and first.startswith(header) and b"\n" in first
    if headed and lines == 1:
        return 0, None
    try:
        return lines - headed, float(last.split(b",", 1)[0]) if lines else None
    except ValueError:
        return lines - headed, None


TAIL = 1 << 16  # bytes read from the end of a file for its last line (far longer than a row)


def last_row(path: Path) -> dict[str, str] | None:
    """The last complete row of a CSV file of the run folder as {column: text} (None when it has
    none yet): its header line and its last whole line, read from the end, whatever its length
    (a week of samples is large). A torn last line (a row being written) is left out."""
    try:
        with open(path, "rb") as fh:
            header = fh.readline()
            size = fh.seek(0, 2)
            fh.seek(max(len(header), size - TAIL))
            tail = fh.read()
    except FileNotFoundError:
        return None
    lines = tail[:tail.rfind(b"\n") + 1].splitlines()
    if not header.endswith(b"\n") or not lines or not lines[-1]:
        return None
    names = header.decode("utf-8").strip().split(",")
    values = lines[-1].decode("utf-8").split(",")
    return dict(zip(names, values)) if len(values) == len(names) else None


def new_run_folder(log_dir: Path, profile_stem: str, serial: str | None, now: dt.datetime) -> Path:
    """A fresh folder `<date>-<time>-<profile>[-<serial>]`; an existing folder is never reused."""
    parts = [now.strftime("%Y%m%d-%H%M%S"), profile_stem] + ([serial] if serial else [])
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(parts))
    log_dir.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        folder = log_dir / (stem if n == 1 else f"{stem}-{n}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise FileExistsError(f"no free run folder name under {log_dir} for {stem}")


def claim_run_folder(path: Path) -> Path:
    """`path` itself as the run folder: made (with its parents), or taken if it is an empty folder;
    anything else there is never reused (FileExistsError)."""
    try:
        path.mkdir(parents=True)
    except FileExistsError:
        if not path.is_dir() or any(path.iterdir()):
            raise
    return path
