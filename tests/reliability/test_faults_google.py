"""The fault matrix against the Google backend and the offline Sheets API.

Each fault (429, 500 and 503 bursts, latency past the timeout, a connection dropped
after the request was served, an expired token, revoked permission) is injected on
each of a first sync's four requests: the metadata and values reads (sent together),
the structure write (anchors, marks, rules) and the values write. For every case: the
outcome (retried and succeeded, or the error and exit status a user sees), the sheet's
cells afterwards equal to the state before or to the correct result and never a mix,
and the owned cells restorable from the snapshot.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from core_helpers import HEADERS
from fakesheets.session import FakeSession, NonLoopbackRequestError
from harness import (
    FORMULA_STARTS,
    OWNED_HEADERS,
    TODAY,
    GoogleTarget,
    contacts,
    person,
    sheets_server,
)

from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.sync import sync
from sheets_keepup.core.dates import as_date
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
    "metadata read": {"method": "GET", "path_pattern": r"/spreadsheets/[^/:]+$"},
    "values read": {"method": "GET", "path_pattern": r"values:batchGet"},
    "structure write": {"method": "POST", "path_pattern": r":batchUpdate$"},
    "values write": {"method": "POST", "path_pattern": r"values:batchUpdateByDataFilter$"},
}
WRITES = ("structure write", "values write")
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


PATIENT = 30.0
"""The client timeout where no latency is injected: a loaded machine's slow answer must
not be taken for a fault (a timed-out write is sent again, which is a different test)."""


def new_target(**options: Any) -> GoogleTarget:
    options.setdefault("timeout_seconds", PATIENT)
    return GoogleTarget(people(), **options)


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
    # Only the latency fault needs a short timeout to trip.
    t = new_target(timeout_seconds=TIMEOUT) if "latency" in fault else new_target()
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
                # Only a values write whose answer was lost can have landed; say so.
                assert phase == "values write" and "dropped" in fault
                assert "may have been written" in str(raised.value)
            elif isinstance(raised.value, NetworkError):
                # A structure write whose answer was lost may have landed (anchors,
                # marks and rules: no cell), so it claims nothing either way.
                lost_answer = phase in WRITES and "dropped" in fault
                wording = "may have been written" if lost_answer else "Nothing was"
                assert wording in str(raised.value)
        t.server.faults.clear()
        # The rest has no fault: a patient client (see PATIENT).
        t.options["timeout_seconds"] = PATIENT
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


def _when_read_again(t: GoogleTarget, edit: Callable[[], None]) -> None:
    """Run `edit` just before the second values read of the next sync: the one that
    goes again for the tabs that exist after the first failed on a missing tab."""

    def arm(state: Any, info: Any) -> None:
        t.server.faults.before_request(lambda s, i: edit(), once=True, **PHASES["values read"])

    t.server.faults.before_request(arm, once=True, **PHASES["values read"])


@pytest.mark.parametrize("change", ["renamed", "deleted"])
@pytest.mark.parametrize("when", ["between runs", "during the read", "before the write"])
def test_tab_renamed_or_deleted(change: str, when: str) -> None:
    """The user is told which tab is missing; nothing is written. (Renamed just before
    the values write, the tab keeps its id and the values still reach their people.)"""
    tabs = people()
    if when == "during the read":
        # No Log tab: the first values read fails and goes again for Contacts alone.
        tabs["Notes"] = tabs.pop("Log")
    t = GoogleTarget(tabs, timeout_seconds=PATIENT)
    title = "Friends" if change == "renamed" else None
    if when == "between runs":
        assert sync(t.backend(), t.config(), TODAY).written
        _rename(t, title)
    elif when == "during the read":
        _when_read_again(t, lambda: _rename(t, title))
    else:
        t.server.faults.before_request(
            lambda state, info: _rename(t, title), once=True, **PHASES["structure write"]
        )
    # The sheet as the user left it: what the failed sync must not have changed.
    edited = t if when == "between runs" else GoogleTarget(tabs)
    if edited is not t:
        _rename(edited, title)
    before, stamp = state_of(edited), t.write_stamp()
    with pytest.raises(DataError, match="No tab named 'Contacts'") as raised:
        sync(t.backend(), t.config(), TODAY + dt.timedelta(days=30))
    assert raised.value.exit_status == ExitStatus.DATA
    if when != "before the write":  # there the refused write is the one request sent
        assert t.write_stamp() == stamp
    assert state_of(t) == before


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


def owned_by_name(t: GoogleTarget) -> dict[str, list[Any]]:
    """Each person's owned cells (Next action, Due, Status), by name; a Due day the
    same whether Sheets shows it as a date or as its day number."""
    rows = t.fake.rows(t.key, "Contacts")
    owned = [rows[0].index(h) for h in OWNED_HEADERS]
    out: dict[str, list[Any]] = {}
    for row in rows[1:]:
        cells = [row[c] if c < len(row) else None for c in owned]
        cells[1] = as_date(cells[1])
        out[str(row[0])] = cells
    return out


def user_cells(t: GoogleTarget) -> dict[Any, Any]:
    return {k: v for k, v in t.cells().items() if k[2] < len(HEADERS)}


def planned_by_name(result: Any) -> dict[str, list[Any]]:
    """What a sync's plan gave each person it saw, by name."""
    plan = result.plan.rows
    dues = [None if d is None or d != d else d.date() for d in plan["due"]]
    return {
        str(name): [action or None, due, status]
        for name, action, due, status in zip(
            plan["name"], plan["next_action"], dues, plan["status"], strict=True
        )
    }


