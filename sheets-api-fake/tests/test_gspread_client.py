"""Drive the fake through real gspread 6 calls, as sheets-keepup does."""

from __future__ import annotations

import datetime as dt

import gspread
import pytest
from fakesheets import FakeSheetsServer
from gspread.utils import DateTimeOption, ValueInputOption, ValueRenderOption


def test_open_and_read(gc: gspread.Client, book: str, server: FakeSheetsServer) -> None:
    sh = gc.open_by_key(book)
    assert sh.title == "Contacts CRM"
    assert sh.locale == "en_US" and sh.timezone == "Etc/GMT"
    ws = sh.worksheet("Contacts")
    assert ws.id == 0 and ws.row_count == 1000 and ws.col_count == 26
    assert ws.get_all_values()[1] == ["Ada Lovelace", "ada@example.org", "2024-01-05", "core"]
    # open_by_key and worksheet() each cost one metadata request, as with Google.
    assert server.request_count(method="GET", path_contains=f"/spreadsheets/{book}") >= 2


def test_unformatted_serial_dates(gc: gspread.Client, book: str) -> None:
    ws = gc.open_by_key(book).worksheet("Contacts")
    got = ws.get(
        "A1:D4",
        value_render_option=ValueRenderOption.unformatted,
        date_time_render_option=DateTimeOption.serial_number,
    )
    assert got[1] == ["Ada Lovelace", "ada@example.org", 45296, "core"]
    assert got[2] == ["Alan Turing", "alan@example.org", "", "close"]
    assert got[3][3] == 3


def test_values_batch_get(gc: gspread.Client, book: str) -> None:
    sh = gc.open_by_key(book)
    got = sh.values_batch_get(["Contacts!A1:A2", "Log"])
    assert got["valueRanges"][0]["values"] == [["Name"], ["Ada Lovelace"]]
    assert "values" not in got["valueRanges"][1]


def test_update_batch_update_and_format(
    gc: gspread.Client, book: str, server: FakeSheetsServer
) -> None:
    ws = gc.open_by_key(book).worksheet("Contacts")
    ws.update([["Next action", "Due", "Status"]], "E1")
    ws.batch_update(
        [{"range": "E2:G2", "values": [["Email Ada", "2024-04-05", "overdue"]]}],
        value_input_option=ValueInputOption.user_entered,
    )
    ws.format("A2:G2", {"backgroundColor": {"red": 1, "green": 0.8, "blue": 0.8}})
    assert server.state.values(book, "Contacts!E1:G2") == [
        ["Next action", "Due", "Status"],
        ["Email Ada", "2024-04-05", "overdue"],
    ]
    assert server.state.values(book, "Contacts!F2", render="UNFORMATTED_VALUE") == [[45387]]
    assert server.state.background(book, "Contacts!G2") == {"red": 1, "green": 0.8, "blue": 0.8}
    assert server.state.background(book, "Contacts!G3") is None


def test_spreadsheet_batch_update_body(
    gc: gspread.Client, book: str, server: FakeSheetsServer
) -> None:
    sh = gc.open_by_key(book)
    body = {
        "requests": [
            {
                "updateCells": {
                    "start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 4},
                    "rows": [
                        {
                            "values": [
                                {
                                    "userEnteredValue": {"stringValue": "=HYPERLINK(1)"},
                                    "userEnteredFormat": {"backgroundColor": {"green": 1}},
                                }
                            ]
                        }
                    ],
                    "fields": "userEnteredValue,userEnteredFormat.backgroundColor",
                }
            }
        ]
    }
    assert sh.batch_update(body) == {"spreadsheetId": book, "replies": [{}]}
    # Written as stringValue, so a formula-looking name stays text (no injection).
    assert server.state.values(book, "Contacts!E2", render="FORMULA") == [["=HYPERLINK(1)"]]


def test_append_rows_and_add_worksheet(
    gc: gspread.Client, book: str, server: FakeSheetsServer
) -> None:
    sh = gc.open_by_key(book)
    ws = sh.worksheet("Contacts")
    ws.append_row(
        ["Katherine Johnson", "kj@example.org", "2024-02-01"],
        value_input_option=ValueInputOption.user_entered,
    )
    ws.append_rows([["Dorothy Vaughan"], ["Mary Jackson"]])
    assert [r[0] for r in ws.get_all_values()[4:]] == [
        "Katherine Johnson",
        "Dorothy Vaughan",
        "Mary Jackson",
    ]
    log = sh.add_worksheet("Archive", rows=10, cols=4)
    assert (log.title, log.row_count, log.col_count) == ("Archive", 10, 4)
    assert [w.title for w in sh.worksheets()] == ["Contacts", "Log", "Archive"]


def test_fetch_sheet_metadata_with_params(gc: gspread.Client, book: str) -> None:
    sh = gc.open_by_key(book)
    meta = sh.fetch_sheet_metadata(
        {
            "includeGridData": "true",
            "ranges": ["Contacts!A1:B2"],
            "fields": "sheets(properties(sheetId,title),data(rowData(values(formattedValue))))",
        }
    )
    rows = meta["sheets"][0]["data"][0]["rowData"]
    assert [[v["formattedValue"] for v in r["values"]] for r in rows] == [
        ["Name", "Email"],
        ["Ada Lovelace", "ada@example.org"],
    ]


