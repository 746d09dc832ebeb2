"""The nightly job on an in-memory sheet, driven by a fake clock."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest
from core_helpers import HEADERS
from fake_clock import FakeClock
from nightly_support import (
    MONDAY,
    RecordingBackend,
    SimClock,
    london,
    nightly_config,
    recording,
    sheet_tabs,
    tab_text,
)

from sheets_keepup.app.lock import SyncLock
from sheets_keepup.app.run import NightlyJob, status_view, sync_locked
from sheets_keepup.app.scheduler import NightlyRunner
from sheets_keepup.app.status import read_status
from sheets_keepup.core.errors import DataError, ExitStatus, LockedError, SheetChangedError
from sheets_keepup.core.model import ChangeSet
from sheets_keepup.core.settings import Config


def health_when(backend: RecordingBackend, label: str) -> str:
    """A row of the health tab's date (a date cell) and time, as 'YYYY-MM-DD HH:MM Zone'."""
    row = next(r for r in backend.tabs["keepup"] if r and r[0] == label)
    day, time_of_day = row[2], row[3]
    assert isinstance(day, dt.date), "a real date cell, not text"
    return f"{day.isoformat()} {time_of_day}"


def job_for(
    config: Config, backend: RecordingBackend, clock: FakeClock, **kwargs: object
) -> NightlyJob:
    assert config.state_dir is not None
    return NightlyJob(
        config,
        state_dir=config.state_dir,
        clock=clock,
        backend_factory=lambda _config: backend,
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_week_of_nights_runs_without_waiting(tmp_path: Path) -> None:
    config = nightly_config(tmp_path)
    backend = recording(sheet_tabs())
    # Sunday morning: a first start waits for Monday 06:00, then runs every night.
    clock = SimClock(london(MONDAY - dt.timedelta(days=1), 7), london(MONDAY + dt.timedelta(6), 7))
    runner = NightlyRunner(
        job_for(config, backend, clock),
        at="06:00",
        timezone="Europe/London",
        state_dir=tmp_path / "state",
        clock=clock,
    )
    clock.runner = runner
    started = time.perf_counter()
    assert runner.serve() == ExitStatus.INTERRUPTED
    assert time.perf_counter() - started < 10

    written = backend.tabs_written()
    # One read per night, seven nights.
    assert backend.reads == 7
    # The digest once (Monday); contacts only when they change, the health tab riding
    # along in the same write; the health tab alone only for the digest's line.
    writes = backend.writes_of()
    assert written.count("This week") == 1
    assert writes[:3] == [["Contacts", "keepup"], ["This week"], ["keepup"]]
    assert all(w[0] == "Contacts" for w in writes[3:])
    assert len(writes) < 7 + 2
    assert "Monday 23 November 2026" in backend.tabs["This week"][0][0]
    status = read_status(tmp_path / "state")
    assert status is not None and status.ok
    assert status.last_success == london(MONDAY + dt.timedelta(days=6))
    assert tab_text(backend, "keepup")["Updated"] == "ok"
    assert health_when(backend, "Updated").endswith("06:00 Europe/London")


def test_nights_missed_while_asleep_are_caught_up_once_on_wake(tmp_path: Path) -> None:
    config = nightly_config(tmp_path)
    backend = recording(sheet_tabs())
    clock = SimClock(london(MONDAY, 5), london(MONDAY + dt.timedelta(days=4), 7))
    # Asleep from Monday 23:00 until Thursday 05:00: Tuesday and Wednesday are missed.
    clock.suspend_at = london(MONDAY, 23)
    clock.suspend_for = dt.timedelta(days=2, hours=6)
    runner = NightlyRunner(
        job_for(config, backend, clock),
        at="06:00",
        timezone="Europe/London",
        state_dir=tmp_path / "state",
        clock=clock,
    )
    clock.runner = runner
    runner.serve()
    # Monday, one catch-up on waking on Thursday at 05:00, then Thursday and Friday 06:00.
    assert backend.reads == 4
    # Monday: contacts with the health tab, the digest, the health tab's digest line.
    # Later nights write only when something changed, the health tab riding along.
    writes = backend.writes_of()
    assert writes[:3] == [["Contacts", "keepup"], ["This week"], ["keepup"]]
    assert all(w[0] == "Contacts" for w in writes[3:])
    status = read_status(tmp_path / "state")
    assert status is not None and status.last_success == london(MONDAY + dt.timedelta(4))


def test_health_tab_shows_the_last_sync(tmp_path: Path) -> None:
    config = nightly_config(tmp_path)
    backend = recording(sheet_tabs())
    clock = FakeClock(london(MONDAY, 6, 0))
    outcome = job_for(config, backend, clock)()
    assert outcome.ok
    health = tab_text(backend, "keepup")
    assert health_when(backend, "Updated") == "2026-11-23 06:00 Europe/London"
    assert health["Updated"] == "ok"
    assert health["Contacts"] == "5"
    assert health["Overdue"] == str(outcome.overdue) and outcome.overdue >= 2
    assert health["Problems"] == "1"
    assert health["Problem cells"].startswith("'Contacts'")
    assert "last spring" not in str(backend.tabs["keepup"])  # references, not contents
    assert health_when(backend, "Next scheduled run") == "2026-11-24 06:00 Europe/London"
    assert health["Weekly digest"] == "'This week' written 2026-11-23"
    change = next(c for c in backend.applied if c.tab == "keepup")
    assert change.replace and change.create_tab and change.identity is None


def test_a_sync_by_hand_claims_no_schedule_it_does_not_know(tmp_path: Path) -> None:
    """`sync` alone: nothing is known to run the job, so the health tab says so. After a
    scheduled run, a sync by hand repeats that run's next time instead of inventing one."""
    config = nightly_config(tmp_path)
    backend = recording(sheet_tabs())
    state = tmp_path / "state"
    sync_locked(backend, config, MONDAY, state_dir=state, clock=FakeClock(london(MONDAY, 9)))
    row = next(r for r in backend.tabs["keepup"] if r and r[0] == "Next scheduled run")
    assert row[1] == "not scheduled"

    assert job_for(config, backend, FakeClock(london(MONDAY + dt.timedelta(1), 6)))().ok
    assert health_when(backend, "Next scheduled run") == "2026-11-25 06:00 Europe/London"
    ada = next(r for r in backend.tabs["Contacts"] if r and r[0] == "Ada Lovelace")
    ada[HEADERS.index("Last contact")] = MONDAY + dt.timedelta(1)  # an edit: the sync writes
    later = FakeClock(london(MONDAY + dt.timedelta(1), 15))
    assert sync_locked(backend, config, MONDAY + dt.timedelta(1), state_dir=state, clock=later)
    assert health_when(backend, "Next scheduled run") == "2026-11-25 06:00 Europe/London"


def test_a_second_sync_with_nothing_new_writes_nothing(tmp_path: Path) -> None:
    config = nightly_config(tmp_path)
    backend = recording(sheet_tabs())
    clock = FakeClock(london(MONDAY, 9))
    sync_locked(backend, config, MONDAY, state_dir=tmp_path / "state", clock=clock)
    assert backend.tabs_written() == ["Contacts", "keepup"]
    clock.advance(dt.timedelta(hours=3))
    result = sync_locked(backend, config, MONDAY, state_dir=tmp_path / "state", clock=clock)
    assert not result.written
    assert backend.tabs_written() == ["Contacts", "keepup"], "no write at all"
    # The next day, with nothing new, still no write: the tab says when it was updated.
    clock.advance(dt.timedelta(days=1))
    sync_locked(backend, config, MONDAY, state_dir=tmp_path / "state", clock=clock)
    assert backend.tabs_written() == ["Contacts", "keepup"]
    assert health_when(backend, "Updated") == "2026-11-23 09:00 Europe/London"


def test_health_is_rewritten_the_same_day_when_its_content_changes(tmp_path: Path) -> None:
    config = nightly_config(tmp_path)
    backend = recording(sheet_tabs())
    clock = FakeClock(london(MONDAY, 9))
    sync_locked(backend, config, MONDAY, state_dir=tmp_path / "state", clock=clock)
    backend.tabs["Contacts"][1][3] = "platinum"  # Ada's tier cell becomes unreadable
    clock.advance(dt.timedelta(minutes=5))
    sync_locked(backend, config, MONDAY, state_dir=tmp_path / "state", clock=clock)
    assert backend.tabs_written() == ["Contacts", "keepup", "Contacts", "keepup"]
    health = tab_text(backend, "keepup")
    assert health["Problems"] == "2"
    # Ada's row is named, by row or by cell depending on how the planner reports it.
    assert re.search(r"'Contacts'(!D2| row 2)\b", health["Problem cells"])


def test_health_tab_can_be_turned_off(tmp_path: Path) -> None:
    config = nightly_config(tmp_path, health={"enabled": False})
    backend = recording(sheet_tabs())
    sync_locked(
        backend, config, MONDAY, state_dir=tmp_path / "state", clock=FakeClock(london(MONDAY))
    )
    assert backend.tabs_written() == ["Contacts"]


def test_a_failed_sync_writes_nothing_and_sets_the_exit_status(tmp_path: Path) -> None:
    config = nightly_config(tmp_path, tabs={"contacts": "People"})
    backend = recording(sheet_tabs())
    clock = FakeClock(london(MONDAY, 6))
    job = job_for(config, backend, clock)
    with pytest.raises(DataError):
        job()
    # A workbook source: the failure goes to the status file only, never into the sheet.
    assert backend.writes == 0 and "keepup" not in backend.tabs
    runner = NightlyRunner(
        job, at="06:00", timezone="Europe/London", state_dir=tmp_path / "state", clock=clock
    )
    assert runner.run_once() == ExitStatus.DATA
    status = read_status(tmp_path / "state")
    assert status is not None and not status.ok and "No tab named" in status.message


def test_requests_are_counted_from_the_backend(tmp_path: Path) -> None:
    config = nightly_config(tmp_path)
    backend = recording(sheet_tabs())
    clock = FakeClock(london(MONDAY, 6))
    runner = NightlyRunner(
        job_for(config, backend, clock),
        at="06:00",
        timezone="Europe/London",
        state_dir=tmp_path / "state",
        clock=clock,
    )
    assert runner.run_once() == ExitStatus.OK
    status = read_status(tmp_path / "state")
    assert status is not None
    # one read; contacts, digest and health writes
    assert status.requests == backend.reads + backend.writes == 4


def test_a_second_sync_is_refused_while_one_holds_the_lock(tmp_path: Path) -> None:
    config = nightly_config(tmp_path)
    backend = recording(sheet_tabs())
    with SyncLock(tmp_path / "state"), pytest.raises(LockedError) as caught:
        sync_locked(backend, config, MONDAY, state_dir=tmp_path / "state")
    assert caught.value.exit_status == ExitStatus.LOCKED
    assert "another sync" in str(caught.value)
    assert backend.reads == 0 and backend.writes == 0


def test_digest_is_caught_up_after_a_missed_day_but_not_started_mid_week(tmp_path: Path) -> None:
    config = nightly_config(tmp_path)
    backend = recording(sheet_tabs())
    wednesday = MONDAY + dt.timedelta(days=2)
    job_for(config, backend, FakeClock(london(wednesday)))()
    assert "This week" not in backend.tabs_written(), "a fresh state folder waits for Monday"
    job_for(config, backend, FakeClock(london(MONDAY + dt.timedelta(days=7))))()
    assert backend.tabs_written().count("This week") == 1
    # The laptop sleeps through the next Monday: Tuesday's run writes the digest.
    job_for(config, backend, FakeClock(london(MONDAY + dt.timedelta(days=15))))()
    assert backend.tabs_written().count("This week") == 2
    assert "Tuesday 8 December 2026" in backend.tabs["This week"][0][0]


def test_status_view_reads_the_state_folder(tmp_path: Path) -> None:
    config = nightly_config(tmp_path)
    backend = recording(sheet_tabs())
    clock = FakeClock(london(MONDAY, 6))
    sync_locked(backend, config, MONDAY, state_dir=tmp_path / "state", clock=clock)
    view = status_view(config, tmp_path / "state", london(MONDAY, 7), backend.describe())
    lines = dict(view.lines())
    assert lines["Sheet"] == backend.describe()
    assert lines["State folder"] == str(tmp_path / "state")
    assert lines["Last sync"] == "2026-11-23 06:00 Europe/London"
    assert lines["Result"].startswith("ok")
    assert lines["Contacts"] == "5"
    # No `run` loop serves the sheet: no next run is promised, scheduling is explained.
    assert lines["Next scheduled run"].startswith("none known")
    assert "sheets-keepup run --once" in lines["Next scheduled run"]


def test_a_failed_digest_write_fails_the_run_so_that_it_is_retried(tmp_path: Path) -> None:
    class DigestRefused(RecordingBackend):
        refuse = True

        def apply(self, changes: ChangeSet) -> None:
            if changes.tab == "This week" and self.refuse:
                raise SheetChangedError("the sheet changed while writing the digest")
            super().apply(changes)

    config = nightly_config(tmp_path)
    backend = DigestRefused(tabs={t: [list(r) for r in rows] for t, rows in sheet_tabs().items()})
    clock = FakeClock(london(MONDAY, 6))
    runner = NightlyRunner(
        job_for(config, backend, clock),
        at="06:00",
        timezone="Europe/London",
        state_dir=tmp_path / "state",
        clock=clock,
    )
    assert runner.run_once() == ExitStatus.DATA
    # The contacts and the health tab went out in one write before the digest failed;
    # the failure itself is not written into a workbook (the status has it).
    assert backend.writes_of() == [["Contacts", "keepup"]]
    assert tab_text(backend, "keepup")["Weekly digest"] != "'This week' written 2026-11-23"
    status = read_status(tmp_path / "state")
    assert status is not None and "the sheet changed" in status.message
    backend.refuse = False
    assert runner.run_once() == ExitStatus.OK
    assert backend.writes_of()[1:] == [["This week"], ["keepup"]]
    assert tab_text(backend, "keepup")["Updated"] == "ok"
    assert tab_text(backend, "keepup")["Weekly digest"] == "'This week' written 2026-11-23"
