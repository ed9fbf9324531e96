"""The logbook sink: the samples (BDF), events.jsonl and cycles.csv of a run folder (bench.record.schema).

Append-only and crash-safe. A row is written out at once when it comes 0.2 s or more of wall
time after the one before (slow sampling: every row is on disk as it is taken, at most 5 writes
a second); faster rows are written together, at most a second apart. So a crash loses at most
one sample period + 1 s of rows. Events are written as they happen; both files are fsynced at
every step boundary. At a checkpoint it says how far each file goes, so a resume can cut what
came after (bench.run.recovery). A reader must tolerate a torn last line.

Nothing is lost without a word: before each write the logbook checks that its file is still the
one it writes (not deleted, replaced or cut under the running run). A file it can no longer
write (a full disk) or find intact is a RecordError, raised once in the run's thread; then the
logbook writes nothing more (never rows after a cut, which a resume could not tell apart), lets
no checkpoint be written, and its run end says that the records are incomplete.
"""
from __future__ import annotations

import errno
import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable

from bench.record import schema
from bench.record.records import (
    Checkpoint,
    CycleEnd,
    Event,
    RecordError,
    RunEnd,
    RunStart,
    Sample,
    Sink,
    StepEnd,
    StepStart,
)
from bench.record.verdict import Verdict

FLUSH_INTERVAL = 1.0  # s of wall time: the longest a row waits in memory
SLOW_SAMPLING = 0.2  # s of wall time between two rows from which each row is written as it comes
BATCH = 4096  # rows held at most (a simulated bench runs far faster than real time)


