import math

import pytest

from sheets_keepup.core.cadence import parse_cadence


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("45", 45),
        ("45.0", 45),
        (" 6 weeks", 42),
        ("quarterly", 91),
        ("Quarterly", 91),
        ("every 2 months", 61),
        ("3m", 91),
        ("1y", 365),
        ("bi-weekly", 14),
        ("monthly", 30),
        ("2 weeks", 14),
        ("1 year", 365),
        ("10 days", 10),
    ],
)
def test_cadences(text: str, days: int) -> None:
    assert parse_cadence(text) == days


@pytest.mark.parametrize("text", ["weird", "0", "-5", "every now and then", "9999 years"])
def test_unreadable(text: str) -> None:
    assert parse_cadence(text) is None


def test_empty_means_no_override() -> None:
    value = parse_cadence("  ")
    assert value is not None and math.isnan(value)
