"""Golden plans: what the planner decided on fixed sheets, saved to compare refactors with.

Each case plans a sheet twice on the in-memory backend: a first sync (nothing owned
yet, every row written), then, with that written, a sync 40 days later (only what
changed is written). Every plan column, every problem and the change set (cells,
fills, colour rules, marked columns) are saved per case as xz-compressed JSON in
golden/; the 10,000-row case keeps one SHA-256 per part instead, to stay small.

The sheets are frozen here (the sample's cells as of each day, and a copy of the
benchmark generator), so that a change to the shipped sample or to bench/ never moves
a golden plan. Regenerate only for an intended change of behaviour:

    python tests/core/golden_plans.py
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import lzma
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.core.model import CellValue, ChangeSet
from sheets_keepup.core.pipeline import plan_sheet
from sheets_keepup.core.settings import Config, OwnedColumns, config_from_mapping

GOLDEN = Path(__file__).parent / "golden"
SAMPLE_DAYS = (dt.date(2026, 1, 2), dt.date(2026, 6, 15), dt.date(2026, 12, 20))
GENERATED = ((1000, dt.date(2026, 3, 1)), (10000, dt.date(2026, 11, 23)))
LATER = dt.timedelta(days=40)
PLAN_COLUMNS = (
    *("name", "next_action", "summary", "due", "status", "colour", "priority", "pick"),
    *("label", "rule", "last_contact", "last_in_person", "meeting", "meeting_kind"),
    "next_birthday",
)


def golden_config() -> Config:
    """Default rules, without the Done box: the goldens are about the planner."""
    data: dict[str, Any] = {"source": {"kind": "xlsx", "path": "contacts.xlsx"}}
    if "done" in OwnedColumns.model_fields:
        data["columns"] = {"owned": {"done": None}}
    return config_from_mapping(data)


def encode_cell(value: Any) -> Any:
    """A cell or plan value as JSON: dates tagged, NaN and NaT as None."""
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return {"ts": value.isoformat()}
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):  # numpy scalars
        return encode_cell(value.item())
    return value


def decode_cell(value: Any) -> CellValue:
    if isinstance(value, dict):
        if "dt" in value:
            return dt.datetime.fromisoformat(value["dt"])
        return dt.date.fromisoformat(value["d"])
    return value  # type: ignore[no-any-return]


def describe(result: Any) -> dict[str, Any]:
    """One plan and its change set as plain JSON."""
    rows = result.plan.rows
    plan = {c: [encode_cell(v) for v in rows[c].astype(object).tolist()] for c in PLAN_COLUMNS}
    plan["row"] = [int(i) for i in rows.index]
    changes: ChangeSet = result.changes
    highlight = changes.highlight
    return {
        "plan": plan,
        "problems": [str(p) for p in result.plan.problems],
        "cells": [[c.row, c.col, encode_cell(c.value)] for c in changes.cells],
        "fills": [[f.row, f.start_col, f.end_col, f.colour] for f in changes.fills],
        "highlight": None
        if highlight is None
        else {
            "areas": [[a.first_row, a.first_col, a.end_col, a.end_row] for a in highlight.areas],
            "rules": [[r.formula, r.colour, r.bold] for r in highlight.rules],
        },
        "mark_columns": list(changes.mark_columns),
        "owned_columns": dict(changes.owned_columns),
        "identity": sorted(
            [r, *who] for r, who in (changes.identity.rows.items() if changes.identity else [])
        ),
    }


def run_case(tabs: dict[str, list[list[CellValue]]], day: dt.date) -> list[dict[str, Any]]:
    """Plan a first sync, write it, and plan again 40 days later."""
    config = golden_config()
    backend = MemoryBackend.from_rows(tabs)
    first = plan_sheet(backend.read(["Contacts", "Log"]), config, day)
    backend.apply(first.changes)
    later = plan_sheet(backend.read(["Contacts", "Log"]), config, day + LATER)
    return [describe(first), describe(later)]


def case_names() -> list[str]:
    return [f"sample-{d}" for d in SAMPLE_DAYS] + [f"generated-{n}" for n, _ in GENERATED]


def case_input(name: str) -> tuple[dict[str, list[list[CellValue]]], dt.date]:
    """The tabs and the day of a case."""
    if name.startswith("sample-"):
        stored = json.loads(lzma.decompress((GOLDEN / f"{name}.input.json.xz").read_bytes()))
        tabs = {t: [[decode_cell(v) for v in row] for row in rows] for t, rows in stored.items()}
        return tabs, dt.date.fromisoformat(name.removeprefix("sample-"))
    size = int(name.removeprefix("generated-"))
    day = dict(GENERATED)[size]
    contacts, log = generate(size, day)
    return {"Contacts": contacts, "Log": log}, day


def expected(name: str) -> Any:
    """The saved syncs of a case, or their digests (DIGEST_ONLY)."""
    return json.loads(lzma.decompress((GOLDEN / f"{name}.json.xz").read_bytes()))


def _write(path: Path, data: Any) -> None:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    path.write_bytes(lzma.compress(text.encode(), preset=9 | lzma.PRESET_EXTREME))


DIGEST_ONLY = frozenset({"generated-10000"})


def digests(syncs: list[dict[str, Any]]) -> dict[str, str]:
    """One SHA-256 per part of each sync ('0/plan/status', '1/cells'...)."""
    found = {}
    for number, described in enumerate(syncs):
        parts = {f"plan/{k}": v for k, v in described["plan"].items()}
        parts.update({k: v for k, v in described.items() if k != "plan"})
        for key, value in parts.items():
            text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            found[f"{number}/{key}"] = hashlib.sha256(text.encode()).hexdigest()
    return found


def regenerate(names: Sequence[str]) -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name in names:
        if name.startswith("sample-") and not (GOLDEN / f"{name}.input.json.xz").exists():
            from sheets_keepup.core.sample import sample_tabs

            day = dt.date.fromisoformat(name.removeprefix("sample-"))
            tabs = sample_tabs(day)
            _write(
                GOLDEN / f"{name}.input.json.xz",
                {t: [[encode_cell(v) for v in row] for row in rows] for t, rows in tabs.items()},
            )
        tabs, day = case_input(name)
        # Round-trip through JSON so that what is saved is exactly what a test compares.
        syncs = json.loads(json.dumps(run_case(tabs, day)))
        _write(GOLDEN / f"{name}.json.xz", digests(syncs) if name in DIGEST_ONLY else syncs)
        print(f"wrote {name}")


def _words(text: str) -> list[str]:
    return text.split()


# A frozen copy of bench/generate.py as it was when the goldens were first saved.
_FIRST = _words(
    "Amara Bruno Chen Dara Elif Farah Gustav Hana Ivan Julia Kwame Lena Mateo Nadia "
    "Oskar Priya Quentin Rosa Sam Tomás Uma Victor Wen Xavier Yara Zoë Aisha Ben "
    "Clara Diego Emma Felix Gaby Hugo Ines Jonas Kira Luca Maya Nils Olga Pablo Rania "
    "Sofia Theo Vera Yusuf"
)
_LAST = _words(
    "Okafor Castillo Wei Nwosu Yilmaz Haddad Lind Sato Petrov Rossi Mensah Fischer "
    "García Rahman Nowak Nair Moreau Delgado O'Neill Silva Iyer Lima Li Dubois Ørsted "
    "Bello Carter Jensen Fernández Schulz Wagner Costa Novak Kowalski Müller Tanaka "
    "Kim Singh Ali Ivanova"
)
_COMPANIES = (
    *("Lumen Health / CTO", "Freelance designer", "Orbital Labs / PM", "Northwind / Eng manager"),
    *("Atlas Bank", "UX researcher", "Skog AB / Founder", "Kumo Inc", "Data engineer"),
    *("Accra Tech Hub", "Recruiter", "Policy lead", "Investor", "Journalist", "Consultant"),
)
_MET = ("PyCon", "Old colleague", "Meetup", "Conference", "MBA class", "LinkedIn", "Client")
_INTERESTS = (
    *("", "", "", "trail running, sourdough", "typography", "chess", "jazz", "sailing"),
    *("climbing", "opera", "Rust", "cricket", "cycling"),
)
_NOTES = (
    *("", "", "", "", "Kids: Ada and Theo. Moving to Lisbon in spring.", "Starting a studio"),
    *("Daughter starts university", "Writing a book on fintech", "Raising a seed round"),
    "Twins born in June",
)
_TIERS = ("close",) * 1 + ("core",) * 3 + ("network",) * 4 + ("acquaintance",) * 2
_CADENCES = ("6 weeks", "quarterly", "45", "every 2 months", "monthly")
_KINDS = ("email", "email", "call", "coffee", "lunch", "meeting", "event", "thank-you")
_NOTES_LOG = ("", "Caught up", "Intro to a founder", "Hiring update", "Shared an article")
_INITIALS = "ABCDEFGHIJKLMNOPRSTVW"
CONTACT_HEADERS = (
    *("Name", "Email", "Phone", "Company/Role", "How we met", "Tier", "Cadence"),
    *("Last contact", "Last in person", "Birthday", "Interests", "Notes", "Snooze until"),
)
LOG_HEADERS = ("Date", "Who", "Kind", "Note")


def _day(today: dt.date, days_ago: int) -> dt.date:
    return today - dt.timedelta(days=days_ago)


def _name(code: int) -> tuple[str, str]:
    code, first = divmod(code, len(_FIRST))
    code, initial = divmod(code, len(_INITIALS))
    code, last = divmod(code, len(_LAST))
    second = code % (len(_LAST) + 1)
    surname = _LAST[last] if second == len(_LAST) else f"{_LAST[last]}-{_LAST[second]}"
    return f"{_FIRST[first]} {_INITIALS[initial]}. {surname}", f"{_FIRST[first]}.{surname}"


def _contact(rng: random.Random, i: int, code: int, today: dt.date) -> list[CellValue]:
    name, handle = _name(code)
    handle = handle.lower().replace("'", "")
    email = f"{handle}.{i}@example.com"
    if rng.random() < 0.05:
        email = ""
    phone = f"+44 20 7946 {rng.randrange(10000):04d}" if rng.random() < 0.4 else ""
    tier = rng.choice(_TIERS)
    roll = rng.random()
    if roll < 0.02:
        tier = ""
    elif roll < 0.025:
        tier = "vip"
    cadence = rng.choice(_CADENCES) if rng.random() < 0.08 else ""
    last_contact: CellValue = _day(today, int(rng.expovariate(1 / 150)))
    roll = rng.random()
    if roll < 0.03:
        last_contact = None
    elif roll < 0.05:
        month = dt.date(2020 + rng.randrange(6), 1 + rng.randrange(12), 1)
        last_contact = month.strftime("%b %Y")
    elif roll < 0.052:
        last_contact = "last spring"
    in_person: CellValue = (
        _day(today, int(rng.expovariate(1 / 300))) if tier in ("close", "core") else None
    )
    birthday: CellValue = None
    if rng.random() < 0.3:
        born = dt.date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28))
        birthday = born.isoformat() if rng.random() < 0.7 else born.strftime("%m-%d")
    snooze: CellValue = _day(today, -rng.randrange(1, 90)) if rng.random() < 0.01 else None
    return [
        name if rng.random() > 0.01 else "",
        *(email, phone, rng.choice(_COMPANIES), rng.choice(_MET), tier, cadence),
        *(last_contact, in_person, birthday, rng.choice(_INTERESTS), rng.choice(_NOTES), snooze),
    ]


def generate(
    rows: int, today: dt.date, *, seed: int = 2026
) -> tuple[list[list[CellValue]], list[list[CellValue]]]:
    """`rows` contacts under a title and a blank line, and three times as many touches."""
    rng = random.Random(seed)
    contacts: list[list[CellValue]] = [
        ["My professional network (sheets-keepup writes only the last 3 columns)"],
        [],
        list(CONTACT_HEADERS),
    ]
    space = len(_FIRST) * len(_INITIALS) * len(_LAST) * (len(_LAST) + 1)
    codes = rng.sample(range(space), rows)
    people = [_contact(rng, i, code, today) for i, code in enumerate(codes)]
    contacts += people
    log: list[list[CellValue]] = [list(LOG_HEADERS)]
    for _ in range(rows * 3):
        who = rng.choice(people)
        key: CellValue = who[1] if who[1] and rng.random() < 0.8 else who[0] or who[1]
        log.append(
            [
                _day(today, int(rng.expovariate(1 / 200))),
                key,
                rng.choice(_KINDS),
                rng.choice(_NOTES_LOG),
            ]
        )
    return contacts, log


if __name__ == "__main__":
    regenerate(sys.argv[1:] or case_names())
