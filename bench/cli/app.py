"""The `bench` command. Heavy modules (pint, pyvisa, the simulator) are imported inside the
commands so that `bench --help` answers at once."""
# annotations evaluated as the module loads, not from strings: see bench.cli.group

import contextlib
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import typer

from bench.cli.group import BenchGroup
from bench.cli.index import DEFAULT_FILE, DbOption, index_command, runs, status
from bench.cli.instruments import instruments_app
from bench.cli.lot import lot
from bench.cli.report import after_run, report as report_command
from bench.cli.sim import sim_app
from bench.cli import exits
from bench.cli.console import VERDICT_STYLES, Lines, Screen, console as _console, tabulate

app = typer.Typer(cls=BenchGroup, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
                  help="Run charge/discharge test profiles on a power-bank / lithium-cell test bench.")
app.add_typer(instruments_app, name="instruments")
app.add_typer(sim_app, name="sim")

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _version(asked: bool) -> None:
    if asked:
        import bench

        typer.echo(f"powerbench {bench.__version__}")
        raise typer.Exit()


@app.callback()
def options(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                 help="Print the version and exit."),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, show_default=False,
                                help="Log to stderr what the bench does (-v), and the debug records too, PyVISA's "
                                     "of every VISA exchange among them (-vv)."),
    log_level: Optional[str] = typer.Option(
        None, "--log-level", metavar="LEVEL", envvar="BENCH_LOG_LEVEL", show_default=False,
        help=f"Log level on stderr, instead of -v: {', '.join(LOG_LEVELS)} (default WARNING)."),
) -> None:
    """Run charge/discharge test profiles on a power-bank / lithium-cell test bench."""
    # bench run / resume take the stop signals over themselves (bench.run.signals); every other
    # command gets Python's defaults back from the start-up handler (bench.cli.entry)
    if ctx.invoked_subcommand not in ("run", "resume"):
        import signal

        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if log_level is not None and log_level.upper() not in LOG_LEVELS:
        raise _invalid(f"--log-level: expected one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
    from bench.cli.logs import log_to_stderr

    log_to_stderr(log_level.upper() if log_level else LOG_LEVELS[max(0, 2 - verbose)])


SpeedOption = typer.Option(None, "--speed", min=0.001, metavar="N",
                           help="Simulated bench only: run at N x real time (default: as fast as possible).")
StationOption = typer.Option(None, "--station", "-s", metavar="FILE", help="Station file (default: the simulated bench).",
                             show_default=False)
ProductOption = typer.Option(
    None, "--product", "-p", metavar="FILE", show_default=False,
    help="Product file (its label), or a shipped one by name (bench products), to judge the DUT against; "
         "default: the simulated DUT preset's label, else the profile's [dut].")
StrictOption = typer.Option(False, "--strict", help="A plausibility warning is an error (exit 2, nothing switched "
                            "on): for CI.")
JUnitOption = typer.Option(None, "--junit", metavar="PATH", show_default=False,
                           help="Also write the run's junit.xml to PATH at its end (for CI).")
JsonOption = typer.Option(False, "--json", help="Print one JSON object on stdout at the end (verdict, exit code, "
                          "reason, run folder, criteria) and nothing else there: the view goes to stderr.")


def _error(exc: object, out: Any = None, what: str = "error") -> None:
    """`error: <message>` on stderr (or `out`), the message never read as markup."""
    _say(out, (f"{what}:", "bold red"), f" {exc}")


def _invalid(exc: object, out: Any = None) -> typer.Exit:
    _error(exc, out)
    return typer.Exit(exits.INVALID)


def _warning(finding: object, out: Any = None) -> None:
    """One line per plausibility warning of the pre-flight (bench.run.plausibility)."""
    _say(out, ("warning:", "bold yellow"), f" {finding}")


def _say(out: Any, *parts: str | tuple[str, str]) -> None:
    """One line of `parts` (text, or (text, style)) on `out`: a Lines, a Rich console (a run's
    screen), or when None stderr through Lines, so that an error before a run loads no Rich."""
    if out is None:
        out = Lines(stderr=True)
    if isinstance(out, Lines):
        out.line(*parts)
        return
    from rich.text import Text

    out.print(Text.assemble(*parts), soft_wrap=True)


@app.command()
def run(
    profile: Path = typer.Argument(..., help="Profile file (TOML), or the name of a shipped profile (bench profiles).",
                                   metavar="PROFILE", show_default=False),
    station: Optional[Path] = StationOption,
    log_dir: Path = typer.Option(Path("logs"), "--log-dir", metavar="DIR", help="Where run folders are created."),
    speed: Optional[float] = SpeedOption,
    serial: list[str] = typer.Option(
        [], "--serial", metavar="SERIAL", show_default=False,
        help="DUT serial number (recorded, and part of the run id); on a rack, one per channel in channel order."),
    serials: Optional[Path] = typer.Option(
        None, "--serials", metavar="FILE", show_default=False,
        help="A rack's serials, one per line in channel order ('-': no DUT on that channel; '#' comments). Without "
             "it or --serial, a real rack asks for each channel's on a terminal."),
    lot_id: Optional[str] = typer.Option(None, "--lot-id", metavar="LOT", show_default=False,
                                         help="The DUT's production lot (recorded and indexed: bench runs --lot)."),
    operator: Optional[str] = typer.Option(None, "--operator", metavar="NAME", help="Who runs the test (recorded)."),
    seed: Optional[int] = typer.Option(
        None, "--seed", metavar="N", min=1, help="Simulated bench only: unit N of the lot (its own capacity, resistances, leakage and "
                             "sensor noise); without it, the preset's nominal unit."),
    dut: Optional[str] = typer.Option(
        None, "--dut", metavar="PRESET", help="Simulated bench only: DUT preset (e.g. powerbank-20000, bench sim list), or a cell "
                            "simulated by PyBaMM, pybamm:<parameter set>[:<model>] (e.g. pybamm:Chen2020)."),
    product: Optional[Path] = ProductOption,
    defect: list[str] = typer.Option(
        [], "--defect", show_default=False, metavar="NAME[:param=value,...]",
        help="Simulated bench only, repeatable: a DUT or bench defect, e.g. 'micro-short:resistance=20 ohm' "
             "(bench sim list)."),
    strict: bool = StrictOption,
    parquet: bool = typer.Option(
        False, "--parquet", help="Also write the samples as Parquet (samples.bdf.parquet) when the run ends; needs "
                                 "pyarrow (pip install 'powerbench[parquet]')."),
    lot: Optional[int] = typer.Option(
        None, "--lot", min=3, max=1000, metavar="N",
        help="Simulated bench only: run N units of one lot (seeds SEED .. SEED+N-1, default 1 .. N; a run folder "
             "each), then compare them as bench lot does."),
    run_dir: Optional[Path] = typer.Option(
        None, "--run-dir", metavar="PATH", show_default=False,
        help="The run folder, created exactly at PATH instead of under --log-dir (refused if PATH exists and is "
             "not an empty folder; not with --lot)."),
    junit: Optional[Path] = JUnitOption,
    as_json: bool = JsonOption,
    report: bool = typer.Option(
        False, "--report", help="When the verdict is out, write the HTML report (bench report) into the run folder; "
                                "with --lot, each unit's and the lot's. A report that fails is one line: it never "
                                "changes the exit code."),
    db: Optional[str] = DbOption,
) -> None:
    """Run PROFILE and end with a verdict: exit 0 PASS, 1 FAIL, 2 invalid input, 3 ABORTED, 4 ERROR.

    A closed terminal or a broken pipe does not stop the run: the view detaches and the run goes
    on to its verdict (follow it in its run folder). With --lot, the exit code is the worst of the
    units' and, if they all pass, 1 when the lot has an outlier."""
    from bench.run.session import Request

    index = _index_url(db, log_dir)
    racked = _rack_station(station)
    if racked is not None:
        if lot is not None or run_dir or junit:
            raise _invalid(f"{'--lot' if lot is not None else '--run-dir' if run_dir else '--junit'}: not with a rack "
                           "station, whose channels each get a run folder (and junit.xml) in the lot folder")
        request = Request(profile, station, log_dir, speed, None, operator, seed, dut, tuple(defect), product, strict,
                          parquet=parquet, lot=lot_id, index=index)
        _drive_rack(profile.name, request, _rack_serials(racked, serial, serials), as_json=as_json, report=report)
    if serials is not None:
        raise _invalid("--serials: a rack station's serials (one DUT, one --serial)")
    if len(serial) > 1:
        raise _invalid("--serial: one DUT, one serial (several are for a rack station's channels)")
    dut_serial = serial[0] if serial else None
    if lot is not None and (run_dir or junit):
        raise _invalid(f"{'--run-dir' if run_dir else '--junit'}: not with --lot, which makes a run folder per unit "
                       "(use --log-dir: each unit's folder holds its junit.xml)")
    if lot is None:
        units = [Request(profile, station, log_dir, speed, dut_serial, operator, seed, dut, tuple(defect), product, strict,
                         run_dir=run_dir, junit=junit, parquet=parquet, lot=lot_id, index=index)]
    else:  # unit N is the one `--seed N` runs alone, and is named so
        seeds = range(1 if seed is None else seed, (1 if seed is None else seed) + lot)
        units = [Request(profile, station, log_dir, speed, f"{dut_serial or 'unit'}-{n}", operator, n, dut,
                         tuple(defect), product, strict, parquet=parquet, lot=lot_id, index=index) for n in seeds]

    def starting(request: Request) -> Start:
        def start(view: Any, announce: Callable[[Path], None]) -> tuple[Any, Path]:
            from bench.run.session import execute

            return execute(request, [view], announce, warn=_warning)
        return start
    _drive(profile.name, *map(starting, units), as_json=as_json, report=report,
           names=[str(u.serial) for u in units] if lot is not None else ())


@app.command()
def resume(
    run_dir: Path = typer.Argument(..., help="The run folder of the interrupted run.", metavar="RUN_DIR",
                                   show_default=False),
    speed: Optional[float] = SpeedOption,
    station: Optional[Path] = typer.Option(
        None, "--station", "-s", metavar="FILE", show_default=False,
        help="Station file to use instead of the one the run recorded (the differences are shown first)."),
    junit: Optional[Path] = JUnitOption,
    as_json: bool = JsonOption,
    db: Optional[str] = DbOption,
    log_dir: Optional[Path] = typer.Option(
        None, "--log-dir", metavar="DIR", show_default=False,
        help="Where the default run index is (bench.db; default: the folder that holds the run, or its lot, "
             "if it has one, else logs)."),
) -> None:
    """Take up an interrupted run (crash, kill -9, power cut, bench stop) from its last checkpoint; a rack
    run's lot folder: every channel that did not end."""
    from bench.record.rackfile import is_lot

    if log_dir is None:  # the index bench run kept beside the run folder (or its lot folder)
        holder = run_dir.parent.parent if is_lot(run_dir.parent) else run_dir.parent
        log_dir = holder if (holder / DEFAULT_FILE).is_file() else Path("logs")
    index = _index_url(db, log_dir)

    if is_lot(run_dir):
        if station is not None or junit is not None:
            raise _invalid(f"{'--station' if station else '--junit'}: not with a rack run, which goes on on its own "
                           "rack (each channel's junit.xml is in its run folder)")
        _drive_rack(run_dir.name, None, (), as_json=as_json, lot=run_dir, speed=speed, index=index)

    from bench.record.schema import RUN

    if not (run_dir / RUN).is_file():  # one line, before the run's folder is shown
        raise _invalid(f"{run_dir}: {'not a run folder (no ' + RUN + ')' if run_dir.is_dir() else 'no such folder'}")

    def start(view: Any, announce: Callable[[Path], None]) -> tuple[Any, Path]:
        from bench.run.session import resume as resume_run

        announce(run_dir)
        return resume_run(run_dir, speed, [view], station=station, junit=junit, index=index, warn=_warning)
    _drive(run_dir.name, start, as_json=as_json)


def _rack_station(station: Optional[Path]) -> Any:
    """The station file's config if it is a rack's (bench.station.rack), else None; a bad file is exit 2 here."""
    if station is None:
        return None
    from bench.errors import InputError
    from bench.station.config import load_station

    try:
        config = load_station(station)
    except InputError as exc:
        raise _invalid(exc) from None
    return config if config.rack is not None else None


def _rack_serials(station: Any, given: list[str], path: Optional[Path]) -> Optional[list[str]]:
    """A rack's serials: --serial repeated, or the --serials file; on a simulated rack none (its
    units); None on a real rack at a terminal without either: each channel's is asked for in turn."""
    import sys

    if path is not None:
        if given:
            raise _invalid("--serials: not with --serial (one or the other)")
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise _invalid(f"--serials: {path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
        return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if given or station.simulated or not sys.stdin.isatty():
        return given
    return None


def _ask_serial(console: Any, pending: Any = None, err: bool = False) -> Callable[[str], Optional[str]]:
    """Each channel's serial asked in turn, the channel started as soon as it is given ('-' or
    Enter: no DUT there); on stderr with `err` (--json: stdout holds the object alone). Ctrl-C at
    the prompt stops the rack (the channels running too); the end of input (Ctrl-D) means no DUT
    on this channel or any after it, and the channels given run on. `pending` (PendingPrompt):
    the running channels' lines go above the prompt."""
    from bench.cli.rack_view import PendingPrompt
    from bench.run import signals
    from bench.run.rack import EMPTY
    from bench.run.stops import OperatorStop

    pending = pending or PendingPrompt(console)
    try:  # input() then reads through readline: the line can be edited, and shown again under a channel's line
        import readline  # noqa: F401
    except ImportError:  # no readline (Windows): the typed text still counts, though a line above hides it
        pass

    console.print(f"the serial of each channel's DUT as it is plugged in ('{EMPTY}' or Enter: none there; Ctrl-D: "
                  "no more); each channel starts at once", markup=False)
    ended = False

    def ask(name: str) -> Optional[str]:
        nonlocal ended
        if ended:
            return None
        try:
            while True:
                with signals.interruptible(), pending.showing(f"channel {name}: "):
                    answer = typer.prompt(f"channel {name}", default=EMPTY, show_default=False,
                                          err=err).strip()
                if answer.isprintable():
                    break
                console.print(f"channel {name}: {answer!r} holds a control character (a tab?): type the serial "
                              "again", markup=False)
        except OperatorStop:
            console.print()  # off the prompt's line
            return None
        except typer.Abort:  # the end of input: what typer.prompt raises for it
            ended = True
            console.print()
            console.print(f"no more serials: channel {name} and the channels after it stay empty", markup=False)
            return None
        return None if answer in ("", EMPTY) else answer
    return ask


def _drive_rack(title: str, request: Any, serials: Optional[Sequence[str]], as_json: bool = False, report: bool = False,
                lot: Optional[Path] = None, speed: Optional[float] = None, index: Optional[str] = None) -> None:
    """A rack run (`request`) or the resume of one (`lot`): every channel under one view, then each
    channel's verdict, the lot compared (bench lot, its table also as lot.csv in the lot folder)
    and the exit code: the worst channel's, and 1 for an outlier if they all passed."""
    import sys

    from bench.cli.rack_view import PendingPrompt, PlainRackView, RackView, show_rack_verdicts
    from bench.errors import InputError
    from bench.record.rackfile import read_lot
    from bench.record.verdict import Verdict
    from bench.run import rack as racks
    from bench.run import signals
    from bench.run.stops import OperatorStop
    from bench.station.config import load_station

    screen = Screen()
    console = screen.console(stderr=as_json)
    pending = PendingPrompt(console)  # a real rack's serial prompt, the channels' lines above it
    try:
        channels = read_lot(lot)["channels"] if lot is not None else None
        if channels is not None:
            units = [(c["name"], c.get("serial")) for c in channels]
        elif serials is None:  # asked for as each DUT is plugged in
            units = [(name, None) for name in load_station(request.station).rack.channels]
        else:
            units = racks.units(request.station, serials, request.seed)
    except InputError as exc:
        raise _invalid(exc) from None
    with signals.handled(on_hangup=screen.hang_up):
        try:
            if (sys.stderr if as_json else sys.stdout).isatty() and serials is not None:  # no table under prompts
                view: Any = RackView(console, title, units, screen)
            else:
                view = PlainRackView(pending.echo, title, units, screen)

            def sinks_for(name: str, serial: Optional[str]) -> list[Any]:
                return [view.sink(name)]
            try:
                with view if isinstance(view, RackView) else contextlib.nullcontext():
                    if lot is None:
                        lot, runs = racks.execute(request, serials or (), sinks_for,
                                                  on_lot=lambda f: console.print(f"lot folder: {f}", markup=False),
                                                  warn=_warning, ask=None if serials is not None else
                                                  _ask_serial(console, pending, as_json))
                    else:
                        runs = racks.resume(lot, speed, sinks_for, index=index, warn=_warning)
            except InputError as exc:
                raise _invalid(exc, screen.console(stderr=True)) from None
            except OperatorStop as stop:
                console.print(f"stopped ({stop}) before any channel started: nothing was switched on", markup=False)
                raise typer.Exit(exits.VERDICT[Verdict.ABORTED]) from None
            ends = [(r, r.end) for r in runs if r.end is not None]  # every channel has ended, in this run or before
            show_rack_verdicts(console, [(r.name, r.serial, str(end.verdict), end.reason, r.folder) for r, end in ends])
            unsafe = [r.name for r, end in ends if not end.safe_confirmed]
            console.print(f"SAFE STATE NOT CONFIRMED on channel {', '.join(unsafe)}: see the reason" if unsafe else
                          "bench safe: every channel's load input and supply output read back off", markup=False)
            if any(r.outcome is not None and r.outcome.resumable for r in runs):
                console.print(f"bench resume {lot} takes up every channel that did not end", markup=False)
            ended = [(exits.VERDICT[end.verdict], end, r.folder) for r, end in ends]
            folders = [r.folder for r in runs]
            code, compared = _compare_lot(folders, console, lot / "lot.csv")
            codes = [c for c, _, _ in ended] + [code]
            if report:
                for _, _, folder in ended:
                    after_run([folder], console)
                after_run(folders, console)
            if as_json:
                screen.console().out(_result(ended, dict(compared, lot_folder=str(lot.absolute())), max(codes)),
                                     highlight=False)
        finally:
            if _ends_process:
                _hold_signals()
    raise typer.Exit(max(codes))


def _index_url(db: Optional[str], log_dir: Path) -> Optional[str]:
    """The run index a run keeps up to date (bench.cli.index.database_url; None: off); a bad URL is exit 2."""
    from bench.cli.index import database_url
    from bench.errors import InputError

    try:
        return database_url(db, log_dir)
    except InputError as exc:
        raise _invalid(exc) from None


@app.command("pause")
def pause_run(run_dir: Path = typer.Argument(..., help="The run folder (or a rack run's lot folder).", metavar="RUN_DIR",
                                             show_default=False)) -> None:
    """Pause a running test from another terminal: the DUT is made safe, monitoring goes on."""
    _control(run_dir, "pause")


@app.command("continue")
def continue_run(run_dir: Path = typer.Argument(..., help="The run folder (or a rack run's lot folder).", metavar="RUN_DIR",
                                                show_default=False)) -> None:
    """Continue a paused test: its step is set up again and carries on."""
    _control(run_dir, "continue")


@app.command("stop")
def stop_run(run_dir: Path = typer.Argument(..., help="The run folder (or a rack run's lot folder).", metavar="RUN_DIR",
                                           show_default=False)) -> None:
    """Stop a running test from another terminal, as Ctrl-C in its own would.

    The run ends ABORTED with its records complete and the bench safe; bench resume RUN_DIR
    continues it."""
    _control(run_dir, "stop")


ALREADY = {"pause": "already paused (bench continue carries on)", "continue": "not paused: nothing to continue",
           "stop": "a stop is already requested"}


def _ended_or_interrupted(run_dir: Path) -> str:
    """Why no process runs a run: it finished (and how), or it was interrupted (resume it)."""
    import json

    from bench.record.schema import RUN

    try:
        meta = json.loads((run_dir / RUN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    if isinstance(meta, dict) and meta.get("status") == "finished":
        return f"it has finished: {meta.get('verdict')}"
    return f"bench resume {run_dir} takes it up"


def _control(run_dir: Path, command: str) -> None:
    """Ask the process running `run_dir` (a rack's lot folder: every channel it still runs); what
    it was last asked is not asked again."""
    from bench.errors import InputError
    from bench.record.schema import RUN
    from bench.run import control
    from bench.record.rackfile import is_lot, read_lot

    if is_lot(run_dir):
        try:
            folders = [run_dir / c["folder"] for c in read_lot(run_dir)["channels"]]
        except InputError as exc:
            raise _invalid(exc) from None
        running = [folder for folder in folders if control.is_running(folder)]
        if not running:
            raise _invalid(f"{run_dir}: no process is running this rack run (bench resume takes up an interrupted one)")
    elif not (run_dir / RUN).exists():
        raise _invalid(f"{run_dir}: not a run folder (no {RUN})")
    elif not control.is_running(run_dir):
        raise _invalid(f"{run_dir}: no process is running this run ({_ended_or_interrupted(run_dir)})")
    else:
        running = [run_dir]
    for folder in running:
        asked = control.asked(folder)
        if asked == command or command == "continue" and asked is None:
            _console().print(f"{folder}: {ALREADY[command]}", markup=False)
            continue
        control.request(folder, command)
        _console().print(f"{command} requested for {folder}", markup=False)


Start = Callable[[Any, Callable[[Path], None]], tuple[Any, Path]]  # (view, announce) -> (outcome, run folder)


def _drive(title: str, *starts: Start, as_json: bool = False, report: bool = False, names: Sequence[str] = ()) -> None:
    """Run with the live view that fits the output, then show the verdict and exit with its code.
    Several runs (the units of a lot) run one after the other, until one is stopped; then the
    lot is compared (`bench lot`) and the exit code is the worst (`names`: the units', to say which
    a stop left unrun). `as_json`: all that goes to
    stderr, and stdout gets the result as one JSON object (`_result`). With `report`, each run's
    HTML report follows its verdict, and the lot's its comparison (`bench report`).

    From before anything slow to the exit, Ctrl-C and SIGTERM are requests the run looks at (a
    signal while the verdict prints changes nothing: the run is over) and SIGHUP detaches the
    screen; so does a write that fails (a closed terminal, a pipe whose reader quit)."""
    from bench.record.runfile import Ended
    from bench.run import signals

    screen = Screen()
    ended: list[tuple[int, Any, Path | None]] = []
    lot: dict[str, Any] | None = None
    with signals.handled(on_hangup=screen.hang_up):
        try:
            for start in starts:
                ended.append(_watch(screen, title, start, as_json))
                if report and ended[-1][2] is not None:
                    after_run([ended[-1][2]], screen.console(stderr=as_json))
                if signals.requested():
                    break
            codes = [code for code, _, _ in ended]
            if len(ended) < len(names):
                screen.console(stderr=as_json).print(
                    f"lot stopped: {', '.join(names[len(ended):])} not run (a unit named ...-N is bench run --seed N "
                    "alone)", markup=False, soft_wrap=True)
            if len(starts) > 1:
                folders = [f for _, _, f in ended if f is not None]
                code, lot = _compare_lot(folders, screen.console(stderr=as_json))
                codes.append(code)
                if report and len(folders) > 1:
                    after_run(folders, screen.console(stderr=as_json))
            if as_json:
                screen.console().out(_result([(c, Ended.of(o), f) for c, o, f in ended], lot, max(codes)),
                                     highlight=False)
        finally:
            if _ends_process:
                _hold_signals()
    raise typer.Exit(max(codes))


def _compare_lot(folders: list[Path], console: Any, csv: Optional[Path] = None) -> tuple[int, dict[str, Any]]:
    """The units of a lot run by `bench run --lot` (or a rack), compared as `bench lot` does: exit
    code 1 for an outlier, or for a lot that cannot be compared for another reason than too few
    units (those keep their own verdicts' exit code: a lot of two that passed is 0), else 0; and
    the comparison for --json. `csv`: the table written there too (bench lot --out)."""
    from bench.analysis.lot import TooFewUnits, collect, screen, write_csv
    from bench.cli.lot import show
    from bench.errors import InputError

    try:
        result = screen(collect(folders))
        if csv is not None:
            write_csv(result, csv)
    except InputError as exc:
        console.print(f"lot not compared: {exc}", soft_wrap=True, markup=False)
        code = exits.OK if isinstance(exc, TooFewUnits) else exits.OUTLIER
        return code, {"compared": False, "reason": str(exc), "outliers": []}
    show(result, console, csv)
    outliers = [{"run_folder": str(result.units[index].folder.absolute()), "metrics": [m.header for m in metrics]}
                for index, metrics in result.outliers.items()]
    return exits.OUTLIER if outliers else exits.OK, {"compared": True, "reason": None, "outliers": outliers}


def _result(ended: list[tuple[int, Any, Path | None]], lot: dict[str, Any] | None, code: int) -> str:
    """What --json prints: a run's verdict, exit code, reason, run folder and criteria (as run.json
    has them: a value of null was not measured), from (exit code, bench.record.runfile.Ended, run
    folder); with --lot, the exit code, each unit's object and the comparison."""
    import json

    units = [{"verdict": str(end.verdict), "exit_code": unit_code, "reason": end.reason,
              "run_folder": None if folder is None else str(folder.absolute()),
              "criteria": end.criteria} for unit_code, end, folder in ended]
    return json.dumps(units[0] if lot is None else {"exit_code": code, "units": units, "lot": lot})


def _watch(screen: Screen, title: str, start: Start, to_stderr: bool = False) -> tuple[int, Any, Path | None]:
    """The run under its view, then its verdict, on stdout (on stderr if `to_stderr`): returns the
    exit code, the outcome and the run folder (None if the run's records could not be started)."""
    import sys

    from bench.errors import InputError
    from bench.record.records import RecordError

    console = screen.console(stderr=to_stderr)
    drawn = (sys.stderr if to_stderr else sys.stdout).isatty()  # a panel redrawn; else lines
    if drawn:
        from bench.cli.live import RichView

        view: Any = RichView(console, title, screen)
    else:
        view = _plain_view(console, screen)

    def announce(folder: Path) -> None:
        console.print(f"run folder: {folder}", markup=False)
        view.run_dir = str(folder)
    try:
        with view if drawn else contextlib.nullcontext():
            outcome, folder = start(view, announce)
    except InputError as exc:
        raise _invalid(exc, screen.console(stderr=True)) from None
    except RecordError as exc:  # the run folder's files could not even be started: nothing switched on
        from bench.record.verdict import Verdict
        from bench.run.engine import Outcome

        reason = f"records: {exc}"
        _error(reason, screen.console(stderr=True))
        return exits.FAULT, Outcome(Verdict.ERROR, reason), None
    _show_verdict(console, outcome.verdict, outcome.reason, [r.to_json() for r in outcome.results], folder,
                  safe=not outcome.safe_problems, resumable=outcome.resumable)
    return exits.VERDICT[outcome.verdict], outcome, folder


def _plain_view(console: Any, screen: Screen) -> Any:
    """The view in a log or a pipe: lines printed as they are (never read as markup)."""
    from bench.cli.live import PlainView

    return PlainView(lambda line: console.print(line, markup=False), screen)


_ends_process = False  # set by main(): in the `bench` process, a run's end is the process's


def _hold_signals() -> None:
    """The run is over and the process exits with its verdict: from now on stop signals and SIGHUP
    stay pending for good, so that none can turn the exit code into a death by the signal once
    the run's handlers give way to the defaults."""
    import signal

    from bench.run.signals import HANGUP, STOPS

    if hasattr(signal, "pthread_sigmask"):  # not on Windows
        signal.pthread_sigmask(signal.SIG_BLOCK, {*STOPS, HANGUP} - {None})


def _show_verdict(console: Any, verdict: str, reason: str, criteria: list[dict[str, Any]], folder: Path,
                  safe: bool = False, resumable: bool = False) -> None:
    """Every criterion (as run.json has them), then the verdict across the screen, why, that the
    bench is safe (`safe`: every output read back off), how to go on (`resumable`: a stopped run),
    and where the data is."""
    from rich.align import Align
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from bench.analysis.criteria import NOT_MEASURED

    table = Table(show_edge=False, box=None, padding=(0, 2))
    for column in ("criterion", "value", "bounds", "outcome"):
        table.add_column(column)
    colours = {"PASS": "green", "MARGINAL": "yellow", "FAIL": "red", NOT_MEASURED: "dim"}
    for data in criteria:
        bounds = " ".join(f"{k} {data[k]:g}" for k in ("min", "max") if data.get(k) is not None)
        value = "not measured" if data.get("value") is None else f"{data['value']:.4g} {data['unit']}"
        table.add_row(Text(str(data["name"])), value, f"{bounds} {data['unit']}",
                      f"[{colours.get(data['outcome'], 'default')}]{escape(str(data['outcome']))}[/]")
    if criteria:
        console.print(table)
    console.print(Panel(Align.center(Text(f"\n{verdict}\n")), style=VERDICT_STYLES[str(verdict)]))
    console.print(reason, markup=False)
    if safe:
        console.print("bench safe: every load input and supply output read back off", markup=False)
    if resumable:
        console.print(f"bench resume {folder} takes the run up from its last checkpoint", markup=False)
    console.print(f"data: {folder}", markup=False)


@app.command()
def watch(run_dir: Path = typer.Argument(..., help="The run folder.", metavar="RUN_DIR", show_default=False)) -> None:
    """Follow a run from any terminal, read only (any number of viewers): the live view drawn from its
    files, until the run ends; then its verdict, and the exit code bench run gives it.

    A finished or stopped run is shown as it ended. A run killed without an end (kill -9, a power
    cut) writes nothing more: watch says so after a while, and bench resume takes it up."""
    import time

    from bench.errors import InputError
    from bench.record.records import Sinks
    from bench.run.follow import Follower

    screen = Screen()
    console = screen.console()
    if console.is_terminal:
        from bench.cli.live import RichView

        view: Any = RichView(console, run_dir.name, screen)
    else:
        view = _plain_view(console, screen)
    view.run_dir = str(run_dir)
    try:
        follower = Follower(run_dir, Sinks([view]))
    except InputError as exc:
        raise _invalid(exc) from None
    console.print(f"watching {run_dir} (read only: Ctrl-C stops watching, not the run)", markup=False)
    try:
        with view if console.is_terminal else contextlib.nullcontext():
            view.quiet = True  # what happened so far, at once; then as it comes
            follower.start()
            ended = follower.look()
            view.quiet = False
            view.show()
            silent = False
            while not ended:
                time.sleep(WATCH_POLL)
                ended = follower.look()
                if follower.quiet_for(SILENT) != silent:
                    silent = not silent
                    if silent:
                        console.print(f"nothing new from the run for over {SILENT:.0f} s: a run killed without an "
                                      f"end stays 'running' (bench resume {run_dir} takes it up)", markup=False)
    except KeyboardInterrupt:
        console.print("stopped watching; the run goes on", markup=False)
        raise typer.Exit(exits.OK) from None
    meta = follower.meta
    verdict = str(follower.ended.verdict)  # type: ignore[union-attr]
    _show_verdict(console, verdict, str(meta.get("reason", "")), meta.get("criteria") or [], run_dir,
                  safe=meta.get("safe_state_confirmed") is True, resumable=meta.get("status") == "stopped")
    raise typer.Exit(exits.VERDICT[follower.ended.verdict])  # type: ignore[union-attr]


WATCH_POLL = 0.5  # s between two looks at a watched run's files
SILENT = 60.0  # s without a new record after which `bench watch` says the run may be dead


@app.command()
def validate(
    profile: Path = typer.Argument(..., help="Profile file (TOML), or the name of a shipped profile (bench profiles).",
                                   metavar="PROFILE", show_default=False),
    station: Optional[Path] = StationOption,
    dut: Optional[str] = typer.Option(None, "--dut", metavar="PRESET", help="Simulated bench only: the DUT preset the run would use "
                                      "(or pybamm:<parameter set>[:<model>])."),
    product: Optional[Path] = ProductOption,
    strict: bool = StrictOption,
) -> None:
    """Check PROFILE (and its fit to the station and the product) and print the plan and its warnings, or the
    errors (exit 2)."""
    from bench.errors import InputError
    from bench.profile.reader import Loop
    from bench.run.preflight import plan
    from bench.units import hms

    warned: list[Any] = []
    try:
        checked = plan(profile, station, dut=dut, product=product, strict=strict, warn=warned.append)
    except InputError as exc:
        for finding in warned:  # --strict refused them
            _warning(finding)
        raise _invalid(exc) from None
    from bench.analysis.metrics import DISPLAY

    prof, sta, preset = checked.profile, checked.station, checked.preset
    out = Lines()  # every text below comes from a file: never read as markup
    out.line((prof.name, "bold"), f" ({profile})  sample period {prof.period:g} s")
    if prof.reference:
        out.line(f"source: {prof.reference}")

    r, label = prof.ratings, prof.product
    figures = ", ".join(f"{key.replace('_', ' ')} {text}" for key, text in label.written)
    where = f" ({label.source})" if label.text is not None else ""
    out.line(f"product: {label.name}{where}, a {r.kind}; {figures or 'no ratings'}")
    if preset:
        out.line(f"simulated DUT: {preset}")

    def show(items: tuple, indent: str) -> None:
        for item in items:
            if isinstance(item, Loop):
                stop = f", stopping when {item.stop_if.text}" if item.stop_if else ""
                out.line(f"{indent}repeat {item.repeat} times{stop}:")
                show(item.body, indent + "    ")
            else:
                guess = item.estimate(r)
                when = f"~{hms(guess)}" if guess is not None else "?"
                name = f" [{item.name}]" if item.name else ""
                unjudged = "" if item.regulation else " regulation off"
                out.line(f"{indent}{item.index:>2}. {item.text}{name}  ", (f"{when}{unjudged}", "dim"))
    out.line("steps:")
    show(prof.items, "  ")
    out.line(f"safety: station {sta.name!r} hard limits: {sta.limits.max_voltage:g} V, {sta.limits.max_current:g} A, "
             f"{sta.limits.max_power:g} W, {sta.limits.max_temperature:g} degC")
    if sta.rack is not None:
        out.line(f"rack: {len(sta.rack.channels)} DUT channels ({', '.join(sta.rack.channels)}) on "
                 f"{len(sta.rack.instruments)} shared instruments, each channel with these limits")
    for condition in prof.safety:
        out.line(f"  abort if {condition.text}")
    out.line("criteria:")
    for c in prof.criteria:
        unit, scale = DISPLAY[c.kind]
        written = dict(c.label)
        bounds = ", ".join(f"{w} {b * scale:.4g} {unit}" + (f" (= {written[w]})" if w in written else "")
                           for w, b in (("min", c.low), ("max", c.high)) if b is not None)
        where = f" of step {c.step!r}" if c.step else " of the run" if c.cycle is None else ""
        if c.cycle is not None:
            where += {"each": " in every cycle", "first": " in the first cycle", "last": " in the last cycle",
                      "trend": ": its slope per cycle"}[c.cycle]
        metric = f"{c.channel} {c.metric}" if c.channel else c.metric
        out.line(f"  {c.name}: {metric}{where}, {bounds}")
    total, unknown = prof.estimate()
    note = f" (not counted: {len(unknown)} step(s) ending on conditions only)" if unknown else ""
    out.line(f"estimated duration: ~{hms(total)} from the DUT ratings{note}")
    found = checked.warnings
    for finding in found:
        _warning(finding, out)
    many = len(found) > 1
    warned_of = f", with {len(found)} warning{'s' if many else ''} (--strict makes {'them' if many else 'it'} an error)"
    out.line(("valid", "green"), warned_of if found else "")


def method_of(reference: str) -> str:
    """A profile's `source` line cut to its method: the first clause, without the parenthesised
    details (a terminal's table cuts it further to fit; a pipe gets it whole)."""
    import re

    return " ".join(re.sub(r"\s*\([^)]*\)", "", reference).split(";")[0].split())


@app.command()
def profiles() -> None:
    """List the shipped profiles, which bench run and bench validate take by name (bench run capacity).
    In a pipe: one line per profile, its name, DUT kind, method and description separated by tabs."""
    from bench.errors import InputError
    from bench.profile.reader import load_profile, shipped_profiles

    try:
        loaded = {name: load_profile(path) for name, path in shipped_profiles().items()}
    except InputError as exc:
        raise _invalid(exc) from None
    rows = [(name, prof.ratings.kind, method_of(prof.reference), prof.description) for name, prof in loaded.items()]
    tabulate(("name", "DUT", "method", "description"), rows, "shipped profiles: bench run NAME")


@app.command()
def products() -> None:
    """List the shipped product labels, which --product takes by name: one per simulated DUT preset
    (the label it is judged against) and real-world examples. In a pipe: tab-separated lines."""
    from bench.errors import InputError
    from bench.product.label import load_product, shipped_products

    try:
        loaded = {name: load_product(path) for name, path in shipped_products().items()}
    except InputError as exc:
        raise _invalid(exc) from None
    rows = [(name, label.kind, " ".join(filter(None, (label.maker, label.model))),
             ", ".join(f"{key.replace('_', ' ')} {text}" for key, text in label.written))
            for name, label in loaded.items()]
    tabulate(("name", "kind", "maker, model", "label"), rows, "shipped products: --product NAME")


app.command("lot")(lot)
app.command("report")(report_command)
app.command("runs")(runs)
app.command("status")(status)
app.command("index")(index_command)


def main() -> None:
    """Entry point: anything unexpected is one line and exit 4, never a traceback."""
    global _ends_process
    _ends_process = True
    try:
        app(prog_name="bench")  # also as `python -m bench`
    except Exception as exc:  # the last guard; bench run already ends every run in safe state
        _error(f"{type(exc).__name__}: {exc}", what="internal error")
        raise SystemExit(exits.FAULT) from None