def edited_twin(edit: str) -> GoogleTarget:
    """The sheet with the edit made before any sync, then synced: the right result."""
    twin = new_target()
    EDITS[edit](twin)
    sync(twin.backend(), twin.config(), TODAY)
    return twin


@pytest.mark.parametrize("edit", list(EDITS))
def test_rows_moved_during_the_read_are_synced_at_once(edit: str) -> None:
    """The two reads go out together; an edit while they do is read whole."""
    expected = state_of(edited_twin(edit))
    t = new_target()
    t.server.faults.before_request(
        lambda state, info: EDITS[edit](t), once=True, **PHASES["values read"]
    )
    result = sync(t.backend(), t.config(), TODAY)
    assert result.written and result.attempts == 1
    assert state_of(t) == expected
    assert t.write_stamp() == 2  # the structure, then the values


@pytest.mark.parametrize("moment", WRITES)
@pytest.mark.parametrize("edit", list(EDITS))
def test_rows_moved_between_read_and_write_land_on_their_people(edit: str, moment: str) -> None:
    """No re-plan: the values follow each person's row anchor wherever the row went.
    The user's cells are never touched, every person the plan saw gets what the plan
    gave them and no one else's, and the next run takes in the edit."""
    twin = edited_twin(edit)
    t = new_target()
    t.server.faults.before_request(lambda state, info: EDITS[edit](t), once=True, **PHASES[moment])
    result = sync(t.backend(), t.config(), TODAY)
    assert result.written and result.attempts == 1
    assert user_cells(t) == user_cells(twin)
    planned = planned_by_name(result)
    for name, cells in owned_by_name(t).items():
        assert cells == planned.get(name, [None, None, None]), name
    sync(t.backend(), t.config(), TODAY)
    assert user_cells(t) == user_cells(twin)
    assert owned_by_name(t) == owned_by_name(twin)
    assert not sync(t.backend(), t.config(), TODAY).changes


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
    # Both added the colour rules (Sheets has no conditional write): the next run
    # takes the second set off and changes no cell; the one after changes nothing.
    tidy = sync(t.backend(), t.config(), TODAY).changes
    assert not tidy.cells and not tidy.fills and not tidy.appends
    assert state_of(t) == expected
    assert not sync(t.backend(), t.config(), TODAY).changes


def _fail_after_the_first_part(t: GoogleTarget, phase: str) -> None:
    """Let the first request of `phase` through, then refuse every later one."""
    t.server.faults.before_request(
        lambda state, info: t.server.faults.queue_error(503, 10, **PHASES[phase]),
        once=True,
        **PHASES[phase],
    )


