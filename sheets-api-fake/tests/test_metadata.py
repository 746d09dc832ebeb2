"""spreadsheets.get: properties, grid data, ranges and field masks."""

from __future__ import annotations

from fakesheets_helpers import Api


def test_plain_metadata_shape(api: Api, book: str) -> None:
    status, body = api.meta(includeGridData="false")
    assert status == 200
    assert set(body) == {"spreadsheetId", "properties", "sheets", "spreadsheetUrl"}
    assert body["properties"]["title"] == "Contacts CRM"
    assert body["properties"]["locale"] == "en_US" and body["properties"]["timeZone"] == "Etc/GMT"
    assert body["sheets"][0]["properties"] == {
        "sheetId": 0,
        "title": "Contacts",
        "index": 0,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": 1000, "columnCount": 26},
    }
    assert "data" not in body["sheets"][0]


def test_nested_parenthesised_field_mask(api: Api) -> None:
    api.batch(
        {
            "repeatCell": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 1,
                    "endRowIndex": 2,
                    "startColumnIndex": 1,
                    "endColumnIndex": 2,
                },
                "cell": {"userEnteredFormat": {"backgroundColor": {"red": 1}}},
                "fields": "userEnteredFormat.backgroundColor",
            }
        }
    )
    fields = (
        "sheets(properties(sheetId,title),"
        "data(rowData(values(effectiveValue,userEnteredFormat.backgroundColor))))"
    )
    status, body = api.meta(ranges=["Contacts!A2:C2", "Log!A1"], fields=fields)
    assert status == 200
    contacts, log = body["sheets"]
    assert contacts["properties"] == {"sheetId": 0, "title": "Contacts"}
    assert contacts["data"] == [
        {
            "rowData": [
                {
                    "values": [
                        {"effectiveValue": {"stringValue": "Ada Lovelace"}},
                        {
                            "effectiveValue": {"stringValue": "ada@example.org"},
                            "userEnteredFormat": {"backgroundColor": {"red": 1}},
                        },
                        # The date cell has a format (its numberFormat), just no colour.
                        {"effectiveValue": {"numberValue": 45296}, "userEnteredFormat": {}},
                    ]
                }
            ]
        }
    ]
    assert log == {"properties": {"sheetId": 1, "title": "Log"}, "data": [{}]}


def test_ranges_give_start_offsets_and_full_cells(api: Api) -> None:
    body = api.meta(ranges="Contacts!B3:C4", includeGridData="true")[1]
    data = body["sheets"][0]["data"][0]
    assert (data["startRow"], data["startColumn"]) == (2, 1)
    first, second = data["rowData"]
    assert [v["formattedValue"] for v in first["values"]] == [
        "alan@example.org"
    ]  # no date: trimmed
    assert second["values"][0] == {}  # Grace has no email
    date_cell = second["values"][1]
    assert date_cell["userEnteredValue"] == {"numberValue": 45250}
    assert date_cell["formattedValue"] == "2023-11-20"
    assert date_cell["effectiveFormat"]["numberFormat"] == {"type": "DATE", "pattern": "yyyy-mm-dd"}
    assert len(data["rowMetadata"]) == 2 and len(data["columnMetadata"]) == 2


def test_dotted_mask_sheets_properties(api: Api) -> None:
    body = api.meta(fields="sheets.properties.title,properties.title")[1]
    assert body == {
        "properties": {"title": "Contacts CRM"},
        "sheets": [{"properties": {"title": "Contacts"}}, {"properties": {"title": "Log"}}],
    }


def test_unknown_spreadsheet_is_google_404(session) -> None:  # type: ignore[no-untyped-def]
    resp = session.get(
        "https://sheets.googleapis.com/v4/spreadsheets/missing?includeGridData=false"
    )
    assert resp.status_code == 404
    assert resp.json() == {
        "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}
    }


def test_drive_metadata_for_last_update_time(session, book: str) -> None:  # type: ignore[no-untyped-def]
    resp = session.get(
        f"https://www.googleapis.com/drive/v3/files/{book}",
        params={"fields": "id,name,modifiedTime"},
    )
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"id", "name", "modifiedTime"} and body["name"] == "Contacts CRM"


def test_answers_are_indented_like_googles_unless_pretty_print_is_false(api: Api) -> None:
    url = f"{api.BASE}/{api.key}"
    pretty = api.session.request("GET", url, params={"includeGridData": "true"})
    compact = api.session.request(
        "GET", url, params={"includeGridData": "true", "prettyPrint": "false"}
    )
    assert pretty.text.startswith('{\n  "spreadsheetId": ')
    assert "\n" not in compact.text and '":' in compact.text and '": ' not in compact.text
    assert pretty.json() == compact.json()
    assert len(compact.content) < len(pretty.content)
