"""Developer metadata: create/update/delete through batchUpdate, developerMetadata.get and
.search, how spreadsheets.get shows it, and how row metadata follows its row."""

from __future__ import annotations

from typing import Any

import gspread
import pytest
from fakesheets import FakeSheetsServer
from fakesheets_helpers import Api


def row_meta(key: str, value: str, row: int, sheet_id: int = 0, **extra: Any) -> JsonAny:
    location = {"dimensionRange": {"sheetId": sheet_id, "dimension": "ROWS",
                                   "startIndex": row, "endIndex": row + 1}}  # fmt: skip
    given = {"metadataKey": key, "metadataValue": value, "location": location}
    return {
        "createDeveloperMetadata": {"developerMetadata": given | {"visibility": "DOCUMENT"} | extra}
    }


JsonAny = dict[str, Any]


def by_key(key: str, **extra: Any) -> JsonAny:
    return {"developerMetadataLookup": {"metadataKey": key, **extra}}


def check_schema(server: FakeSheetsServer, body: Any, schema: str) -> None:
    """Responses must use only fields Google's discovery document defines."""
    server.validator.check(body, {"$ref": schema}, "")


def test_create_reply_shows_the_computed_location(api: Api, server: FakeSheetsServer) -> None:
    status, body = api.batch(row_meta("contact", "ada", 1))
    assert status == 200, body
    created = body["replies"][0]["createDeveloperMetadata"]["developerMetadata"]
    assert created == {
        "metadataId": created["metadataId"],
        "metadataKey": "contact",
        "metadataValue": "ada",
        # Zero sheetId left out as in every recorded GridRange/DimensionRange reply.
        "location": {
            "locationType": "ROW",
            "dimensionRange": {"dimension": "ROWS", "startIndex": 1, "endIndex": 2},
        },
        "visibility": "DOCUMENT",
    }
    assert created["metadataId"] > 0
    check_schema(server, body, "BatchUpdateSpreadsheetResponse")


def test_ids_are_unique_and_may_be_chosen(api: Api) -> None:
    assert api.batch(row_meta("a", "1", 1, metadataId=77))[0] == 200
    status, body = api.batch(row_meta("b", "2", 2, metadataId=77))
    assert status == 400
    assert "Invalid requests[0].createDeveloperMetadata" in body["error"]["message"]
    assert "77 already exists" in body["error"]["message"]
    ids = set()
    for row in range(3, 8):
        reply = api.batch(row_meta("c", str(row), row))[1]["replies"][0]
        ids.add(reply["createDeveloperMetadata"]["developerMetadata"]["metadataId"])
    assert len(ids) == 5 and 77 not in ids


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"visibility": None}, "visibility"),
        ({"metadataKey": ""}, "key"),
        ({"metadataId": -3}, "positive"),
    ],
)
def test_required_fields(api: Api, change: JsonAny, message: str) -> None:
    request = row_meta("k", "v", 1)
    request["createDeveloperMetadata"]["developerMetadata"].update(change)
    status, body = api.batch(request)
    assert status == 400 and message in body["error"]["message"]


def test_a_row_location_must_be_one_bounded_row(api: Api) -> None:
    two_rows = row_meta("k", "v", 1)
    two_rows["createDeveloperMetadata"]["developerMetadata"]["location"]["dimensionRange"][
        "endIndex"
    ] = 3
    status, body = api.batch(two_rows)
    assert status == 400 and "single row or column" in body["error"]["message"]
    unbounded = {"dimensionRange": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1}}
    request = {
        "createDeveloperMetadata": {
            "developerMetadata": {
                "metadataKey": "k",
                "visibility": "DOCUMENT",
                "location": unbounded,
            }
        }
    }
    assert api.batch(request)[0] == 400
    beyond = row_meta("k", "v", 1000)  # the grid has 1000 rows: index 1000 is past it
    assert api.batch(beyond)[0] == 400


def test_total_size_is_limited(api: Api) -> None:
    big = "x" * 20_000
    assert api.batch(row_meta("k", big, 1))[0] == 200
    status, body = api.batch(row_meta("k", big, 2))
    assert status == 400 and "30000" in body["error"]["message"]


