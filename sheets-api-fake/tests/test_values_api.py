"""spreadsheets.values endpoints: reads, writes, appends, clears and rendering options."""

from __future__ import annotations

import pytest
from fakesheets import FakeSheetsServer
from fakesheets_helpers import Api


def test_get_whole_sheet_normalises_range_and_drops_trailing_empties(api: Api) -> None:
    status, body = api.get_values("Contacts")
    assert status == 200
    assert body["range"] == "Contacts!A1:Z1000"
    assert body["majorDimension"] == "ROWS"
    # Alan has no date: his row keeps the inner "" but loses nothing else; Grace's empty
    # email stays as "" because cells to its right hold values.
    assert body["values"][2] == ["Alan Turing", "alan@example.org", "", "close"]
    assert body["values"][3] == ["Grace Hopper", "", "2023-11-20", "3"]


def test_empty_range_has_no_values_key(api: Api) -> None:
    status, body = api.get_values("Log!A1:C3")
    assert status == 200
    assert body == {"range": "Log!A1:C3", "majorDimension": "ROWS"}


@pytest.mark.parametrize(
    ("requested", "normalised"),
    [
        ("'Contacts'!A1:B2", "Contacts!A1:B2"),
        ("Contacts!B2:A1", "Contacts!A1:B2"),  # reversed corners are swapped
        ("Contacts!A:B", "Contacts!A1:B1000"),
        ("Contacts!2:3", "Contacts!A2:Z3"),
        ("Contacts!A2:B", "Contacts!A2:B1000"),
        ("Contacts!A1:1", "Contacts!A1:Z1"),
        ("Contacts!C3", "Contacts!C3"),
        ("A1:B1", "Contacts!A1:B1"),  # no sheet: the first visible sheet
    ],
)
def test_a1_forms_are_normalised_like_google(api: Api, requested: str, normalised: str) -> None:
    status, body = api.get_values(requested)
    assert status == 200, body
    assert body["range"] == normalised


def test_quoted_sheet_names_with_spaces_and_quotes(server: FakeSheetsServer, session) -> None:  # type: ignore[no-untyped-def]
    key = server.state.create_spreadsheet({"My tab": [["x"]], "Bob's": [["y"]]})
    api = Api(session, key)
    assert api.get_values("'My tab'!A1")[1] == {
        "range": "'My tab'!A1",
        "majorDimension": "ROWS",
        "values": [["x"]],
    }
    assert api.get_values("'Bob''s'!A1:A2")[1]["range"] == "'Bob''s'!A1:A2"
    assert api.get_values("'Bob''s'!A1:A2")[1]["values"] == [["y"]]


def test_render_options_for_dates(api: Api) -> None:
    unformatted = api.get_values(
        "Contacts!C2:C2",
        valueRenderOption="UNFORMATTED_VALUE",
        dateTimeRenderOption="SERIAL_NUMBER",
    )[1]
    assert unformatted["values"] == [[45296]]
    formatted_string = api.get_values(
        "Contacts!C2",
        valueRenderOption="UNFORMATTED_VALUE",
        dateTimeRenderOption="FORMATTED_STRING",
    )[1]
    assert formatted_string["values"] == [["2024-01-05"]]
    assert api.get_values("Contacts!D4", valueRenderOption="UNFORMATTED_VALUE")[1]["values"] == [
        [3]
    ]
    assert api.get_values("Contacts!D4")[1]["values"] == [["3"]]


def test_major_dimension_columns(api: Api) -> None:
    body = api.get_values("Contacts!A1:B2", majorDimension="COLUMNS")[1]
    assert body["values"] == [["Name", "Ada Lovelace"], ["Email", "ada@example.org"]]


def test_read_past_grid_is_rejected(api: Api) -> None:
    status, body = api.get_values("Contacts!A1:AA1")
    assert status == 400
    assert body["error"]["status"] == "INVALID_ARGUMENT"
    assert body["error"]["message"] == (
        "Range ('Contacts'!A1:AA1) exceeds grid limits. Max rows: 1000, max columns: 26"
    )


