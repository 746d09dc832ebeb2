"""spreadsheets.batchUpdate: request kinds, field masks and atomicity."""

from __future__ import annotations

from typing import Any

from fakesheets import FakeSession, FakeSheetsServer
from fakesheets_helpers import Api

RED = {"red": 1}
GREEN = {"green": 1}


def grid(sheet_id: int = 0, r0: int = 0, r1: int = 1, c0: int = 0, c1: int = 1) -> dict[str, int]:
    return {
        "sheetId": sheet_id,
        "startRowIndex": r0,
        "endRowIndex": r1,
        "startColumnIndex": c0,
        "endColumnIndex": c1,
    }


def string_cell(text: str, color: dict[str, Any] | None = None) -> dict[str, Any]:
    cell: dict[str, Any] = {"userEnteredValue": {"stringValue": text}}
    if color is not None:
        cell["userEnteredFormat"] = {"backgroundColor": color}
    return cell


def test_one_bad_sub_request_applies_nothing(api: Api, server: FakeSheetsServer, book: str) -> None:
    before = server.state.values(book, "Contacts")
    status, body = api.batch(
        {
            "updateCells": {
                "start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 4},
                "rows": [{"values": [string_cell("email Ada")]}],
                "fields": "userEnteredValue",
            }
        },
        {"addSheet": {"properties": {"title": "Extra"}}},
        {
            "deleteDimension": {
                "range": {"sheetId": 999, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}
            }
        },
    )
    assert status == 400
    assert body["error"]["message"] == "Invalid requests[2].deleteDimension: No grid with id: 999"
    assert server.state.values(book, "Contacts") == before
    assert [s["properties"]["title"] for s in api.meta()[1]["sheets"]] == ["Contacts", "Log"]


def test_update_cells_with_start_touches_only_given_cells(
    api: Api, server: FakeSheetsServer, book: str
) -> None:
    status, body = api.batch(
        {
            "updateCells": {
                "start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 0},
                "rows": [{"values": [string_cell("Ada L.", GREEN)]}],
                "fields": "userEnteredValue,userEnteredFormat.backgroundColor",
            }
        }
    )
    assert (status, body["replies"]) == (200, [{}])
    assert server.state.values(book, "Contacts!A2:B2") == [["Ada L.", "ada@example.org"]]
    assert server.state.background(book, "Contacts!A2") == GREEN
    assert server.state.background(book, "Contacts!B2") is None


def test_update_cells_range_clears_named_fields_outside_rows(
    api: Api, server: FakeSheetsServer, book: str
) -> None:
    """A range larger than ``rows`` clears the masked fields in the uncovered cells."""
    api.batch(
        {
            "repeatCell": {
                "range": grid(0, 1, 4, 0, 4),
                "cell": {"userEnteredFormat": {"backgroundColor": RED}},
                "fields": "userEnteredFormat.backgroundColor",
            }
        }
    )
    status, _ = api.batch(
        {
            "updateCells": {
                "range": grid(0, 1, 4, 0, 2),
                "rows": [{"values": [string_cell("Ada", GREEN)]}],
                "fields": "userEnteredValue,userEnteredFormat.backgroundColor",
            }
        }
    )
    assert status == 200
    # Covered cell written, the rest of the range cleared (value and colour) ...
    assert server.state.values(book, "Contacts!A2:B4") == [["Ada", ""], ["", ""], ["", ""]]
    assert server.state.background(book, "Contacts!A2") == GREEN
    assert server.state.background(book, "Contacts!B3") is None
    # ... but fields not in the mask and cells outside the range are untouched.
    assert server.state.values(book, "Contacts!C2:D2") == [["2024-01-05", "core"]]
    assert server.state.background(book, "Contacts!C2") == RED


def test_update_cells_fields_star_replaces_whole_cell(
    api: Api, server: FakeSheetsServer, book: str
) -> None:
    api.batch(
        {
            "repeatCell": {
                "range": grid(0, 1, 2, 0, 1),
                "cell": {"note": "n", "userEnteredFormat": {"backgroundColor": RED}},
                "fields": "note,userEnteredFormat",
            }
        }
    )
    api.batch(
        {
            "updateCells": {
                "start": {"sheetId": 0, "rowIndex": 1},
                "rows": [{"values": [string_cell("X")]}],
                "fields": "*",
            }
        }
    )
    cell = server.state.cell(book, "Contacts!A2")
    assert cell["userEnteredValue"] == {"stringValue": "X"}
    assert "note" not in cell and "userEnteredFormat" not in cell


