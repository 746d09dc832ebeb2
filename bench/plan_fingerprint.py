"""A fingerprint of the plans and change sets on a fixed set of sheets, for refactors.

A refactor that must not change behaviour should leave every fingerprint as it was.
The sheets: the bundled sample and generated 1,000- and 10,000-row sheets (with a Log
three times as long), on four days of the year, in each highlight mode; each is synced
three times on the in-memory backend (first sync, the same day again, 40 days later).
For each sync it records every plan column the CLI and the digest read, the problems,
and every cell and fill written, and prints one SHA-256 per case and one for all.

    python -m bench.plan_fingerprint --out before.json      # on the old commit
    python -m bench.plan_fingerprint --compare before.json  # on the new one

It imports only names that have kept their module since before the package was split
into layers, falling back to the flat layout, so it also runs on older commits.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.generate import generate
from sheets_keepup.backends.memory import MemoryBackend

try:
    from sheets_keepup.app.sync import sync
    from sheets_keepup.core.sample import sample_tabs
    from sheets_keepup.core.settings import config_from_mapping
except ImportError:  # the flat layout, before the layers
    from sheets_keepup.config import config_from_mapping  # type: ignore[no-redef]
    from sheets_keepup.sample import sample_tabs  # type: ignore[no-redef]
    from sheets_keepup.sync import sync  # type: ignore[no-redef]

PLAN_COLUMNS = ("name", "next_action", "due", "status", "colour", "priority", "pick", "label")
DAYS = (dt.date(2026, 1, 2), dt.date(2026, 3, 1), dt.date(2026, 6, 15), dt.date(2026, 12, 20))
MODES = ("row", "status", "none")
SIZES = (1000, 10000)


def _text(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if value != value:  # NaN and NaT
        return "missing"
    return repr(value)


def describe(result: Any) -> dict[str, Any]:
    """What one sync planned and wrote, as plain JSON."""
    rows = result.plan.rows
    plan = {c: [_text(v) for v in rows[c].tolist()] for c in PLAN_COLUMNS if c in rows.columns}
    plan["row"] = [int(i) for i in rows.index]
    changes = result.changes
    return {
        "plan": plan,
        "problems": [str(p) for p in result.plan.problems],
        "cells": [[c.row, c.col, _text(c.value)] for c in changes.cells],
        "fills": [[f.row, f.start_col, f.end_col, f.colour] for f in changes.fills],
        "written": result.written,
    }


def sheets(day: dt.date) -> dict[str, Callable[[], dict[str, Any]]]:
    """The sheets of one day, built on demand."""

    def generated(rows: int) -> Callable[[], dict[str, Any]]:
        def build() -> dict[str, Any]:
            sheet = generate(rows, day)
            return {"Contacts": sheet.contacts, "Log": sheet.log}

        return build

    found: dict[str, Callable[[], dict[str, Any]]] = {"sample": lambda: sample_tabs(day)}
    found.update({f"generated-{n}": generated(n) for n in SIZES})
    return found


def fingerprints() -> dict[str, str]:
    """One SHA-256 per case: mode, day and sheet, three syncs each."""
    found: dict[str, str] = {}
    for mode in MODES:
        config = config_from_mapping(
            {"source": {"kind": "xlsx", "path": "unused.xlsx"}, "highlight": mode}
        )
        for day in DAYS:
            for name, build in sheets(day).items():
                backend = MemoryBackend.from_rows(build())
                syncs = [
                    sync(backend, config, day),
                    sync(backend, config, day),
                    sync(backend, config, day + dt.timedelta(days=40)),
                ]
                text = json.dumps([describe(s) for s in syncs], sort_keys=True)
                found[f"{mode}/{day}/{name}"] = hashlib.sha256(text.encode()).hexdigest()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the fingerprints to this JSON file")
    parser.add_argument("--compare", type=Path, help="compare with fingerprints written before")
    args = parser.parse_args(argv)
    found = fingerprints()
    overall = hashlib.sha256(json.dumps(found, sort_keys=True).encode()).hexdigest()
    print(f"{len(found)} cases, all together {overall}")
    if args.out:
        args.out.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    if args.compare:
        before = json.loads(args.compare.read_text())
        differ = sorted(k for k in before.keys() | found.keys() if before.get(k) != found.get(k))
        for case in differ:
            print(f"differs: {case}")
        print("identical" if not differ else f"{len(differ)} of {len(found)} cases differ")
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
