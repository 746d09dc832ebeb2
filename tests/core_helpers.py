"""Helpers shared by the core tests: configs and small contact sheets built in memory.

They live here rather than in conftest.py because test folders with a conftest.py of
their own (the fake's, the backends') would shadow `conftest` as an import name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sheets_keepup.core.settings import Config, config_from_mapping

TODAY = dt.date(2026, 11, 23)
HEADERS = [
    "Name",
    "Email",
    "Phone",
    "Tier",
    "Cadence",
    "Last contact",
    "Last in person",
    "Birthday",
    "Interests",
    "Notes",
    "Snooze until",
]


def make_config(**overrides: Any) -> Config:
    """A config for an xlsx source, with any top-level keys overridden."""
    data: dict[str, Any] = {"source": {"kind": "xlsx", "path": "contacts.xlsx"}}
    data.update(overrides)
    return config_from_mapping(data)


def person(name: str, **fields: Any) -> list[Any]:
    """One contact row in HEADERS order; keyword names are snake_case headers."""
    keys = [h.lower().replace(" ", "_") for h in HEADERS]
    unknown = set(fields) - set(keys)
    assert not unknown, unknown
    return [name, *(fields.get(k) for k in keys[1:])]


def contacts(*people: Sequence[Any]) -> list[list[Any]]:
    return [list(HEADERS), *[list(p) for p in people]]
