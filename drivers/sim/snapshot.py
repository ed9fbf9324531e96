"""The simulated world's state as plain data (numbers, text, lists, dicts), and back.

A checkpoint must let a resume go on exactly where the world was, random streams included,
and a run folder must stay data: nothing in it is ever executed or names a class to build.
So `restore` never creates an object from the saved data: it writes the saved values into a
world built afresh from the run's own description (preset, seed, defects), walking both in
step, and refuses any difference in shape. The only things it makes are random generators
(their state is a list of numbers) and enum members of the type the fresh world already holds.
A model whose state is not its attributes (a PyBaMM cell holds a solver's objects) keeps it
itself: `to_plain()` gives it as plain data, `restore_plain(saved, where)` takes it back into
the fresh one (ValueError naming `where` if it is not its own).
"""
from __future__ import annotations

import enum
import random
from typing import Any

_PLAIN = (bool, int, float, str, type(None))
_RANDOM = "random state"  # the key that marks a generator's state


def snapshot(value: Any) -> Any:
    """`value` and everything it holds, as plain data."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, random.Random):
        version, internal, gauss = value.getstate()
        return {_RANDOM: [version, list(internal), gauss]}
    if isinstance(value, (list, tuple)):
        return [snapshot(v) for v in value]
    if isinstance(value, dict):
        return {_key(k): snapshot(v) for k, v in value.items()}
    keeper = getattr(value, "to_plain", None)
    if keeper is not None:
        return keeper()
    fields = _fields(value)
    if fields is None:
        raise TypeError(f"cannot keep a {type(value).__name__} of the simulated world as plain data")
    return {name: snapshot(v) for name, v in fields.items()}


def restore(current: Any, saved: Any, where: str = "world") -> Any:
    """`current` (from a freshly built world) with the saved state written into it; returns the
    value to keep (the same object where it is mutable). ValueError names where shapes differ."""
    if isinstance(current, random.Random):
        current.setstate(_random_state(saved, where))
        return current
    if isinstance(current, enum.Enum):
        return type(current)(saved)
    if isinstance(current, _PLAIN):
        mixed = None not in (current, saved) and isinstance(current, str) != isinstance(saved, str)
        if not isinstance(saved, _PLAIN) or mixed:
            raise ValueError(f"{where}: saved {saved!r:.40} where the world holds a {type(current).__name__}")
        return saved
    if isinstance(current, (list, tuple)):
        if not isinstance(saved, list):
            raise ValueError(f"{where}: saved {type(saved).__name__} where the world holds a sequence")
        if all(isinstance(v, _PLAIN) for v in current) and all(isinstance(v, _PLAIN) for v in saved):
            return type(current)(saved)
        if len(saved) != len(current):
            raise ValueError(f"{where}: {len(saved)} saved items where the world holds {len(current)}")
        items = [restore(c, s, f"{where}[{i}]") for i, (c, s) in enumerate(zip(current, saved))]
        if isinstance(current, list):
            current[:] = items
            return current
        return tuple(items)
    if isinstance(current, dict):
        if not isinstance(saved, dict):
            raise ValueError(f"{where}: saved {type(saved).__name__} where the world holds a table")
        for key, value in saved.items():
            if key in current:
                current[key] = restore(current[key], value, f"{where}[{key!r}]")
            elif isinstance(value, dict) and _RANDOM in value:  # a generator made on the way (a link)
                current[key] = restore(random.Random(), value, f"{where}[{key!r}]")
            elif isinstance(value, _PLAIN) or _all_plain(value):
                current[key] = value
            else:
                raise ValueError(f"{where}[{key!r}]: saved, but the world has nothing there")
        return current
    if hasattr(current, "restore_plain"):
        current.restore_plain(saved, where)
        return current
    fields = _fields(current)
    if fields is None or not isinstance(saved, dict) or set(saved) != set(fields):
        raise ValueError(f"{where}: the saved state does not have the shape of a {type(current).__name__}")
    for name, value in saved.items():
        object.__setattr__(current, name, restore(fields[name], value, f"{where}.{name}"))
    return current


def _fields(value: Any) -> dict[str, Any] | None:
    """An object's own attributes (instance dict and slots), or None if it has none."""
    fields = dict(vars(value)) if hasattr(value, "__dict__") else {}
    for cls in type(value).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if hasattr(value, name):
                fields[name] = getattr(value, name)
    return fields if fields or hasattr(value, "__dict__") or hasattr(type(value), "__slots__") else None


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"cannot keep a table keyed by {type(key).__name__} as plain data")
    return key


def _all_plain(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, _PLAIN) for v in value)


def _random_state(saved: Any, where: str) -> tuple:
    try:
        version, internal, gauss = saved[_RANDOM]
        return version, tuple(int(x) for x in internal), gauss
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{where}: not the state of a random generator") from None
