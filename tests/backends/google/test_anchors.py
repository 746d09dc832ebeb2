"""Row anchors: values derived from who is on a row, and how misplaced ones are found."""

from __future__ import annotations

from sheets_keepup.backends.google.anchors import (
    Anchor,
    is_anchor_value,
    misplaced,
    person_key,
    plan_anchors,
    row_keys,
)
from sheets_keepup.core.model import Identity

IDENTITY = Identity(name_col=0, email_col=1, rows={}, first=1)
ROWS: list[list[object]] = [
    ["Name", "Email"],
    ["Ann", "ann@example.com"],
    [None, None],
    ["Bob", None],
    ["Ann", "ann@example.com"],
]


def test_each_person_gets_a_key_and_a_second_row_of_the_same_person_a_numbered_one() -> None:
    keys = row_keys(ROWS, IDENTITY, IDENTITY.first)
    ann = person_key(("Ann", "ann@example.com"))
    assert keys == {1: ann, 3: person_key(("Bob", "")), 4: f"{ann}.1"}
    assert "ann" not in ann.lower() and len(ann) == 13  # no contact data in the metadata
    assert is_anchor_value(ann) and is_anchor_value(f"{ann}.1")
    assert not is_anchor_value("keepup") and not is_anchor_value(ann.upper())


def test_keys_do_not_depend_on_where_the_rows_are() -> None:
    moved = [ROWS[0], [None], ["Bob", None], ROWS[1]]
    assert row_keys(moved, IDENTITY, 1)[3] == row_keys(ROWS, IDENTITY, 1)[1]


def test_only_touched_rows_without_an_anchor_get_one_and_stale_anchors_go() -> None:
    keys = row_keys(ROWS, IDENTITY, 1)
    anchors = [
        Anchor(keys[1], 1),
        Anchor("k000000000000", 7),  # someone no longer on the sheet
        Anchor(keys[4], 4),
        Anchor(keys[4], 9),  # two anchors with one value: both go, row 4 is anchored again
    ]
    touched = {1, 3, 4}
    plan = plan_anchors(keys, anchors, touched)
    assert dict(plan.create) == {3: keys[3], 4: keys[4]}
    assert sorted(plan.delete) == sorted(["k000000000000", keys[4]])
    assert touched == {1, 3, 4}  # the plan leaves its argument alone


def test_a_new_anchor_that_landed_a_row_too_high_is_found_and_sent_to_its_person() -> None:
    keys = row_keys(ROWS, IDENTITY, 1)
    # A row was inserted above Bob after the read: the anchor aimed at row 3 (Bob)
    # sits on row 3, which now holds the blank row pushed down; Bob is on row 4.
    shifted = [ROWS[0], ROWS[1], [None, None], [None, None], ["Bob", None]]
    now = row_keys(shifted, IDENTITY, 1)
    drop, again = misplaced({keys[3]: 3}, [Anchor(keys[3], 3), Anchor(keys[1], 1)], now)
    assert drop == [keys[3]]
    assert again == {4: keys[3]}


def test_a_new_anchor_where_it_belongs_is_left_alone() -> None:
    keys = row_keys(ROWS, IDENTITY, 1)
    drop, again = misplaced({keys[3]: 3}, [Anchor(keys[3], 3)], keys)
    assert drop == [] and again == {}
