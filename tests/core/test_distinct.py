import numpy as np
import pandas as pd

from sheets_keepup.core.dates import parse_dates
from sheets_keepup.core.distinct import EMPTY, factorize, spread


def test_equal_values_share_a_code_and_empty_cells_get_the_empty_code() -> None:
    codes, distinct = factorize(pd.Series(["a", None, "b", "a", float("nan")], dtype=object))
    assert codes[0] == codes[3] != codes[2]
    assert codes[1] == codes[4] == EMPTY
    assert sorted(distinct) == ["a", "b"]


def test_a_bool_never_shares_a_code_with_an_equal_number() -> None:
    cells = pd.Series([1, True, 1.0, False, 0, True], dtype=object)
    codes, distinct = factorize(cells)
    assert codes[0] == codes[2] and codes[1] == codes[5]
    assert codes[0] != codes[1] and codes[3] != codes[4]
    assert [type(distinct[c]) for c in codes] == [int, bool, int, bool, int, bool]


def test_a_bool_seen_first_keeps_its_code_and_the_numbers_move() -> None:
    codes, distinct = factorize(pd.Series([True, 1, True], dtype=object))
    assert type(distinct[codes[0]]) is bool and type(distinct[codes[1]]) is int


def test_spread_gives_each_cell_its_values_answer() -> None:
    per_value = np.array([10, 20])
    assert spread(per_value, np.array([1, EMPTY, 0, 1]), 0).tolist() == [20, 0, 10, 20]


def test_repeated_dates_parse_the_same_as_single_ones() -> None:
    cells = ["2026-03-01", 46082, None, "nope", "2026-03-01", " 2026-03-01 ", True] * 3
    many = parse_dates(pd.Series(cells, dtype=object), day_first=True)
    for i, cell in enumerate(cells):
        one = parse_dates(pd.Series([cell], dtype=object), day_first=True)
        assert one.bad[0] == many.bad[i]
        assert (pd.isna(one.dates[0]) and pd.isna(many.dates[i])) or one.dates[0] == many.dates[i]