def test_failed_batch_creates_nothing(api: Api, server: FakeSheetsServer, book: str) -> None:
    status, _ = api.batch(row_meta("ok", "1", 1), {"deleteSheet": {"sheetId": 99}})
    assert status == 400
    assert server.state.developer_metadata(book) == []


def test_spreadsheet_sheet_and_column_locations(api: Api, server: FakeSheetsServer) -> None:
    def create(location: JsonAny, key: str) -> None:
        given = {"metadataKey": key, "visibility": "PROJECT", "location": location}
        assert api.batch({"createDeveloperMetadata": {"developerMetadata": given}})[0] == 200

    create({"spreadsheet": True}, "book")
    create({"sheetId": 0}, "tab")
    create(
        {"dimensionRange": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 4, "endIndex": 5}},
        "col",
    )
    status, body = api.meta(fields="developerMetadata,sheets(properties.title,developerMetadata)")
    assert status == 200
    assert [m["metadataKey"] for m in body["developerMetadata"]] == ["book"]
    assert body["developerMetadata"][0]["location"] == {
        "locationType": "SPREADSHEET",
        "spreadsheet": True,
    }
    contacts = body["sheets"][0]
    assert contacts["developerMetadata"][0]["location"] == {"locationType": "SHEET", "sheetId": 0}
    assert "developerMetadata" not in body["sheets"][1]
    status, body = api.meta(
        ranges="Contacts!E1:E1", fields="sheets.data.columnMetadata.developerMetadata"
    )
    column = body["sheets"][0]["data"][0]["columnMetadata"][0]["developerMetadata"][0]
    assert column["metadataKey"] == "col"
    assert column["location"]["dimensionRange"] == {
        "dimension": "COLUMNS",
        "startIndex": 4,
        "endIndex": 5,
    }
    check_schema(server, body, "Spreadsheet")


def test_row_metadata_under_a_nested_mask(gc: gspread.Client, api: Api, book: str) -> None:
    api.batch(row_meta("contact", "ada", 1), row_meta("contact", "alan", 2))
    fields = (
        "sheets(properties(sheetId,title),"
        "data(rowMetadata(developerMetadata(metadataKey,metadataValue))))"
    )
    got = gc.open_by_key(book).fetch_sheet_metadata({"ranges": "Contacts!A1:A4", "fields": fields})
    assert got == {
        "sheets": [
            {
                "properties": {"sheetId": 0, "title": "Contacts"},
                "data": [
                    {
                        "rowMetadata": [
                            {},
                            {
                                "developerMetadata": [
                                    {"metadataKey": "contact", "metadataValue": "ada"}
                                ]
                            },
                            {
                                "developerMetadata": [
                                    {"metadataKey": "contact", "metadataValue": "alan"}
                                ]
                            },
                            {},
                        ]
                    }
                ],
            }
        ]
    }


def _rows_by_value(server: FakeSheetsServer, book: str) -> dict[str, int]:
    out = {}
    for meta in server.state.developer_metadata(book):
        out[meta["metadataValue"]] = meta["location"]["dimensionRange"]["startIndex"]
    return out


