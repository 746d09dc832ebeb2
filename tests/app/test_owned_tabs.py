"""The health and digest tabs are rewritten whole, so only ever where the tool made them.

A user's tab under an owned name, or one whose name differs only in case, stops the run
before any write, with a message naming the tab and the config key; `check` says the
same. A marked tab, or an unmarked one with exactly the tool's header (written by an
older version), is the tool's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from fake_clock import FakeClock
from nightly_support import MONDAY, RecordingBackend, london, nightly_config, recording, sheet_tabs
from openpyxl import load_workbook

from sheets_keepup.app.run import make_digest, sync_locked
from sheets_keepup.backends.xlsx import write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core import health
from sheets_keepup.core.errors import DataError, ExitStatus

USER_ROWS = [["My notes", "keep these"], ["2026 goals", "call mum"]]


def workbook_with(tmp_path: Path, **extra_tabs: list[list[Any]]) -> tuple[Path, Path]:
    """A workbook with the sample contacts and `extra_tabs`, and a config naming it."""
    path = tmp_path / "contacts.xlsx"
    write_new_workbook(path, {**sheet_tabs(dt.date.today()), **extra_tabs})
    config = tmp_path / "sheets-keepup.yaml"
    data = {
        "source": {"kind": "xlsx", "path": str(path)},
        "state_dir": str(tmp_path / "state"),
        "timezone": "Europe/London",
    }
    config.write_text(yaml.safe_dump(data))
    return path, config


def flat(text: str) -> str:
    return " ".join(text.split())


def test_a_user_tab_named_like_the_health_tab_stops_the_sync(tmp_path: Path) -> None:
    workbook, config = workbook_with(tmp_path, keepup=USER_ROWS)
    before = workbook.read_bytes()
    result = CliRunner().invoke(main, ["sync", "-c", str(config)])
    assert result.exit_code == ExitStatus.DATA, result.output
    text = flat(result.output)
    assert "a tab named 'keepup' that sheets-keepup did not create" in text
    assert "health.tab" in text and "Nothing was written" in text
    assert workbook.read_bytes() == before, "not even the contacts were written"


def test_a_user_tab_named_like_the_digest_tab_stops_run_and_digest(tmp_path: Path) -> None:
    workbook, config = workbook_with(tmp_path, **{"This week": USER_ROWS})
    before = workbook.read_bytes()
    runner = CliRunner()
    for command in (["run", "--once"], ["digest"]):
        result = runner.invoke(main, [*command, "-c", str(config)])
        assert result.exit_code == ExitStatus.DATA, result.output
        text = flat(result.output)
        assert "'This week'" in text and "digest.tab" in text
        assert workbook.read_bytes() == before
    book = load_workbook(workbook)
    assert [list(r) for r in book["This week"].iter_rows(values_only=True)] == USER_ROWS


def test_a_tab_differing_only_in_case_is_refused_not_a_crash(tmp_path: Path) -> None:
    workbook, config = workbook_with(tmp_path, KEEPUP=USER_ROWS)
    before = workbook.read_bytes()
    result = CliRunner().invoke(main, ["sync", "-c", str(config)])
    assert result.exit_code == ExitStatus.DATA, result.output
    assert "Traceback" not in result.output
    text = flat(result.output)
    assert "a tab named 'KEEPUP', and health.tab is 'keepup'" in text
    assert "differ only in case" in text
    assert workbook.read_bytes() == before


def test_check_reports_the_same_clash(tmp_path: Path) -> None:
    workbook, config = workbook_with(tmp_path, keepup=USER_ROWS, **{"This Week": USER_ROWS})
    before = workbook.read_bytes()
    result = CliRunner().invoke(main, ["check", "-c", str(config)])
    assert result.exit_code == ExitStatus.DATA
    # Each finding starts with its mark; the console may wrap a long one.
    fails = [flat(part) for part in result.output.split("FAIL")[1:]]
    assert any("'keepup'" in f and "health.tab" in f for f in fails), result.output
    assert any("'This Week'" in f and "digest.tab" in f for f in fails), result.output
    assert "Ready:" not in result.output
    assert workbook.read_bytes() == before


def test_a_health_tab_an_older_version_wrote_is_taken_as_the_tools(tmp_path: Path) -> None:
    old = [list(health.LEGACY_HEADERS), ["Last sync", "2026-01-01 06:00 Europe/London"]]
    workbook, config = workbook_with(tmp_path, keepup=old)
    result = CliRunner().invoke(main, ["sync", "-c", str(config)])
    assert result.exit_code == ExitStatus.OK, result.output
    rows = list(load_workbook(workbook)["keepup"].iter_rows(values_only=True))
    assert rows[0][: len(health.HEADERS)] == health.HEADERS, "rewritten in today's layout"


def test_a_tab_with_a_header_close_to_the_tools_is_still_the_users(tmp_path: Path) -> None:
    # One word off the tool's header is someone's own table, not an older health tab.
    close = [[*health.LEGACY_HEADERS[:-1], "My own note"], ["Last sync", "yesterday"]]
    workbook, config = workbook_with(tmp_path, keepup=close)
    before = workbook.read_bytes()
    result = CliRunner().invoke(main, ["sync", "-c", str(config)])
    assert result.exit_code == ExitStatus.DATA
    assert workbook.read_bytes() == before


# --- in memory: marks ---------------------------------------------------------------------


def test_a_marked_tab_is_rewritten_whatever_it_holds(tmp_path: Path) -> None:
    config = nightly_config(tmp_path)
    backend = recording({**sheet_tabs(), "keepup": [["scribbled over"]]})
    backend.owned_tabs.add("keepup")
    sync_locked(
        backend, config, MONDAY, state_dir=tmp_path / "state", clock=FakeClock(london(MONDAY))
    )
    assert backend.tabs_written() == ["Contacts", "keepup"]
    assert "scribbled over" not in str(backend.tabs["keepup"])


def test_a_marked_tab_in_other_case_is_refused_and_says_to_use_its_name(tmp_path: Path) -> None:
    config = nightly_config(tmp_path)
    backend = recording({**sheet_tabs(), "KeepUp": [["the tool's, renamed by hand"]]})
    backend.owned_tabs.add("KeepUp")
    with pytest.raises(DataError) as caught:
        sync_locked(backend, config, MONDAY, state_dir=tmp_path / "state")
    assert "set health.tab to 'KeepUp' in the config" in flat(str(caught.value))
    assert backend.writes == 0


def test_the_digest_command_checks_only_its_own_tab(tmp_path: Path) -> None:
    config = nightly_config(tmp_path)
    backend = recording({**sheet_tabs(), "This week": USER_ROWS})
    with pytest.raises(DataError) as caught:
        make_digest(backend, config, MONDAY, state_dir=tmp_path / "state", write=True)
    assert "'This week'" in str(caught.value) and "digest.tab" in str(caught.value)
    assert backend.writes == 0
    # A preview writes nothing, so there is nothing to refuse.
    make_digest(backend, config, MONDAY, state_dir=tmp_path / "state", write=False)


def test_the_write_of_an_older_versions_tab_marks_it(tmp_path: Path) -> None:
    config = nightly_config(tmp_path)
    old = [list(health.LEGACY_HEADERS), ["Last sync", "2026-01-01 06:00 Europe/London"]]
    backend: RecordingBackend = recording({**sheet_tabs(), "keepup": old})
    sync_locked(
        backend, config, MONDAY, state_dir=tmp_path / "state", clock=FakeClock(london(MONDAY))
    )
    change = next(p for c in backend.applied for p in c.all_tabs() if p.tab == "keepup")
    assert change.create_tab
    assert "keepup" in backend.owned_tabs


# --- Google, on the offline fake ----------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[Any]:
    fake_google = pytest.importorskip("fake_google")
    fakesheets = pytest.importorskip("fakesheets")
    with fakesheets.FakeSheetsServer() as server:
        yield fake_google.FakeGoogle(server)


def test_on_google_a_user_tab_named_keepup_is_left_alone(tmp_path: Path, fake: Any) -> None:
    key = fake.create({**sheet_tabs(), "keepup": USER_ROWS})
    config = nightly_config(tmp_path, source={"kind": "google", "spreadsheet": key})
    fake.server.clear_log()
    with pytest.raises(DataError) as caught:
        sync_locked(fake.backend(key), config, MONDAY, state_dir=tmp_path / "state")
    assert "'keepup'" in str(caught.value) and "health.tab" in str(caught.value)
    assert fake.writes() == []
    assert fake.rows(key, "keepup") == USER_ROWS
