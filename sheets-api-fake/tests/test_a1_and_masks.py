"""A1 parsing and field masks, including property-based round trips."""

from __future__ import annotations

import pytest
from fakesheets.a1 import (
    Bounds,
    RangeError,
    col_to_index,
    format_range,
    index_to_col,
    parse_cells,
    quote_title,
    split_sheet,
)
from fakesheets.fieldmask import apply_mask, merge_masked, parse_mask
from hypothesis import given
from hypothesis import strategies as st


@given(st.integers(min_value=0, max_value=18277))
def test_column_letters_round_trip(index: int) -> None:
    assert col_to_index(index_to_col(index)) == index


@given(
    st.integers(0, 500), st.integers(1, 50), st.integers(0, 100), st.integers(1, 30),
)  # fmt: skip
def test_format_then_parse_round_trips(row: int, height: int, col: int, width: int) -> None:
    text = format_range("S", row, row + height, col, col + width)
    title, cells = split_sheet(text)
    assert title == "S" and cells is not None
    assert parse_cells(cells) == Bounds(row, row + height, col, col + width)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'My tab'!A1", ("My tab", "A1")),
        ("'It''s'!B2:C", ("It's", "B2:C")),
        ("Sheet1", (None, "Sheet1")),
        ("'Sheet1'", ("Sheet1", None)),
        ("A!B!C1", ("A!B", "C1")),
    ],
)
def test_split_sheet(text: str, expected: tuple[str | None, str | None]) -> None:
    assert split_sheet(text) == expected


def test_open_ended_and_whole_axis_ranges() -> None:
    assert parse_cells("A:C") == Bounds(0, None, 0, 3)
    assert parse_cells("3:5") == Bounds(2, 5, 0, None)
    assert parse_cells("B2:D") == Bounds(1, None, 1, 4)
    assert parse_cells("$A$1:$B$2") == Bounds(0, 2, 0, 2)


@pytest.mark.parametrize("bad", ["", "A0", "1A", "A1:", "!!"])
def test_bad_ranges(bad: str) -> None:
    with pytest.raises(RangeError):
        parse_cells(bad)


def test_quote_title() -> None:
    assert quote_title("Sheet1") == "Sheet1"
    assert quote_title("Log") == "Log"
    assert quote_title("My tab") == "'My tab'"
    assert quote_title("D3") == "'D3'"
    assert quote_title("It's") == "'It''s'"


def test_mask_syntaxes_agree() -> None:
    nested = parse_mask("sheets(properties(sheetId,title),data.rowData)")
    dotted = parse_mask("sheets.properties.sheetId,sheets.properties.title,sheets/data/rowData")
    assert (
        nested
        == dotted
        == {"sheets": {"properties": {"sheetId": None, "title": None}, "data": {"rowData": None}}}
    )
    assert parse_mask("*") is None


def test_apply_mask_filters_through_lists() -> None:
    value = {
        "sheets": [
            {"properties": {"title": "a", "index": 0}, "data": []},
            {"properties": {"title": "b"}},
        ]
    }
    assert apply_mask(value, parse_mask("sheets.properties.title")) == {
        "sheets": [{"properties": {"title": "a"}}, {"properties": {"title": "b"}}]
    }


def test_merge_masked_sets_and_clears() -> None:
    target = {
        "userEnteredValue": {"numberValue": 1},
        "userEnteredFormat": {"backgroundColor": {"red": 1}, "textFormat": {"bold": True}},
    }
    merge_masked(target, {}, parse_mask("userEnteredFormat.backgroundColor"))
    assert target == {
        "userEnteredValue": {"numberValue": 1},
        "userEnteredFormat": {"textFormat": {"bold": True}},
    }
    merge_masked(target, {"note": "hi"}, parse_mask("note,userEnteredValue"))
    assert target == {"note": "hi", "userEnteredFormat": {"textFormat": {"bold": True}}}
