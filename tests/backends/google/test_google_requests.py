"""The pure parts of the Google backend: decoding reads, building and packing writes."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from sheets_keepup.backends.google.auth import spreadsheet_key
from sheets_keepup.backends.google.decode import (
    Grid,
    SheetInfo,
    cell_value,
    hex_colour,
    quote_title,
)
from sheets_keepup.backends.google.encode import (
    TEXT_FIELDS,
    build_requests,
    colour_requests,
    pack_bodies,
    rgb,
)
from sheets_keepup.core.errors import ConfigError
from sheets_keepup.core.model import CellWrite, ChangeSet, RowFill

SHEET = SheetInfo(sheet_id=7, title="Contacts", rows=1000, cols=26)


def test_every_colour_survives_the_round_trip_through_google_floats() -> None:
    for value in range(256):
        colour = f"#{value:02X}{255 - value:02X}{(value * 7) % 256:02X}"
        sent = rgb(colour)
        # Google keeps 8 bits a channel (dropping the fraction) and omits zero channels.
        for store in (int, round):
            kept = {k: store(v * 255) / 255 for k, v in sent.items()}
            answered = {k: v for k, v in kept.items() if v != 0}
            assert hex_colour(answered) == colour


def test_black_reads_back_as_an_empty_colour_and_no_colour_as_none() -> None:
    assert hex_colour({}) == "#000000"
    assert hex_colour(None) is None
    assert hex_colour({"red": 1}) == "#FF0000"


def test_cell_values_decode_like_unformatted_values_with_dates() -> None:
    assert cell_value({}) is None
    assert cell_value({"effectiveValue": {"stringValue": "=SUM(A1)"}}) == "=SUM(A1)"
    assert cell_value({"effectiveValue": {"numberValue": 45}}) == 45
    assert cell_value({"effectiveValue": {"boolValue": True}}) is True
    dated = {
        "effectiveValue": {"numberValue": 46349},
        "effectiveFormat": {"numberFormat": {"type": "DATE"}},
    }
    assert cell_value(dated) == dt.date(2026, 11, 23)
    with_time = {
        "effectiveValue": {"numberValue": 46349.5},
        "effectiveFormat": {"numberFormat": {"type": "DATE_TIME"}},
    }
    assert cell_value(with_time) == dt.datetime(2026, 11, 23, 12)
    assert cell_value({"effectiveValue": {"errorValue": {"type": "N_A"}}}) == "#N/A"
    huge = {"effectiveValue": {"numberValue": 1e12}, "effectiveFormat": dated["effectiveFormat"]}
    assert cell_value(huge) == 1e12


def test_grid_places_blocks_at_their_offsets_and_keeps_colours() -> None:
    grid = Grid()
    grid.add(
        {
            "startRow": 2,
            "startColumn": 1,
            "rowData": [
                {"values": [{"effectiveValue": {"stringValue": "Ada"}}]},
                {},
                {
                    "values": [
                        {},
                        {
                            "effectiveValue": {"stringValue": "x"},
                            "userEnteredFormat": {"backgroundColor": {"green": 1}},
                        },
                    ]
                },
            ],
        }
    )
    tab = grid.tab("Contacts")
    assert tab.value(2, 1) == "Ada"
    assert tab.value(4, 2) == "x"
    assert tab.rows[3] == []
    assert tab.background(4, 2) == "#00FF00"
    assert tab.background(2, 1) is None


def test_text_is_always_a_string_value_and_dates_a_serial_with_a_date_format() -> None:
    changes = ChangeSet(
        tab="Contacts",
        cells=[
            CellWrite(1, 3, '=HYPERLINK("http://x","y")'),
            CellWrite(1, 4, dt.date(2026, 11, 23)),
            CellWrite(2, 4, None),
            CellWrite(2, 3, None),
        ],
    )
    requests = build_requests(changes, SHEET)
    update, date_format = requests
    cells = update["updateCells"]
    assert cells["start"] == {"sheetId": 7, "rowIndex": 1, "columnIndex": 3}
    assert "range" not in cells and cells["fields"] == TEXT_FIELDS
    assert cells["rows"] == [
        {
            "values": [
                {"userEnteredValue": {"stringValue": '=HYPERLINK("http://x","y")'}},
                {"userEnteredValue": {"numberValue": 46349}},
            ]
        },
        {"values": [{}, {}]},  # None clears the value
    ]
    assert date_format["repeatCell"] == {
        "range": {
            "sheetId": 7,
            "startRowIndex": 1,
            "endRowIndex": 2,
            "startColumnIndex": 4,
            "endColumnIndex": 5,
        },
        "cell": {"userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}},
        "fields": "userEnteredFormat.numberFormat",
    }
    assert "formulaValue" not in json.dumps(requests)


def test_blocks_hold_only_the_cells_written() -> None:
    changes = ChangeSet(
        tab="Contacts",
        cells=[
            CellWrite(1, 2, "a"),
            CellWrite(1, 4, "b"),
            CellWrite(2, 2, "c"),
            CellWrite(2, 3, "d"),
        ],
    )
    blocks = sorted(
        (
            r["updateCells"]["start"]["rowIndex"],
            r["updateCells"]["start"]["columnIndex"],
            [len(row["values"]) for row in r["updateCells"]["rows"]],
        )
        for r in build_requests(changes, SHEET)
    )
    assert blocks == [(1, 2, [1]), (1, 4, [1]), (2, 2, [2])]


def test_only_adjacent_rows_share_an_update() -> None:
    changes = ChangeSet(tab="Contacts", cells=[CellWrite(r, 0, "x") for r in (1, 2, 3, 7)])
    starts = [r["updateCells"]["start"]["rowIndex"] for r in build_requests(changes, SHEET)]
    assert starts == [1, 7]


def test_colour_runs_of_consecutive_rows_become_one_repeat_cell() -> None:
    fills = [RowFill(r, 0, 5, "#F4C7C3") for r in (3, 4, 5)]
    fills += [RowFill(6, 0, 5, "#D9EAD3"), RowFill(7, 0, 5, "#F4C7C3"), RowFill(8, 0, 5, None)]
    requests = [r for _row, r in colour_requests(ChangeSet(tab="C", fills=fills), 7)]
    ranges = [
        (r["repeatCell"]["range"]["startRowIndex"], r["repeatCell"]["range"]["endRowIndex"])
        for r in requests
    ]
    assert ranges == [(3, 6), (6, 7), (7, 8), (8, 9)]
    assert all(r["repeatCell"]["fields"] == "userEnteredFormat.backgroundColor" for r in requests)
    assert requests[-1]["repeatCell"]["cell"] == {}  # None clears the fill


def test_columns_are_added_when_owned_cells_land_beyond_the_grid() -> None:
    narrow = SheetInfo(sheet_id=7, title="Contacts", rows=10, cols=3)
    changes = ChangeSet(tab="Contacts", cells=[CellWrite(0, 4, "Due")])
    first = build_requests(changes, narrow)[0]
    assert first == {"appendDimension": {"sheetId": 7, "dimension": "COLUMNS", "length": 2}}


def test_packing_keeps_order_and_uses_the_fewest_bodies_under_the_limit() -> None:
    requests = [{"n": i, "pad": "x" * 90} for i in range(100)]
    bodies = pack_bodies(requests, limit=1000)
    assert all(len(b) <= 1000 for b in bodies)
    seen = [r["n"] for b in bodies for r in json.loads(b)["requests"]]
    assert seen == list(range(100))
    one = len(json.dumps(requests[0], separators=(",", ":")))
    per_body = (1000 - len('{"requests":[]}') + 1) // (one + 1)
    assert len(bodies) == -(-100 // per_body)
    assert len(pack_bodies(requests)) == 1


def test_quote_title_doubles_quotes() -> None:
    assert quote_title("Bob's list") == "'Bob''s list'"


@pytest.mark.parametrize(
    "value",
    [
        "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz_-12345/edit#gid=0",
        "1AbCdEfGhIjKlMnOpQrStUvWxYz_-12345",
    ],
)
def test_spreadsheet_is_named_by_url_or_key(value: str) -> None:
    assert spreadsheet_key(value) == "1AbCdEfGhIjKlMnOpQrStUvWxYz_-12345"


def test_a_name_that_is_neither_url_nor_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="neither"):
        spreadsheet_key("my contacts")
