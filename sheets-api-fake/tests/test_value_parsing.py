"""What typed text becomes (USER_ENTERED) and how numbers are displayed."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fakesheets import FakeSheetsServer, fake_session
from fakesheets.values import (
    evaluate_formula,
    format_date,
    format_number,
    general_number,
    parse_user_entered,
)
from fakesheets_helpers import Api


@pytest.mark.parametrize(
    ("text", "value", "fmt_type"),
    [
        ("42", {"numberValue": 42}, None),
        ("0042", {"numberValue": 42}, None),
        ("-1.5", {"numberValue": -1.5}, None),
        ("1,234.50", {"numberValue": 1234.5}, "NUMBER"),
        ("12%", {"numberValue": 0.12}, "PERCENT"),
        ("true", {"boolValue": True}, None),
        ("2024-02-29", {"numberValue": 45351}, "DATE"),
        ("2024-02-30", {"stringValue": "2024-02-30"}, None),  # not a date: stays text
        ("10:30", {"numberValue": 0.4375}, "TIME"),
        ("'0042", {"stringValue": "0042"}, None),  # leading apostrophe forces text
        ("=1+1", {"formulaValue": "=1+1"}, None),
        ("last spring", {"stringValue": "last spring"}, None),
        ("+44 20 7946 0000", {"stringValue": "+44 20 7946 0000"}, None),
    ],
)
def test_parse_user_entered(text: str, value: dict[str, Any], fmt_type: str | None) -> None:
    got, fmt = parse_user_entered(text, "en_US")
    assert got == value
    assert (fmt or {}).get("type") == fmt_type


@pytest.mark.parametrize(
    ("number", "fmt", "shown"),
    [
        (45296, {"type": "DATE", "pattern": "yyyy-mm-dd"}, "2024-01-05"),
        (45296, {"type": "DATE", "pattern": "dddd d mmmm yy"}, "Friday 5 January 24"),
        (45296.75, {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"}, "2024-01-05 18:00"),
        (0.5, {"type": "TIME", "pattern": "h:mm am/pm"}, "12:00 PM"),
        (0.125, {"type": "PERCENT", "pattern": "0.0%"}, "12.5%"),
        (1234.5, {"type": "NUMBER", "pattern": "#,##0.00"}, "1,234.50"),
        (2, None, "2"),
        (1 / 3, None, "0.3333333333"),
    ],
)
def test_format_number(number: float, fmt: dict[str, str] | None, shown: str) -> None:
    assert format_number(number, fmt) == shown


def test_general_number_and_dates() -> None:
    assert general_number(43831.0) == "43831"
    assert format_date(60, "yyyy-mm-dd") == "1900-02-28"


def test_formulas_arithmetic_references_and_errors() -> None:
    cells = {(0, 0): {"numberValue": 4}, (0, 1): {"stringValue": "x"}}

    def lookup(row: int, col: int) -> dict[str, Any] | None:
        return cells.get((row, col))

    assert evaluate_formula("=A1*2+1", lookup) == {"numberValue": 9}
    assert evaluate_formula("=(1+2)^2", lookup) == {"numberValue": 9}
    assert evaluate_formula("=1/0", lookup)["errorValue"]["type"] == "DIVIDE_BY_ZERO"
    assert evaluate_formula("=A1+B1", lookup)["errorValue"]["type"] == "VALUE"
    assert evaluate_formula("=TODAY()", lookup)["errorValue"]["type"] == "NAME"


def test_formula_results_render_through_the_api(api: Api) -> None:
    api.put_values("Log!A1:C1", [[5, "=A1*3", "=1/0"]], "USER_ENTERED")
    assert api.get_values("Log!A1:C1")[1]["values"] == [["5", "15", "#DIV/0!"]]
    api.put_values("Log!A1", [[7]])  # the formula follows its input
    assert api.get_values("Log!B1", valueRenderOption="UNFORMATTED_VALUE")[1]["values"] == [[21]]


def test_concurrent_appends_lose_nothing(api: Api, server: FakeSheetsServer, book: str) -> None:
    """One lock guards the state: parallel writers never lose each other's rows."""

    def worker(n: int) -> None:
        own = Api(fake_session(server), book)  # one session per thread
        for i in range(10):
            status, _ = own.call(
                "POST", "/values/Log!A1:append", {"values": [[f"w{n}-{i}"]]}, valueInputOption="RAW"
            )
            assert status == 200

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = [row[0] for row in server.state.values(book, "Log!A1:A100")]
    assert sorted(got) == sorted(f"w{n}-{i}" for n in range(6) for i in range(10))
