"""The nightly job through the Google backend against the local fake Sheets API.

Counts the requests each run sends: a run with nothing new sends no write at all, the
health tab costs one batchUpdate at most, the digest one more once a week. Skipped
where the Google backend is not available.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nightly_support import MONDAY, london, nightly_config, sheet_tabs

google = pytest.importorskip("sheets_keepup.backends.google")
fakesheets = pytest.importorskip("fakesheets")

from fake_clock import FakeClock  # noqa: E402

from sheets_keepup.app.run import NightlyJob  # noqa: E402
from sheets_keepup.app.scheduler import NightlyRunner  # noqa: E402
from sheets_keepup.app.status import read_status  # noqa: E402
from sheets_keepup.core.settings import Config  # noqa: E402


@pytest.fixture
def server() -> Iterator[Any]:
    with fakesheets.FakeSheetsServer() as running:
        yield running


def google_config(tmp_path: Path, key: str) -> Config:
    return nightly_config(tmp_path, source={"kind": "google", "spreadsheet": key})


def run_night(server: Any, key: str, config: Config, when: dt.datetime) -> tuple[int, int]:
    """One `run --once` at `when`; returns (reads, writes) it sent."""
    server.clear_log()
    clock = FakeClock(when)

    def backend_factory(_config: Config) -> Any:
        return google.GoogleBackend(
            google.client_for(None, fakesheets.fake_session(server)), key, retry_wait=0.01
        )

    assert config.state_dir is not None
    job = NightlyJob(
        config, state_dir=config.state_dir, clock=clock, backend_factory=backend_factory
    )
    runner = NightlyRunner(
        job, at="06:00", timezone="Europe/London", state_dir=config.state_dir, clock=clock
    )
    assert int(runner.run_once()) == 0
    return server.request_count(kind="read"), server.request_count(kind="write")


def tab_values(server: Any, key: str, tab: str) -> dict[str, str]:
    rows = server.state.values(key, f"'{tab}'!A1:B30")
    return {str(r[0]): str(r[1]) for r in rows if len(r) >= 2 and r[0]}


def test_nightly_requests_on_google(tmp_path: Path, server: Any) -> None:
    key = server.state.create_spreadsheet(sheet_tabs(), title="contacts", locale="en_GB")
    config = google_config(tmp_path, key)

    # Monday: contacts, digest and health: three writes, each one batchUpdate.
    reads, writes = run_night(server, key, config, london(MONDAY, 6))
    assert writes == 3
    assert tab_values(server, key, "keepup")["Last sync"] == "2026-11-23 06:00 Europe/London"
    assert server.state.values(key, "'This week'!A1:A1")[0][0].startswith("This week: Monday")
    status = read_status(tmp_path / "state")
    assert status is not None and status.ok

    # Again the same day with nothing new: the read only, no write at all.
    reads, writes = run_night(server, key, config, london(MONDAY, 7))
    assert writes == 0
    assert reads == 1

    # Tuesday: only the health tab's daily refresh.
    reads, writes = run_night(server, key, config, london(MONDAY + dt.timedelta(days=1), 6))
    assert writes == 1
    assert tab_values(server, key, "keepup")["Last sync"] == "2026-11-24 06:00 Europe/London"
