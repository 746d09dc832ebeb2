"""The "This week" tab as a reader sees it: one bold frozen header, sections in order,
columns as wide as their text (within a cap), long text wrapped, and dates as dates."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from core_helpers import TODAY, contacts, make_config, person

from sheets_keepup.core.digest import (
    ACTION,
    DUE,
    EMAIL,
    HEADERS,
    MIN_WIDTH,
    NUMBER,
    PHONE,
    TALK,
    WHO,
    WHY,
    WIDTH_CAPS,
    Digest,
    DigestBirthday,
    DigestPick,
    DigestThanks,
    build_digest,
    digest_changes,
    fit_widths,
    horizon,
    text_width,
)
from sheets_keepup.core.model import ChangeSet, SheetData, Tab, WriteValue
from sheets_keepup.core.pipeline import plan_sheet

WRITTEN = "on 2026-11-23 08:00 Europe/London"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def pick(name: str = "Ada Lovelace", **changes: object) -> DigestPick:
    fields: dict[str, object] = {
        "name": name,
        "why": "catching up: last spoke 5 months ago; overdue by 3 weeks",
        "action": "Email Ada Lovelace: last spoke 5 months ago.",
        "due": dt.date(2026, 11, 2),
        "email": "ada@example.org",
        "phone": "+44 20 7946 0000",
        "hook": "ask about sailing",
    }
    fields.update(changes)
    return DigestPick(**fields)  # type: ignore[arg-type]


def birthday(
    name: str = "Zoë Ørsted", days: int = 10, email: str = "zoe@example.org"
) -> DigestBirthday:
    return DigestBirthday(name, TODAY + dt.timedelta(days=days), days, email, "")


def thanks(name: str = "Carl Chen") -> DigestThanks:
    meeting = dt.date(2026, 11, 21)
    return DigestThanks(
        name, meeting, "coffee", meeting + dt.timedelta(days=3), "", "+1 555 0100", ""
    )


def digest(
    picks: tuple[DigestPick, ...] = (),
    birthdays: tuple[DigestBirthday, ...] = (),
    thank_yous: tuple[DigestThanks, ...] = (),
) -> Digest:
    return Digest(TODAY, picks, birthdays, 14, thank_yous)


def grid(changes: ChangeSet) -> list[list[WriteValue]]:
    """The tab the change set leaves behind (it replaces the whole tab), row by row."""
    height = max(c.row for c in changes.cells) + 1
    rows: list[list[WriteValue]] = [[] for _ in range(height)]
    for cell in changes.cells:
        row = rows[cell.row]
        row.extend([None] * (cell.col + 1 - len(row)))
        row[cell.col] = cell.value
    return rows


def lone_texts(rows: list[list[WriteValue]]) -> list[str]:
    """The rows holding one text in the first column: title, headings, notes."""
    return [str(r[0]) for r in rows if len(r) == 1 and isinstance(r[0], str)]


def full() -> Digest:
    return digest(
        picks=(pick(), pick("Carl Chen", due=dt.date(2026, 11, 24))),
        birthdays=(birthday(),),
        thank_yous=(thanks(),),
    )


def test_the_tab_is_rewritten_whole_under_a_bold_frozen_header() -> None:
    changes = digest_changes(full(), "This week", WRITTEN)
    rows = grid(changes)
    assert changes.tab == "This week" and changes.create_tab and changes.replace
    assert rows[0] == ["This week: Monday 23 November 2026"]
    assert rows[1] == list(HEADERS)
    assert changes.setup is not None
    assert changes.setup.frozen_rows == 2 and changes.setup.bold_rows == 2


def test_sections_come_in_order_under_plain_headings() -> None:
    rows = grid(digest_changes(full(), "This week", WRITTEN))
    headings = lone_texts(rows)
    assert headings == [
        "This week: Monday 23 November 2026",
        "This week's picks (2)",
        "Birthdays in the next two weeks",
        "Thank-yous owed",
        f"Written by sheets-keepup {WRITTEN}. Rewritten every week: edits here are lost.",
    ]
    at = {text: rows.index([text]) for text in headings}
    where = [(i, r[WHO]) for i, r in enumerate(rows) if len(r) > WHO and i > 1]
    assert [name for _, name in where] == ["Ada Lovelace", "Carl Chen", "Zoë Ørsted", "Carl Chen"]
    (ada, _), (carl, _), (zoe, _), (carl_thanks, _) = where
    assert at["This week's picks (2)"] < ada < carl < at["Birthdays in the next two weeks"]
    assert at["Birthdays in the next two weeks"] < zoe < at["Thank-yous owed"] < carl_thanks
    assert rows[ada][NUMBER] == 1 and rows[carl][NUMBER] == 2
    assert rows[zoe][NUMBER] is None, "only the picks are numbered"


def test_each_row_says_why_what_to_do_and_how_to_reach_them() -> None:
    rows = grid(digest_changes(full(), "This week", WRITTEN))
    ada = next(r for r in rows if len(r) > WHO and r[WHO] == "Ada Lovelace")
    assert ada[WHY] == pick().why and ada[ACTION] == pick().action
    assert ada[EMAIL] == "ada@example.org" and ada[PHONE] == "+44 20 7946 0000"
    assert ada[TALK] == "ask about sailing"
    zoe = next(r for r in rows if len(r) > WHO and r[WHO] == "Zoë Ørsted")
    assert zoe[WHY] == "birthday in 10 days" and zoe[DUE] == dt.date(2026, 12, 3)
    carl = [r for r in rows if len(r) > WHO and r[WHO] == "Carl Chen"][-1]
    assert carl[WHY] == "after the coffee on 21 Nov" and carl[DUE] == dt.date(2026, 11, 24)


def test_empty_sections_say_so_in_one_line() -> None:
    rows = grid(digest_changes(digest(), "This week", WRITTEN))
    texts = lone_texts(rows)
    for line in (
        "Nobody is due this week.",
        "No birthdays in the next two weeks.",
        "No thank-yous owed.",
    ):
        assert texts.count(line) == 1
    assert all(len(r) <= 1 for r in rows[2:]), "no table rows, only one-line notes"


def test_dates_are_date_cells_in_a_date_formatted_column_never_text() -> None:
    changes = digest_changes(full(), "This week", WRITTEN)
    rows = grid(changes)
    table = [r for r in rows[2:] if len(r) > 1]
    assert len(table) == 4
    assert all(isinstance(r[DUE], dt.date) for r in table)
    assert not any(isinstance(value, str) and ISO_DATE.search(value) for r in table for value in r)
    assert changes.setup is not None
    assert list(changes.setup.date_columns) == [DUE] and changes.setup.first_row == 2


def test_widths_fit_the_longest_text_of_any_section() -> None:
    long_email = "zoe.orsted@institute.example.org"
    changes = digest_changes(
        digest(picks=(pick(),), birthdays=(birthday(email=long_email),)), "This week", WRITTEN
    )
    assert changes.setup is not None
    widths = changes.setup.widths
    assert widths[EMAIL] == text_width(long_email) < WIDTH_CAPS[EMAIL]
    assert widths[WHO] == text_width("Ada Lovelace")
    assert widths[PHONE] == text_width("+44 20 7946 0000")
    assert widths[DUE] == text_width(dt.date(2026, 11, 2)) >= text_width("Due", bold=True)
    # The title and the notes run over empty cells; they do not widen the first column.
    assert widths[NUMBER] == MIN_WIDTH


def test_long_text_is_capped_and_wrapped() -> None:
    long_why = "catching up: " + "a very long reason indeed, " * 8
    changes = digest_changes(digest(picks=(pick(why=long_why),)), "This week", WRITTEN)
    assert changes.setup is not None
    assert text_width(long_why) > WIDTH_CAPS[WHY]
    assert changes.setup.widths[WHY] == WIDTH_CAPS[WHY]
    assert {WHO, WHY, ACTION, EMAIL, TALK} <= set(changes.setup.wrap_columns)
    # The first column holds the title and headings: wrapping it would fold them.
    assert NUMBER not in changes.setup.wrap_columns and DUE not in changes.setup.wrap_columns


def test_a_row_of_wrapped_text_is_given_the_height_of_its_lines() -> None:
    """LibreOffice and Excel do not grow a row to its wrapped text: without a height the
    second line is drawn over the row below (seen rendered)."""
    long_hook = "ask about climbing; remember: " + "a long note on what they said, " * 6
    changes = digest_changes(
        digest(picks=(pick(hook=long_hook), pick("Carl Chen"))), "This week", WRITTEN
    )
    assert changes.setup is not None
    rows = grid(changes)
    tall = [i for i, row in enumerate(rows) if len(row) > TALK and row[TALK] == long_hook]
    assert list(changes.setup.heights) == tall
    lines = -(-(text_width(long_hook) - 12) // (changes.setup.widths[TALK] - 12))
    assert lines >= 2 and changes.setup.heights[tall[0]] >= lines * 17


def test_fit_widths_measures_bold_rows_wider_and_the_longest_line() -> None:
    rows: list[list[WriteValue]] = [["Header"], ["short\na much longer second line"], [None]]
    widths = fit_widths(rows, {0: 1000, 1: 50}, bold=[True])
    assert widths[0] == text_width("a much longer second line")
    assert text_width("Header", bold=True) > text_width("Header")
    assert widths[1] == MIN_WIDTH, "a column with nothing in it keeps the minimum"
    assert fit_widths([["x" * 500]], {0: 300}) == {0: 300}


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (14, "in the next two weeks"),
        (7, "in the next week"),
        (10, "in the next 10 days"),
        (1, "in the next day"),
        (0, "today"),
        (70, "in the next 10 weeks"),
    ],
)
def test_the_birthday_horizon_in_words(days: int, words: str) -> None:
    assert horizon(days) == words


def test_thank_yous_owed_come_from_the_plan() -> None:
    rows = contacts(
        person("Thanks", email="t@x.org", tier="network", last_contact=TODAY - dt.timedelta(20)),
        person("Resting", email="r@x.org", tier="network", snooze_until=TODAY + dt.timedelta(9)),
        person("Old", email="o@x.org", tier="network", last_contact=TODAY - dt.timedelta(20)),
    )
    log = [
        ["Date", "Who", "Kind"],
        [TODAY - dt.timedelta(days=1), "t@x.org", "lunch"],
        [TODAY - dt.timedelta(days=2), "r@x.org", "coffee"],
        [TODAY - dt.timedelta(days=30), "o@x.org", "dinner"],
    ]
    config = make_config()
    tabs = {"Contacts": Tab("Contacts", rows), "Log": Tab("Log", log)}
    planned = plan_sheet(SheetData(tabs=tabs, locale="en_GB"), config, TODAY)
    built = build_digest(planned.plan, planned.contacts, config, TODAY)
    # A snoozed contact is left alone; a meeting a month ago is no longer owed.
    assert [(t.name, t.kind, t.meeting, t.due, t.email) for t in built.thank_yous] == [
        ("Thanks", "lunch", TODAY - dt.timedelta(1), TODAY + dt.timedelta(2), "t@x.org")
    ]
