"""The metadata sidecar of the samples (bench.record.schema.METADATA): what a reader of the
Battery Data Format table needs to know that the table cannot say. The DUT and the product it is
judged against, the profile (name, SHA-256), the station and the instruments that answered, who
ran it, where and with which software, the port the voltage and current are measured at, where
each temperature channel is, and what every column means. How the run ended is run.json's.

BDF names its metadata sidecar after the data file but prescribes no shape for it, and
`batterydf` 0.1.0 reads none; so this is a documented JSON object of plain data (README: Data),
its sections named after BattINFO's (test object, test protocol, test equipment). It is written
whole (atomically) when the run starts, once the instruments have answered, and again at the
run's end, with the Parquet file if one was made.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.record import schema
from bench.record.logbook import write_atomic
from bench.record.records import RecordError, RunEnd, RunStart, Sink


class MetadataFile(Sink):
    """Writes the sidecar from run.json's data (`meta`, which the run keeps up to date) and the
    samples' `layout`; `channels` maps each temperature channel to its number on the reader."""

    def __init__(self, folder: Path, meta: dict[str, Any], layout: schema.Layout, channels: dict[str, int]) -> None:
        self.path = folder / schema.METADATA
        self.meta = meta
        self.layout = layout
        self.channels = channels

    def run_start(self, record: RunStart) -> None:
        self.write()

    def run_end(self, record: RunEnd) -> None:
        """Once run.json holds the end: a sidecar that cannot be written now keeps what it said at
        the start (the verdict stands; the outcome says so)."""
        try:
            self.write()
        except RecordError as error:
            record.outcome.reason = f"{record.outcome.reason}; the metadata sidecar could not be completed: {error}"

    def write(self) -> None:
        write_atomic(self.path, json.dumps(describe(self.meta, self.layout, self.channels), indent=2) + "\n")


def describe(meta: dict[str, Any], layout: schema.Layout, channels: dict[str, int]) -> dict[str, Any]:
    """The sidecar's content: plain data, from run.json's and the layout's."""
    dut, product, profile, station = meta["dut"], meta.get("product") or {}, meta["profile"], meta["station"]
    temperatures = [{"column": column, "placement": name, "source": "thermocouple", "channel": name,
                     "number": channels.get(name)} for name, column in layout.temperatures.items()]
    if layout.world_ambient:
        temperatures.append({"column": schema.AMBIENT_TEMPERATURE, "placement": "ambient",
                             "source": "the simulated chamber", "channel": None, "number": None})
    return {
        "bdf": {"version": schema.BDF_VERSION, "data": schema.SAMPLES, "terms": schema.BDF_TERMS,
                **meta.get("exports", {})},
        "test": {key: meta.get(key) for key in ("id", "started", "operator", "host", "software")},
        "test_object": {
            "kind": dut["kind"], "serial": dut["serial"], "simulated_preset": dut["simulated_preset"],
            "defects": dut.get("defect_specs", []),
            "product": {key: product.get(key) for key in ("name", "model", "maker", "cells", "chemistry", "label",
                                                          "sha256")}},
        "test_protocol": {key: profile[key] for key in ("name", "path", "sha256")},
        "test_equipment": {"station": {key: station.get(key) for key in ("name", "path", "simulated", "seed")},
                           "instruments": meta["instruments"]},
        "port": schema.BANK_PORT if layout.bank else schema.CELL_PORT,
        "temperatures": temperatures,
        "columns": [{"name": c.name, "term": None if c.term is None else schema.BDF_TERMS + c.term,
                     "meaning": c.meaning} for c in layout.columns],
    }