def describe(exc: OSError) -> str:
    """An OSError as the operator reads it: a full disk says so."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"disk full ({exc.strerror})"
    return f"cannot write ({exc.strerror or exc})"


class _DataFile:
    """An append-only data file held open, and the bytes it holds (what was there before
    included): on disk it must be exactly that, at the same path, or the run's records are not
    what they say."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
        st = os.fstat(self.fd)
        self.identity = (st.st_dev, st.st_ino)
        self.written = st.st_size

    def write(self, text: str, fsync: bool = False) -> None:
        """Append `text` if the file is intact (empty: only check it); RecordError otherwise."""
        try:
            problem = self._problem()
            if problem is None:
                data = memoryview(text.encode("utf-8"))
                while data:
                    n = os.write(self.fd, data)
                    self.written += n
                    data = data[n:]
                if fsync:
                    os.fsync(self.fd)
        except OSError as exc:
            problem = describe(exc)
        if problem is not None:
            raise RecordError(f"{self.path.name}: {problem}")

    def _problem(self) -> str | None:
        st = os.fstat(self.fd)
        if st.st_nlink == 0:
            return "deleted under the running run"
        try:
            here = os.stat(self.path)
        except FileNotFoundError:
            return "deleted or moved away under the running run"
        if (here.st_dev, here.st_ino) != self.identity:
            return "replaced by another file under the running run"
        if st.st_size < self.written:
            return f"cut short under the running run ({st.st_size} of {self.written} bytes left)"
        if st.st_size > self.written:
            return f"written to by another process ({st.st_size - self.written} bytes not the run's)"
        return None

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class Logbook(Sink):
    """Writes a run folder's data files, appending to an interrupted run's (already cut back to
    the checkpoint by the resume, which says how many `rows` they hold). The samples have the
    columns of `layout`; `ambient` gives the simulated chamber's temperature at a test time when
    the layout takes the ambient from it."""

    def __init__(self, folder: Path, layout: schema.Layout, unix_start: float, rows: int = 0,
                 ambient: Callable[[float], float] | None = None) -> None:
        if layout.world_ambient and ambient is None:
            raise ValueError("the layout takes the ambient temperature from the simulated chamber: give `ambient`")
        self.folder = folder
        self.unix_start = unix_start
        self.columns = layout.names
        self._format = _bank_format(layout) if layout.bank else layout.format
        self._port = _bank_port if layout.bank else _cell_port
        self._ambient = ambient if layout.world_ambient else None
        self._lock = threading.Lock()  # the watchdog thread writes events too
        self._thread = threading.get_ident()  # the run's: where a failure is raised
        self.error: RecordError | None = None  # the first failure: nothing is written after it
        self._raised = False
        try:
            self._samples = _DataFile(folder / schema.SAMPLES)
            self._events = _DataFile(folder / schema.EVENTS)
        except OSError as exc:
            raise RecordError(f"{folder}: {describe(exc)}") from None
        # a new run, or one whose samples a resume cut back to nothing (a disk full before its header)
        self._rows: list[str] = [] if self._samples.written else [layout.header]
        self._last_flush = self._last_sample = time.monotonic()
        self.rows = rows

    # -- records ---------------------------------------------------------------------------
    def run_start(self, record: RunStart) -> None:
        self._event("run_start", record.test_time, profile=record.profile, product=record.product)

    def step_start(self, record: StepStart) -> None:
        step = record.step
        fields: dict[str, Any] = dict(step=step.text, index=step.index, count=record.count,
                                      position=record.position, cycle=record.cycle)
        if record.continued:
            fields["step_time_s"] = round(record.step_time, 3)
        self._event("step_continued" if record.continued else "step_start", record.test_time, **fields)

    def sample(self, record: Sample) -> None:
        r, rows, ambient = record.readings, self._rows, self._ambient
        v, i, p, totals, extra = self._port(r, record.run, record.totals)
        rows.append(self._format % (
            r.test_time, self.unix_start + r.test_time, v, i, p, record.cycle, record.count, record.step.index,
            record.action, r.step_time, *totals, r.v_in, r.i_in, r.v_out, r.i_out, *extra, *r.temps.values(),
            *(() if ambient is None else (ambient(r.test_time),))))
        self.rows += 1
        now = time.monotonic()
        if now - self._last_sample >= SLOW_SAMPLING or now - self._last_flush >= FLUSH_INTERVAL or len(rows) >= BATCH:
            self._flush(now)
        self._last_sample = now

    def step_end(self, record: StepEnd) -> None:
        self._flush()  # the step's rows are on the file before the event that ends it
        step = record.step
        self._event("step_end", record.test_time, step=step.text, index=step.index, count=record.count,
                    cycle=record.cycle, ended_by=record.ended_by, results=record.totals.to_json())

    def cycle_end(self, record: CycleEnd) -> None:
        if self.error is not None:
            return self._raise()
        s = record.summary
        try:
            with open(self.folder / schema.CYCLES, "a", encoding="utf-8", newline="") as fh:
                if fh.tell() == 0:  # a new file, or one a resume cut back to nothing
                    fh.write(",".join(name for name, _ in schema.CYCLE_COLUMNS) + "\n")
                fh.write(",".join(fmt for _, fmt in schema.CYCLE_COLUMNS) % (
                    s.cycle, s.test_time, s.charge_capacity / 3600, s.discharge_capacity / 3600,
                    s.charge_energy / 3600, s.discharge_energy / 3600, 100 * s.coulombic_efficiency,
                    100 * s.energy_efficiency, s.max_temperature) + "\n")
        except OSError as exc:
            return self._fail(RecordError(f"{schema.CYCLES}: {describe(exc)}"))
        self._event("cycle_end", record.test_time, cycle=s.cycle, charge_capacity_Ah=s.charge_capacity / 3600,
                    discharge_capacity_Ah=s.discharge_capacity / 3600, charge_energy_Wh=s.charge_energy / 3600,
                    discharge_energy_Wh=s.discharge_energy / 3600)

    def event(self, record: Event) -> None:
        self._event(record.kind, record.test_time, **record.fields)

    def checkpoint(self, record: Checkpoint) -> None:
        """Adds how far each file goes. After a failure no checkpoint is written: a resume takes
        the run up from the last one that stands for what is on disk."""
        self._flush()
        if self.error is not None:
            raise self.error
        record.files.update(self.files())

    def sync(self) -> None:
        self._flush(fsync=True)

    def run_end(self, record: RunEnd) -> None:
        """Close the files and count the rows; if the records could not all be kept, the outcome
        says so (verdict ERROR), the rows are those on disk, and the run can be resumed once the
        cause is put right."""
        self.close()
        if self.error is not None:
            self.rows = schema.rows_on_disk(self.folder / schema.SAMPLES)[0]
            mark_incomplete(record.outcome, self.error)
        record.files["rows"] = self.rows

    def close(self) -> None:
        """Write out what is held and close the files; never raises (a failure is kept in `error`)."""
        if self._samples.fd < 0:
            return
        try:
            self._flush(fsync=True)
        except RecordError:
            pass
        self._samples.close()
        with self._lock:
            self._events.close()

    # -- files -----------------------------------------------------------------------------
    def files(self) -> dict[str, int]:
        """How far each file goes (after a flush): what a checkpoint stands for."""
        cycles = self.folder / schema.CYCLES
        with self._lock:
            events = self._events.written
        return {"rows": self.rows, "samples": self._samples.written, "events": events,
                "cycles": cycles.stat().st_size if cycles.exists() else 0}

    def _flush(self, now: float | None = None, fsync: bool = False) -> None:
        """Write out the rows held and check events.jsonl too (with `fsync`, both onto the disk)."""
        self._last_flush = time.monotonic() if now is None else now
        text = "".join(self._rows)
        self._rows.clear()
        if self.error is not None:
            return self._raise()
        try:
            self._samples.write(text, fsync)
            with self._lock:
                self._events.write("", fsync)
        except RecordError as error:
            self._fail(error)

    def _event(self, kind: str, test_time: float, **fields: Any) -> None:
        if self.error is not None:
            return self._raise()
        record = {"event": kind, "test_time_s": round(test_time, 3),
                  "unix_time_s": round(self.unix_start + test_time, 3)}
        record.update(fields)
        try:
            with self._lock:
                self._events.write(json.dumps(record, default=str) + "\n")
        except RecordError as error:
            self._fail(error)

    def _fail(self, error: RecordError) -> None:
        """The first failure stops the logbook."""
        if self.error is None:
            self.error = error
        self._raise()

    def _raise(self) -> None:
        """Raise the failure in the run's thread, once (the run then ends through its stop path,
        which writes events that are dropped)."""
        if not self._raised and threading.get_ident() == self._thread:
            self._raised = True
            raise self.error  # type: ignore[misc]


