"""Reading TOML tables strictly: unknown keys, missing keys and wrong types are InputErrors."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from bench.errors import InputError


def read_text(source: str, what: str) -> str:
    """A TOML file's text, or an InputError saying why it cannot be read."""
    try:
        return Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(source, "", f"cannot read the {what}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(source, "", f"not a text file: expected a TOML {what} in UTF-8") from None


def read_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(source, "", f"not valid TOML: {exc}") from None


def reject_unknown(table: dict[str, Any], allowed: set[str], source: str, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            where = f"{prefix}.{key}" if prefix else key
            raise InputError(source, where, f"unknown key; expected one of {', '.join(sorted(allowed))}")


def need(table: dict[str, Any], key: str, source: str, what: str, prefix: str = "") -> Any:
    if key not in table:
        raise InputError(source, f"{prefix}.{key}" if prefix else key, f"missing; expected {what}")
    return table[key]


def text_value(table: dict[str, Any], key: str, source: str, required: bool = False, prefix: str = "") -> str:
    where = f"{prefix}.{key}" if prefix else key
    if key not in table:
        if required:
            raise InputError(source, where, "missing; expected text")
        return ""
    value = table[key]
    if not isinstance(value, str) or (required and not value.strip()):
        raise InputError(source, where, f"expected text, got {value!r}")
    return value


def list_value(value: Any, source: str, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(source, key, f"expected a list, got {value!r}")
    return value
