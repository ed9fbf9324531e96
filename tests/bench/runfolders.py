"""Reading run folders and writing the profiles that several test modules share."""
from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path
from typing import Any

from bench.record import schema

ROOT = Path(__file__).resolve().parents[2]


def read_run(folder: Path) -> tuple[dict, list[dict], list[dict]]:
    """run.json, events and sample rows of a run folder."""
    meta = json.loads((folder / "run.json").read_text())
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    with open(folder / schema.SAMPLES, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return meta, events, rows


def read_bdf(folder: Path) -> Any:
    """The samples of a run folder as the Battery Data Format's own reader (batterydf) reads them,
    with its warnings as errors; checks that it kept every column, under the name written, and
    that the metadata sidecar describes each of them."""
    import bdf

    samples = folder / schema.SAMPLES
    with open(samples, newline="") as fh:
        header = next(csv.reader(fh))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = bdf.read(samples)
    assert list(frame.columns) == header
    sidecar = json.loads((folder / schema.METADATA).read_text())
    assert sidecar["bdf"]["data"] == samples.name and [c["name"] for c in sidecar["columns"]] == header
    return frame


def cell_cycles(repeat: int = 3, stop_if: str = "", head: str = "", criteria: str = "") -> str:
    """A profile of full CC-CV / 1C cycles of one cell (LG M50 on the simulated bench)."""
    loop = f"repeat = {repeat}, " + (f'stop_if = "{stop_if}", ' if stop_if else "")
    return f"""
name = "Cell cycles"
period = "10 s"
{head}
steps = [
  {{ {loop}steps = [
    "Charge at 2.5 A until 4.2 V",
    "Hold at 4.2 V until 250 mA",
    "Rest for 10 min",
    {{ step = "Discharge at 5 A until 2.5 V", name = "discharge" }},
    "Rest for 10 min",
  ] }},
]
[dut]
kind = "cell"
rated_capacity = "5 Ah"
nominal_voltage = "3.63 V"
{criteria}
"""