def test_row_metadata_follows_inserts_deletes_and_appends(
    api: Api, server: FakeSheetsServer, book: str
) -> None:
    api.batch(row_meta("c", "ada", 1), row_meta("c", "alan", 2), row_meta("c", "grace", 3))
    server.state.insert_rows(book, "Contacts", 2, [["New person"]])  # above Ada
    assert _rows_by_value(server, book) == {"ada": 2, "alan": 3, "grace": 4}
    assert server.state.values(book, "Contacts!A3") == [["Ada Lovelace"]]
    server.state.delete_rows(book, "Contacts", 4)  # Alan's row goes, and his metadata
    assert _rows_by_value(server, book) == {"ada": 2, "grace": 3}
    api.batch({"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 5}})
    assert _rows_by_value(server, book) == {"ada": 2, "grace": 3}


def test_row_metadata_follows_a_sort(api: Api, server: FakeSheetsServer, book: str) -> None:
    api.batch(row_meta("c", "ada", 1), row_meta("c", "alan", 2), row_meta("c", "grace", 3))
    sort = {
        "sortRange": {
            "range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 4},
            "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}],
        }
    }
    assert api.batch(sort)[0] == 200
    assert server.state.values(book, "Contacts!A2:A4") == [
        ["Grace Hopper"],
        ["Alan Turing"],
        ["Ada Lovelace"],
    ]
    assert _rows_by_value(server, book) == {"grace": 1, "alan": 2, "ada": 3}


def test_row_metadata_follows_move_dimension(api: Api, server: FakeSheetsServer, book: str) -> None:
    api.batch(row_meta("c", "ada", 1), row_meta("c", "alan", 2), row_meta("c", "grace", 3))
    move = {
        "moveDimension": {
            "source": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2},
            "destinationIndex": 4,
        }
    }
    assert api.batch(move)[0] == 200
    assert server.state.values(book, "Contacts!A2:A4") == [
        ["Alan Turing"],
        ["Grace Hopper"],
        ["Ada Lovelace"],
    ]
    assert _rows_by_value(server, book) == {"alan": 1, "grace": 2, "ada": 3}


def test_deleting_the_sheet_deletes_its_metadata(
    api: Api, server: FakeSheetsServer, book: str
) -> None:
    api.batch(row_meta("c", "ada", 1))
    api.batch({"deleteSheet": {"sheetId": 0}})
    assert server.state.developer_metadata(book) == []


def test_update_dimension_properties_keeps_metadata(
    api: Api, server: FakeSheetsServer, book: str
) -> None:
    api.batch(row_meta("c", "ada", 1))
    span = {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}
    request = {
        "updateDimensionProperties": {"range": span, "properties": {"pixelSize": 40}, "fields": "*"}
    }
    assert api.batch(request)[0] == 200
    assert _rows_by_value(server, book) == {"ada": 1}
    request["updateDimensionProperties"]["fields"] = "developerMetadata"
    assert api.batch(request)[0] == 400


def test_get_by_id_and_404(api: Api, server: FakeSheetsServer) -> None:
    api.batch(row_meta("c", "ada", 1, metadataId=5))
    status, body = api.call("GET", "/developerMetadata/5")
    assert status == 200 and body["metadataValue"] == "ada"
    check_schema(server, body, "DeveloperMetadata")
    status, body = api.call("GET", "/developerMetadata/6")
    assert (status, body["error"]["status"]) == (404, "NOT_FOUND")


def test_search_by_lookup_and_by_range(api: Api, server: FakeSheetsServer) -> None:
    api.batch(
        row_meta("contact", "ada", 1, metadataId=1),
        row_meta("contact", "alan", 2, metadataId=2),
        row_meta("other", "x", 2, metadataId=3),
    )
    column = {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2}
    api.batch(
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataId": 4,
                    "metadataKey": "email",
                    "visibility": "DOCUMENT",
                    "location": {"dimensionRange": column},
                }
            }
        }
    )
    status, body = api.call(
        "POST",
        "/developerMetadata:search",
        {"dataFilters": [by_key("contact", metadataValue="alan")]},
    )
    assert status == 200
    assert [m["developerMetadata"]["metadataId"] for m in body["matchedDeveloperMetadata"]] == [2]
    assert body["matchedDeveloperMetadata"][0]["dataFilters"] == [
        by_key("contact", metadataValue="alan")
    ]
    check_schema(server, body, "SearchDeveloperMetadataResponse")
    # A range selects metadata on locations intersecting it: row 3 (index 2) and column B.
    status, body = api.call(
        "POST", "/developerMetadata:search", {"dataFilters": [{"a1Range": "Contacts!B3"}]}
    )
    assert sorted(
        m["developerMetadata"]["metadataId"] for m in body["matchedDeveloperMetadata"]
    ) == [2, 3, 4]
    # Intersecting location lookups: row 3 meets column B; EXACT does not.
    row3 = {"dimensionRange": {"sheetId": 0, "dimension": "ROWS", "startIndex": 2, "endIndex": 3}}
    near = {"developerMetadataLookup": {"metadataLocation": row3}}
    exact = {
        "developerMetadataLookup": {
            "metadataLocation": row3,
            "locationMatchingStrategy": "EXACT_LOCATION",
        }
    }
    body = api.call("POST", "/developerMetadata:search", {"dataFilters": [near]})[1]
    assert sorted(
        m["developerMetadata"]["metadataId"] for m in body["matchedDeveloperMetadata"]
    ) == [2, 3, 4]
    body = api.call("POST", "/developerMetadata:search", {"dataFilters": [exact]})[1]
    assert sorted(
        m["developerMetadata"]["metadataId"] for m in body["matchedDeveloperMetadata"]
    ) == [2, 3]
    typed = {"developerMetadataLookup": {"locationType": "COLUMN"}}
    body = api.call("POST", "/developerMetadata:search", {"dataFilters": [typed]})[1]
    assert [m["developerMetadata"]["metadataId"] for m in body["matchedDeveloperMetadata"]] == [4]
    assert api.call("POST", "/developerMetadata:search", {"dataFilters": [by_key("none")]})[1] == {}