def test_repeat_cell_formats_adds_style_twins_and_drops_zero_channels(
    api: Api, server: FakeSheetsServer, book: str
) -> None:
    status, _ = api.batch(
        {
            "repeatCell": {
                "range": grid(0, 0, 1, 0, 2),
                "cell": {
                    "userEnteredFormat": {
                        "backgroundColor": {"red": 0, "green": 1, "blue": 0.4980392156862745},
                        "textFormat": {"bold": True},
                    }
                },
                "fields": "userEnteredFormat(backgroundColor,textFormat)",
            }
        }
    )
    assert status == 200
    fmt = server.state.cell(book, "Contacts!B1")["userEnteredFormat"]
    assert fmt["backgroundColor"] == {"green": 1, "blue": 0.49803922}
    assert fmt["backgroundColorStyle"] == {"rgbColor": {"green": 1, "blue": 0.49803922}}
    assert fmt["textFormat"] == {"bold": True}
    assert server.state.values(book, "Contacts!A1:B1") == [["Name", "Email"]]  # values kept


def test_bad_field_mask_is_rejected(api: Api) -> None:
    status, body = api.batch(
        {"repeatCell": {"range": grid(), "cell": {}, "fields": "userEnteredFormat.colour"}}
    )
    assert status == 400
    assert body["error"]["message"].startswith("Invalid requests[0].repeatCell:")


def test_writes_outside_grid_are_rejected(api: Api) -> None:
    status, body = api.batch(
        {"repeatCell": {"range": grid(0, 0, 1001), "cell": {}, "fields": "note"}}
    )
    assert status == 400
    assert "after last row" in body["error"]["message"]


def test_add_and_delete_sheet(api: Api) -> None:
    status, body = api.batch(
        {
            "addSheet": {
                "properties": {
                    "title": "Archive",
                    "gridProperties": {"rowCount": 5, "columnCount": 3},
                }
            }
        }
    )
    assert status == 200
    props = body["replies"][0]["addSheet"]["properties"]
    assert props["title"] == "Archive" and props["index"] == 2
    assert props["gridProperties"] == {"rowCount": 5, "columnCount": 3}
    status, body = api.batch({"addSheet": {"properties": {"title": "Archive"}}})
    assert status == 400 and "already exists" in body["error"]["message"]
    assert api.batch({"deleteSheet": {"sheetId": props["sheetId"]}})[0] == 200
    assert len(api.meta()[1]["sheets"]) == 2


def test_insert_and_delete_dimension_shift_cells(
    api: Api, server: FakeSheetsServer, book: str
) -> None:
    api.batch(
        {
            "insertDimension": {
                "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}
            }
        }
    )
    assert server.state.values(book, "Contacts!A1:A3") == [["Name"], [""], ["Ada Lovelace"]]
    assert server.state.sheet_properties(book, "Contacts")["gridProperties"]["rowCount"] == 1001
    api.batch(
        {
            "deleteDimension": {
                "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}
            }
        }
    )
    assert server.state.values(book, "Contacts!A1:A1") == [["Email"]]
    assert server.state.sheet_properties(book, "Contacts")["gridProperties"]["columnCount"] == 25


