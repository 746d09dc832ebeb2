"""The Google backend over real gspread and real HTTP, against the offline fake API."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
import requests
from fake_google import FakeGoogle, colour_hex
from fakesheets import fake_session

from sheets_keepup.app.sync import sync
from sheets_keepup.backends.google.backend import decode_grid_read
from sheets_keepup.backends.google.decode import ReadCell
from sheets_keepup.backends.google.transport import client_for
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.core.errors import AccessError, AuthError, NetworkError, SheetChangedError
from sheets_keepup.core.model import CellWrite, ChangeSet, Identity
from sheets_keepup.core.sample import sample_tabs
from sheets_keepup.core.settings import Config, SourceConfig

TODAY = dt.date(2026, 11, 23)
OWNED = 3


def google_config(key: str) -> Config:
    return Config(source=SourceConfig(kind="google", spreadsheet=key))


def sample_key(fake: FakeGoogle) -> str:
    return fake.create(sample_tabs(TODAY))


def test_request_budget_first_second_and_small_edit(fake: FakeGoogle) -> None:
    key = sample_key(fake)
    backend = fake.backend(key)
    config = google_config(key)

    first = sync(backend, config, TODAY)
    assert first.written
    # two reads sent together; the structure (anchors, marks, rules, headers), the values
    assert fake.server.request_count(kind="read") == 2
    assert fake.server.request_count(kind="write") == 2
    assert fake.server.request_count() == 4

    fake.server.clear_log()
    second = sync(backend, config, TODAY)
    assert not second.written and not second.changes
    assert fake.server.request_count() == 2
    assert fake.server.request_count(kind="write") == 0

    # the user logs a coffee with one person: a 1-row change
    with fake.server.state.edit(key) as book:
        sheet = book.sheet_by_title("Log")
        assert sheet is not None
        sheet.cells[(8, 0)] = {"userEnteredValue": {"numberValue": 46349}}
        sheet.cells[(8, 1)] = {"userEnteredValue": {"stringValue": "Chen Wei"}}
        sheet.cells[(8, 2)] = {"userEnteredValue": {"stringValue": "coffee"}}
    fake.server.clear_log()
    third = sync(backend, config, TODAY)
    assert third.written and third.changes.rows_touched == 1
    assert fake.server.request_count() == 3
    assert fake.server.request_count(kind="write") == 1
    [write] = fake.server.find_requests(kind="write")
    assert write.name.endswith("batchUpdateByDataFilter")


def test_a_second_sync_after_colouring_every_status_sends_only_the_reads(
    fake: FakeGoogle,
) -> None:
    """Every status shows its colour through the tool's rules, and the rules read back
    as exactly what was written (no step lost on the way through Google's 8-bit
    channels), so the second sync writes nothing. No cell is painted."""
    key = sample_key(fake)
    backend = fake.backend(key)
    config = google_config(key)
    first = sync(backend, config, TODAY)
    assert first.written
    wanted = set(config.colours.model_dump().values())
    shown = [
        fake.server.state.shown_format(key, "Contacts", row, 1, TODAY)["backgroundColor"]
        for row in range(4, 41)
    ]
    assert wanted <= {colour_hex(c) for c in shown if c}
    assert all(fake.background(key, "Contacts", row, 0) is None for row in range(3, 40))

    fake.server.clear_log()
    second = sync(backend, config, TODAY)
    assert not second.written and not second.changes.fills and not second.changes.cells
    assert second.changes.highlight is None
    assert fake.server.request_count() == 2
    assert fake.server.request_count(kind="write") == 0


def test_the_write_is_one_batch_update_with_exact_fields(fake: FakeGoogle) -> None:
    key = sample_key(fake)
    sync(fake.backend(key), google_config(key), TODAY)
    structure, values = fake.server.find_requests(kind="write")
    assert structure.path.endswith(":batchUpdate") and "/values" not in structure.path
    kinds = {next(iter(r)) for r in structure.body["requests"]}
    # Marks, rules, anchors and the Due column's date format; no cell is painted.
    assert kinds == {
        "repeatCell",
        "createDeveloperMetadata",
        "addConditionalFormatRule",
        "setDataValidation",  # the Done column's checkboxes
    }
    for request in structure.body["requests"]:
        if "repeatCell" in request:
            repeat = request["repeatCell"]
            assert repeat["fields"] == "userEnteredFormat.numberFormat"
    assert values.path.endswith("values:batchUpdateByDataFilter")
    assert values.body["valueInputOption"] == "RAW"
    filters = [d["dataFilter"] for d in values.body["data"]]
    # The header row by position, every contact row through its anchor.
    assert [f for f in filters if "gridRange" in f] == [filters[0]]
    assert all("developerMetadataLookup" in f for f in filters[1:])
    for write in (structure, values):
        assert "formulaValue" not in json.dumps(write.body)
        assert "USER_ENTERED" not in json.dumps(write.body)


def test_user_cells_are_untouched_and_owned_cells_are_written(fake: FakeGoogle) -> None:
    tabs = sample_tabs(TODAY)
    key = fake.create(tabs)
    before = fake.rows(key, "Contacts")
    sync(fake.backend(key), google_config(key), TODAY)
    after = fake.rows(key, "Contacts")
    width = len(tabs["Contacts"][2])

    def padded(row: list[Any]) -> list[Any]:
        return (row + [None] * width)[:width]

    assert len(before) == len(after)
    for old, new in zip(before, after, strict=True):
        assert padded(new) == padded(old)
    assert after[2][width:] == ["Next action", "Due", "Status", "Done"]
    formula_row = next(r for r in after if r and str(r[0]).startswith("=HYPERLINK"))
    assert isinstance(formula_row[0], str)  # still text, never a live formula
    dues = [r[width + 1] for r in after[3:] if len(r) > width + 1 and r[width + 1] is not None]
    assert dues and all(isinstance(d, dt.date) for d in dues)
    assert fake.server.state.conditional_formats(key, "Contacts")


def _sort_by_name_descending(fake: FakeGoogle, key: str, first: int, last: int) -> None:
    """Sort rows first..last (0-based) by name, Z to A, as another user of the sheet
    would: a real sortRange batchUpdate sent by a second gspread client."""
    other = client_for(None, fake_session(fake.server)).open_by_key(key)
    sheet_id = other.worksheet("Contacts").id
    span = {"sheetId": sheet_id, "startRowIndex": first, "endRowIndex": last + 1}
    sort = {"range": span, "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}]}
    other.batch_update({"requests": [{"sortRange": sort}]})


@pytest.mark.parametrize("edit", ["insert", "sort"])
def test_rows_moved_between_read_and_write_are_never_written_into_the_wrong_row(
    fake: FakeGoogle, edit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = sample_key(fake)
    backend = fake.backend(key)
    apply = backend.apply
    meddled: list[str] = []

    def meddle_then_apply(changes: ChangeSet) -> None:
        # between the sync's read and its write (before the identity check)
        if not meddled:
            meddled.append(edit)
            if edit == "insert":
                newcomer = ["Newcomer Nobody", "new@example.com", "", "", "", "close"]
                fake.server.state.insert_rows(key, "Contacts", before_row=6, rows=[newcomer])
            else:
                _sort_by_name_descending(fake, key, 3, 35)
        apply(changes)

    monkeypatch.setattr(backend, "apply", meddle_then_apply)
    before = fake.rows(key, "Contacts")
    result = sync(backend, google_config(key), TODAY)
    # The write goes through row anchors: no retry, and no one's values on another.
    # (An anchor placed from the stale read lands a row off and is moved: one more.)
    assert meddled and result.written and result.attempts == 1
    ours = [w for w in fake.writes() if "sortRange" not in json.dumps(w)]
    assert len(ours) == 3
    if edit == "sort":
        names = [r[0] for r in fake.rows(key, "Contacts")[3:36]]
        assert names == sorted(names, reverse=True) != [r[0] for r in before[3:36]]

    # Every person's owned cells are what a plan of the sheet as it is now gives them.
    final = fake.rows(key, "Contacts")
    width = 13
    user_only = [r[:width] for r in final]
    memory = MemoryBackend.from_rows({"Contacts": user_only, "Log": sample_tabs(TODAY)["Log"]})
    sync(memory, google_config(key), TODAY)
    expected = memory.tabs["Contacts"]
    # The newcomer arrived after the read: no plan covered them yet (the next sync will).
    for row in range(3, len(final)):
        got = (final[row] + [None] * 16)[width : width + OWNED]
        want = (list(expected[row]) + [None] * 16)[width : width + OWNED]
        if final[row][0] == "Newcomer Nobody":
            want = [None] * OWNED
        # A "Check ..." message names the cell it was planned for, where the row was.
        assert [_where_free(v) for v in got] == [_where_free(v) for v in want], final[row][0]


def _where_free(value: Any) -> Any:
    return re.sub(r"\([A-Z]+[0-9]+\)", "(cell)", value) if isinstance(value, str) else value


def test_a_deleted_tab_is_a_sheet_change(fake: FakeGoogle) -> None:
    key = fake.create({"Contacts": [["Name"], ["Ada"]], "Other": [["x"]]})
    backend = fake.backend(key)
    backend.read(["Contacts"])
    with fake.server.state.edit(key) as book:
        book.sheets = [s for s in book.sheets if s.title != "Contacts"]
    changes = ChangeSet(
        tab="Contacts", cells=[CellWrite(1, 1, "x")], identity=Identity(0, None, {1: ("Ada", "")})
    )
    with pytest.raises(SheetChangedError):
        backend.apply(changes)
    # Google refuses the whole batchUpdate: nothing of it lands anywhere.
    assert [r.status for r in fake.server.find_requests(kind="write")] == [400]
    assert fake.rows(key, "Other") == [["x"]]


def test_missing_log_tab_is_skipped(fake: FakeGoogle) -> None:
    key = fake.create({"Contacts": [["Name"], ["Ada"]]})
    data = fake.backend(key).read(["Contacts", "Log"])
    assert list(data.tabs) == ["Contacts"]
    assert data.tabs["Contacts"].rows == [["Name"], ["Ada"]]
    assert data.locale == "en_GB"


def test_read_request_counts_with_and_without_the_log_tab(fake: FakeGoogle) -> None:
    with_log = fake.create({"Contacts": [["Name"], ["Ada"]], "Log": [["Date", "Who"]]})
    backend = fake.backend(with_log)
    backend.read(["Contacts", "Log"])
    assert fake.server.request_count() == 2

    without = fake.create({"Contacts": [["Name"], ["Ada"]]})
    backend = fake.backend(without)
    fake.server.clear_log()
    backend.read(["Contacts", "Log"])
    # the values read fails (400 "Unable to parse range") and goes again for Contacts
    assert sorted(r.status for r in fake.server.requests) == [200, 200, 400]
    fake.server.clear_log()
    data = backend.read(["Contacts", "Log"])  # the backend remembers the Log is missing
    assert list(data.tabs) == ["Contacts"]
    assert fake.server.request_count() == 2


def test_syncs_without_a_log_tab_cost_one_more_read_once(fake: FakeGoogle) -> None:
    tabs = sample_tabs(TODAY)
    key = fake.create({"Contacts": tabs["Contacts"]})
    backend = fake.backend(key)
    config = google_config(key)
    assert sync(backend, config, TODAY).written
    # read (3 requests, see above), structure, values
    assert fake.server.request_count() == 5
    fake.server.clear_log()
    assert not sync(backend, config, TODAY).written
    assert fake.server.request_count() == 2


def test_the_log_tab_created_later_is_read_again(fake: FakeGoogle) -> None:
    key = fake.create({"Contacts": [["Name"], ["Ada"]]})
    backend = fake.backend(key)
    backend.read(["Contacts", "Log"])
    fake.server.state.apply(key, {"addSheet": {"properties": {"title": "Log"}}})
    # the metadata read shows the new tab: the same backend reads its values at once
    fake.server.clear_log()
    assert list(backend.read(["Contacts", "Log"]).tabs) == ["Contacts", "Log"]
    assert fake.server.request_count() == 3
    fake.server.clear_log()
    fresh = fake.backend(key)
    assert list(fresh.read(["Contacts", "Log"]).tabs) == ["Contacts", "Log"]
    assert fake.server.request_count() == 2


def test_the_request_counter_counts_every_request_and_retry(fake: FakeGoogle) -> None:
    key = sample_key(fake)
    backend = fake.backend(key, max_retries=3)
    assert backend.requests == 0
    fake.server.faults.queue_error(429, count=2, method="GET")
    fake.server.faults.queue_error(503, count=1, method="POST")
    assert sync(backend, google_config(key), TODAY).written
    assert backend.requests == len(fake.server.requests) == 7


def test_transient_errors_are_retried_then_succeed(fake: FakeGoogle) -> None:
    key = sample_key(fake)
    fake.server.faults.queue_error(429, count=2, method="GET")
    fake.server.faults.queue_error(503, count=1, method="POST")
    fake.server.faults.drop_connection(count=1, method="POST")
    result = sync(fake.backend(key, max_retries=3), google_config(key), TODAY)
    assert result.written
    statuses = [r.status for r in fake.server.requests]
    assert statuses.count(429) == 2 and statuses.count(503) == 1
    assert sync(fake.backend(key), google_config(key), TODAY).changes.cells == []


def test_giving_up_is_a_network_error_and_the_sheet_is_unchanged(fake: FakeGoogle) -> None:
    key = sample_key(fake)
    before = fake.rows(key, "Contacts")
    fake.server.faults.queue_error(503, count=3, method="POST")
    with pytest.raises(NetworkError, match=r"after 3 tries.*Nothing was written"):
        sync(fake.backend(key, max_retries=2), google_config(key), TODAY)
    assert fake.server.request_count(method="POST") == 3
    assert fake.rows(key, "Contacts") == before


def test_quota_exhaustion_says_so(fake: FakeGoogle) -> None:
    key = sample_key(fake)
    fake.server.faults.queue_error(429, count=10)
    with pytest.raises(NetworkError, match="quota"):
        fake.backend(key, max_retries=1).read(["Contacts"])
    assert fake.server.request_count() == 4  # both reads, each tried twice


def test_timeouts_are_retried_and_bounded(fake: FakeGoogle) -> None:
    key = sample_key(fake)
    fake.server.faults.set_latency(0.3)
    with pytest.raises(NetworkError, match="could not be reached"):
        fake.backend(key, max_retries=1, timeout_seconds=0.05).read(["Contacts"])
    fake.server.faults.set_latency(0)


def test_not_shared_names_the_service_account_to_share_with(fake: FakeGoogle) -> None:
    key = sample_key(fake)
    fake.server.faults.revoke_permission()
    email = "keepup@demo-project.iam.gserviceaccount.com"
    with pytest.raises(AccessError, match=f"Share and add {email}") as caught:
        fake.backend(key, account_email=email).read(["Contacts"])
    assert caught.value.exit_status == 5


def test_unknown_key_and_rejected_credentials(fake: FakeGoogle) -> None:
    with pytest.raises(AccessError, match=r"no spreadsheet with the key nope.*source\.spreadsheet"):
        fake.backend("nope").read(["Contacts"])
    key = sample_key(fake)
    fake.server.faults.queue_error(401, message="Request had invalid authentication credentials.")
    with pytest.raises(AuthError):
        fake.backend(key).read(["Contacts"])


def test_owned_columns_beyond_the_grid_grow_it(fake: FakeGoogle) -> None:
    header = [f"Col {i}" for i in range(24)] + ["Name", "Email"]
    rows = [header, ["x"] * 24 + ["Ada Lovelace", "ada@example.com"]]
    key = fake.create({"Contacts": rows}, cols=26)
    result = sync(fake.backend(key), google_config(key), TODAY)
    assert result.written
    assert fake.rows(key, "Contacts")[0][26:] == ["Next action", "Due", "Status", "Done"]
    assert fake.server.state.sheet_properties(key, "Contacts")["gridProperties"]["columnCount"] == (
        30
    )


def test_appends_create_tab_and_replace(fake: FakeGoogle) -> None:
    key = fake.create({"Contacts": [["Name"]], "This week": [["old"], ["stale", "rows"]]})
    backend = fake.backend(key)
    backend.read(["Contacts"])
    backend.apply(ChangeSet(tab="Log", create_tab=True, appends=[["Date", "Who"], ["x", "=y"]]))
    assert fake.rows(key, "Log") == [["Date", "Who"], ["x", "=y"]]
    backend.apply(ChangeSet(tab="Log", appends=[[dt.date(2026, 11, 20), "Ada"]]))
    assert fake.rows(key, "Log")[2] == [dt.date(2026, 11, 20), "Ada"]
    backend.apply(
        ChangeSet(tab="This week", replace=True, cells=[CellWrite(0, 0, "new")], appends=[["a"]])
    )
    assert fake.rows(key, "This week") == [["new"], ["a"]]
    with pytest.raises(SheetChangedError):
        backend.apply(ChangeSet(tab="Nowhere", appends=[["a"]]))


def test_appends_are_never_sent_twice_after_a_broken_connection(fake: FakeGoogle) -> None:
    key = fake.create({"Log": [["Date", "Who"]]})
    backend = fake.backend(key)
    backend.read(["Log"])
    fake.server.faults.drop_connection(method="POST")
    with pytest.raises(NetworkError, match="may or may not"):
        backend.apply(ChangeSet(tab="Log", appends=[["2026-11-20", "Ada"]]))
    assert fake.server.request_count(method="POST") == 1
    assert fake.rows(key, "Log") == [["Date", "Who"], ["2026-11-20", "Ada"]]

    fake.server.faults.queue_error(429, method="POST")  # refused, so surely not applied
    backend.apply(ChangeSet(tab="Log", appends=[["2026-11-21", "Bob"]]))
    assert fake.rows(key, "Log")[1:] == [["2026-11-20", "Ada"], ["2026-11-21", "Bob"]]


def test_every_request_asks_for_compact_json(fake: FakeGoogle) -> None:
    key = sample_key(fake)
    first = sync(fake.backend(key), google_config(key), TODAY)
    assert first.written
    assert len(fake.server.requests) == 4
    for record in fake.server.requests:
        assert record.query.get("prettyPrint") == ["false"], record.path


def _response(body: bytes) -> requests.Response:
    response = requests.Response()
    response._content = body
    response.status_code = 200
    return response


def test_a_grid_read_becomes_small_cells_while_it_is_parsed() -> None:
    cells = [
        {"effectiveValue": {"stringValue": "Ada"}},
        {
            "effectiveValue": {"numberValue": 46349},
            "effectiveFormat": {"numberFormat": {"type": "DATE"}},
            "userEnteredFormat": {"backgroundColor": {"red": 1, "green": 0.5}},
        },
        {},
    ]
    body = {
        "properties": {"title": "CRM", "locale": "en_GB"},
        "sheets": [{"data": [{"rowData": [{"values": cells}]}]}],
    }
    data = decode_grid_read(_response(json.dumps(body).encode()))
    assert data["properties"] == {"title": "CRM", "locale": "en_GB"}
    read = data["sheets"][0]["data"][0]["rowData"][0]["values"]
    assert read == [
        ReadCell("Ada", None),
        ReadCell(dt.date(2026, 11, 23), "#FF8000"),
        {},
    ]


def test_a_garbled_grid_read_raises_what_requests_raises() -> None:
    with pytest.raises(requests.exceptions.JSONDecodeError):
        decode_grid_read(_response(b'{"sheets": [{"data": '))