def test_unknown_sheet_is_unable_to_parse(api: Api) -> None:
    status, body = api.get_values("Nope!A1")
    assert status == 400
    assert body["error"]["message"] == "Unable to parse range: Nope!A1"


def test_update_user_entered_parses_numbers_dates_formulas_and_keeps_raw(
    api: Api, server: FakeSheetsServer, book: str
) -> None:
    status, body = api.put_values(
        "Log!A1:E1", [["=4/2", "2020-01-01", "12", "=name()", "'=x"]], "USER_ENTERED"
    )
    assert status == 200
    assert body == {
        "spreadsheetId": book,
        "updatedRange": "Log!A1:E1",
        "updatedRows": 1,
        "updatedColumns": 5,
        "updatedCells": 5,
    }
    raw = api.get_values("Log!A1:E1", valueRenderOption="UNFORMATTED_VALUE")[1]["values"]
    assert raw == [[2, 43831, 12, "#NAME?", "=x"]]
    formulas = api.get_values("Log!A1:E1", valueRenderOption="FORMULA")[1]["values"]
    assert formulas[0][0] == "=4/2" and formulas[0][3] == "=name()"
    assert server.state.cell(book, "Log!B1")["userEnteredFormat"]["numberFormat"]["type"] == "DATE"
    # RAW keeps text as typed: no formula, no date.
    api.put_values("Log!A2:B2", [["=4/2", "2020-01-01"]], "RAW")
    assert api.get_values("Log!A2:B2", valueRenderOption="UNFORMATTED_VALUE")[1]["values"] == [
        ["=4/2", "2020-01-01"]
    ]


def test_user_entered_dates_follow_locale(server: FakeSheetsServer, session) -> None:  # type: ignore[no-untyped-def]
    us = Api(session, server.state.create_spreadsheet({"S": []}, locale="en_US"))
    gb = Api(session, server.state.create_spreadsheet({"S": []}, locale="en_GB"))
    for api in (us, gb):
        api.put_values("S!A1", [["3/4/2021"]], "USER_ENTERED")
    us_value = us.get_values("S!A1", valueRenderOption="UNFORMATTED_VALUE")[1]["values"][0][0]
    gb_value = gb.get_values("S!A1", valueRenderOption="UNFORMATTED_VALUE")[1]["values"][0][0]
    assert us_value == 44259  # 4 March 2021
    assert gb_value == 44289  # 3 April 2021


def test_update_needs_value_input_option(api: Api) -> None:
    status, body = api.call("PUT", "/values/Log!A1", {"values": [["x"]]})
    assert status == 400
    assert "valueInputOption" in body["error"]["message"]


def test_writing_more_than_the_range_is_an_error_but_a_single_cell_anchors(api: Api) -> None:
    status, body = api.put_values("Log!A1:B1", [["a", "b", "c"]])
    assert status == 400
    assert "tried writing to column [C]" in body["error"]["message"]
    status, body = api.put_values("Log!A1", [["a", "b"], ["c", "d"]])
    assert status == 200
    assert body["updatedRange"] == "Log!A1:B2"


def test_nulls_are_skipped_and_not_counted(api: Api) -> None:
    api.put_values("Log!A1:B2", [["keep", "keep"], ["keep", "keep"]])
    _, body = api.put_values("Log!A1:B2", [[None, "new"], [None, None]])
    assert (body["updatedRows"], body["updatedColumns"], body["updatedCells"]) == (1, 1, 1)
    assert api.get_values("Log!A1:B2")[1]["values"] == [["keep", "new"], ["keep", "keep"]]