def test_append_dimension_and_append_cells(api: Api, server: FakeSheetsServer, book: str) -> None:
    api.batch({"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 2}})
    assert server.state.sheet_properties(book, "Contacts")["gridProperties"]["columnCount"] == 28
    api.batch(
        {
            "appendCells": {
                "sheetId": 0,
                "rows": [{"values": [string_cell("New person")]}],
                "fields": "userEnteredValue",
            }
        }
    )
    assert server.state.values(book, "Contacts!A5") == [["New person"]]


def test_update_sheet_properties_mask_and_defaults(
    api: Api, server: FakeSheetsServer, book: str
) -> None:
    api.batch(
        {
            "updateSheetProperties": {
                "properties": {
                    "sheetId": 0,
                    "title": "People",
                    "gridProperties": {"frozenRowCount": 1},
                },
                "fields": "title,gridProperties.frozenRowCount",
            }
        }
    )
    props = server.state.sheet_properties(book, "People")
    assert props["gridProperties"] == {"rowCount": 1000, "columnCount": 26, "frozenRowCount": 1}
    api.batch(
        {
            "updateSheetProperties": {
                "properties": {"sheetId": 0, "gridProperties": {"frozenRowCount": 0}},
                "fields": "gridProperties.frozenRowCount",
            }
        }
    )
    assert server.state.sheet_properties(book, "People")["gridProperties"] == {
        "rowCount": 1000,
        "columnCount": 26,
    }
    status, body = api.batch(
        {"updateSheetProperties": {"properties": {"sheetId": 0, "title": "Log"}, "fields": "title"}}
    )
    assert status == 400 and "already exists" in body["error"]["message"]


def test_update_spreadsheet_properties(api: Api) -> None:
    api.batch(
        {
            "updateSpreadsheetProperties": {
                "properties": {"title": "Renamed", "locale": "en_GB"},
                "fields": "title,locale",
            }
        }
    )
    props = api.meta()[1]["properties"]
    assert (props["title"], props["locale"], props["timeZone"]) == ("Renamed", "en_GB", "Etc/GMT")


def test_set_data_validation_and_clear_it(api: Api, server: FakeSheetsServer, book: str) -> None:
    rule = {
        "condition": {
            "type": "ONE_OF_LIST",
            "values": [{"userEnteredValue": "close"}, {"userEnteredValue": "core"}],
        },
        "strict": True,
    }
    api.batch({"setDataValidation": {"range": grid(0, 1, 4, 3, 4), "rule": rule}})
    assert server.state.cell(book, "Contacts!D3")["dataValidation"] == rule
    api.batch({"setDataValidation": {"range": grid(0, 1, 4, 3, 4)}})
    assert "dataValidation" not in server.state.cell(book, "Contacts!D3")


def test_dimension_properties_and_auto_resize(api: Api) -> None:
    status, _ = api.batch(
        {
            "updateDimensionProperties": {
                "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1},
                "properties": {"pixelSize": 250},
                "fields": "pixelSize",
            }
        },
        {
            "autoResizeDimensions": {
                "dimensions": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 4}
            }
        },
    )
    assert status == 200
    meta = api.meta(ranges="Contacts!A1:B1", fields="sheets.data.columnMetadata")[1]
    assert meta["sheets"][0]["data"][0]["columnMetadata"] == [
        {"pixelSize": 250},
        {"pixelSize": 100},
    ]


def test_unsupported_kinds_fail_loudly(api: Api) -> None:
    status, body = api.batch({"addProtectedRange": {"protectedRange": {"range": grid()}}})
    assert status == 400
    assert "not supported" in body["error"]["message"]


def test_include_spreadsheet_in_response(api: Api) -> None:
    status, body = api.call(
        "POST",
        ":batchUpdate",
        {
            "requests": [{"addSheet": {"properties": {"title": "New"}}}],
            "includeSpreadsheetInResponse": True,
        },
    )
    assert status == 200
    assert [s["properties"]["title"] for s in body["updatedSpreadsheet"]["sheets"]] == [
        "Contacts",
        "Log",
        "New",
    ]


def test_sort_range_numbers_before_text_and_empties_last(
    api: Api, server: FakeSheetsServer, book: str
) -> None:
    status, _ = api.batch(
        {
            "sortRange": {
                "range": grid(0, 1, 4, 0, 4),
                "sortSpecs": [{"dimensionIndex": 2, "sortOrder": "DESCENDING"}],
            }
        }
    )
    assert status == 200
    # Dates are numbers: 2024-01-05 before 2023-11-20 descending; Alan (no date) stays last.
    assert [r[0] for r in server.state.values(book, "Contacts!A2:A4")] == [
        "Ada Lovelace",
        "Grace Hopper",
        "Alan Turing",
    ]
    api.batch(
        {
            "sortRange": {
                "range": grid(0, 1, 4, 0, 4),
                "sortSpecs": [{"dimensionIndex": 3, "sortOrder": "ASCENDING"}],
            }
        }
    )
    assert [r[3] for r in server.state.values(book, "Contacts!A2:D4")] == ["3", "close", "core"]


def test_sort_range_by_two_keys_mixed_types_and_stable(
    api: Api, server: FakeSheetsServer, session: FakeSession
) -> None:
    rows = [
        ["b", 2],
        ["a", True],
        ["b", 1],
        ["a", "x"],
        ["", 5],
        ["a", 3],
        ["b", 1, "second"],
    ]
    key = server.state.create_spreadsheet({"S": rows})
    sorter = Api(session, key)
    status, _ = sorter.batch(
        {
            "sortRange": {
                "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 7},
                "sortSpecs": [
                    {"dimensionIndex": 0, "sortOrder": "DESCENDING"},
                    {"dimensionIndex": 1, "sortOrder": "ASCENDING"},
                ],
            }
        }
    )
    assert status == 200
    # b before a (descending), empty key last; then numbers < text < booleans, ties stable
    assert server.state.values(key, "S!A1:B7") == [
        ["b", "1"],
        ["b", "1"],
        ["b", "2"],
        ["a", "3"],
        ["a", "x"],
        ["a", "TRUE"],
        ["", "5"],
    ]
    assert server.state.values(key, "S!C1:C2") == [[""], ["second"]]  # whole rows move


def test_merge_and_unmerge_cells(api: Api, server: FakeSheetsServer, book: str) -> None:
    status, _ = api.batch({"mergeCells": {"range": grid(0, 1, 3, 0, 2), "mergeType": "MERGE_ALL"}})
    assert status == 200
    assert api.meta()[1]["sheets"][0]["merges"] == [
        {"startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 0, "endColumnIndex": 2}
    ]
    assert server.state.values(book, "Contacts!A2:B3") == [["Ada Lovelace", ""], ["", ""]]
    status, body = api.batch({"unmergeCells": {"range": grid(0, 1, 2, 0, 2)}})
    assert status == 400 and "merged range" in body["error"]["message"]
    api.batch({"unmergeCells": {"range": grid(0, 0, 10, 0, 10)}})
    assert "merges" not in api.meta()[1]["sheets"][0]


def test_black_reads_back_empty_and_format_helpers(
    api: Api, server: FakeSheetsServer, book: str
) -> None:
    api.batch(
        {
            "repeatCell": {
                "range": grid(0, 0, 1, 0, 2),
                "cell": {
                    "userEnteredFormat": {"backgroundColor": {"red": 0, "green": 0, "blue": 0}}
                },
                "fields": "userEnteredFormat.backgroundColor",
            }
        }
    )
    assert server.state.backgrounds(book, "Contacts!A1:C1") == [[{}, {}, None]]
    assert server.state.formats(book, "Contacts!A1")[0][0]["backgroundColorStyle"] == {
        "rgbColor": {}
    }


def test_cell_limit_is_enforced_atomically(api: Api, server: FakeSheetsServer, book: str) -> None:
    status, body = api.batch(
        {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 10}},
        {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 400_000}},
    )
    assert status == 400 and "10000000 cells" in body["error"]["message"]
    assert server.state.sheet_properties(book, "Contacts")["gridProperties"]["rowCount"] == 1000