def test_missing_spreadsheet_and_worksheet(gc: gspread.Client, book: str) -> None:
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open_by_key("does-not-exist")
    with pytest.raises(gspread.exceptions.WorksheetNotFound):
        gc.open_by_key(book).worksheet("Nope")


def test_last_update_time_via_drive(gc: gspread.Client, book: str) -> None:
    sh = gc.open_by_key(book)
    before = sh.get_lastUpdateTime()
    sh.sheet1.update([["touched"]], "H1")
    after = sh.get_lastUpdateTime()
    assert after >= before


def test_create_from_python_values_round_trip(server: FakeSheetsServer, gc: gspread.Client) -> None:
    key = server.state.create_spreadsheet(
        {"Data": [["text", 1, 2.5, True, None, dt.date(2000, 1, 1)]]}, title="Types", frozen_rows=1
    )
    ws = gc.open_by_key(key).worksheet("Data")
    assert ws.frozen_row_count == 1
    assert ws.get("A1:F1", value_render_option=ValueRenderOption.unformatted) == [
        ["text", 1, 2.5, True, "", 36526]
    ]
    assert ws.get_all_values() == [["text", "1", "2.5", "TRUE", "", "2000-01-01"]]


def test_create_and_delete_through_gspread(gc: gspread.Client, server: FakeSheetsServer) -> None:
    sh = gc.create("Fresh CRM")
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]
    sh.sheet1.update([["Name"]], "A1")
    assert server.state.values(sh.id, "Sheet1!A1") == [["Name"]]
    gc.del_spreadsheet(sh.id)
    assert sh.id not in server.state.spreadsheets


def test_spreadsheets_create_endpoint(session, server: FakeSheetsServer) -> None:  # type: ignore[no-untyped-def]
    resp = session.post(
        "https://sheets.googleapis.com/v4/spreadsheets",
        json={
            "properties": {"title": "API made", "locale": "en_GB"},
            "sheets": [{"properties": {"title": "Contacts"}}],
        },
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["properties"]["locale"] == "en_GB"
    assert [s["properties"]["title"] for s in body["sheets"]] == ["Contacts"]
    assert body["spreadsheetId"] in server.state.spreadsheets


def test_fields_parameter_applies_to_values_responses(session, book: str) -> None:  # type: ignore[no-untyped-def]
    resp = session.get(
        f"https://sheets.googleapis.com/v4/spreadsheets/{book}/values/Contacts!A1",
        params={"fields": "values"},
    )
    assert resp.json() == {"values": [["Name"]]}


def test_date_cell_with_custom_pattern(server: FakeSheetsServer, gc: gspread.Client) -> None:
    from fakesheets import date_cell

    key = server.state.create_spreadsheet(
        {"S": [[date_cell(45296, "d mmm yyyy"), date_cell(dt.date(2024, 2, 29), "M/d/yyyy")]]}
    )
    ws = gc.open_by_key(key).worksheet("S")
    assert ws.get_all_values() == [["5 Jan 2024", "2/29/2024"]]
    assert ws.get("A1:B1", value_render_option=ValueRenderOption.unformatted) == [[45296, 45351]]


def test_open_by_title_and_list_files(
    gc: gspread.Client, server: FakeSheetsServer, book: str
) -> None:
    server.state.create_spreadsheet({"S": []}, title="Other")
    assert gc.open("Contacts CRM").id == book
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open("Nope")
    names = sorted(f["name"] for f in gc.list_spreadsheet_files())
    assert names == ["Contacts CRM", "Other"]


def test_broad_gspread_worksheet_api_sweep(
    gc: gspread.Client, server: FakeSheetsServer, book: str
) -> None:
    """Many everyday gspread calls in a row, checked against the resulting state."""
    sh = gc.open_by_key(book)
    ws = sh.worksheet("Contacts")
    assert ws.find("Alan Turing").row == 3
    assert ws.acell("B2").value == "ada@example.org"
    ws.update_acell("E1", "Next action")
    ws.insert_row(["Barbara Liskov", "bl@example.org"], index=2)
    assert ws.col_values(1)[:3] == ["Name", "Barbara Liskov", "Ada Lovelace"]
    ws.delete_rows(2)
    ws.sort((1, "des"), range="A2:D4")
    assert ws.col_values(1) == ["Name", "Grace Hopper", "Alan Turing", "Ada Lovelace"]
    ws.freeze(rows=1)
    ws.insert_note("A1", "people I know")
    assert ws.get_note("A1") == "people I know"
    ws.batch_clear(["E1"])
    ws.resize(rows=20, cols=8)
    ws.columns_auto_resize(0, 3)
    ws.update_tab_color("#ff0000")
    ws.add_validation("D2:D4", gspread.utils.ValidationConditionType.one_of_list, ["close", "core"])
    sh.update_timezone("Europe/London")
    sh.update_locale("en_GB")
    ws.update_title("People")
    props = server.state.sheet_properties(book, "People")
    assert props["gridProperties"] == {"rowCount": 20, "columnCount": 8, "frozenRowCount": 1}
    assert props["tabColorStyle"] == {"rgbColor": {"red": 1}}
    assert (
        server.state.cell(book, "People!D2")["dataValidation"]["condition"]["type"] == "ONE_OF_LIST"
    )
    meta = sh.fetch_sheet_metadata()
    assert (meta["properties"]["timeZone"], meta["properties"]["locale"]) == (
        "Europe/London",
        "en_GB",
    )
    assert all(r.status == 200 for r in server.requests)
