"""The command groups of `bench`, as Typer builds them, made to start fast.

Help is Click's plain text, each command listed with the whole first paragraph of its help:
Typer's Rich help imports Rich's Markdown, syntax and traceback renderers, which cost more than
the rest of `bench --help`. And the commands' values (paths, text, numbers, lists of them) are
converted here rather than through the pydantic adapter Typer builds for each parameter
(importing pydantic and building the adapters cost `bench validate` more than its own work); a
value this does not take, an out-of-range number among them, goes to Typer's own conversion,
so every message is Typer's.

The command modules of bench.cli do without `from __future__ import annotations`: Typer reads
every command's annotations at each start, and evaluating them from strings doubled the time
it takes to build the commands.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, get_args, get_origin

import typer

try:  # Typer's conversion layer, where it builds a parameter's pydantic adapter (Typer 0.29)
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer._param_types import coerce_cli_path
except ImportError:  # a Typer without it: its parameters have no `type_descriptor`, and keep their conversion
    RuntimeParam = object  # type: ignore[misc,assignment]
try:  # the Click that Typer 0.29 carries inside; earlier Typers use Click itself
    from typer._click import echo
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:
    from click import echo
    from click.exceptions import NoArgsIsHelpError, UsageError

INTEGER = re.compile(r"[+-]?[0-9]{1,18}")  # longer ones go to Typer (int() refuses beyond 4300 digits)
DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


class PlainValue(RuntimeParam):
    """A parameter's conversion for the types the commands take: str, bool, int, float and Path,
    and lists of them; Typer's (pydantic) for any other value."""

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if get_origin(self.annotation) is list:
            kind = get_args(self.annotation)[0]
            items = value if isinstance(value, (list, tuple)) else [None]
            converted: Any = [self._one(kind, item, param, ctx) for item in items]
            taken = None not in converted
        else:
            converted = self._one(self.annotation, value, param, ctx)
            taken = converted is not None
        if taken:
            return converted
        return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)

    def _one(self, kind: type, value: Any, param: Any, ctx: Any) -> Any:
        """`value` as `kind`, or None when Typer's conversion must judge it."""
        if kind is str or kind is bool:
            return value if isinstance(value, kind) else None
        if kind is Path:
            if not isinstance(value, (str, os.PathLike)):
                return None
            return coerce_cli_path(Path(value), self.parameter_info, path_type=Path, param=param, ctx=ctx)
        if isinstance(value, str):
            if not (INTEGER if kind is int else DECIMAL).fullmatch(value):
                return None
            value = kind(value)
        elif isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int):
            return None
        info = self.parameter_info
        if info.min is not None and not value >= info.min or info.max is not None and not value <= info.max:
            return None  # out of range (or NaN): Typer words the refusal
        return kind(value)


SIMPLE = {str, bool, int, float, Path}


def plain_value(param: Any) -> PlainValue | None:
    """The conversion for a Typer parameter whose type and options PlainValue covers."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or descriptor.file_annotation is not None:
        return None
    info, annotation = descriptor.parameter_info, descriptor.annotation
    kind = get_args(annotation)[0] if get_origin(annotation) is list else annotation
    if kind not in SIMPLE or info.parser is not None or info.clamp or kind is Path and info.path_type is not None:
        return None
    return PlainValue(parameter_info=info, annotation=annotation)


class BenchGroup(typer.core.TyperGroup):
    """A `bench` command group: plain help that shows each command's first paragraph whole, the
    values of the group and of the command it runs converted by PlainValue, and a command-line
    mistake told in two lines (the error, where to find help) instead of Click's four."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _convert_plainly(self.get_params(ctx))
        with _brief_usage_errors():
            return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        with _brief_usage_errors():
            return super().invoke(ctx)

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[Any, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            _convert_plainly(command.get_params(ctx))
        return name, command, rest

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [(name, " ".join((command.help or "").split("\n\n")[0].split()))
                for name, command in self.commands.items() if not command.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@contextmanager
def _brief_usage_errors() -> Iterator[None]:
    """A usage error raised in the block shows the error and the help hint, not the usage line
    and a blank line before them (help asked for by giving no arguments still shows the help)."""
    try:
        yield
    except NoArgsIsHelpError:
        raise
    except UsageError as error:
        error.show = partial(_show_briefly, error)  # type: ignore[method-assign]
        raise


def _show_briefly(error: Any, file: Any = None) -> None:
    hint = f"\nTry '{error.ctx.command_path} --help' for help." if error.ctx is not None else ""
    echo(f"Error: {error.format_message()}{hint}", file=file, err=True)


def _convert_plainly(params: list[Any]) -> None:
    """Give Typer's parameters among `params` PlainValue, where it covers them, before Typer
    builds its own conversion (on a parameter's first value); and an argument taking several
    values its type as `<path>...` in the help, where Typer prints the annotation, `<list[Path]>`."""
    for param in params:
        if getattr(param, "_runtime_param", True) is None:
            param._runtime_param = plain_value(param)
        descriptor = getattr(param, "type_descriptor", None)
        if param.param_type_name == "argument" and descriptor is not None and get_origin(descriptor.annotation) is list:
            shown = f"<{get_args(descriptor.annotation)[0].__name__.lower()}>..."
            param.display_type_rich = lambda ctx, shown=shown: shown
