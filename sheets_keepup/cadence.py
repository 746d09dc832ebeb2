"""Per-row cadence overrides: "45", "6 weeks", "quarterly", "every 2 months"."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

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
    unique = pd.unique(texts.to_numpy())
    parsed = {text: parse_cadence(str(text)) for text in unique}
    days = texts.map(lambda t: np.nan if parsed[t] is None else parsed[t]).astype("float64")
    bad = texts.map(lambda t: parsed[t] is None).astype(bool)
    return days, bad
