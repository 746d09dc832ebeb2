"""The ...ByDataFilter endpoints: values read, written and cleared through developer
metadata lookups, A1 ranges and grid ranges, and getByDataFilter."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import gspread
import pytest
from fakesheets import FakeSheetsServer, FakeSheetsState, RequestInfo
from fakesheets_helpers import Api
from fakesheets_replay import RECORDINGS

JsonAny = dict[str, Any]


def anchor(api: Api, row: int, value: str, metadata_id: int) -> None:
    """Tag a row (0-based) with a ``contact`` metadata entry."""
    span = {"sheetId": 0, "dimension": "ROWS", "startIndex": row, "endIndex": row + 1}
    given = {
        "metadataId": metadata_id,
        "metadataKey": "contact",
        "metadataValue": value,
        "visibility": "DOCUMENT",
        "location": {"dimensionRange": span},
    }
    status, body = api.batch({"createDeveloperMetadata": {"developerMetadata": given}})
    assert status == 200, body


def person(value: str) -> JsonAny:
    return {"developerMetadataLookup": {"metadataKey": "contact", "metadataValue": value}}


@pytest.fixture
def anchored(api: Api) -> Api:
    anchor(api, 1, "ada", 11)
    anchor(api, 2, "alan", 12)
    anchor(api, 3, "grace", 13)
    return api


def update_by_filter(api: Api, *data: JsonAny, **options: Any) -> tuple[int, Any]:
    body = {"valueInputOption": "RAW", "data": list(data), **options}
    return api.call("POST", "/values:batchUpdateByDataFilter", body)


def test_write_lands_on_the_anchored_row_nulls_skip_and_empty_clears(
    anchored: Api, server: FakeSheetsServer, book: str
) -> None:
    # Owned columns E and F only: null leaves A-D (the user's cells) alone; "" clears.
    values = [[None, None, None, None, "overdue", "2024-05-01"]]
    status, body = update_by_filter(anchored, {"dataFilter": person("alan"), "values": values})
    assert status == 200, body
    assert body == {
        "spreadsheetId": book,
        "totalUpdatedRows": 1,
        "totalUpdatedColumns": 2,
        "totalUpdatedCells": 2,
        "totalUpdatedSheets": 1,
        "responses": [
            {
                "updatedRange": "Contacts!A3:F3",
                "updatedRows": 1,
                "updatedColumns": 2,
                "updatedCells": 2,
                "dataFilter": person("alan"),
            }
        ],
    }
    server.validator.check(body, {"$ref": "BatchUpdateValuesByDataFilterResponse"}, "")
    assert server.state.values(book, "Contacts!A3:F3") == [
        ["Alan Turing", "alan@example.org", "", "close", "overdue", "2024-05-01"]
    ]
    update_by_filter(anchored, {"dataFilter": person("alan"), "values": [[None, ""]]})
    assert server.state.values(book, "Contacts!B3") == [[""]]
    assert server.state.values(book, "Contacts!A3") == [["Alan Turing"]]


def test_values_larger_than_the_row_fail_and_change_nothing(
    anchored: Api, server: FakeSheetsServer, book: str
) -> None:
    status, body = update_by_filter(
        anchored,
        {"dataFilter": person("ada"), "values": [["x"]]},
        {"dataFilter": person("alan"), "values": [["y"], ["second row"]]},
    )
    assert status == 400 and "Requested writing within range" in body["error"]["message"]
    assert server.state.values(book, "Contacts!A2") == [["Ada Lovelace"]]


def test_a_filter_matching_nothing_writes_nothing(
    anchored: Api, server: FakeSheetsServer, book: str
) -> None:
    before = server.state.values(book, "Contacts")
    status, body = update_by_filter(anchored, {"dataFilter": person("nobody"), "values": [["x"]]})
    assert (status, body) == (200, {"spreadsheetId": book})
    assert server.state.values(book, "Contacts") == before


def test_a_filter_matching_several_rows_writes_each(
    anchored: Api, server: FakeSheetsServer, book: str
) -> None:
    everyone = {"developerMetadataLookup": {"metadataKey": "contact"}}
    status, body = update_by_filter(
        anchored, {"dataFilter": everyone, "values": [[None, None, None, None, "seen"]]}
    )
    assert status == 200
    assert [r["updatedRange"] for r in body["responses"]] == [
        "Contacts!A2:E2",
        "Contacts!A3:E3",
        "Contacts!A4:E4",
    ]
    assert body["totalUpdatedCells"] == 3 and body["totalUpdatedRows"] == 3
    assert server.state.values(book, "Contacts!E2:E4") == [["seen"], ["seen"], ["seen"]]


def test_user_entered_and_values_in_response(
    anchored: Api, server: FakeSheetsServer, book: str
) -> None:
    status, body = update_by_filter(
        anchored,
        {"dataFilter": person("grace"), "values": [[None, None, None, None, "2024-03-01"]]},
        valueInputOption="USER_ENTERED",
        includeValuesInResponse=True,
        responseValueRenderOption="UNFORMATTED_VALUE",
        responseDateTimeRenderOption="SERIAL_NUMBER",
    )
    assert status == 200, body
    updated = body["responses"][0]["updatedData"]
    # The whole matched row after the write, trailing empties dropped.
    assert updated == {
        "range": "Contacts!A4:Z4",
        "majorDimension": "ROWS",
        "values": [["Grace Hopper", "", 45250, 3, 45352]],
    }
    assert server.state.values(book, "Contacts!E4") == [["2024-03-01"]]
    status, body = update_by_filter(
        anchored, {"dataFilter": person("grace"), "values": [["x"]]}, valueInputOption=None
    )
    assert status == 400 and "valueInputOption" in body["error"]["message"]


def test_a1_and_grid_range_filters(api: Api, server: FakeSheetsServer, book: str) -> None:
    grid = {
        "gridRange": {
            "sheetId": 0,
            "startRowIndex": 1,
            "endRowIndex": 2,
            "startColumnIndex": 4,
            "endColumnIndex": 6,
        }
    }
    status, body = update_by_filter(
        api,
        {"dataFilter": {"a1Range": "Log!A1:B1"}, "values": [["Date", "Who"]]},
        {"dataFilter": grid, "values": [["e", "f"]]},
    )
    assert status == 200, body
    assert body["totalUpdatedSheets"] == 2
    assert server.state.values(book, "Log!A1:B1") == [["Date", "Who"]]
    assert server.state.values(book, "Contacts!E2:F2") == [["e", "f"]]


def test_batch_get_by_data_filter(anchored: Api, server: FakeSheetsServer, book: str) -> None:
    body = {
        "dataFilters": [
            person("alan"),
            {"developerMetadataLookup": {"metadataId": 12}},
            person("nobody"),
            {"a1Range": "Contacts!A1:B1"},
        ],
        "valueRenderOption": "UNFORMATTED_VALUE",
        "dateTimeRenderOption": "SERIAL_NUMBER",
        "majorDimension": "COLUMNS",
    }
    status, got = anchored.call("POST", "/values:batchGetByDataFilter", body)
    assert status == 200
    assert got == {
        "spreadsheetId": book,
        "valueRanges": [
            {
                # Alan's row, matched by two filters, returned once with both.
                "valueRange": {
                    "range": "Contacts!A3:Z3",
                    "majorDimension": "COLUMNS",
                    # An empty inner column is [], like an empty inner row.
                    "values": [["Alan Turing"], ["alan@example.org"], [], ["close"]],
                },
                "dataFilters": [person("alan"), {"developerMetadataLookup": {"metadataId": 12}}],
            },
            {
                "valueRange": {
                    "range": "Contacts!A1:B1",
                    "majorDimension": "COLUMNS",
                    "values": [["Name"], ["Email"]],
                },
                "dataFilters": [{"a1Range": "Contacts!A1:B1"}],
            },
        ],
    }
    server.validator.check(got, {"$ref": "BatchGetValuesByDataFilterResponse"}, "")


def test_batch_clear_by_data_filter(anchored: Api, server: FakeSheetsServer, book: str) -> None:
    status, body = anchored.call(
        "POST", "/values:batchClearByDataFilter", {"dataFilters": [person("ada"), person("nobody")]}
    )
    assert (status, body) == (200, {"spreadsheetId": book, "clearedRanges": ["Contacts!A2:Z2"]})
    assert server.state.values(book, "Contacts!A2:D2") == [["", "", "", ""]]
    assert server.state.values(book, "Contacts!A3") == [["Alan Turing"]]


def test_get_by_data_filter(anchored: Api, server: FakeSheetsServer) -> None:
    fields = (
        "sheets(properties.title,data(startRow,rowData.values.formattedValue,"
        "rowMetadata.developerMetadata.metadataValue))"
    )
    status, body = anchored.call(
        "POST",
        f":getByDataFilter?fields={fields}",
        {"dataFilters": [person("grace")], "includeGridData": True},
    )
    assert status == 200, body
    assert body == {
        "sheets": [
            {
                "properties": {"title": "Contacts"},
                "data": [
                    {
                        "startRow": 3,
                        "rowData": [
                            {
                                "values": [
                                    {"formattedValue": "Grace Hopper"},
                                    {},
                                    {"formattedValue": "2023-11-20"},
                                    {"formattedValue": "3"},
                                ]
                            }
                        ],
                        "rowMetadata": [{"developerMetadata": [{"metadataValue": "grace"}]}],
                    }
                ],
            }
        ]
    }
    status, body = anchored.call("POST", ":getByDataFilter", {"dataFilters": [person("nobody")]})
    assert status == 200 and "sheets" not in body
    assert server.request_count(name="getByDataFilter", kind="read") == 2


def test_new_endpoints_are_logged_by_name_and_kind(anchored: Api, server: FakeSheetsServer) -> None:
    server.clear_log()
    anchored.call("POST", "/values:batchGetByDataFilter", {"dataFilters": [person("ada")]})
    update_by_filter(anchored, {"dataFilter": person("ada"), "values": [["x"]]})
    anchored.call("POST", "/values:batchClearByDataFilter", {"dataFilters": [person("ada")]})
    assert [(r.name.rsplit(".", 1)[-1], r.kind) for r in server.requests] == [
        ("batchGetByDataFilter", "read"),
        ("batchUpdateByDataFilter", "write"),
        ("batchClearByDataFilter", "write"),
    ]
    assert server.request_count(name="sheets.spreadsheets.values.batchUpdateByDataFilter") == 1
    sent, received = server.bytes_transferred()
    assert sent > 0 and received > 0


@pytest.mark.parametrize(
    ("edit", "expect_row"),
    [
        (lambda s, k: s.insert_rows(k, "Contacts", 2, [["Someone new"]]), "A4"),
        (lambda s, k: s.delete_rows(k, "Contacts", 2), "A2"),
        (
            lambda s, k: s.apply(
                k,
                {
                    "sortRange": {
                        "range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 4},
                        # By email, descending: Alan, Ada, then Grace (no email) last.
                        "sortSpecs": [{"dimensionIndex": 1, "sortOrder": "DESCENDING"}],
                    }
                },
            ),
            "A2",
        ),
    ],
    ids=["insert-above", "delete-above", "sort"],
)
def test_a_write_reaches_its_row_after_the_sheet_moved(
    gc: gspread.Client,
    anchored: Api,
    server: FakeSheetsServer,
    book: str,
    edit: Any,
    expect_row: str,
) -> None:
    """The user edits the sheet between a sync's read and its write (the hook runs right
    before the write is served); the write still lands on Alan's row."""
    seen: list[RequestInfo] = []

    def user_edit(state: FakeSheetsState, info: RequestInfo) -> None:
        seen.append(info)
        edit(state, book)

    server.faults.before_request(user_edit, method="POST", path_pattern=r"batchUpdateByDataFilter$")
    body = {
        "valueInputOption": "RAW",
        "data": [{"dataFilter": person("alan"), "values": [[None, None, None, None, "overdue"]]}],
    }
    response = gc.http_client.request(
        "post",
        f"https://sheets.googleapis.com/v4/spreadsheets/{book}/values:batchUpdateByDataFilter",
        json=body,
    )
    assert response.status_code == 200
    assert len(seen) == 1
    row = expect_row[1:]
    assert server.state.values(book, f"Contacts!A{row}:E{row}")[0][0] == "Alan Turing"
    assert server.state.values(book, f"Contacts!E{row}") == [["overdue"]]
    assert [r for r in server.state.values(book, "Contacts!E1:E6") if r != [""]] == [["overdue"]]