def test_a_structure_write_split_in_parts_that_fails_half_way_writes_no_cell() -> None:
    """Above Google's 2 MB advice a write goes out in parts (here forced small). The
    structure goes before any value: a failure in its second part leaves every cell as
    it was, and the next run completes the sheet."""
    expected = correct_result()
    t = new_target(max_body_bytes=500)
    before = state_of(t)
    _fail_after_the_first_part(t, "structure write")
    with pytest.raises(NetworkError, match=r"write 2 of \d+"):
        sync(t.backend(), t.config(), TODAY)
    assert state_of(t) == before
    assert t.server.request_count(path_contains=t.key, name="batchUpdateByDataFilter") == 0
    t.server.faults.clear()
    sync(t.backend(), t.config(), TODAY)
    assert state_of(t) == expected


def test_a_values_write_split_in_parts_that_fails_half_way_is_reported_and_undoable() -> None:
    """A failure after part 1 of the values leaves a mix: the error says that part
    landed (never "nothing was written"), the snapshot undoes it, and the next run
    completes the sheet."""
    expected = correct_result()
    t = new_target(max_body_bytes=500)
    before = state_of(t)
    _fail_after_the_first_part(t, "values write")
    with tempfile.TemporaryDirectory() as state:
        store = SnapshotStore(Path(state), t.backend().describe())
        with pytest.raises(NetworkError) as raised:
            sync(t.backend(), t.config(), TODAY, snapshots=store)
        assert state_of(t) not in (before, expected)
        assert "Nothing was written" not in str(raised.value)
        assert re.search(r"[Pp]arts? .*written", str(raised.value))
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
    t.server.faults.drop_connection(1, **PHASES["structure write"])
    changes = ChangeSet(tab="Log", appends=[[dt.date(2026, 11, 22), "Ann", "email"]])
    try:
        backend.apply(changes)
    except NetworkError as error:
        assert "may or may not have applied" in str(error)
    rows = t.fake.rows(t.key, "Log")
    assert sum(1 for r in rows if r[1:3] == ["Ann", "email"]) == 1


# --- Security over the wire -----------------------------------------------------------


def test_requests_write_contact_text_only_as_string_values() -> None:
    """Cells go out in RAW values writes (never parsed, so "=..." stays text) and any
    cell in a structure write is a stringValue: no formula reaches the sheet."""
    t = new_target()
    t.server.clear_log()
    sync(t.backend(), t.config(columns={"owned": {"next_action": "=Next"}}), TODAY)
    bodies = t.writes()
    assert bodies
    entered: list[Any] = []
    raw: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            assert "formulaValue" not in node
            for key, value in node.items():
                # (a colour rule's condition holds its formula as plain text)
                if key == "userEnteredValue" and isinstance(value, dict):
                    entered.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(bodies)
    for body in bodies:
        if "data" in body:
            assert body["valueInputOption"] == "RAW"
            raw += [v for d in body["data"] for row in d["values"] for v in row]
    assert "=Next" in raw  # a header that looks like a formula is still text
    texts = [v for v in raw if isinstance(v, str)]
    texts += [v["stringValue"] for v in entered if "stringValue" in v]
    for value in entered:
        assert set(value) <= {"stringValue", "numberValue", "boolValue"}
    for text in texts:
        assert text == "=Next" or not text.startswith(FORMULA_STARTS), text


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


def structure_of(t: GoogleTarget) -> tuple[Any, Any]:
    """The Contacts tab's colour rules and every piece of developer metadata, without
    the ids Google gives them."""
    state = t.server.state
    rules = state.conditional_formats(t.key, "Contacts")
    metadata = sorted(
        json.dumps({k: v for k, v in m.items() if k != "metadataId"}, sort_keys=True)
        for m in state.developer_metadata(t.key)
    )
    return rules, metadata


@pytest.mark.parametrize("times", [1, 2])
def test_a_lost_answer_to_the_structure_write_is_not_sent_blindly_again(times: int) -> None:
    """The write landed, its answer did not: sent again as it was, it would add every
    colour rule and row anchor a second time. The sync reads again and plans from what
    landed, so the sheet ends with one copy of each, as after an undisturbed sync."""
    clean = new_target()
    sync(clean.backend(), clean.config(), TODAY)
    t = new_target()
    t.server.faults.drop_connection(times, **PHASES["structure write"])
    result = sync(t.backend(), t.config(), TODAY)
    # One more read and plan; what the second plan still adds is safe to send again.
    assert result.written and result.attempts == 2
    assert state_of(t) == state_of(clean)
    assert structure_of(t) == structure_of(clean)
    assert not sync(t.backend(), t.config(), TODAY).changes
