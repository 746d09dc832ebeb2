"""Request bodies and query parameters are checked against Google's discovery document."""

from __future__ import annotations

from typing import Any

import pytest
from fakesheets import FakeSheetsServer
from fakesheets.discovery import Validator, snake
from fakesheets.errors import ApiError
from fakesheets_helpers import Api


def error_of(result: tuple[int, Any]) -> dict[str, Any]:
    status, body = result
    assert status == 400, body
    assert body["error"]["status"] == "INVALID_ARGUMENT"
    return dict(body["error"])


def test_unknown_field_in_sub_request(api: Api) -> None:
    err = error_of(
        api.batch(
            {"updateCells": {"start": {"sheetId": 0}, "rows": [], "fields": "note", "foo": 1}}
        )
    )
    assert err["message"] == (
        "Invalid JSON payload received. Unknown name \"foo\" at 'requests[0].update_cells': "
        "Cannot find field."
    )


def test_unknown_top_level_field(api: Api) -> None:
    err = error_of(api.call("POST", ":batchUpdate", {"requests": [], "extra": True}))
    assert (
        err["message"] == 'Invalid JSON payload received. Unknown name "extra": Cannot find field.'
    )


def test_wrong_scalar_type(api: Api) -> None:
    err = error_of(
        api.batch({"updateCells": {"start": {"sheetId": 0, "rowIndex": "abc"}, "fields": "note"}})
    )
    assert (
        err["message"]
        == "Invalid value at 'requests[0].update_cells.start.row_index' (TYPE_INT32), \"abc\""
    )
    assert (
        err["details"][0]["fieldViolations"][0]["field"]
        == "requests[0].update_cells.start.row_index"
    )


def test_values_must_be_a_list_like_google_says(api: Api) -> None:
    """Same body and message as a recorded Google 400."""
    err = error_of(
        api.call(
            "PUT", "/values/Log!A1", {"values": "X", "majorDimension": None}, valueInputOption="RAW"
        )
    )
    assert (
        err["message"]
        == "Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), \"X\""
    )


def test_enum_in_body_and_query(api: Api) -> None:
    error_of(api.batch({"appendDimension": {"sheetId": 0, "dimension": "DIAGONAL", "length": 1}}))
    err = error_of(api.get_values("Log!A1", valueRenderOption="PRETTY"))
    assert "value_render_option" in err["message"]


def test_unknown_query_parameter(api: Api) -> None:
    err = error_of(api.get_values("Log!A1", valueRendrOption="FORMULA"))
    assert 'Unknown name "valueRendrOption"' in err["message"]


def test_nothing_applied_when_validation_fails(
    api: Api, server: FakeSheetsServer, book: str
) -> None:
    api.batch(
        {"addSheet": {"properties": {"title": "A"}}},
        {"addSheet": {"properties": {"title": "B", "colour": "red"}}},
    )
    titles = [s["properties"]["title"] for s in api.meta()[1]["sheets"]]
    assert titles == ["Contacts", "Log"]


def test_additional_properties_and_any_values_accepted() -> None:
    v = Validator()
    assert v.enabled
    v.check_body("sheets.spreadsheets.values.update", {"values": [[1, "a", True, None]]}, "data")
    with pytest.raises(ApiError):
        v.check_body("sheets.spreadsheets.values.update", {"values": [[1]], "rnage": "A1"}, "data")


def test_validation_can_be_disabled() -> None:
    with FakeSheetsServer(validate=False) as server:
        assert server.validation_enabled is False
        assert not Validator(load=False).enabled


def test_snake_case_paths() -> None:
    assert snake("updateCells") == "update_cells"
    assert snake("startRowIndex") == "start_row_index"


def test_extended_value_is_a_oneof(api: Api) -> None:
    cell = {"userEnteredValue": {"stringValue": "x", "numberValue": 1}}
    err = error_of(
        api.batch(
            {
                "updateCells": {
                    "start": {"sheetId": 0},
                    "rows": [{"values": [cell]}],
                    "fields": "userEnteredValue",
                }
            }
        )
    )
    assert "oneof field 'value' is already set" in err["message"]
