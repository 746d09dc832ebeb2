"""Conditional format rules: add/update/delete, how spreadsheets.get shows them, how
their ranges and formulas follow inserted and deleted rows, and the evaluator behind
``state.shown_format``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import gspread
import pytest
from fakesheets import FakeSheetsServer
from fakesheets.condformat import UnsupportedFormula
from fakesheets_helpers import Api

JsonAny = dict[str, Any]
RED = {"red": 0.95, "green": 0.8, "blue": 0.8}
AMBER = {"red": 1, "green": 0.9, "blue": 0.6}
TODAY = dt.date(2024, 6, 1)


def rows_range(start: int, end: int, sheet_id: int = 0) -> JsonAny:
    return {"sheetId": sheet_id, "startRowIndex": start, "endRowIndex": end}


def formula_rule(formula: str, color: JsonAny, rng: JsonAny, **fmt: Any) -> JsonAny:
    return {
        "ranges": [rng],
        "booleanRule": {
            "condition": {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": formula}]},
            "format": {"backgroundColor": color, **fmt},
        },
    }


def add(rule: JsonAny, index: int = 0) -> JsonAny:
    return {"addConditionalFormatRule": {"rule": rule, "index": index}}


@pytest.fixture
def sheet(server: FakeSheetsServer) -> str:
    """A Contacts tab whose status is in E and last contact in C, as the product has it."""
    return server.state.create_spreadsheet(
        {
            "Contacts": [
                ["Name", "Tier", "Last contact", "Pick", "Status"],
                ["Ada", "core", dt.date(2024, 1, 5), "★ week pick", "overdue"],
                ["Alan", "close", None, "", "due soon"],
                ["Grace", "core", dt.date(2024, 7, 1), "", "ok"],
                ["Linus", "network", "last spring", "", "check"],
            ]
        },
        title="CRM",
    )


@pytest.fixture
def capi(session: Any, sheet: str) -> Api:
    return Api(session, sheet)


def test_rules_are_stored_in_order_and_shown_by_get(
    capi: Api, server: FakeSheetsServer, gc: gspread.Client, sheet: str
) -> None:
    overdue = formula_rule('=N("keepup")+($E2="overdue")', RED, rows_range(1, 1000))
    soon = formula_rule('=$E2="due soon"', AMBER, rows_range(1, 1000))
    status, body = capi.batch(add(overdue), add(soon, 1))
    assert status == 200 and body["replies"] == [{}, {}]
    meta = gc.open_by_key(sheet).fetch_sheet_metadata(
        {"fields": "sheets(properties.title,conditionalFormats)"}
    )
    rules = meta["sheets"][0]["conditionalFormats"]
    assert [r["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in rules] == [
        '=N("keepup")+($E2="overdue")',
        '=$E2="due soon"',
    ]
    # Colours stored as Google stores them, with the *Style twin filled in; sheetId 0 left out.
    assert rules[0]["ranges"] == [{"startRowIndex": 1, "endRowIndex": 1000}]
    assert rules[0]["booleanRule"]["format"]["backgroundColorStyle"] == {
        "rgbColor": rules[0]["booleanRule"]["format"]["backgroundColor"]
    }
    assert rules[0]["booleanRule"]["format"]["backgroundColor"]["green"] == pytest.approx(
        0.8, abs=0.004
    )
    server.validator.check(meta, {"$ref": "Spreadsheet"}, "")


def test_update_replaces_or_moves_and_delete_returns_the_rule(
    capi: Api, server: FakeSheetsServer, sheet: str
) -> None:
    first = formula_rule('=$E2="overdue"', RED, rows_range(1, 10))
    second = formula_rule('=$E2="due soon"', AMBER, rows_range(1, 10))
    capi.batch(add(first), add(second, 1))
    moved = capi.batch({"updateConditionalFormatRule": {"sheetId": 0, "index": 1, "newIndex": 0}})[
        1
    ]
    reply = moved["replies"][0]["updateConditionalFormatRule"]
    assert (reply["oldIndex"], reply["newIndex"]) == (1, 0) and "oldRule" not in reply
    assert server.state.conditional_formats(sheet, "Contacts")[0]["booleanRule"]["condition"][
        "values"
    ] == [{"userEnteredValue": '=$E2="due soon"'}]
    replaced = capi.batch(
        {
            "updateConditionalFormatRule": {
                "index": 1,
                "rule": formula_rule('=$E2="ok"', AMBER, rows_range(1, 10)),
            }
        }
    )[1]
    reply = replaced["replies"][0]["updateConditionalFormatRule"]
    assert (
        "oldIndex" not in reply
        and reply["oldRule"]["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
        == '=$E2="overdue"'
    )
    server.validator.check(replaced, {"$ref": "BatchUpdateSpreadsheetResponse"}, "")
    deleted = capi.batch({"deleteConditionalFormatRule": {"sheetId": 0, "index": 0}})[1]
    assert (
        deleted["replies"][0]["deleteConditionalFormatRule"]["rule"]["booleanRule"]["condition"][
            "values"
        ][0]["userEnteredValue"]
        == '=$E2="due soon"'
    )
    assert len(server.state.conditional_formats(sheet, "Contacts")) == 1
    assert capi.batch({"deleteConditionalFormatRule": {"sheetId": 0, "index": 5}})[0] == 400


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            formula_rule("=$E2", RED, rows_range(1, 10), numberFormat={"type": "DATE"}),
            "numberFormat",
        ),
        (
            {"ranges": [rows_range(1, 10), rows_range(1, 10, sheet_id=7)], "booleanRule": {}},
            "same grid",
        ),
        ({"ranges": [], "booleanRule": {}}, "at least one range"),
        (formula_rule("$E2", RED, rows_range(1, 10)), "CUSTOM_FORMULA"),
        (formula_rule("=$E2", RED, rows_range(1, 2000)), "outside the grid"),
    ],
)
def test_invalid_rules_are_refused(capi: Api, rule: JsonAny, message: str) -> None:
    status, body = capi.batch(add(rule))
    assert status == 400
    assert body["error"]["message"].startswith("Invalid requests[0].addConditionalFormatRule: ")
    assert message in body["error"]["message"]


def test_index_past_the_end_is_refused(capi: Api) -> None:
    assert capi.batch(add(formula_rule("=$E2", RED, rows_range(1, 10)), index=1))[0] == 400


def test_first_matching_rule_wins_and_own_format_shows_underneath(
    capi: Api, server: FakeSheetsServer, sheet: str
) -> None:
    capi.batch(
        {
            "repeatCell": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 3,
                    "endRowIndex": 4,
                    "startColumnIndex": 0,
                    "endColumnIndex": 1,
                },
                "cell": {
                    "userEnteredFormat": {
                        "backgroundColor": {"blue": 1},
                        "textFormat": {"italic": True},
                    }
                },
                "fields": "userEnteredFormat(backgroundColor,textFormat.italic)",
            }
        },
        add(formula_rule('=N("keepup")+($E2="overdue")', RED, rows_range(1, 1000))),
        add(
            formula_rule(
                '=N("keepup")+(LEFT($D2,1)="★")',
                AMBER,
                rows_range(1, 1000),
                textFormat={"bold": True},
            ),
            1,
        ),
    )
    ada = server.state.shown_format(sheet, "Contacts", 2, "A", TODAY)
    assert ada["rule"] == 0 and ada["bold"] is False  # overdue wins over the star rule
    assert ada["backgroundColor"]["green"] == pytest.approx(0.8, abs=0.004)
    grace = server.state.shown_format(sheet, "Contacts", 4, 1, TODAY)
    assert grace["rule"] is None
    assert grace["backgroundColor"] == {"blue": 1} and grace["italic"] is True  # her own fill
    header = server.state.shown_format(sheet, "Contacts", 1, 1, TODAY)
    assert header["backgroundColor"] == {"red": 1, "green": 1, "blue": 1}  # outside the range


def test_dates_blanks_and_functions(capi: Api, server: FakeSheetsServer, sheet: str) -> None:
    stale = "=AND(ISNUMBER($C2),$C2<TODAY())"
    capi.batch(
        add(formula_rule(stale, RED, rows_range(1, 1000))),
        add(formula_rule('=OR($E2="check",$C2<TODAY())', AMBER, rows_range(1, 1000)), 1),
    )
    shown = {
        row: server.state.shown_format(sheet, "Contacts", row, "E", TODAY)["rule"]
        for row in range(2, 6)
    }
    # Ada: a past date. Alan: blank C is not a number, but blank < TODAY() is TRUE in
    # Sheets (blank compares as 0), so the OR rule catches him. Grace: a future date.
    # Linus: "last spring" is text, and text sorts after every number.
    assert shown == {2: 0, 3: 1, 4: None, 5: 1}


def test_ranges_and_formulas_follow_inserted_and_deleted_rows(
    capi: Api, server: FakeSheetsServer, sheet: str
) -> None:
    capi.batch(add(formula_rule('=$E2="overdue"', RED, rows_range(1, 5))))
    server.state.insert_rows(sheet, "Contacts", 1, [["Title row"]])  # above everything
    rule = server.state.conditional_formats(sheet, "Contacts")[0]
    assert rule["ranges"] == [{"startRowIndex": 2, "endRowIndex": 6}]
    assert rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"] == '=$E3="overdue"'
    assert (
        server.state.shown_format(sheet, "Contacts", 3, "A", TODAY)["rule"] == 0
    )  # Ada moved to 3
    server.state.insert_rows(sheet, "Contacts", 4, [["Inside"]])  # inside: the range grows
    assert server.state.conditional_formats(sheet, "Contacts")[0]["ranges"] == [
        {"startRowIndex": 2, "endRowIndex": 7}
    ]
    capi.batch(
        {
            "insertDimension": {
                "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}
            }
        }
    )
    rule = server.state.conditional_formats(sheet, "Contacts")[0]
    assert rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"] == '=$F3="overdue"'
    assert server.state.shown_format(sheet, "Contacts", 3, "B", TODAY)["rule"] == 0
    server.state.delete_rows(sheet, "Contacts", 3, 5)  # every row of the range
    assert server.state.conditional_formats(sheet, "Contacts") == []


def test_a_formula_reference_to_a_deleted_column_becomes_ref(
    capi: Api, server: FakeSheetsServer, sheet: str
) -> None:
    capi.batch(add(formula_rule('=AND($E2="ok",$B2="core")', RED, rows_range(1, 5))))
    capi.batch(
        {
            "deleteDimension": {
                "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2}
            }
        }
    )
    formula = server.state.conditional_formats(sheet, "Contacts")[0]["booleanRule"]["condition"][
        "values"
    ][0]
    assert formula["userEnteredValue"] == '=AND($D2="ok",#REF!="core")'


def test_simple_condition_types(capi: Api, server: FakeSheetsServer, sheet: str) -> None:
    status_col = {
        "sheetId": 0,
        "startRowIndex": 1,
        "endRowIndex": 5,
        "startColumnIndex": 4,
        "endColumnIndex": 5,
    }
    rule = {
        "ranges": [status_col],
        "booleanRule": {
            "condition": {"type": "TEXT_EQ", "values": [{"userEnteredValue": "OK"}]},
            "format": {"textFormat": {"bold": True}},
        },
    }
    capi.batch(add(rule))
    assert [
        server.state.shown_format(sheet, "Contacts", r, "E", TODAY)["bold"] for r in range(2, 6)
    ] == [
        False,
        False,
        True,  # case-insensitive, as Sheets compares text
        False,
    ]


@pytest.mark.parametrize(
    "formula",
    ["=VLOOKUP($E2,Other!A:B,2,FALSE)", "=$E2:$E9", "=Other!$E2=1", "={1,2}"],
)
def test_formulas_outside_the_subset_raise(
    capi: Api, server: FakeSheetsServer, sheet: str, formula: str
) -> None:
    assert capi.batch(add(formula_rule(formula, RED, rows_range(1, 5))))[0] == 200
    with pytest.raises(UnsupportedFormula):
        server.state.shown_format(sheet, "Contacts", 2, "A", TODAY)
