"""Reading TOML tables strictly: unknown keys, missing keys and wrong types are InputErrors."""
from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from bench.errors import InputError

MAX_NESTING = 32  # arrays and inline tables; 8 loops take 18


def read_text(source: str, what: str) -> str:
    """A TOML file's text, or an InputError saying why it cannot be read. A UTF-8 byte-order mark,
    which Windows editors write, is not part of the text (TOML would refuse it)."""
    try:
        return Path(source).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(source, "", f"cannot read the {what}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(source, "", f"not a text file: expected a TOML {what} in UTF-8") from None


def shipped(package: str) -> dict[str, str]:
    """The TOML files a data package ships (bench.profiles, bench.products), name -> file, in name
    order."""
    found = (entry for entry in resources.files(package).iterdir() if entry.name.endswith(".toml"))
    named = {entry.name.removesuffix(".toml"): str(entry) for entry in found}
    return dict(sorted(named.items()))


def find_shipped(path: str | Path, package: str, what: str) -> str:
    """The file an argument names: the path itself when it exists or has a folder in it
    ('profiles/x.toml'), else the file of that name ('capacity' or 'capacity.toml') that
    `package` ships, so a path always wins."""
    given = Path(path)
    if given.exists() or given.parent != Path("."):
        return str(path)
    files = shipped(package)
    name = given.name.removesuffix(".toml")
    if name not in files:
        raise InputError(str(path), "", f"no such file, and no shipped {what} of that name; shipped: "
                         + ", ".join(files))
    return files[name]


def read_toml(text: str, source: str) -> dict[str, Any]:
    _check_nesting(text, source)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        opened = _opened_at(text) if "at end of document" in str(exc) else None
        where = f"; what is not closed opens at line {opened}" if opened is not None else ""
        raise InputError(source, "", f"not valid TOML: {exc}{where}") from None


def _opened_at(text: str) -> int | None:
    """The line (1-based) of the string, array or inline table still open at the end of `text`,
    which tomllib reports only as 'at end of document'."""
    openers: list[int] = []  # lines of the brackets open
    line, i, n = 1, 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == "#":
            i = text.find("\n", i)
            if i < 0:
                break
            continue
        elif c in "[{":
            openers.append(line)
        elif c in "]}" and openers:
            openers.pop()
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            start, i = line, i + len(quote)
            while i < n and not text.startswith(quote, i):
                if text[i] == "\\" and c == '"':
                    i += 1
                elif text[i] == "\n":
                    if len(quote) == 1:
                        return start  # a one-line string ends at its line
                    line += 1
                i += 1
            if i >= n:
                return start
            i += len(quote)
            continue
        i += 1
    return openers[-1] if openers else None


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


# A TOML text as the tokens that matter to nesting: strings and comments (skipped whole, so the
# brackets in them do not count), brackets, '=' and line ends.
_TOML_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"{3,5}'  # multi-line basic string (it may end in up to 2 more quotes)
    r"|'''(?:[^']|'(?!''))*'{3,5}"  # multi-line literal string
    r'|"(?:[^"\\\n]|\\.)*"'  # basic string
    r"|'[^'\n]*'"  # literal string
    r"|#[^\n]*"  # comment
    r"|[\[\]{}=\n]"
)


def _check_nesting(text: str, source: str) -> None:
    """Refuse arrays and inline tables nested deeper than MAX_NESTING, naming the key they are
    under, before the TOML reader recurses into them. A bracket that opens a statement (no '='
    before it) opens a table header, not an array."""
    depth, line, line_start = 0, 1, 0
    table, key, in_value = "", "", False
    header: tuple[int, int] | None = None  # where the table header being read starts and ends
    for token in _TOML_TOKEN.finditer(text):
        mark = token.group()
        if mark[0] in "\"'#":
            line += mark.count("\n")
        elif mark == "\n":
            line, line_start = line + 1, token.end()
            if header is not None:
                table, header = text[header[0]:header[1]].strip("[] \t"), None
            in_value = in_value and depth > 0
        elif header is not None:
            if mark == "]":
                header = (header[0], token.end())
        elif mark == "=":
            if depth == 0:
                key, in_value = text[line_start:token.start()].strip(), True
        elif mark in "[{":
            if depth == 0 and not in_value:
                header = (token.start(), token.end())
                continue
            depth += 1
            if depth > MAX_NESTING:
                where = f"{table}.{key}" if table else key
                raise InputError(source, where, f"arrays and tables nested more than {MAX_NESTING} deep (line {line})")
        elif depth > 0:
            depth -= 1
