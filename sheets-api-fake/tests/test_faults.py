"""Fault injection and the request log."""

from __future__ import annotations

import time
from typing import Any

import gspread
import pytest
import requests
from fakesheets import FakeSheetsServer, FakeSheetsState, RequestInfo
from fakesheets_helpers import Api


def test_queued_errors_answer_in_order_then_recover(api: Api, server: FakeSheetsServer) -> None:
    server_errors = [(429, "RESOURCE_EXHAUSTED"), (503, "UNAVAILABLE"), (500, "INTERNAL")]
    faults = server.faults
    for status, _ in server_errors:
        faults.queue_error(status)
    for status, name in server_errors:
        got, body = api.get_values("Log!A1")
        assert (got, body["error"]["status"], body["error"]["code"]) == (status, name, status)
    assert api.get_values("Log!A1")[0] == 200


def test_errors_can_target_a_method_and_path(api: Api, server: FakeSheetsServer) -> None:
    server.faults.queue_error(429, count=2, method="POST", path_pattern=r":batchUpdate$")
    assert api.get_values("Log!A1")[0] == 200  # reads unaffected
    assert api.batch()[0] == 429
    assert api.batch()[0] == 429
    assert api.batch()[0] == 200


def test_gspread_surfaces_429_as_api_error(
    gc: gspread.Client, server: FakeSheetsServer, book: str
) -> None:
    ws = gc.open_by_key(book).worksheet("Contacts")
    server.faults.queue_error(429)
    with pytest.raises(gspread.exceptions.APIError) as info:
        ws.get_all_values()
    assert info.value.response.status_code == 429


def test_latency_is_added(api: Api, server: FakeSheetsServer) -> None:
    server.faults.set_latency(0.2)
    started = time.monotonic()
    api.get_values("Log!A1")
    assert time.monotonic() - started >= 0.2


def test_dropped_connection_breaks_the_read(api: Api, server: FakeSheetsServer) -> None:
    server.faults.drop_connection(method="GET")
    with pytest.raises(requests.exceptions.RequestException):
        api.get_values("Contacts!A1")
    assert api.get_values("Contacts!A1")[1]["values"] == [["Name"]]
    assert [r.dropped for r in server.requests] == [True, False]


def test_a_dropped_write_is_still_applied(api: Api, server: FakeSheetsServer, book: str) -> None:
    server.faults.drop_connection(method="PUT")
    with pytest.raises(requests.exceptions.RequestException):
        api.put_values("Log!A1", [["written"]])
    assert server.state.values(book, "Log!A1") == [["written"]]


def test_quota_per_minute_with_injected_clock(api: Api, server: FakeSheetsServer) -> None:
    now = [1000.0]
    server.faults.set_quota(3, clock=lambda: now[0])
    assert [api.get_values("Log!A1")[0] for _ in range(4)] == [200, 200, 200, 429]
    assert api.batch()[0] == 200  # writes have their own budget
    now[0] += 61
    assert api.get_values("Log!A1")[0] == 200
    server.faults.set_quota(None)
    assert all(api.get_values("Log!A1")[0] == 200 for _ in range(5))


