"""A real Radicale CalDAV server on 127.0.0.1, for the calendar read and reminder push tests.

`radicale_server` starts one per test module as a subprocess (`python -m radicale`), with
htpasswd authentication (plain passwords, one user), storage in a temporary folder and
no configuration file of the machine's; `RadicaleServer.restart` stops it and starts it
again on the same port and storage, as a server restart would. `caldav_calendar` makes a
fresh calendar for each test over CalDAV (MKCALENDAR), so tests never share events.
"""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import caldav
import pytest

USER = "keepup"
PASSWORD = "radicale-pw-7Qx!"
STARTUP_SECONDS = 30.0
_counter = itertools.count(1)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RadicaleServer:
    """One Radicale process and what a client needs to reach it."""

    root: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        htpasswd = self.root / "users"
        htpasswd.write_text(f"{USER}:{PASSWORD}\n", encoding="utf-8")
        log = (self.root / "radicale.log").open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "radicale",
                "--config",
                "",
                "--server-hosts",
                f"127.0.0.1:{self.port}",
                "--auth-type",
                "htpasswd",
                "--auth-htpasswd-filename",
                str(htpasswd),
                "--auth-htpasswd-encryption",
                "plain",
                "--rights-type",
                "owner_only",
                "--storage-filesystem-folder",
                str(self.root / "collections"),
                "--logging-level",
                "warning",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Until it accepts connections; a startup deadline, not a timing assertion."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                log = (self.root / "radicale.log").read_text(errors="replace")
                raise RuntimeError(f"Radicale exited at start:\n{log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("Radicale did not start listening")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self) -> caldav.DAVClient:
        return caldav.DAVClient(url=self.url, username=USER, password=PASSWORD)


@pytest.fixture(scope="module")
def radicale_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    server = RadicaleServer(tmp_path_factory.mktemp("radicale"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class CalDavCalendar:
    """A calendar made for one test: its address, and a client-side handle to fill it."""

    url: str
    handle: caldav.Calendar


@pytest.fixture
def caldav_calendar(radicale_server: RadicaleServer) -> CalDavCalendar:
    client = radicale_server.client()
    name = f"test-{next(_counter)}"
    handle = client.principal().make_calendar(name=name, cal_id=name)
    return CalDavCalendar(str(handle.url), handle)
