"""Request bodies and query parameters are checked against Google's discovery document."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from fakesheets import DiscoveryDocumentError, FakeSheetsServer, FakeSheetsState
from fakesheets.discovery import DOC_PACKAGE, DOC_PATH, Validator, load_document, snake
from fakesheets.errors import ApiError
from fakesheets.server import ROUTES
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
    v = Validator.load()
    v.check_body("sheets.spreadsheets.values.update", {"values": [[1, "a", True, None]]}, "data")
    with pytest.raises(ApiError):
        v.check_body("sheets.spreadsheets.values.update", {"values": [[1]], "rnage": "A1"}, "data")


def test_every_routed_method_is_in_the_document() -> None:
    """A route naming a method the document lacks would go unvalidated; it is a bug."""
    v = Validator.load()
    for _verb, _pattern, _name, method_id, _kind in ROUTES:
        if method_id:
            assert v.method(method_id)["id"] == method_id
    with pytest.raises(LookupError, match=r"sheets\.spreadsheets\.nothing"):
        v.check_body("sheets.spreadsheets.nothing", {})


def test_state_apply_is_validated_too(server: FakeSheetsServer, book: str) -> None:
    before = server.state.get(book).clone()
    with pytest.raises(ApiError) as bad_body:
        server.state.apply(book, {"addSheet": {"properties": {"title": "X", "colour": "red"}}})
    assert bad_body.value.code == 400
    assert 'Unknown name "colour"' in str(bad_body.value)
    with pytest.raises(ApiError, match="no field 'colour'"):
        server.state.apply(
            book,
            {"updateSheetProperties": {"properties": {"sheetId": 0}, "fields": "colour"}},
        )
    after = server.state.get(book)
    assert [s.title for s in after.sheets] == [s.title for s in before.sheets]


# --- no document, no fake: validation cannot be switched off -----------------------------


def test_missing_package_fails_loudly() -> None:
    with pytest.raises(DiscoveryDocumentError) as raised:
        load_document("fakesheets_no_such_package", DOC_PATH)
    message = str(raised.value)
    assert "cannot import 'fakesheets_no_such_package'" in message
    assert "pip install 'google-api-python-client" in message


def test_missing_document_fails_loudly() -> None:
    path = (*DOC_PATH[:-1], "sheets.v0.json")
    with pytest.raises(DiscoveryDocumentError, match=r"cannot read googleapiclient/.*sheets\.v0"):
        load_document(DOC_PACKAGE, path)


def test_another_api_document_is_refused() -> None:
    path = (*DOC_PATH[:-1], "drive.v3.json")
    with pytest.raises(DiscoveryDocumentError, match="not the sheets:v4 discovery document"):
        load_document(DOC_PACKAGE, path)


def test_no_server_without_google_api_python_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """With googleapiclient unimportable, neither a state nor a server can be created."""
    monkeypatch.setitem(sys.modules, "googleapiclient", None)
    load_document.cache_clear()  # the document may have been parsed by an earlier test
    with pytest.raises(DiscoveryDocumentError, match="google-api-python-client"):
        FakeSheetsState()
    with pytest.raises(DiscoveryDocumentError, match="google-api-python-client"):
        FakeSheetsServer()
    # A failed load is not cached: once the package is back, the document loads again.
    monkeypatch.undo()
    assert Validator.load().document["id"] == "sheets:v4"


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
