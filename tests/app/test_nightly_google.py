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


def last_update(server: Any, key: str) -> str:
    """The health tab's "Updated" row as shown: its date cell (formatted) and its time."""
    rows = server.state.values(key, "'keepup'!A1:D30")
    row = next(r for r in rows if r and r[0] == "Updated")
    return f"{row[2]} {row[3]}"


def test_nightly_requests_on_google(tmp_path: Path, server: Any) -> None:
    key = server.state.create_spreadsheet(sheet_tabs(), title="contacts", locale="en_GB")
    config = google_config(tmp_path, key)

    # Monday, the first run: two reads; contacts with the health tab (structure, values),
    # the digest (one structure write: the new tab, its values and its links), then the
    # health tab's digest line (values).
    reads, writes = run_night(server, key, config, london(MONDAY, 6))
    assert (reads, writes) == (2, 4)
    assert last_update(server, key) == "2026-11-23 06:00 Europe/London"
    assert server.state.values(key, "'This week'!A1:A1")[0][0].startswith("This week: Monday")
    status = read_status(tmp_path / "state")
    assert status is not None and status.ok

    # Again the same day, and the next day, with nothing new: the reads only, no write.
    for when in (london(MONDAY, 7), london(MONDAY + dt.timedelta(days=1), 6)):
        reads, writes = run_night(server, key, config, when)
        assert (reads, writes) == (2, 0)
    assert last_update(server, key) == "2026-11-23 06:00 Europe/London"


def sixty_contacts(today: dt.date) -> dict[str, list[list[Any]]]:
    """60 contacts in four tiers, and a Log with three touches each."""
    tiers = ["close", "core", "network", "acquaintance"]
    header = ["Name", "Email", "Phone", "Tier", "Last contact", "Notes"]
    rows: list[list[Any]] = [header]
    log: list[list[Any]] = [["Date", "Who", "Kind", "Note"]]
    for n in range(60):
        name = f"Person {n:02d}"
        last = today - dt.timedelta(days=(n * 7) % 400)
        rows.append(
            [
                name,
                f"p{n:02d}@example.org",
                f"+44 20 7946 {n:04d}",
                tiers[n % 4],
                last,
                "Met at a conference; likes cycling",
            ]
        )
        for k, kind in enumerate(("email", "call", "coffee")):
            log.append([last - dt.timedelta(days=30 * (k + 1)), name, kind, "catch-up"])
    return {"Contacts": rows, "Log": log}


def test_the_request_budget_of_a_sixty_contact_sheet(tmp_path: Path, server: Any) -> None:
    """First sync <= 4 requests, an idle nightly <= 2 reads and no write (under 500 bytes
    read per contact, Log included), a nightly with one edited row <= 3 requests."""
    tuesday = MONDAY + dt.timedelta(days=1)  # not the digest day
    tabs = sixty_contacts(tuesday)
    key = server.state.create_spreadsheet(tabs, title="contacts", locale="en_GB")
    config = google_config(tmp_path, key)

    reads, writes = run_night(server, key, config, london(tuesday, 6))
    assert reads + writes <= 4 and writes >= 1

    reads, writes = run_night(server, key, config, london(tuesday, 7))
    assert (reads, writes) == (2, 0)
    _sent, received = server.bytes_transferred()
    assert received / 60 <= 500, received / 60
    assert sorted(r.name.rsplit(".", 1)[-1] for r in server.requests) == ["batchGet", "get"]

    # The user logs a coffee with one person on the Contacts tab itself.
    server.state.set_values(key, "Contacts!E9", [[tuesday.isoformat()]])
    reads, writes = run_night(server, key, config, london(tuesday, 8))
    assert (reads, writes) == (2, 1)
