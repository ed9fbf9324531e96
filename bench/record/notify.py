"""The notification sink: one message when a run ends (a verdict, an operator stop, a fault), so
that nobody has to sit by an overnight test to learn how it went.

Where to: the station's [notify] table (bench.station.config.NotifyConfig), each URL replaced by
its environment variable when that is set (a technician's own phone for the night, the station
file unchanged): BENCH_NOTIFY_WEBHOOK, a URL that takes a JSON POST (stdlib urllib: Slack,
Mattermost, Teams, ntfy, a lab's own service), and BENCH_NOTIFY_APPRISE, an Apprise URL (mail,
Telegram, Signal, Pushover...; the optional `notify` extra).

Never in the way of the run: the message goes out on a thread of its own once the run has
ended (the bench is safe by then), each attempt bounded by a timeout; a failure is a log record
(logger bench.record.notify) and changes neither the verdict nor the exit code. The process
waits for the sending thread (at most the timeout) before it exits.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import urllib.parse
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

import bench
from bench.record.records import RunEnd, Sink
from bench.station.config import NOTIFY_KEYS, NotifyConfig, notify_url

ENVIRONMENT = {key: f"BENCH_NOTIFY_{key.upper()}" for key in NOTIFY_KEYS}  # override the station's URL
TIMEOUT = 10.0  # s an attempt may take
log = logging.getLogger(__name__)


def targets(station: NotifyConfig, environ: Mapping[str, str] = os.environ) -> NotifyConfig:
    """Where a run's end is told: the station's URLs, each replaced by its environment variable
    when set (an InputError naming the variable if its value is not a URL of its kind)."""
    given = {key: notify_url(key, environ[name], name, "") for key, name in ENVIRONMENT.items() if environ.get(name)}
    return replace(station, **given)


def where(url: str) -> str:
    """A URL as a log line may show it: scheme and host, never its path or credentials (a
    webhook's token, a mail password)."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}"


class Notifier(Sink):
    """Sends the message of the run's end to the webhook and the Apprise URL of `to`."""

    def __init__(self, to: NotifyConfig, meta: dict[str, Any], folder: Path, timeout: float = TIMEOUT) -> None:
        self.to = to
        self.meta = meta
        self.folder = folder
        self.timeout = timeout

    def run_end(self, record: RunEnd) -> None:
        # not a daemon: the process finishes sending (within the timeout) before it exits
        threading.Thread(target=self._send, args=(self.message(record.outcome),), name="bench-notify").start()

    def message(self, outcome: Any) -> dict[str, Any]:
        """What is said: the verdict and why, which run of which DUT on which station, and where its data is."""
        meta = self.meta
        serial = meta["dut"].get("serial")
        dut = " ".join(filter(None, (serial, f"({meta['dut'].get('simulated_preset')}, simulated)"
                                     if meta["station"].get("simulated") else None)))
        text = (f"{outcome.verdict}: {meta['profile']['name']}{f' of {dut}' if dut else ''} on "
                f"{meta['station']['name']} ({meta.get('host')}): {outcome.reason}")
        return {"text": text, "verdict": str(outcome.verdict), "reason": outcome.reason,
                "resumable": bool(getattr(outcome, "resumable", False)), "run_id": meta["id"],
                "profile": meta["profile"]["name"], "dut_serial": serial, "station": meta["station"]["name"],
                "simulated": bool(meta["station"].get("simulated")), "host": meta.get("host"),
                "operator": meta.get("operator"), "started": meta.get("started"), "ended": meta.get("ended"),
                "run_folder": str(self.folder.absolute()), "software": f"powerbench {bench.__version__}"}

    def _send(self, message: dict[str, Any]) -> None:
        for kind, send in (("webhook", self._post), ("apprise", self._apprise)):
            url = getattr(self.to, kind)
            if url is None:
                continue
            try:
                send(url, message)
            except Exception as exc:  # noqa: BLE001 - whatever fails, the run's end stands: it is logged
                log.warning("run end not notified to %s %s: %s: %s", kind, where(url), type(exc).__name__, exc)
            else:
                log.info("run end notified to %s %s", kind, where(url))

    def _post(self, url: str, message: dict[str, Any]) -> None:
        request = urllib.request.Request(url, data=json.dumps(message).encode("utf-8"), method="POST", headers={
            "Content-Type": "application/json", "User-Agent": f"powerbench/{bench.__version__}"})
        with urllib.request.urlopen(request, timeout=self.timeout) as reply:  # an HTTP error status raises
            reply.read(1 << 16)

    def _apprise(self, url: str, message: dict[str, Any]) -> None:
        import apprise

        sender = apprise.Apprise()
        if not sender.add(url):
            raise ValueError("not a URL Apprise knows")
        title = f"bench: {message['verdict']} {message['profile']}" + (
            f" {message['dut_serial']}" if message["dut_serial"] else "")
        if not sender.notify(title=title, body=f"{message['text']}\ndata: {message['run_folder']}"):
            raise RuntimeError("Apprise could not deliver it (its log says why)")
