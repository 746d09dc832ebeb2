"""Contract: replay real Google Sheets traffic (recorded by gspread's test suite) against
the fake and require the same status codes, identical values-endpoint bodies and the same
JSON shape for metadata and batchUpdate responses."""

from __future__ import annotations

import json

import pytest
from fakesheets import FakeSheetsServer
from fakesheets_replay import (
    MATCHED,
    MISMATCHED,
    NOT_APPLICABLE,
    RECORDINGS,
    Replayer,
    Report,
    cassette_paths,
    replay_all,
    same_shape,
)

needs_recordings = pytest.mark.skipif(
    not RECORDINGS.is_dir(),
    reason=f"recorded Google traffic not found at {RECORDINGS} "
    "(shared data kept next to the repository checkout, not in it)",
)

# Measured when this test was written: 2130 interactions, 1471 replayed, 1471 matched
# (1469 of them byte-for-byte equal JSON; the other two are auto-resized column widths,
# which depend on fonts the fake does not have), 659 not applicable (622 Drive calls; the
# rest protected ranges, dimension groups, Drive uploads/copies, and whatever follows them
# on the same spreadsheet).
MIN_MATCHED = 1465
MIN_EXACT = 1460
MAX_MISMATCHED = 0
MIN_REPLAYED_SHARE = 0.6  # of all Sheets (non-Drive) interactions

# Cassettes at the heart of what sheets-keepup does: every exchange must match.
CORE_CASSETTES = (
    "WorksheetTest.test_get_all_values_date_time_render_options",
    "WorksheetTest.test_batch_update",
    "WorksheetTest.test_format",
    "WorksheetTest.test_get_all_values",
    "WorksheetTest.test_append_row",
    "WorksheetTest.test_update_acell",
    "WorksheetTest.test_resize",
    "WorksheetTest.test_freeze",
    "SpreadsheetTest.test_values_batch_get",
    "SpreadsheetTest.test_add_del_worksheet",
    "ClientTest.test_access_non_existing_spreadsheet",
    "WorksheetTest.test_add_validation",
    "WorksheetTest.test_worksheet_update_index",
    "WorksheetTest.test_update_tab_color",
)


@pytest.fixture(scope="module")
def report() -> Report:
    return replay_all()


@needs_recordings
def test_replay_figures(report: Report) -> None:
    print("\n" + report.summary())
    for verdict in (MISMATCHED, NOT_APPLICABLE):
        for reason, count in report.reasons(verdict).most_common():
            print(f"  {verdict}: {count:4d} {reason[:200]}")
    sheets_calls = report.total - report.reasons(NOT_APPLICABLE)["Drive API"]
    assert report.count(MATCHED) >= MIN_MATCHED
    assert report.exact >= MIN_EXACT
    assert report.count(MISMATCHED) <= MAX_MISMATCHED
    assert report.replayed >= MIN_REPLAYED_SHARE * sheets_calls
    assert report.total == report.replayed + report.count(NOT_APPLICABLE)


@needs_recordings
def test_not_applicable_only_for_listed_reasons(report: Report) -> None:
    allowed = (
        "Drive API",
        "unsupported",
        "state diverged after",
        "spreadsheet not created through",
        "asks for unmodelled",
    )
    for reason in report.reasons(NOT_APPLICABLE):
        assert reason.startswith(allowed), reason


@needs_recordings
@pytest.mark.parametrize("name", CORE_CASSETTES)
def test_core_cassette_fully_matches(name: str) -> None:
    path = RECORDINGS / f"{name}.json"
    interactions = json.loads(path.read_text(encoding="utf-8"))["interactions"]
    with FakeSheetsServer() as server:
        outcomes = Replayer(server, name).run(interactions)
    sheets = [o for o in outcomes if o.reason != "Drive API"]
    assert sheets, "cassette has Sheets traffic"
    assert all(o.verdict == MATCHED for o in sheets), [o for o in sheets if o.verdict != MATCHED]
    assert all(o.exact for o in sheets), [o for o in sheets if not o.exact]


@needs_recordings
def test_every_cassette_is_valid_json() -> None:
    paths = cassette_paths()
    assert len(paths) > 100
    for path in paths:
        assert "interactions" in json.loads(path.read_text(encoding="utf-8"))


def test_shape_comparison_is_strict_enough() -> None:
    assert same_shape({"a": [1, {"b": "x"}]}, {"a": [2.5, {"b": "y"}]}) is None
    assert same_shape({"a": 1}, {"a": "1"}) is not None
    assert same_shape({"a": 1}, {"a": 1, "b": 2}) is not None
    assert same_shape([1, 2], [1]) is not None
    assert same_shape({"a": True}, {"a": 1}) is not None