needs_recordings = pytest.mark.skipif(
    not RECORDINGS.is_dir(), reason=f"recorded Google traffic not found at {RECORDINGS}"
)


@needs_recordings
def test_batch_get_columns_unformatted_serial_matches_recorded_rows(
    gc: gspread.Client, server: FakeSheetsServer
) -> None:
    """The lightest read (batchGet, COLUMNS, UNFORMATTED_VALUE, SERIAL_NUMBER) agrees with
    Google's recorded ROWS answer for the same cells, transposed: dates as day counts,
    formulas as results, a column's trailing empty cell dropped."""
    cassette = json.loads(
        (RECORDINGS / "WorksheetTest.test_get_all_values_date_time_render_options.json").read_text(
            encoding="utf-8"
        )
    )
    put = next(i for i in cassette["interactions"] if i["request"]["method"] == "PUT")
    read = next(
        i
        for i in cassette["interactions"]
        if "UNFORMATTED_VALUE&dateTimeRenderOption=SERIAL_NUMBER" in i["request"]["uri"]
    )
    recorded_rows = json.loads(read["response"]["body"]["string"])["values"]
    key = server.state.create_spreadsheet({"Sheet1": []}, rows=2, cols=4)
    sheet = gc.open_by_key(key).sheet1
    sheet.update(
        json.loads(put["request"]["body"])["values"], "A1:D2", value_input_option="USER_ENTERED"
    )
    got = gc.open_by_key(key).values_batch_get(
        ["Sheet1", "Sheet1!C1:D2"],
        params={
            "majorDimension": "COLUMNS",
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "SERIAL_NUMBER",
        },
    )
    whole, part = got["valueRanges"]
    width = max(len(r) for r in recorded_rows)
    transposed = [[row[c] for row in recorded_rows if c < len(row)] for c in range(width)]
    assert whole == {"range": "Sheet1!A1:D2", "majorDimension": "COLUMNS", "values": transposed}
    assert transposed == [[2, 1.5], [43831, 0.12], ["string", 36162], [53]]
    assert part["values"] == [["string", 36162], [53]]
    assert dt.date(1899, 12, 30) + dt.timedelta(days=43831) == dt.date(2020, 1, 1)
