"""Per-row cadence overrides: "45", "6 weeks", "quarterly", "every 2 months"."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from sheets_keepup.core.distinct import factorize, spread

_WORDS = {
    "daily": 1,
    "weekly": 7,
    "biweekly": 14,
    "fortnightly": 14,
    "monthly": 30,
    "bimonthly": 61,
    "quarterly": 91,
    "halfyearly": 182,
    "biannually": 182,
    "semiannually": 182,
    "twiceayear": 182,
    "yearly": 365,
    "annually": 365,
    "annual": 365,
}
_UNITS = {
    "d": 1,
    "day": 1,
    "w": 7,
    "wk": 7,
    "week": 7,
    "m": 30.4375,
    "mo": 30.4375,
    "month": 30.4375,
    "q": 91.3125,
    "quarter": 91.3125,
    "y": 365.25,
    "yr": 365.25,
    "year": 365.25,
}
_AMOUNT = re.compile(r"^(?:every\s+)?(\d+(?:\.\d+)?)\s*([a-z]*?)s?$")


def parse_cadence(text: str) -> float | None:
    """Days for one cadence text; None when unreadable. Empty text is NaN (no override)."""
    cleaned = text.strip().casefold()
    if not cleaned:
        return float("nan")
    squashed = re.sub(r"[^a-z]", "", cleaned)
    if squashed in _WORDS:
        return float(_WORDS[squashed])
    match = _AMOUNT.match(re.sub(r"\s+", " ", cleaned))
    if not match:
        return None
    amount, unit = float(match.group(1)), match.group(2) or "d"
    if unit not in _UNITS or amount <= 0:
        return None
    days = round(amount * _UNITS[unit])
    return float(days) if 0 < days <= 3650 else None


def parse_cadences(texts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Days per row (NaN = use the tier's) and a mask of unreadable overrides."""
    codes, distinct = factorize(texts)
    parsed = [parse_cadence(str(text)) for text in distinct]
    days = np.array([math.nan if d is None else d for d in parsed], dtype="float64")
    bad = np.array([d is None for d in parsed], dtype=bool)
    return (
        pd.Series(spread(days, codes, math.nan), index=texts.index),
        pd.Series(spread(bad, codes, False), index=texts.index),
    )