def test_quota_429_body_is_googles(api: Api, server: FakeSheetsServer) -> None:
    server.faults.set_quota(0, clock=lambda: 0.0)
    status, body = api.get_values("Log!A1")
    assert status == 429
    assert body["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert "Read requests per minute per user" in body["error"]["message"]


def test_permission_revoked(gc: gspread.Client, server: FakeSheetsServer, book: str) -> None:
    server.faults.revoke_permission()
    with pytest.raises(PermissionError):
        gc.open_by_key(book)
    server.faults.revoke_permission(False)
    assert gc.open_by_key(book).title == "Contacts CRM"


def test_before_request_hook_moves_rows_between_read_and_write(
    gc: gspread.Client, server: FakeSheetsServer, book: str
) -> None:
    """Simulates a user inserting a row while a sync is between its read and its write."""
    seen: list[RequestInfo] = []

    def insert_row(state: FakeSheetsState, info: RequestInfo) -> None:
        seen.append(info)
        state.insert_rows(book, "Contacts", 2)  # a blank row above Ada

    ws = gc.open_by_key(book).worksheet("Contacts")
    rows = ws.get_all_values()
    assert rows[1][0] == "Ada Lovelace"
    server.faults.before_request(insert_row, method="PUT")
    ws.update([["overdue"]], "E2")
    assert len(seen) == 1 and seen[0].method == "PUT"
    assert server.state.values(book, "Contacts!A2:E3") == [
        ["", "", "", "", "overdue"],
        ["Ada Lovelace", "ada@example.org", "2024-01-05", "core", ""],
    ]
    ws.update([["again"]], "F2")  # once=True: the hook does not fire again
    assert len(seen) == 1


def test_hooks_get_the_state(server: FakeSheetsServer, api: Api) -> None:
    states: list[Any] = []
    server.faults.between_requests(lambda state, info: states.append(state), once=False)
    api.get_values("Log!A1")
    api.get_values("Log!A1")
    assert len(states) == 2 and isinstance(states[0], FakeSheetsState)


def test_request_log_counts_and_bytes(
    gc: gspread.Client, server: FakeSheetsServer, book: str
) -> None:
    sh = gc.open_by_key(book)
    ws = sh.worksheet("Contacts")
    server.clear_log()
    ws.get_all_values()
    ws.update([["x"]], "E2")
    ws.update([["y"]], "Z9999")  # past the grid: grows it, still one request
    assert server.request_count() == 3
    assert server.request_count(kind="read") == 1
    assert server.request_count(kind="write") == 2
    assert server.request_count(method="PUT", path_contains="/values/") == 2
    sent, received = server.bytes_transferred()
    put = server.find_requests(method="PUT")[0]
    assert put.status == 200 and put.body_size > 0 and put.query["valueInputOption"] == ["RAW"]
    assert sent == sum(r.body_size for r in server.requests) and received > sent


def test_errors_are_logged_with_status(api: Api, server: FakeSheetsServer) -> None:
    server.faults.queue_error(503)
    api.get_values("Log!A1")
    assert [r.status for r in server.requests][-1] == 503


def test_clear_resets_faults(api: Api, server: FakeSheetsServer) -> None:
    server.faults.queue_error(500, count=5)
    server.faults.revoke_permission()
    server.faults.clear()
    assert api.get_values("Log!A1")[0] == 200


def test_separate_write_quota(api: Api, server: FakeSheetsServer) -> None:
    server.faults.set_quota(10, clock=lambda: 5.0, write_per_minute=1)
    assert api.batch()[0] == 200
    assert api.batch()[0] == 429
    assert api.get_values("Log!A1")[0] == 200


def test_permission_revoked_for_one_spreadsheet(
    server: FakeSheetsServer, api: Api, book: str
) -> None:
    other = server.state.create_spreadsheet({"S": [["x"]]})
    server.faults.revoke_permission(spreadsheet_id=book)
    status, body = api.get_values("Log!A1")
    assert (status, body["error"]["status"]) == (403, "PERMISSION_DENIED")
    assert body["error"]["message"] == "The caller does not have permission"
    assert Api(api.session, other).get_values("S!A1")[0] == 200
    server.faults.revoke_permission(False, spreadsheet_id=book)
    assert api.get_values("Log!A1")[0] == 200


def test_hook_at_a_given_request_number(api: Api, server: FakeSheetsServer, book: str) -> None:
    fired: list[int] = []
    server.faults.before_request(lambda state, info: fired.append(info.number), at_request=3)
    for _ in range(4):
        api.get_values("Log!A1")
    assert fired == [3]


def test_user_edit_helpers(server: FakeSheetsServer, book: str) -> None:
    state = server.state
    state.insert_rows(book, "Contacts", 3, [["Barbara Liskov", "bl@example.org", "2024-03-01"]])
    assert state.values(book, "Contacts!A3:C3") == [
        ["Barbara Liskov", "bl@example.org", "2024-03-01"]
    ]
    assert state.values(book, "Contacts!C3", render="UNFORMATTED_VALUE") == [[45352]]  # typed date
    assert state.values(book, "Contacts!A4") == [["Alan Turing"]]
    state.delete_rows(book, "Contacts", 2, count=2)
    assert state.values(book, "Contacts!A2") == [["Alan Turing"]]
    state.set_values(book, "Contacts!B2", [["=1+1"]], user_entered=False)
    assert state.values(book, "Contacts!B2", render="FORMULA") == [["=1+1"]]
    assert (
        state.apply(book, {"addSheet": {"properties": {"title": "X"}}})[0]["addSheet"][
            "properties"
        ]["title"]
        == "X"
    )
    # None of this went through HTTP.
    assert server.request_count() == 0
