"""rack.json: a rack run's lot folder names its channels' run folders (and, once they ended,
their verdicts), so that `bench resume`, `bench stop` and `bench lot` find every channel. Plain
data, checked when read."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.errors import InputError
from bench.record.logbook import write_atomic
from bench.record.schema import RACK


def read_lot(lot: Path) -> dict[str, Any]:
    """A lot folder's rack.json, checked (InputError naming the file otherwise)."""
    path = lot / RACK
    try:
        meta = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(lot), RACK, f"not a rack run's lot folder ({exc})") from None
    channels = meta.get("channels") if isinstance(meta, dict) else None
    if not isinstance(channels, list) or not channels or not all(
            isinstance(c, dict) and isinstance(c.get("name"), str) and isinstance(c.get("folder"), str)
            and "/" not in c["folder"] and "\\" not in c["folder"] and c["folder"] not in (".", "..")
            for c in channels):
        raise InputError(str(path), "channels", "damaged: expected a list of {name, serial, folder}")
    return meta


def is_lot(folder: Path) -> bool:
    return (folder / RACK).is_file()


def write_lot(lot: Path, meta: dict[str, Any]) -> None:
    write_atomic(lot / RACK, json.dumps(meta, indent=2) + "\n")
