"""Property-based checks of invariants: atomic batches and lossless RAW round trips."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fakesheets import FakeSession, FakeSheetsServer, fake_session
from fakesheets.model import color_channel, normalize_format
from fakesheets.values import json_copy
from fakesheets_helpers import Api
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[FakeSheetsServer, FakeSession]]:
    """One server for all examples (a fresh spreadsheet per example keeps them apart)."""
    with FakeSheetsServer() as server, fake_session(server) as session:
        yield server, session


def _valid_request(kind: int, n: int) -> dict[str, Any]:
    """A request that is valid on a fresh 1000x26 two-tab spreadsheet."""
    options: list[dict[str, Any]] = [
        {
            "updateCells": {
                "start": {"sheetId": 0, "rowIndex": n % 50},
                "rows": [{"values": [{"userEnteredValue": {"stringValue": f"v{n}"}}]}],
                "fields": "userEnteredValue",
            }
        },
        {
            "repeatCell": {
                "range": {"sheetId": 1, "endRowIndex": 3},
                "cell": {"note": f"n{n}"},
                "fields": "note",
            }
        },
        {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 1 + n % 5}},
        {
            "insertDimension": {
                "range": {
                    "sheetId": 0,
                    "dimension": "COLUMNS",
                    "startIndex": n % 5,
                    "endIndex": n % 5 + 1,
                }
            }
        },
        {"addSheet": {"properties": {"title": f"T{n}"}}},
        {
            "updateSheetProperties": {
                "properties": {"sheetId": 1, "title": f"Renamed{n}"},
                "fields": "title",
            }
        },
    ]
    return options[kind % len(options)]


INVALID = [
    {"deleteSheet": {"sheetId": 424242}},
    {"repeatCell": {"range": {"sheetId": 0, "endRowIndex": 5000}, "cell": {}, "fields": "note"}},
    {"updateCells": {"start": {"sheetId": 0}, "rows": [], "fields": "noSuchField"}},
    {"addSheet": {"properties": {"title": "Contacts"}}},
]


@pytest.mark.slow
@SETTINGS
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 1000)), max_size=6),
    st.integers(0, len(INVALID) - 1),
    st.integers(0, 6),
)
def test_a_batch_with_one_invalid_request_changes_nothing(
    shared: tuple[FakeSheetsServer, FakeSession], valid: list[tuple[int, int]], bad: int, where: int
) -> None:
    server, session = shared
    key = server.state.create_spreadsheet({"Contacts": [["Name"], ["Ada"]], "Log": []})
    before = Api(session, key).meta(includeGridData="true")[1]
    requests = [_valid_request(kind, n) for kind, n in valid]
    requests.insert(min(where, len(requests)), INVALID[bad])
    status, body = Api(session, key).batch(*requests)
    assert status == 400, body
    assert Api(session, key).meta(includeGridData="true")[1] == before


RAW_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=12,
)


@SETTINGS
@given(st.lists(st.lists(RAW_TEXT, min_size=1, max_size=5), min_size=1, max_size=5))
def test_raw_strings_round_trip(
    shared: tuple[FakeSheetsServer, FakeSession], rows: list[list[str]]
) -> None:
    server, session = shared
    key = server.state.create_spreadsheet({"S": []})
    api = Api(session, key)
    status, body = api.put_values("S!A1", rows, "RAW")
    assert status == 200
    assert body["updatedCells"] == sum(len(r) for r in rows)
    got = api.get_values("S", valueRenderOption="UNFORMATTED_VALUE")[1]["values"]
    assert got == rows


def _background(red: float, green: float, blue: float) -> dict[str, Any]:
    return {"backgroundColor": {"red": red, "green": green, "blue": blue}}


def test_colour_normalisation_is_idempotent_on_every_byte() -> None:
    """A colour read back and stored again keeps every channel (no step lost to float32)."""
    for byte in range(256):
        once = normalize_format(_background(byte / 255, byte / 255, byte / 255))
        twice = normalize_format(json_copy(once))
        assert twice == once, byte
        channel = once["backgroundColor"].get("red", 0)
        assert round(channel * 255) == byte, (byte, channel)


def test_colour_channel_keeps_the_recorded_half_step() -> None:
    """Google stores a written 0.5 as 127/255 (recorded as 0.49803922)."""
    assert color_channel(0.5) == 0.49803922
    assert color_channel(127 / 255) == 0.49803922
    assert color_channel(1) == 1
    assert color_channel(0) == 0


@settings(max_examples=300, deadline=None)
@given(st.tuples(*[st.floats(0, 1)] * 3))
def test_colour_normalisation_is_idempotent(channels: tuple[float, float, float]) -> None:
    once = normalize_format(_background(*channels))
    assert normalize_format(json_copy(once)) == once
