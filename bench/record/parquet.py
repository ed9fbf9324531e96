"""The samples again as Parquet (bench.record.schema.PARQUET), at the end of a run that asks for
it (`bench run --parquet`): the same columns under the same names, typed (Step Type text, the
counts and Step ID integers, the rest floats, a `nan` reading null), in a columnar file that
pandas, polars, Arrow and batterydf read far faster than the CSV.

The CSV stays the record: it is written as the run goes and survives a crash. The Parquet file
is made from it whole when the run ends (again at the end of a resume), through a temporary
file, so that it is complete or absent. Needs pyarrow (`pip install 'powerbench[parquet]'`),
imported only then; a file that cannot be made leaves the run's verdict as it is, and run.json
says why (`exports.parquet`).
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from bench.record import schema
from bench.record.logbook import describe
from bench.record.records import RunEnd, Sink

INSTALL = "pip install 'powerbench[parquet]'"


def available() -> bool:
    """Whether pyarrow can be imported (without importing it)."""
    return importlib.util.find_spec("pyarrow") is not None


class ParquetExport(Sink):
    """Makes the Parquet file at the run's end and records in `meta` (run.json) its name, or why
    there is none. Comes before the sinks that write run.json and the sidecar."""

    def __init__(self, folder: Path, meta: dict[str, Any]) -> None:
        self.folder = folder
        self.meta = meta

    def run_end(self, record: RunEnd) -> None:
        import pyarrow

        try:
            written = export(self.folder).name
        except OSError as exc:
            written = f"not written: {describe(exc)}"
        except pyarrow.ArrowException as exc:
            written = f"not written: {schema.SAMPLES} could not be read ({exc})"
        self.meta["exports"]["parquet"] = written


def export(folder: Path) -> Path:
    """Write the run folder's samples as Parquet; its path."""
    import pyarrow
    from pyarrow import csv, parquet

    integers = {name: pyarrow.int64() for name in (schema.CYCLE_COUNT, schema.STEP_COUNT, schema.STEP_ID)}
    table = csv.read_csv(folder / schema.SAMPLES, convert_options=csv.ConvertOptions(
        column_types={schema.STEP_TYPE: pyarrow.string(), **integers}))
    path = folder / schema.PARQUET
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as fh:
            parquet.write_table(table, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
