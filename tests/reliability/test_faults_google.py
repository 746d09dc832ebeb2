"""The fault matrix against the Google backend and the offline Sheets API.

Each fault (429, 500 and 503 bursts, latency past the timeout, a connection dropped
after the request was served, an expired token, revoked permission) is injected on
each of a sync's three requests: the read, the identity check and the write. For every
case: the outcome (retried and succeeded, or the error and exit status a user sees),
the sheet afterwards equal to the state before or to the correct result and never a
mix, and the owned cells restorable from the snapshot.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from fakesheets.session import FakeSession, NonLoopbackRequestError
from harness import FORMULA_STARTS, TODAY, GoogleTarget, contacts, person, sheets_server

from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.sync import sync
from sheets_keepup.core.errors import (
    AccessError,
    AuthError,
    DataError,
    ExitStatus,
    NetworkError,
    UserError,
)
from sheets_keepup.core.model import ChangeSet

PHASES = {
    "read": {"method": "GET", "path_pattern": r"/spreadsheets/[^/:]+$"},
    "identity check": {"method": "GET", "path_pattern": r"values:batchGet"},
    "write": {"method": "POST", "path_pattern": r":batchUpdate$"},
}
TIMEOUT = 0.5


def people() -> dict[str, list[list[Any]]]:
    return {
        "Contacts": contacts(
            person("Ann", email="ann@example.com", tier="close", last_contact=dt.date(2026, 1, 5)),
            person("=1+1", email="bob@example.com", tier="core", notes="@SUM(A1)"),
            person("Cy", tier="network", last_contact=dt.date(2026, 11, 1)),
            person("Di", email="di@example.com", tier="vip"),
        ),
        "Log": [["Date", "Who", "Kind"], [dt.date(2026, 11, 21), "Cy", "coffee"]],
    }


@pytest.fixture(autouse=True)
def clean_server() -> Iterator[None]:
    server = sheets_server()
    server.faults.clear()
    yield
    server.faults.clear()


def new_target(**options: Any) -> GoogleTarget:
    return GoogleTarget(people(), timeout_seconds=TIMEOUT, **options)


def state_of(t: GoogleTarget) -> tuple[Any, Any]:
    return t.cells(), t.backgrounds()


def correct_result() -> tuple[Any, Any]:
    """The sheet after an undisturbed sync (computed with no fault queued)."""
    twin = new_target()
    sync(twin.backend(), twin.config(), TODAY)
    return state_of(twin)


def restore_latest(t: GoogleTarget, store: SnapshotStore) -> None:
    t.server.faults.clear()
    snapshots = store.list()
    if not snapshots:
        return
    changes = store.restore_changes(snapshots[0].path)
    backend = t.backend()
    backend.read([changes.tab])
    backend.apply(changes)


def sleep_once(seconds: float) -> Callable[[Any, Any], None]:
    def slow(state: Any, info: Any) -> None:
        time.sleep(seconds)

    return slow


@dataclass(frozen=True)
class Fault:
    inject: Callable[[Any, dict[str, Any]], None]
    error: type[UserError] | None  # None: retried and succeeded
    status: ExitStatus = ExitStatus.OK


FAULTS: dict[str, Fault] = {
    "429 burst": Fault(lambda f, m: f.queue_error(429, 2, **m), None),
    "500 burst": Fault(lambda f, m: f.queue_error(500, 2, **m), None),
    "503 burst": Fault(lambda f, m: f.queue_error(503, 3, **m), None),
    "429 past the retries": Fault(
        lambda f, m: f.queue_error(429, 10, **m), NetworkError, ExitStatus.NETWORK
    ),
    "503 past the retries": Fault(
        lambda f, m: f.queue_error(503, 10, **m), NetworkError, ExitStatus.NETWORK
    ),
    "latency past the timeout": Fault(
        lambda f, m: f.before_request(sleep_once(TIMEOUT * 2.5), once=True, **m), None
    ),
    "connection dropped mid-response": Fault(lambda f, m: f.drop_connection(1, **m), None),
    "connection dropped every time": Fault(
        lambda f, m: f.drop_connection(10, **m), NetworkError, ExitStatus.NETWORK
    ),
    "expired token (401)": Fault(
        lambda f, m: f.queue_error(401, 1, **m), AuthError, ExitStatus.AUTH
    ),
    "permission revoked (403)": Fault(
        lambda f, m: f.queue_error(403, 1, **m), AccessError, ExitStatus.ACCESS
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("phase", list(PHASES))
@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_matrix(fault: str, phase: str) -> None:
    expected = correct_result()
    t = new_target()
    before = state_of(t)
    case = FAULTS[fault]
    with tempfile.TemporaryDirectory() as state:
        store = SnapshotStore(Path(state), t.backend().describe())
        case.inject(t.server.faults, PHASES[phase])
        if case.error is None:
            result = sync(t.backend(), t.config(), TODAY, snapshots=store)
            assert result.written
            assert state_of(t) == expected
        else:
            with pytest.raises(case.error) as raised:
                sync(t.backend(), t.config(), TODAY, snapshots=store)
            assert raised.value.exit_status == case.status
            after = state_of(t)
            assert after in (before, expected), "the sheet must never be left half-written"
            if after == expected:
                # Only a write whose answer was lost can have landed; say so honestly.
                assert phase == "write" and "dropped" in fault
                assert "may have been written" in str(raised.value)
            elif isinstance(raised.value, NetworkError):
                assert "Nothing was" in str(raised.value)
        t.server.faults.clear()
        restore_latest(t, store)
        assert state_of(t) == before, "undo must put back exactly what was there"
        # After the fault, a normal run gets the sheet right and then settles.
        sync(t.backend(), t.config(), TODAY)
        assert state_of(t) == expected
        assert not sync(t.backend(), t.config(), TODAY).changes


def test_permission_revoked_between_runs() -> None:
    t = new_target()
    assert sync(t.backend(), t.config(), TODAY).written
    before = state_of(t)
    t.server.faults.revoke_permission(True, t.key)
    with pytest.raises(AccessError) as raised:
        sync(t.backend(), t.config(), TODAY + dt.timedelta(days=30))
    assert raised.value.exit_status == ExitStatus.ACCESS
    assert "share" in str(raised.value).lower()
    assert state_of(t) == before


def _rename(t: GoogleTarget, title: str | None) -> None:
    sheet_id = t.server.state.get(t.key).sheet_by_title("Contacts").sheet_id
    if title is None:
        t.server.state.apply(t.key, {"deleteSheet": {"sheetId": sheet_id}})
    else:
        props = {"sheetId": sheet_id, "title": title}
        t.server.state.apply(
            t.key, {"updateSheetProperties": {"properties": props, "fields": "title"}}
        )


@pytest.mark.parametrize("change", ["renamed", "deleted"])
@pytest.mark.parametrize("when", ["between runs", "between read and write"])
def test_tab_renamed_or_deleted(change: str, when: str) -> None:
    t = new_target()
    title = "Friends" if change == "renamed" else None
    if when == "between runs":
        assert sync(t.backend(), t.config(), TODAY).written
        _rename(t, title)
    else:
        t.server.faults.before_request(
            lambda state, info: _rename(t, title), once=True, **PHASES["identity check"]
        )
    before = state_of(t) if when == "between runs" else None
    with pytest.raises(DataError, match="No tab named 'Contacts'") as raised:
        sync(t.backend(), t.config(), TODAY + dt.timedelta(days=30))
    assert raised.value.exit_status == ExitStatus.DATA
    if before is not None:
        assert state_of(t) == before
    assert t.write_stamp() == (1 if when == "between runs" else 0)


def _insert(t: GoogleTarget) -> None:
    t.server.state.insert_rows(t.key, "Contacts", 3, [["Eve", "eve@example.com", None, "close"]])


def _delete(t: GoogleTarget) -> None:
    t.server.state.delete_rows(t.key, "Contacts", 3)


def _sort(t: GoogleTarget) -> None:
    sheet_id = t.server.state.get(t.key).sheet_by_title("Contacts").sheet_id
    grid = {"sheetId": sheet_id, "startRowIndex": 1, "endRowIndex": 5}
    spec = {"dimensionIndex": 0, "sortOrder": "DESCENDING"}
    t.server.state.apply(t.key, {"sortRange": {"range": grid, "sortSpecs": [spec]}})


EDITS = {"rows inserted": _insert, "rows deleted": _delete, "rows sorted": _sort}


@pytest.mark.parametrize("edit", list(EDITS))
def test_rows_moved_between_read_and_write_are_replanned(edit: str) -> None:
    twin = new_target()
    EDITS[edit](twin)
    sync(twin.backend(), twin.config(), TODAY)
    expected = state_of(twin)
    t = new_target()
    t.server.faults.before_request(
        lambda state, info: EDITS[edit](t), once=True, **PHASES["identity check"]
    )
    result = sync(t.backend(), t.config(), TODAY)
    assert result.written and result.attempts == 2
    assert state_of(t) == expected
    assert t.write_stamp() == 1


@pytest.mark.parametrize("edit", list(EDITS))
def test_rows_moved_between_identity_check_and_write(edit: str) -> None:
    """The one window no check can close: Sheets has no conditional write. The user's
    cells are still never touched, and the next run puts every owned cell right."""
    twin = new_target()
    EDITS[edit](twin)
    user_cells = {k: v for k, v in twin.cells().items() if k[2] < 11}
    sync(twin.backend(), twin.config(), TODAY)
    expected = state_of(twin)
    t = new_target()
    t.server.faults.before_request(lambda state, info: EDITS[edit](t), once=True, **PHASES["write"])
    sync(t.backend(), t.config(), TODAY)
    assert {k: v for k, v in t.cells().items() if k[2] < 11} == user_cells
    sync(t.backend(), t.config(), TODAY)
    assert state_of(t) == expected


def test_two_syncs_at_once() -> None:
    """Two processes sync the same sheet at the same moment: both read before either
    writes (every answer is slowed down so that they overlap)."""
    expected = correct_result()
    t = new_target()
    t.server.faults.set_latency(0.1)
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def one_sync() -> None:
        barrier.wait()
        try:
            results.append(sync(t.backend(), t.config(), TODAY))
        except UserError as error:  # pragma: no cover - reported below
            results.append(error)

    threads = [threading.Thread(target=one_sync) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    t.server.faults.set_latency(0)
    assert all(not isinstance(r, UserError) for r in results), results
    assert state_of(t) == expected
    assert not sync(t.backend(), t.config(), TODAY).changes


def test_a_write_split_in_parts_that_fails_half_way_is_reported_and_undoable() -> None:
    """Above Google's 2 MB advice the write goes out in parts (here forced small). A
    failure after part 1 leaves a mix: the error says which parts landed, the snapshot
    undoes them, and the next run completes the sheet."""
    expected = correct_result()
    t = new_target(max_body_bytes=1_500)
    before = state_of(t)
    t.server.faults.before_request(
        lambda state, info: t.server.faults.queue_error(503, 10, **PHASES["write"]),
        once=True,
        **PHASES["write"],
    )
    with tempfile.TemporaryDirectory() as state:
        store = SnapshotStore(Path(state), t.backend().describe())
        with pytest.raises(NetworkError, match=r"Parts 1 to 1 of \d+ were written"):
            sync(t.backend(), t.config(), TODAY, snapshots=store)
        assert state_of(t) not in (before, expected)
        restore_latest(t, store)
        assert state_of(t) == before
    sync(t.backend(), t.config(), TODAY)
    assert state_of(t) == expected


def test_an_append_whose_answer_was_lost_is_not_appended_twice() -> None:
    """Appends are not idempotent: a write retried after its answer was lost must not
    add the rows twice."""
    t = new_target()
    backend = t.backend()
    backend.read(["Log"])
    t.server.faults.drop_connection(1, **PHASES["write"])
    changes = ChangeSet(tab="Log", appends=[[dt.date(2026, 11, 22), "Ann", "email"]])
    try:
        backend.apply(changes)
    except NetworkError as error:
        assert "may or may not have applied" in str(error)
    rows = t.fake.rows(t.key, "Log")
    assert sum(1 for r in rows if r[1:3] == ["Ann", "email"]) == 1


# --- Security over the wire -----------------------------------------------------------


def test_requests_write_contact_text_only_as_string_values() -> None:
    t = new_target()
    t.server.clear_log()
    sync(t.backend(), t.config(columns={"owned": {"next_action": "=Next"}}), TODAY)
    bodies = t.writes()
    assert bodies
    seen: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            assert "formulaValue" not in node
            for key, value in node.items():
                if key == "userEnteredValue" and value:
                    seen.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(bodies)
    texts = [v["stringValue"] for v in seen if "stringValue" in v]
    assert "=Next" in texts  # a header that looks like a formula is still a string
    for value in seen:
        assert set(value) <= {"stringValue", "numberValue", "boolValue"}
        if "stringValue" in value and value["stringValue"] != "=Next":
            assert not value["stringValue"].startswith(FORMULA_STARTS)


def test_offline_api_listens_on_loopback_only() -> None:
    server = sheets_server()
    assert ipaddress.ip_address(server.host).is_loopback
    assert server.host == "127.0.0.1"
    address = server._httpd.server_address[0]
    assert address == "127.0.0.1"


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1:80", "https://sheets.example.com", "http://0.0.0.0:8080"]
)
def test_session_refuses_non_loopback_urls(url: str) -> None:
    with pytest.raises(NonLoopbackRequestError):
        FakeSession(url)
    session = FakeSession(sheets_server().url)
    with pytest.raises(NonLoopbackRequestError):
        session.get(url + "/v4/spreadsheets/x", timeout=1)


def test_session_ignores_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://10.9.9.9:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    session = FakeSession(sheets_server().url)
    answer = session.get(sheets_server().url + "/v4/spreadsheets/nope", timeout=5)
    assert isinstance(answer, requests.Response)
    assert answer.status_code == 404
