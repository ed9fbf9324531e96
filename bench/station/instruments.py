"""An opened station: instruments bound to roles, read together, and `safe()`, which puts
every load input and supply output off and confirms it by reading the state back."""
from __future__ import annotations

import threading
import time
from typing import Any, NamedTuple

from bench.station.config import ROLES, StationConfig
from drivers.roles import ChannelFault, InstrumentError
from drivers.transports import innermost

HUNG_MARGIN = 0.25  # s past its connection's timeout after which a call is taken as hung
SWITCHES = {"load": ("load input", "set_input", "input_on"),
            "supply": ("supply output", "set_output", "output_on")}  # role: what, switch off, read back


class Reading(NamedTuple):
    """One read of the whole station: DUT input (supply) and output (load) side, temperatures."""

    v_in: float
    i_in: float
    v_out: float
    i_out: float
    temps: dict[int, float | ChannelFault]  # by channel number


class InstrumentFault(InstrumentError):
    """An instrument error with the role it happened on, so the runner knows what to retry."""

    def __init__(self, role: str, error: Exception) -> None:
        super().__init__(f"{role}: {error}")
        self.role = role


def _tagged(role: str, call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except InstrumentError as exc:
        raise InstrumentFault(role, exc) from exc


class Station:
    """Opened instruments bound to roles. `safe()` is idempotent and never raises."""

    SAFE_ATTEMPTS = 3

    def __init__(self, config: StationConfig, instruments: dict[str, Any], world: Any = None) -> None:
        self.config = config
        self.world = world
        self.load = instruments["load"]
        self.supply = instruments["supply"]
        self.thermo = instruments["thermo"]
        self.names = tuple(config.channels)
        self.numbers = tuple(config.channels[n] for n in self.names)
        self._pool = None if config.simulated else _pool(len(instruments))
        self._replacing = threading.RLock()  # the watchdog's safe() and the run's reopen, one at a time

    def identify(self) -> dict[str, str]:
        return {role: getattr(self, role).identify() for role in ROLES}

    def read(self) -> Reading:
        """Every instrument read once.

        Separate connections are polled concurrently on a real bench; the simulated bench
        reads in order, which is faster and deterministic.
        """
        if self._pool is None:
            v_out, i_out = _tagged("load", self.load.measure)
            v_in, i_in = _tagged("supply", self.supply.measure)
            return Reading(v_in, i_in, v_out, i_out, _tagged("thermo", self.thermo.read, self.numbers))
        load = self._pool.submit(_tagged, "load", self.load.measure)
        supply = self._pool.submit(_tagged, "supply", self.supply.measure)
        temps = self._pool.submit(_tagged, "thermo", self.thermo.read, self.numbers)
        (v_out, i_out), (v_in, i_in) = load.result(), supply.result()
        return Reading(v_in, i_in, v_out, i_out, temps.result())

    def reopen(self, role: str) -> str:
        """Close and open one instrument again (a lost connection); returns its identity.

        The instrument may have been power-cycled meanwhile: the caller sets it up again.
        """
        self._replace(role)
        return _tagged(role, getattr(self, role).identify)

    def _replace(self, role: str) -> None:
        """A new driver on a new connection in place of the old one, which is cut first (a call
        hung on it is woken; some ports take one opener at a time)."""
        with self._replacing:
            old = getattr(self, role)
            transport = innermost(old.transport)
            try:
                if hasattr(transport, "sever"):
                    transport.sever()
                else:
                    old.close()
            except Exception:  # the connection is already broken; that is why it is replaced
                pass
            setattr(self, role, _open_role(self.config, role, self.world))

    def hung(self) -> list[str]:
        """The roles with a call in progress for longer than its connection's timeout allows."""
        out = []
        for role in ROLES:
            transport = innermost(getattr(self, role).transport)
            busy = getattr(transport, "busy", None)
            if busy is not None and busy() > getattr(transport, "_timeout", 0.0) + HUNG_MARGIN:
                out.append(role)
        return out

    def safe(self, fresh: bool = False) -> list[str]:
        """Load input off and supply output off, confirmed by reading the state back; returns
        what could not be done (empty when the bench is safe). Never raises, never waits on a
        hung call.

        Both switch-off commands go out before either is confirmed, so an instrument that does
        not answer cannot hold the other one on. An attempt that fails is made again through a
        new connection (a connection can hang while the instrument is fine). `fresh` (the
        watchdog: the silent loop's connections are suspect) cuts any hung call and switches
        off through new connections from the first attempt."""
        if fresh:
            for role in self.hung():
                if role not in SWITCHES:  # a stuck reader: woken with an error; the run reopens it
                    self._try(innermost(getattr(self, role).transport).sever)
        problems = []
        for role, (what, switch_off, is_on) in SWITCHES.items():
            if fresh:
                self._try(lambda: self._replace(role))
            self._try(lambda: getattr(getattr(self, role), switch_off)(False))
        for role, (what, switch_off, is_on) in SWITCHES.items():
            instrument = getattr(self, role)
            for attempt in range(self.SAFE_ATTEMPTS):
                try:
                    if attempt:
                        time.sleep(0.05 * (attempt - 1))
                        self._replace(role)
                        instrument = getattr(self, role)
                        getattr(instrument, switch_off)(False)
                    if not getattr(instrument, is_on)():
                        break
                    failure = "still reports on"
                except Exception as exc:  # every failure is retried, then reported, never raised
                    failure = str(exc)
                if attempt == self.SAFE_ATTEMPTS - 1:
                    problems.append(f"{what} not confirmed off: {failure}")
        return problems

    @staticmethod
    def _try(action: Any) -> None:
        try:
            action()
        except Exception:  # safe() reports what the read-back shows, not each step's failure
            pass

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
        for role in ROLES:
            try:
                getattr(self, role).close()
            except Exception:  # closing a connection that already failed is not news
                pass


def _pool(workers: int) -> Any:
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll")


def _open_role(config: StationConfig, role: str, world: Any) -> Any:
    from drivers.registry import open_instrument

    rc = config.roles[role]
    options = dict(rc.options)
    if role == "thermo":
        options["channels"] = dict(config.channels)
    return open_instrument(rc.driver, rc.resource, world=world, timeout=rc.timeout, **options)


def open_station(config: StationConfig, world: Any = None) -> Station:
    """Open every instrument; on failure, whatever was opened is closed."""
    opened: dict[str, Any] = {}
    try:
        for role in config.roles:
            opened[role] = _open_role(config, role, world)
    except Exception:
        for instrument in opened.values():
            try:
                instrument.close()
            except Exception:
                pass
        raise
    return Station(config, opened, world)
