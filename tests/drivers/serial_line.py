"""A real serial line for byte-level driver tests: a pseudo-terminal whose far end runs a twin's
byte protocol in a thread, so pyserial, the bench's serial transport and the driver all run as
they would on an RS-232 / RS-485 / USB-serial port."""
from __future__ import annotations

import os
import select
import threading
from collections.abc import Iterator
from typing import Any


class PtyLine:
    """pyserial opens `tty`; every chunk it writes is fed to `twin.feed` and the twin's answer
    is written back. `received` keeps what reached the twin, in order."""

    def __init__(self, twin: Any) -> None:
        self.twin = twin
        self.master, self.slave = os.openpty()
        self.tty = os.ttyname(self.slave)
        self.received = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            if select.select([self.master], [], [], 0.02)[0]:
                data = os.read(self.master, 4096)
                self.received += data
                if reply := self.twin.feed(data):
                    os.write(self.master, reply)
            elif self._stop.is_set():  # stop only once the line is quiet: nothing sent is lost
                return

    def finish(self) -> None:
        """Stop serving once the line is quiet (the twin then holds all that was sent)."""
        self._stop.set()
        self._thread.join()

    def close(self) -> None:
        self.finish()
        os.close(self.slave)
        os.close(self.master)


def serve_on_pty(twin: Any) -> Iterator[PtyLine]:
    """The body of a fixture: `twin` on a PtyLine, closed after the test."""
    line = PtyLine(twin)
    yield line
    line.close()