def test_moving_a_sheet_to_index_zero(api: Api) -> None:
    status, _ = api.batch(
        {"updateSheetProperties": {"properties": {"sheetId": 1, "index": 0}, "fields": "index"}}
    )
    assert status == 200
    sheets = [(s["properties"]["title"], s["properties"]["index"]) for s in api.meta()[1]["sheets"]]
    assert sheets == [("Log", 0), ("Contacts", 1)]


def test_colours_are_stored_with_eight_bits_per_channel(
    api: Api, server: FakeSheetsServer, book: str
) -> None:
    api.batch(
        {
            "repeatCell": {
                "range": grid(),
                "cell": {"userEnteredFormat": {"backgroundColor": {"red": 0.5, "green": 0.85}}},
                "fields": "userEnteredFormat.backgroundColor",
            }
        }
    )
    # 0.5 -> 127/255 (as Google answered for a tab colour), 0.85 -> 216/255.
    assert server.state.background(book, "Contacts!A1") == {"red": 0.49803922, "green": 0.84705883}


def test_named_ranges_resolve_move_and_go(api: Api, server: FakeSheetsServer, book: str) -> None:
    status, body = api.batch(
        {"addNamedRange": {"namedRange": {"name": "Emails", "range": grid(0, 1, 4, 1, 2)}}}
    )
    assert status == 200
    named = body["replies"][0]["addNamedRange"]["namedRange"]
    assert named["name"] == "Emails" and named["range"] == {
        "startRowIndex": 1,
        "endRowIndex": 4,
        "startColumnIndex": 1,
        "endColumnIndex": 2,
    }
    assert api.get_values("Emails")[1]["values"] == [["ada@example.org"], ["alan@example.org"]]
    assert api.get_values("Contacts!Emails")[1]["range"] == "Contacts!B2:B4"
    # A row inserted above moves the named range with its cells.
    api.batch(
        {
            "insertDimension": {
                "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}
            }
        }
    )
    assert api.get_values("Emails")[1]["range"] == "Contacts!B3:B5"
    status, body = api.batch({"addNamedRange": {"namedRange": {"name": "emails", "range": grid()}}})
    assert status == 400 and "already exists" in body["error"]["message"]
    assert api.batch({"addNamedRange": {"namedRange": {"name": "B2", "range": grid()}}})[0] == 400
    api.batch({"deleteNamedRange": {"namedRangeId": named["namedRangeId"]}})
    assert api.meta(fields="namedRanges")[1] == {}
    assert api.get_values("Emails")[0] == 400


