"""Work once per distinct cell value, then spread the answers back over the column.

A Log tab of 300,000 touches holds a few thousand distinct dates and kinds; reading each
distinct value once turns per-cell Python work into per-value work.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EMPTY = -1
"""The code of an empty cell (None or NaN)."""


def factorize(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes into the distinct values (EMPTY for None/NaN), and those values (0..n-1).

    Python counts True == 1 and False == 0, and hashing would merge them; a bool cell
    never shares a code with a number, because a number may be a date and a bool not.
    """
    cells = values.to_numpy(dtype=object)
    codes, uniques = pd.factorize(cells)
    distinct = list(uniques)
    for code, value in enumerate(uniques.tolist()):
        if type(value) is str or not _equals_bool(value):
            continue
        where = np.flatnonzero(codes == code)
        is_bool = np.fromiter((type(cells[i]) is bool for i in where), bool, len(where))
        if is_bool.any() and not is_bool.all():
            moved = where[is_bool != (type(value) is bool)]
            codes[moved] = len(distinct)
            distinct.append(cells[moved[0]])
    return codes, pd.Series(distinct, dtype=object)


def _equals_bool(value: object) -> bool:
    try:
        return bool(value == 0 or value == 1)
    except (TypeError, ValueError):
        return False


def spread(per_value: np.ndarray, codes: np.ndarray, empty: object) -> np.ndarray:
    """Each cell's answer from its value's answer; `empty` for empty cells."""
    answers = np.empty(len(per_value) + 1, dtype=per_value.dtype)
    answers[:-1] = per_value
    answers[-1] = empty
    # EMPTY is -1, which indexes the appended `empty`.
    spread_out: np.ndarray = answers[codes]
    return spread_out