def _cell_port(r: Any, run: Any, step: Any) -> tuple[float, float, float, tuple[float, ...], tuple[float, ...]]:
    """Voltage, current, power, the run's and the step's capacities and energies (Ah, Wh) at a
    cell's terminals, and no columns of its own: the supply charges it, the load discharges it."""
    return (r.voltage, r.i_in - r.i_out, r.p_in - r.p_out,
            (run.q_in / 3600, run.q_out / 3600, run.e_in / 3600, run.e_out / 3600,
             step.q_in / 3600, step.q_out / 3600, step.e_in / 3600, step.e_out / 3600), ())


def _bank_port(r: Any, run: Any, step: Any) -> tuple[float, float, float, tuple[float, ...], tuple[float, ...]]:
    """The same at a power bank's output port (0.0 - x: a current of 0 is written 0, not -0),
    which nothing ever charges: only the discharging capacities and energies (the charging ones
    are 0 in its row format, `_bank_format`); then its input port's capacity and energy since
    the run started."""
    return (r.v_out, 0.0 - r.i_out, 0.0 - r.p_out,
            (run.q_out / 3600, run.e_out / 3600, step.q_out / 3600, step.e_out / 3600),
            (run.q_in / 3600, run.e_in / 3600))


# A power bank's output port is never charged: these columns are 0 in every row of a bank.
_NEVER_CHARGED = frozenset((schema.CHARGING_CAPACITY, schema.CHARGING_ENERGY, schema.STEP_CHARGING_CAPACITY,
                            schema.STEP_CHARGING_ENERGY))


def _bank_format(layout: schema.Layout) -> str:
    """A bank's row format with its never-charged columns written out as their format writes
    0.0: the same rows, four numbers fewer to format in each."""
    return ",".join(c.format % 0.0 if c.name in _NEVER_CHARGED else c.format for c in layout.columns) + "\n"


def mark_incomplete(outcome: Any, error: RecordError) -> None:
    """The run's outcome says that its records are incomplete, unless it already does."""
    if outcome.reason.startswith("records: "):
        if str(error) not in outcome.reason:
            outcome.reason = f"{outcome.reason}; {error}"
    else:
        outcome.reason = f"records: {error} (the run: {outcome.verdict}: {outcome.reason})"
    outcome.verdict = Verdict.ERROR
    outcome.resumable = True  # the bench is safe; once the cause is put right, a resume completes it


def write_atomic(path: Path, text: str) -> None:
    """Write a whole file so that a reader sees the old or the new one, never half of it; a file
    that cannot be written is a RecordError and leaves no temporary file behind."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise RecordError(f"{path.name}: {describe(exc)}") from None


def read_events(folder: Path) -> list[dict[str, Any]]:
    """A run folder's events.jsonl as the logbook wrote it, a torn or unreadable line left out
    (a crash mid-line); [] when there is none."""
    try:
        lines = (folder / schema.EVENTS).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    events = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events
