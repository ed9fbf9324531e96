"""TOML text written from Python data, for the property tests of profile and station files."""
from __future__ import annotations

import json
import math


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if value != value else ("inf" if value == math.inf else "-inf" if value == -math.inf
                                             else repr(value))
    if isinstance(value, str):
        # a JSON string is a TOML basic string, once DEL is escaped too (and astral characters kept
        # as they are: JSON would write them as surrogate pairs, which TOML refuses)
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_value(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def toml_document(data: dict[str, object]) -> str:
    return "".join(f"{toml_value(k)} = {toml_value(v)}\n" for k, v in data.items())


# --- fragments of plausible (and implausible) profiles ----------------------------------------
# Each slot is mostly filled with something plausible, so that documents get past the first
# check and reach the deeper ones, and sometimes with anything.