def test_basic_filter_is_stored_with_a_closed_range(api: Api) -> None:
    assert (
        api.batch({"setBasicFilter": {"filter": {"range": {"sheetId": 0, "endRowIndex": 4}}}})[0]
        == 200
    )
    got = api.meta(fields="sheets.basicFilter")[1]["sheets"][0]["basicFilter"]
    assert got == {
        "range": {"startRowIndex": 0, "endRowIndex": 4, "startColumnIndex": 0, "endColumnIndex": 26}
    }
    api.batch({"clearBasicFilter": {"sheetId": 0}})
    assert "basicFilter" not in api.meta()[1]["sheets"][0]


def test_copy_paste_tiles_and_paste_types(api: Api, server: FakeSheetsServer, book: str) -> None:
    api.put_values("Log!A1:B1", [[2, "=A1*10"]], "USER_ENTERED")
    api.batch(
        {
            "repeatCell": {
                "range": grid(1, 0, 1, 0, 1),
                "cell": {"userEnteredFormat": {"backgroundColor": GREEN}},
                "fields": "userEnteredFormat.backgroundColor",
            }
        }
    )
    status, _ = api.batch(
        {
            "copyPaste": {
                "source": grid(1, 0, 1, 0, 2),
                "destination": grid(1, 2, 4, 0, 2),
                "pasteType": "PASTE_NORMAL",
            }
        }
    )
    assert status == 200
    assert server.state.values(book, "Log!A3:B4", render="FORMULA") == [
        [2, "=A1*10"],
        [2, "=A1*10"],
    ]
    assert server.state.background(book, "Log!A4") == GREEN
    api.batch(
        {
            "copyPaste": {
                "source": grid(1, 0, 1, 0, 2),
                "destination": grid(1, 5, 6, 0, 1),
                "pasteType": "PASTE_VALUES",
            }
        }
    )
    assert server.state.values(book, "Log!A6:B6", render="FORMULA") == [
        [2, 20]
    ]  # results, not formulas
    assert server.state.background(book, "Log!A6") is None
    api.batch(
        {
            "copyPaste": {
                "source": grid(1, 0, 1, 0, 2),
                "destination": grid(1, 7, 8, 0, 1),
                "pasteType": "PASTE_VALUES",
                "pasteOrientation": "TRANSPOSE",
            }
        }
    )
    assert server.state.values(book, "Log!A8:A9", render="FORMULA") == [[2], [20]]


def test_cut_paste_moves_cells(api: Api, server: FakeSheetsServer, book: str) -> None:
    status, _ = api.batch(
        {
            "cutPaste": {
                "source": grid(0, 1, 2, 0, 2),
                "destination": {"sheetId": 1, "rowIndex": 3, "columnIndex": 1},
            }
        }
    )
    assert status == 200
    assert server.state.values(book, "Log!B4:C4") == [["Ada Lovelace", "ada@example.org"]]
    assert server.state.values(book, "Contacts!A2:B2") == [["", ""]]
