"""The `bench` command groups (bench.cli.group): plain help that lists every command with the
first paragraph of its help, and every parameter's values taken and refused as Typer's own
conversion does, without pydantic."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from typer._coercion import build_runtime_param
from typer.testing import CliRunner

from bench.cli.app import app
from bench.cli.group import plain_value

# what a command line, an environment variable or a default may give; the numbers around the
# commands' bounds (--speed >= 0.001, --lot 3..1000, --baud >= 50)
SAMPLES = [None, "", "x", "12", "-3", "+5", "1.5", ".5", "1e3", "1_000", "nan", " 7 ", "0x10", "3", "1000",
           "1001", "49", "50", "0.0005", "0.001", 0, 3, 2.5, float("nan"), True, Path("logs"), (), ["1", "2"],
           ("a", 3)]


def parameters(command: Any, ctx: typer.Context) -> list[tuple[str, Any]]:
    """(command path, parameter) of `command` and of everything under it, --help included."""
    found = [(command.name, param) for param in command.get_params(ctx)]
    for sub in getattr(command, "commands", {}).values():
        found += [(f"{command.name} {path}", param) for path, param in parameters(sub, ctx)]
    return found


def outcome(conversion: Any, value: object, param: Any, ctx: typer.Context) -> tuple[str, str]:
    try:
        return "value", repr(conversion.coerce(value, param=param, ctx=ctx))
    except Exception as exc:  # noqa: BLE001 - the refusal itself is compared
        return type(exc).__name__, str(exc)


def test_every_parameter_takes_and_refuses_values_as_typer_does():
    group = typer.main.get_command(app)
    ctx = typer.Context(group)
    kinds = {}  # one parameter of each type and bounds: Typer's conversion depends on nothing else
    for path, param in parameters(group, ctx):
        assert plain_value(param) is not None, f"{path} --{param.name}: a type the plain conversion does not cover"
        info = param.type_descriptor.parameter_info
        kinds.setdefault((repr(param.type_descriptor.annotation), info.min, info.max, param.nargs), (path, param))
    for path, param in kinds.values():
        plain, typers = plain_value(param), build_runtime_param(param.type_descriptor)
        for value in SAMPLES:
            assert outcome(plain, value, param, ctx) == outcome(typers, value, param, ctx), (path, param.name, value)


def test_help_lists_every_command_with_the_first_paragraph_of_its_help():
    group = typer.main.get_command(app)
    runner = CliRunner(env={"COLUMNS": "100"})
    for path, commands in (([], group.commands), (["instruments"], group.commands["instruments"].commands),
                           (["sim"], group.commands["sim"].commands)):
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, result.output
        shown = " ".join(result.output.split())
        for name, command in commands.items():
            first_paragraph = " ".join(command.help.split("\n\n")[0].split())
            assert f" {name} {first_paragraph}" in shown
    assert "else the profile's [dut]." in " ".join(runner.invoke(app, ["run", "--help"]).output.split())


def test_a_command_line_mistake_is_two_lines_and_exit_2():
    """Click prints the usage line, a hint and a blank line before the error (four lines); the
    bench's standard for bad input is one or two lines."""
    import subprocess
    import sys

    for args, said in ((["run", "--bogus", "profiles/quick-check.toml"], "No such option: --bogus"),
                       (["runn"], "No such command 'runn'"),
                       (["run"], "Missing argument 'PROFILE'"),
                       (["sim", "lst"], "No such command 'lst'"),
                       (["run", "profiles/quick-check.toml", "--speed", "fast"], "Invalid value for '--speed'")):
        done = subprocess.run([sys.executable, "-m", "bench", *args], capture_output=True, text=True)
        lines = done.stderr.splitlines()
        assert done.returncode == 2, (args, done.stderr)
        assert len(lines) == 2 and said in lines[0] and lines[1].startswith("Try 'bench"), (args, done.stderr)
        assert done.stdout == "", args


def test_help_names_values_by_what_they_are_not_by_python_types():
    """'RUN_DIR <path>...', '--timeout S': never '<list[Path]>', '<float range>' or '<str>'."""
    group = typer.main.get_command(app)
    runner = CliRunner(env={"COLUMNS": "200"})
    paths = [[name] for name in group.commands] + [[sub, name] for sub in ("instruments", "sim", "index")
                                                   if hasattr(group.commands.get(sub), "commands")
                                                   for name in group.commands[sub].commands]
    for path in paths:
        shown = runner.invoke(app, [*path, "--help"]).output
        assert not any(odd in shown for odd in ("<list[", " range>", "<str>", "<int>", "<float>")), (path, shown)