@pytest.mark.parametrize(
    "lookup",
    [
        {},
        {"locationMatchingStrategy": "EXACT_LOCATION"},
        {
            "metadataLocation": {"sheetId": 0},
            "locationMatchingStrategy": "EXACT_LOCATION",
            "locationType": "ROW",
        },
        {"metadataLocation": {"sheetId": 0}, "locationType": "SPREADSHEET"},
    ],
)
def test_lookups_google_documents_as_invalid(api: Api, lookup: JsonAny) -> None:
    status, _ = api.call(
        "POST", "/developerMetadata:search", {"dataFilters": [{"developerMetadataLookup": lookup}]}
    )
    assert status == 400


def test_a_data_filter_sets_one_kind(api: Api) -> None:
    both = {"a1Range": "Contacts!A1", "gridRange": {"sheetId": 0}}
    status, body = api.call("POST", "/developerMetadata:search", {"dataFilters": [both]})
    assert status == 400 and "oneof field 'filter'" in body["error"]["message"]


def test_update_and_delete(api: Api, server: FakeSheetsServer, book: str) -> None:
    api.batch(
        row_meta("contact", "ada", 1, metadataId=1), row_meta("contact", "alan", 2, metadataId=2)
    )
    row5 = {"dimensionRange": {"sheetId": 0, "dimension": "ROWS", "startIndex": 5, "endIndex": 6}}
    update = {
        "updateDeveloperMetadata": {
            "dataFilters": [{"developerMetadataLookup": {"metadataId": 2}}],
            "developerMetadata": {"metadataValue": "turing", "location": row5},
            "fields": "metadataValue,location",
        }
    }
    status, body = api.batch(update)
    assert status == 200, body
    updated = body["replies"][0]["updateDeveloperMetadata"]["developerMetadata"]
    assert [
        (m["metadataValue"], m["location"]["dimensionRange"]["startIndex"]) for m in updated
    ] == [("turing", 5)]
    check_schema(server, body, "BatchUpdateSpreadsheetResponse")
    assert _rows_by_value(server, book) == {"ada": 1, "turing": 5}
    renumber = dict(update["updateDeveloperMetadata"], fields="metadataId")
    assert api.batch({"updateDeveloperMetadata": renumber})[0] == 400
    status, body = api.batch({"deleteDeveloperMetadata": {"dataFilter": by_key("contact")}})
    assert status == 200
    deleted = body["replies"][0]["deleteDeveloperMetadata"]["deletedDeveloperMetadata"]
    assert sorted(m["metadataId"] for m in deleted) == [1, 2]
    assert server.state.developer_metadata(book) == []
    # Nothing left to delete: an empty reply, not an error.
    assert api.batch({"deleteDeveloperMetadata": {"dataFilter": by_key("contact")}})[1][
        "replies"
    ] == [{"deleteDeveloperMetadata": {}}]


def test_requests_are_logged_under_their_own_names(api: Api, server: FakeSheetsServer) -> None:
    api.batch(row_meta("contact", "ada", 1, metadataId=1))
    api.call("GET", "/developerMetadata/1")
    api.call("POST", "/developerMetadata:search", {"dataFilters": [by_key("contact")]})
    names = [r.name for r in server.requests]
    assert names == [
        "sheets.spreadsheets.batchUpdate",
        "sheets.spreadsheets.developerMetadata.get",
        "sheets.spreadsheets.developerMetadata.search",
    ]
    assert server.request_count(name="developerMetadata.search", kind="read") == 1
