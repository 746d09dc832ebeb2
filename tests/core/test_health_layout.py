"""The health tab as a reader sees it: a bold frozen header, the sync's day as a date cell,
counts as numbers, widths that fit the labels, and a long failure wrapped within a cap."""

from __future__ import annotations

import datetime as dt

from sheets_keepup.core.digest import MIN_WIDTH, text_width
from sheets_keepup.core.health import (
    DATE,
    HEADERS,
    TIME,
    VALUE,
    WHAT,
    WIDTH_CAPS,
    HealthReport,
    health_changes,
    health_due,
    health_memo,
)
from sheets_keepup.core.model import ChangeSet, WriteValue

# 23:30 UTC is already the next day in Berlin: the tab shows the configured zone's day.
SYNCED = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)
NEXT = dt.datetime(2026, 11, 24, 5, 0, tzinfo=dt.UTC)


def report(**changes: object) -> HealthReport:
    fields: dict[str, object] = {
        "synced_at": SYNCED,
        "timezone": "Europe/Berlin",
        "ok": True,
        "rows": 33,
        "overdue": 14,
        "due_soon": 8,
        "problems": 3,
        "problem_refs": ("'Contacts'!F7", "'Contacts'!H12"),
        "next_run": NEXT,
        "digest": "'This week' written 2026-11-23",
    }
    fields.update(changes)
    return HealthReport(**fields)  # type: ignore[arg-type]


def table(changes: ChangeSet) -> dict[str, list[WriteValue]]:
    """Each row of the tab by its label (first cell)."""
    height = max(c.row for c in changes.cells) + 1
    rows: list[list[WriteValue]] = [[None] * 4 for _ in range(height)]
    for cell in changes.cells:
        rows[cell.row][cell.col] = cell.value
    return {str(r[WHAT]): r for r in rows if r[WHAT] is not None}


def test_a_bold_frozen_header_over_the_facts() -> None:
    changes = health_changes(report(), "keepup")
    assert changes.tab == "keepup" and changes.create_tab and changes.replace
    rows = table(changes)
    assert next(iter(rows)) == HEADERS[0] and rows[HEADERS[0]] == list(HEADERS)
    assert changes.setup is not None
    assert changes.setup.frozen_rows == 1 and changes.setup.bold_rows == 1
    assert list(rows)[1:] == [
        "Updated",
        "Contacts",
        "Overdue",
        "Due soon",
        "Problems",
        "Problem cells",
        "Weekly digest",
        "Next scheduled run",
        "sheets-keepup rewrites this tab when what it shows changes; edits here are lost.",
    ]


def test_times_are_a_date_cell_in_the_local_zone_and_the_time_beside_it() -> None:
    changes = health_changes(report(), "keepup")
    rows = table(changes)
    assert rows["Updated"] == ["Updated", "ok", dt.date(2026, 11, 24), "00:30 Europe/Berlin"]
    assert rows["Next scheduled run"][DATE:] == [dt.date(2026, 11, 24), "06:00 Europe/Berlin"]
    assert changes.setup is not None
    assert list(changes.setup.date_columns) == [DATE] and changes.setup.first_row == 1


def test_counts_are_numbers_and_problems_name_cells() -> None:
    rows = table(health_changes(report(), "keepup"))
    assert [rows[k][VALUE] for k in ("Contacts", "Overdue", "Due soon", "Problems")] == [
        33,
        14,
        8,
        3,
    ]
    assert rows["Problem cells"][VALUE] == "'Contacts'!F7, 'Contacts'!H12"


def test_a_failure_is_the_last_sync_value_and_wraps_within_a_cap() -> None:
    error = RuntimeError("No tab named 'People'. " + "The tabs are Contacts, Log. " * 8)
    failed = HealthReport.of_failure(error, synced_at=SYNCED, timezone="UTC", next_run=None)
    changes = health_changes(failed, "keepup")
    rows = table(changes)
    assert str(rows["Updated"][VALUE]).startswith("failed: No tab named 'People'")
    assert rows["Updated"][DATE] == dt.date(2026, 11, 23)
    assert rows["Next scheduled run"][VALUE] == "not scheduled"
    assert "Contacts" not in rows, "no counts for a sync that did not plan"
    assert changes.setup is not None
    assert text_width(rows["Updated"][VALUE]) > WIDTH_CAPS[VALUE]
    assert changes.setup.widths[VALUE] == WIDTH_CAPS[VALUE]
    assert VALUE in changes.setup.wrap_columns


def test_widths_fit_the_labels_values_and_dates() -> None:
    changes = health_changes(report(), "keepup")
    assert changes.setup is not None
    widths = changes.setup.widths
    # The closing note runs over the empty cells beside it and widens nothing.
    assert widths[WHAT] == text_width("Next scheduled run")
    assert widths[VALUE] == text_width("'This week' written 2026-11-23")
    assert widths[DATE] == text_width(dt.date(2026, 11, 24))
    assert widths[TIME] == text_width("00:30 Europe/Berlin")
    assert min(widths.values()) >= MIN_WIDTH


def test_only_new_content_makes_the_tab_due_never_the_clock_alone() -> None:
    memo = health_memo(report(), "keepup")
    later = SYNCED + dt.timedelta(minutes=20)
    assert not health_due(memo, report(synced_at=later), "keepup")
    # An idle nightly sends no write at all, even on a new day.
    assert not health_due(memo, report(synced_at=SYNCED + dt.timedelta(days=1)), "keepup")
    assert health_due(memo, report(synced_at=later, overdue=15), "keepup")
    assert health_due(memo, report(), "other tab")
    assert health_due({**memo, "fingerprint": "from an older layout"}, report(), "keepup")
