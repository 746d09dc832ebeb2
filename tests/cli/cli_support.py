"""Workbooks and configs for the command-line tests of tests/cli."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from sheets_keepup.backends.xlsx import write_new_workbook

TODAY = dt.date(2026, 11, 23)
HEADER = ["Name", "Email", "Tier", "Last contact", "Notes"]


def write_workbook(path: Path, rows: list[list[Any]]) -> Path:
    """A workbook with one Contacts tab: the header above, then `rows`."""
    write_new_workbook(path, {"Contacts": [HEADER, *rows]})
    return path


def crowded_workbook(path: Path, *, overdue: int, unreadable: int) -> Path:
    """`overdue` people last contacted years ago, and `unreadable` rows with a bad date."""
    rows: list[list[Any]] = [
        [f"Person {n:03}", f"p{n}@example.com", "network", dt.date(2020, 1, 1), ""]
        for n in range(overdue)
    ]
    rows += [
        [f"Unread {n:03}", f"u{n}@example.com", "network", f"some day {n}", ""]
        for n in range(unreadable)
    ]
    return write_workbook(path, rows)


def write_config(folder: Path, workbook: Path, **extra: Any) -> Path:
    path = folder / "sheets-keepup.yaml"
    data = {
        "source": {"kind": "xlsx", "path": str(workbook)},
        "state_dir": str(folder / "state"),
        **extra,
    }
    path.write_text(yaml.safe_dump(data))
    return path