def test_writes_past_the_grid_grow_it(server: FakeSheetsServer, session) -> None:  # type: ignore[no-untyped-def]
    key = server.state.create_spreadsheet({"S": []}, rows=2, cols=2)
    api = Api(session, key)
    assert api.put_values("S!A1", [["a", "b", "c"], [1], [2]])[0] == 200
    props = server.state.sheet_properties(key, "S")
    assert props["gridProperties"] == {"rowCount": 3, "columnCount": 3}


def test_batch_get_and_batch_update(api: Api, book: str) -> None:
    status, body = api.call(
        "POST",
        "/values:batchUpdate",
        {
            "valueInputOption": "RAW",
            "data": [
                {"range": "Log!A1:B1", "values": [["Date", "Who"]]},
                {"range": "Contacts!E1", "values": [["Next action"]]},
            ],
        },
    )
    assert status == 200
    assert body["totalUpdatedCells"] == 3 and body["totalUpdatedSheets"] == 2
    assert [r["updatedRange"] for r in body["responses"]] == ["Log!A1:B1", "Contacts!E1"]
    status, got = api.call("GET", "/values:batchGet", ranges=["Log!A1:B1", "Contacts!E1:E2"])
    assert got == {
        "spreadsheetId": book,
        "valueRanges": [
            {"range": "Log!A1:B1", "majorDimension": "ROWS", "values": [["Date", "Who"]]},
            {"range": "Contacts!E1:E2", "majorDimension": "ROWS", "values": [["Next action"]]},
        ],
    }


def test_values_batch_update_is_all_or_nothing(api: Api) -> None:
    status, _ = api.call(
        "POST",
        "/values:batchUpdate",
        {
            "valueInputOption": "RAW",
            "data": [
                {"range": "Log!A1", "values": [["x"]]},
                {"range": "Nope!A1", "values": [["y"]]},
            ],
        },
    )
    assert status == 400
    assert "values" not in api.get_values("Log!A1")[1]


def test_append_after_table_and_insert_rows(api: Api, book: str) -> None:
    status, body = api.call(
        "POST",
        "/values/Contacts:append",
        {"values": [["Katherine Johnson", "kj@example.org"]]},
        valueInputOption="RAW",
    )
    assert status == 200
    assert body["tableRange"] == "Contacts!A1:D4"
    assert body["updates"]["updatedRange"] == "Contacts!A5:B5"
    status, body = api.call(
        "POST",
        "/values/Contacts!A1:append",
        {"values": [["x"]]},
        valueInputOption="RAW",
        insertDataOption="INSERT_ROWS",
        includeValuesInResponse="true",
    )
    assert body["updates"]["updatedRange"] == "Contacts!A6"
    assert body["updates"]["updatedData"]["values"] == [["x"]]


def test_append_to_empty_sheet_has_no_table_range(api: Api) -> None:
    body = api.call(
        "POST", "/values/Log:append", {"values": [["a", "", "c"]]}, valueInputOption="RAW"
    )[1]
    assert "tableRange" not in body
    assert body["updates"]["updatedRange"] == "Log!A1:C1"


def test_clear_keeps_formats_and_batch_clear(api: Api, server: FakeSheetsServer, book: str) -> None:
    api.batch(
        {
            "repeatCell": {
                "range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2},
                "cell": {"userEnteredFormat": {"backgroundColor": {"red": 1}}},
                "fields": "userEnteredFormat.backgroundColor",
            }
        }
    )
    status, body = api.call("POST", "/values/Contacts!A2:B2:clear")
    assert (status, body) == (200, {"spreadsheetId": book, "clearedRange": "Contacts!A2:B2"})
    assert server.state.values(book, "Contacts!A2:B2") == [["", ""]]
    assert server.state.background(book, "Contacts!A2") == {"red": 1}
    status, body = api.call("POST", "/values:batchClear", {"ranges": ["Contacts!A3", "Contacts"]})
    assert body["clearedRanges"] == ["Contacts!A3", "Contacts!A1:Z1000"]
    assert "values" not in api.get_values("Contacts")[1]
