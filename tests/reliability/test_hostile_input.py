"""Hostile and messy sheets, generated: no crash, no user cell changed, every unreadable
cell named, and a second run that changes nothing, on every backend (memory, xlsx, and
Google through the offline Sheets API)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from harness import (
    FORMULA_STARTS,
    TODAY,
    Target,
    changed_cells,
    contacts,
    examples,
    person,
    target,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import (
    UNREADABLE_CADENCES,
    UNREADABLE_DATES,
    UNREADABLE_TIERS,
    contact_sheets,
)

from sheets_keepup.app.sync import sync
from sheets_keepup.core.errors import DataError, UserError
from sheets_keepup.core.headers import cell_name
from sheets_keepup.core.pipeline import plan_sheet

BACKENDS = ["memory", "xlsx", "google"]
CHECKED = {
    "last_contact": UNREADABLE_DATES,
    "last_in_person": UNREADABLE_DATES,
    "snooze_until": UNREADABLE_DATES,
    "birthday": UNREADABLE_DATES,
    "tier": UNREADABLE_TIERS,
    "cadence": UNREADABLE_CADENCES,
}
MAX_CELL_TEXT = 32_767  # xlsx's per-cell limit, below Sheets' 50,000


def _stored(value: Any) -> Any:
    """A cell value as the memory backend or xlsx (value, type) pair holds it."""
    return value[0] if isinstance(value, tuple) else value


def check_sync_is_safe(t: Target) -> None:
    """Every promise of one sync, checked against the sheet read independently."""
    config = t.config()
    before, backgrounds, stamp = t.cells(), t.backgrounds(), t.write_stamp()
    try:
        planned = plan_sheet(t.backend().read(["Contacts", "Log"]), config, TODAY)
        first = sync(t.backend(), config, TODAY)
    except UserError as error:
        # Only a sheet that cannot be a contact list may be refused, and the message
        # must name the tab so that the user knows where to look.
        assert isinstance(error, DataError), error
        assert "'Contacts'" in str(error)
        assert t.cells() == before
        assert t.write_stamp() == stamp
        return
    after = t.cells()
    header_row = planned.contacts.header.row
    owned = set(first.changes.owned_columns.values())
    plan_rows = {int(r) for r in first.plan.rows.index}

    # 1. Nothing outside the owned columns of contact rows (and their headers) changed.
    for tab, row, col in changed_cells(before, after):
        assert tab == "Contacts", (tab, row, col)
        assert col in owned, f"user cell {cell_name(row, col)} changed"
        assert row == header_row or row in plan_rows, cell_name(row, col)
    for tab, row, _col in changed_cells(backgrounds, t.backgrounds()):  # type: ignore[arg-type]
        assert tab == "Contacts" and row in plan_rows

    # 2. Owned text can never be evaluated and always fits in a cell.
    for cell in first.changes.cells:
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_STARTS), cell.value[:40]
            assert len(cell.value) <= MAX_CELL_TEXT

    # 3. Every unreadable cell is reported with its A1 address, and every 'check'
    #    row has a problem pointing at it.
    wheres = [p.where for p in first.problems]
    for problem in first.problems:
        assert str(problem).startswith(problem.where)
        if problem.col is not None and problem.row is not None:
            assert cell_name(problem.row, problem.col) in problem.where
    fields = planned.contacts.header.fields
    for name, bad_values in CHECKED.items():
        col = fields.get(name)
        if col is None:
            continue
        for row in plan_rows:
            value = _stored(before.get(("Contacts", row, col)))
            if isinstance(value, str) and value.strip() in bad_values:
                assert f"'Contacts'!{cell_name(row, col)}" in wheres, (name, value)
    checked_rows = first.plan.rows.index[first.plan.rows["status"] == "check"]
    problem_rows = {p.row for p in first.problems if p.tab == "Contacts"}
    assert {int(r) for r in checked_rows} <= problem_rows

    # 4. A second run finds nothing to do and writes nothing.
    stamp = t.write_stamp()
    second = sync(t.backend(), config, TODAY)
    assert not second.changes, second.changes.cells[:3]
    assert not second.written
    assert t.write_stamp() == stamp
    assert t.cells() == after


@pytest.mark.slow
@settings(max_examples=examples(40))
@given(tabs=contact_sheets())
def test_memory_hostile_sheets(tabs: dict[str, list[list[Any]]]) -> None:
    with target("memory", tabs) as t:
        check_sync_is_safe(t)


@pytest.mark.slow
@settings(max_examples=examples(25))
@given(tabs=contact_sheets())
@example(tabs={"Contacts": []})
@example(tabs={"Contacts": [["Name", "Email"]]})
def test_xlsx_hostile_sheets(tabs: dict[str, list[list[Any]]]) -> None:
    with target("xlsx", tabs) as t:
        check_sync_is_safe(t)


@pytest.mark.slow
@settings(max_examples=examples(25))
@given(tabs=contact_sheets())
def test_google_hostile_sheets(tabs: dict[str, list[list[Any]]]) -> None:
    """The same promises through the Google backend and the offline Sheets API."""
    with target("google", tabs) as t:
        check_sync_is_safe(t)


# Named cases: each pathological shape once on each backend, so a regression names itself.
NAMED_CASES: dict[str, dict[str, list[list[Any]]]] = {
    "empty sheet": {"Contacts": []},
    "only headers": {"Contacts": [["Name", "Email", "Tier"]]},
    "missing contacts tab": {"People": contacts(person("Ann"))},
    "no header row": {"Contacts": [[1, 2, 3], [dt.date(2026, 1, 1), True]]},
    "header below row 1": {
        "Contacts": [["My contacts"], [], ["Owner: me", None, 3], *contacts(person("Ann"))]
    },
    "blank and duplicate headers": {
        "Contacts": [
            ["Name", "", None, "Email", "E-mail", "Name", "Tier", "Tier"],
            ["Ann", "x", "y", "a@example.com", "b@example.com", "Other", "core", "vip"],
        ]
    },
    "ragged rows": {
        "Contacts": [
            ["Name", "Email", "Tier", "Last contact", "Notes"],
            ["Ann"],
            ["Bob", "b@example.com", "core", dt.date(2026, 1, 1), "n", "beyond", "more"],
            [],
            [None, None, None, None, None, None, None, None, None, "far right"],
        ]
    },
    "formula look-alikes everywhere": {
        "Contacts": contacts(
            person("=1+1", email="+cmd|' /C calc'!A0", notes="@SUM(A1)", tier="-core"),
            person('=HYPERLINK("http://evil.example","x")', last_contact="=TODAY()"),
        )
    },
    "50,000-character cells": {
        "Contacts": contacts(
            person("x" * 50_000, notes="n" * 50_000, interests="i" * 50_000),
            person("Ann", last_contact="y" * 50_000, tier="t" * 50_000),
        )
    },
    "50,000-character header": {
        "Contacts": [["Name", "Email", "h" * 50_000], ["Ann", "a@example.com", "v"]]
    },
    "every value type": {
        "Contacts": contacts(
            person(
                "Types",
                email=3.5,
                phone=447700900000,
                tier=True,
                cadence=45,
                last_contact=46000,
                last_in_person=dt.datetime(2025, 5, 5, 13, 30),
                birthday=dt.date(1985, 3, 2),
                interests=False,
                notes=-0.5,
                snooze_until=2026,
            ),
            person("Far future", last_contact=dt.date(9999, 12, 31), snooze_until=2958465),
            person("Far past", last_contact=dt.date(1900, 3, 1), last_in_person=3654),
        )
    },
    "right-to-left and emoji": {
        "Contacts": contacts(
            person("مرحبا \u202eevil", notes="שלום. more", interests="🚲, ⛵"),
            person("👩‍👩‍👧‍👦", email="fam@example.com", tier="close"),
        )
    },
    "contact rows that look like headers": {
        "Contacts": [
            ["Name", "Email", "Tier"],
            ["Next action", "Due", "Status"],
            ["Name", "Email", "Phone"],
        ]
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", BACKENDS)
@pytest.mark.parametrize("case", list(NAMED_CASES))
def test_named_hostile_sheet(kind: str, case: str) -> None:
    with target(kind, NAMED_CASES[case]) as t:
        check_sync_is_safe(t)


@pytest.mark.parametrize("kind", BACKENDS)
@pytest.mark.parametrize(
    ("tabs", "expected"),
    [
        ({"Contacts": []}, "No header row found"),
        ({"Contacts": [[1, 2], [3]]}, "No header row found"),
        ({"People": [["Name", "Email"]]}, "No tab named 'Contacts'"),
        ({"Contacts": [["Phone", "Tier", "Notes"]]}, "required column(s) missing"),
    ],
)
def test_unusable_sheet_is_a_data_error_naming_the_tab(
    kind: str, tabs: dict[str, list[list[Any]]], expected: str
) -> None:
    with target(kind, tabs) as t:
        before, stamp = t.cells(), t.write_stamp()
        with pytest.raises(DataError) as raised:
            sync(t.backend(), t.config(), TODAY)
        assert expected in str(raised.value)
        assert "'Contacts'" in str(raised.value)
        assert raised.value.exit_status == 6
        assert (t.cells(), t.write_stamp()) == (before, stamp)


@pytest.mark.slow
@pytest.mark.parametrize("kind", BACKENDS)
@settings(max_examples=examples(6))
@given(days=st.integers(0, 400))
def test_any_later_day_rewrites_only_owned_cells(kind: str, days: int) -> None:
    """Syncing on a later day changes owned cells only, and then settles again."""
    tabs = {
        "Contacts": contacts(
            person("Ann", email="a@example.com", tier="close", last_contact=dt.date(2026, 1, 5)),
            person("Bob", tier="core", last_contact=dt.date(2025, 12, 1), birthday="12-01"),
            person("Cy", tier="network", snooze_until=dt.date(2027, 1, 1)),
            person("Di", tier="vip", last_contact="last spring"),
        )
    }
    with target(kind, tabs) as t:
        check_sync_is_safe(t)
        config, later = t.config(), TODAY + dt.timedelta(days=days)
        before = t.cells()
        result = sync(t.backend(), config, later)
        owned = set(result.changes.owned_columns.values())
        assert all(c in owned for _tab, _r, c in changed_cells(before, t.cells()))
        assert not sync(t.backend(), config, later).changes
