"""Import and log on the Google backend, against the offline fake API: requests counted."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from fake_google import FakeGoogle

from sheets_keepup.app.contacts import import_contacts, log_touch
from sheets_keepup.app.sync import sync
from sheets_keepup.core.errors import DataError
from sheets_keepup.core.sample import sample_tabs
from sheets_keepup.core.settings import Config, SourceConfig
from sheets_keepup.core.touchlog import LOG_HEADERS

TODAY = dt.date(2026, 11, 23)
DAY = dt.date(2026, 11, 21)
FIXTURES = Path(__file__).resolve().parents[2] / "core" / "importers" / "fixtures"


def google_config(key: str) -> Config:
    return Config(source=SourceConfig(kind="google", spreadsheet=key))


def writes(fake: FakeGoogle) -> list[str]:
    return [r.path for r in fake.server.find_requests(kind="write")]


def test_import_is_one_read_and_one_batch_update(fake: FakeGoogle) -> None:
    tabs = sample_tabs(TODAY)
    tabs["Contacts"].append(["Jane Doe", "jane.doe@example.com"])
    key = fake.create(tabs)
    backend = fake.backend(key)
    config = google_config(key)
    before = fake.rows(key, "Contacts")
    fake.server.clear_log()
    summary = import_contacts(backend, FIXTURES / "google_contacts.csv", config, fill_empty=True)
    assert summary.written and summary.new and summary.fills
    [write] = fake.server.find_requests(kind="write")
    assert write.path.endswith(":batchUpdate")
    kinds = {next(iter(r)) for r in write.body["requests"]}
    assert "appendCells" in kinds and "updateCells" in kinds
    assert "formulaValue" not in json.dumps(write.body)
    # the read, then the identity re-read of the rows being filled (append-only writes skip it)
    assert fake.server.request_count(kind="read") == 2
    after = fake.rows(key, "Contacts")
    jane = len(before) - 1
    assert after[jane][:3] == ["Jane Doe", "jane.doe@example.com", "+1 555 0100"]
    assert [r[0] for r in after[len(before) :]] == [n.person.name for n in summary.new]

    fake.server.clear_log()
    again = import_contacts(backend, FIXTURES / "google_contacts.csv", config, fill_empty=True)
    assert again.new == [] and again.fills == [] and not again.written
    assert writes(fake) == [] and fake.server.request_count() == 1


def test_import_of_new_people_is_one_read_and_one_write(fake: FakeGoogle) -> None:
    key = fake.create(sample_tabs(TODAY))
    fake.server.clear_log()
    summary = import_contacts(
        fake.backend(key), FIXTURES / "linkedin_connections.csv", google_config(key)
    )
    assert summary.written and len(summary.new) == 5
    assert fake.server.request_count(kind="read") == 1
    assert len(writes(fake)) == 1 and fake.server.request_count() == 2
    added = fake.rows(key, "Contacts")[-5:]
    assert added[0][:4] == [
        "Jane Doe",
        "jane.doe@example.com",
        None,
        "Acme Widgets, Inc. / Head of Product",
    ]
    assert added[0][7] == dt.date(2024, 11, 12)


def test_import_dry_run_only_reads(fake: FakeGoogle) -> None:
    key = fake.create(sample_tabs(TODAY))
    fake.server.clear_log()
    summary = import_contacts(
        fake.backend(key), FIXTURES / "contacts_v4.vcf", google_config(key), dry_run=True
    )
    assert summary.new and not summary.written
    assert fake.server.request_count() == 1 and writes(fake) == []


def test_formula_looking_names_are_written_as_strings(fake: FakeGoogle, tmp_path: Path) -> None:
    key = fake.create({"Contacts": [["Name", "Email"], ["Ada", "ada@example.com"]]})
    csv = tmp_path / "Connections.csv"
    csv.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "=cmd,,,evil@example.com,,,\n",
        encoding="utf-8",
    )
    import_contacts(fake.backend(key), csv, google_config(key))
    assert fake.rows(key, "Contacts")[2] == ["=cmd", "evil@example.com"]


def test_log_creates_the_tab_in_one_write_and_sync_sees_it(fake: FakeGoogle) -> None:
    tabs = sample_tabs(TODAY)
    del tabs["Log"]
    key = fake.create(tabs)
    backend = fake.backend(key)
    config = google_config(key)
    fake.server.clear_log()
    plan = log_touch(backend, config, "bruno castillo", "coffee", note="x", day=DAY, today=TODAY)
    assert plan.written and plan.created_tab
    # Reading a missing tab costs the backend extra metadata reads; still one write.
    assert len(writes(fake)) == 1
    [write] = fake.server.find_requests(kind="write")
    kinds = [next(iter(r)) for r in write.body["requests"]]
    assert kinds[0] == "addSheet" and "appendCells" in kinds
    assert fake.rows(key, "Log") == [LOG_HEADERS, [DAY, "Bruno Castillo", "coffee", "x"]]
    result = sync(fake.backend(key), config, TODAY)
    bruno = result.plan.rows[result.plan.rows["name"] == "Bruno Castillo"].iloc[0]
    assert "thank-you" in bruno["next_action"]


def test_log_appends_one_row_under_the_existing_headers(fake: FakeGoogle) -> None:
    key = fake.create(sample_tabs(TODAY))
    backend = fake.backend(key)
    log_before = fake.rows(key, "Log")
    fake.server.clear_log()
    log_touch(backend, google_config(key), "dara@example.com", "call", day=DAY, today=TODAY)
    # an append checks no row's identity, so no pre-write read: one read, one write
    assert len(writes(fake)) == 1 and fake.server.request_count() == 2
    assert fake.rows(key, "Log") == [*log_before, [DAY, "Dara Nwosu", "call"]]


def test_log_for_an_unknown_person_sends_no_write(fake: FakeGoogle) -> None:
    key = fake.create(sample_tabs(TODAY))
    fake.server.clear_log()
    with pytest.raises(DataError):
        log_touch(fake.backend(key), google_config(key), "Nobody", "call", day=DAY)
    assert writes(fake) == [] and fake.server.request_count() == 1
