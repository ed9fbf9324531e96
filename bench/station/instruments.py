"""An opened station: instruments bound to roles, read together, and `safe()`, which puts
every load input and supply output off and confirms it by reading the state back."""
from __future__ import annotations

import time
from typing import Any, NamedTuple

from bench.station.config import ROLES, StationConfig
from drivers.roles import ChannelFault, InstrumentError


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
        old = getattr(self, role)
        try:
            old.close()
        except Exception:  # the connection is already broken; that is why it is reopened
            pass
        setattr(self, role, _open_role(self.config, role, self.world))
        return _tagged(role, getattr(self, role).identify)

    def safe(self) -> list[str]:
        """Load input off and supply output off, each retried and confirmed by reading the state
        back; returns what could not be done (empty when the bench is safe). Never raises."""
        problems = []
        for what, switch_off, is_on in (
            ("load input", lambda: self.load.set_input(False), self.load.input_on),
            ("supply output", lambda: self.supply.set_output(False), self.supply.output_on),
        ):
            for attempt in range(self.SAFE_ATTEMPTS):
                try:
                    switch_off()
                    if not is_on():
                        break
                    failure = "still reports on"
                except Exception as exc:  # every failure is retried, then reported, never raised
                    failure = str(exc)
                if attempt == self.SAFE_ATTEMPTS - 1:
                    problems.append(f"{what} not confirmed off: {failure}")
                else:
                    time.sleep(0.05)
        return problems

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
    return open_instrument(rc.driver, rc.resource, world=world, **options)


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
