"""Run index databases for tests: a SQLite file, or a database of its own on the PostgreSQL server
that BENCH_TEST_POSTGRES_URL names (`.ci/postgres.sh start` sets it; without it, PostgreSQL
cases are skipped); and a relay that makes a server go away and come back."""
from __future__ import annotations

import os
import socket
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

POSTGRES = os.environ.get("BENCH_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not POSTGRES, reason="no PostgreSQL server: BENCH_TEST_POSTGRES_URL is not set (.ci/postgres.sh start sets it)"))]

INDEX_PROFILE = """
name = "Index check"
period = "1 s"
steps = [{{ repeat = 2, steps = [{{ step = "Discharge at 1 A for 20 s", name = "discharge" }}, "Rest for 5 s"] }}]
[dut]
kind = "power bank"
[[criteria]]
name = "delivered capacity"
metric = "discharge capacity"
step = "discharge"
min = "{least}"
"""
PASSING, FAILING = INDEX_PROFILE.format(least="4 mAh"), INDEX_PROFILE.format(least="1 Ah")


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """The URL of an empty database: a SQLite file in `folder`, or a PostgreSQL database made for
    the caller and dropped after."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    assert POSTGRES is not None
    name = f"powerbench_{uuid.uuid4().hex[:12]}"
    server = make_url(POSTGRES)
    plain = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Relay:
    """A TCP relay on 127.0.0.1 to `target`, to stand between the bench and its server: `stop()` is
    the server going away (every connection cut, new ones refused), `start()` its return."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._open: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        listener.settimeout(0.05)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        for conn in self._open:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for conn in (source, sink):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class Silent:
    """A server on 127.0.0.1 that takes connections and never answers: a hung database server."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]

    def close(self) -> None:
        self.socket.close()
