"""How to reach someone, one click away: the "This week" tab links each email to a new
message and each phone number to a call, on every backend, and a rewrite never leaves an
older link under someone else's name."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.core.digest import (
    EMAIL,
    PHONE,
    Digest,
    DigestBirthday,
    DigestPick,
    DigestThanks,
    digest_changes,
    mail_url,
    phone_url,
)
from sheets_keepup.core.model import CellLink, CellWrite, ChangeSet

TODAY = dt.date(2026, 11, 23)
TAB = "This week"


def pick(name: str, email: str, phone: str = "") -> DigestPick:
    return DigestPick(name, "catching up", f"Email {name}.", TODAY, email, phone, "")


def week(*picks: DigestPick) -> Digest:
    birthday = DigestBirthday("Zoë Ørsted", TODAY + dt.timedelta(days=3), 3, "zoe@example.dk", "")
    meeting = TODAY - dt.timedelta(days=2)
    thanks = DigestThanks("Carl Chen", meeting, "coffee", TODAY, "", "+1 (555) 010-0100")
    return Digest(TODAY, picks, (birthday,), 14, (thanks,))


FIRST = week(pick("Ada Lovelace", "ada@example.org", "+44 20 7946 0000"), pick("Bo", "ask me"))
SECOND = week(pick("Grace Hopper", "grace@example.org"))


def expected_links(digest: Digest) -> dict[tuple[int, int], str]:
    changes = digest_changes(digest, TAB, "now")
    return {(link.row, link.col): link.url for link in changes.links}


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("ada@example.org", "mailto:ada@example.org"),
        (" a.b+tag@example.co.uk ", "mailto:a.b+tag@example.co.uk"),
        ("ada@example.org, bo@example.org", ""),
        ("ask me", ""),
        ("ada@localhost", ""),
    ],
)
def test_only_one_plain_address_is_a_mail_link(text: str, url: str) -> None:
    assert mail_url(text) == url


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("+44 20 7946 0000", "tel:+442079460000"),
        ("+1 (555) 010-0100", "tel:+15550100100"),
        ("555-0100 x12", "tel:5550100"),
        ("call Ann first", ""),
        ("12", ""),
    ],
)
def test_a_phone_link_dials_the_digits(text: str, url: str) -> None:
    assert phone_url(text) == url


def test_each_person_row_links_email_and_phone_in_its_own_cells() -> None:
    changes = digest_changes(FIRST, TAB, "now")
    cells = {(c.row, c.col): c.value for c in changes.cells}
    links = expected_links(FIRST)
    # Every link sits on the cell showing that very address or number.
    for (row, col), url in links.items():
        assert col in (EMAIL, PHONE)
        shown = str(cells[(row, col)])
        assert url in (mail_url(shown), phone_url(shown))
    urls = set(links.values())
    assert {"mailto:ada@example.org", "tel:+442079460000", "mailto:zoe@example.dk"} <= urls
    assert "tel:+15550100100" in urls  # a thank-you owed, reached by phone
    assert not any("ask" in url for url in urls)  # Bo's "ask me" is not an address


def xlsx_links(path: Path) -> dict[tuple[int, int], str]:
    sheet = load_workbook(path)[TAB]
    return {
        (cell.row - 1, cell.column - 1): str(cell.hyperlink.target)
        for row in sheet.iter_rows()
        for cell in row
        if cell.hyperlink is not None
    }


def hyperlink_rels(path: Path) -> int:
    with zipfile.ZipFile(path) as book:
        return sum(
            book.read(name).count(b"/relationships/hyperlink")
            for name in book.namelist()
            if name.endswith(".rels")
        )


def test_xlsx_links_follow_each_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    write_new_workbook(path, {"Contacts": [["Name"]]}, overwrite=True)
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    backend.apply(digest_changes(FIRST, TAB, "now"))
    assert xlsx_links(path) == expected_links(FIRST)
    sheet = load_workbook(path)[TAB]
    ada = sheet.cell(row=4, column=EMAIL + 1)
    assert ada.value == "ada@example.org"
    assert ada.font.u == "single"  # it looks like a link, too

    backend.read(["Contacts", TAB])
    backend.apply(digest_changes(SECOND, TAB, "later"))
    assert xlsx_links(path) == expected_links(SECOND)
    assert hyperlink_rels(path) == len(expected_links(SECOND))  # no stale relationship left

    backend.read(["Contacts", TAB])
    backend.apply(ChangeSet(tab=TAB, replace=True, cells=[CellWrite(0, 0, "empty")]))
    assert xlsx_links(path) == {}
    assert hyperlink_rels(path) == 0


def test_links_only_in_a_tab_rewritten_whole(tmp_path: Path) -> None:
    """A link on a user's tab could outlive the text it was written for."""
    path = tmp_path / "book.xlsx"
    write_new_workbook(path, {"Contacts": [["Name"], ["Ada"]]}, overwrite=True)
    link = CellLink(1, 0, "mailto:ada@example.org")
    for backend in (XlsxBackend(path), MemoryBackend.from_rows({"Contacts": [["Name"]]})):
        backend.read(["Contacts"])
        with pytest.raises(ValueError, match="rewrites whole"):
            backend.apply(ChangeSet(tab="Contacts", cells=[CellWrite(1, 1, "x")], links=[link]))


def test_memory_backend_keeps_the_links_of_the_last_rewrite() -> None:
    backend = MemoryBackend.from_rows({"Contacts": [["Name"]]})
    backend.apply(digest_changes(FIRST, TAB, "now"))
    backend.apply(digest_changes(SECOND, TAB, "later"))
    found = {(r, c): url for (tab, r, c), url in backend.links.items() if tab == TAB}
    assert found == expected_links(SECOND)


def test_xlsx_rows_of_wrapped_text_keep_their_height_across_rewrites(tmp_path: Path) -> None:
    """The rows the layout found too long for one line get their height in the sheet
    (LibreOffice and Excel would draw the second line over the next row); a rewrite
    gives a short row back the default height."""
    path = tmp_path / "book.xlsx"
    write_new_workbook(path, {"Contacts": [["Name"]]}, overwrite=True)
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    hook = "ask about sailing; remember: " + "what they said last time, " * 8
    long_one = week(DigestPick("Ada Lovelace", "why", "Email Ada.", TODAY, "a@x.org", "", hook))
    changes = digest_changes(long_one, TAB, "now")
    assert changes.setup is not None and changes.setup.heights
    backend.apply(changes)
    sheet = load_workbook(path)[TAB]
    for row, pixels in changes.setup.heights.items():
        assert sheet.row_dimensions[row + 1].height == pixels * 0.75
    backend.read(["Contacts", TAB])
    backend.apply(digest_changes(SECOND, TAB, "later"))
    sheet = load_workbook(path)[TAB]
    assert all(sheet.row_dimensions[r + 1].height is None for r in changes.setup.heights)
