"""On Google Sheets the links of the "This week" tab are text formats: the whole tab goes
out in the one batchUpdate, and a rewrite clears every link it does not set again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fake_google import FakeGoogle

from sheets_keepup.core.digest import (
    Digest,
    DigestBirthday,
    DigestPick,
    DigestThanks,
    digest_changes,
)

TODAY = dt.date(2026, 11, 23)
TAB = "This week"


def week(*picks: DigestPick) -> Digest:
    birthday = DigestBirthday("Zoë Ørsted", TODAY + dt.timedelta(days=3), 3, "zoe@example.dk", "")
    meeting = TODAY - dt.timedelta(days=2)
    thanks = DigestThanks("Carl Chen", meeting, "coffee", TODAY, "", "+1 (555) 010-0100")
    return Digest(TODAY, picks, (birthday,), 14, (thanks,))


def pick(name: str, email: str, phone: str = "") -> DigestPick:
    return DigestPick(name, "catching up", f"Email {name}.", TODAY, email, phone, "")


def links_in(fake: FakeGoogle, key: str) -> dict[tuple[int, int], str]:
    with fake.server.state.lock:
        sheet = fake.server.state.get(key).sheet_by_title(TAB)
        assert sheet is not None
        cells: dict[tuple[int, int], Any] = dict(sheet.cells)
    found = {}
    for where, cell in cells.items():
        text = (cell.get("userEnteredFormat") or {}).get("textFormat") or {}
        uri = (text.get("link") or {}).get("uri")
        if uri:
            found[where] = uri
    return found


def wanted(digest: Digest) -> dict[tuple[int, int], str]:
    return {(x.row, x.col): x.url for x in digest_changes(digest, TAB, "now").links}


def test_links_land_on_their_cells_and_follow_each_rewrite(fake: FakeGoogle) -> None:
    key = fake.create({"Contacts": [["Name", "Email"]]})
    backend = fake.backend(key)
    backend.read(["Contacts"])
    first = week(pick("Ada Lovelace", "ada@example.org", "+44 20 7946 0000"), pick("Bo", "b@x.io"))
    backend.apply(digest_changes(first, TAB, "now"))
    assert links_in(fake, key) == wanted(first)
    rows = fake.rows(key, TAB)
    assert rows[3][5] == "ada@example.org"

    # Next week: fewer people, so rows move up; no link of last week may stay behind.
    backend.read(["Contacts", TAB])
    fake.server.clear_log()
    second = week(pick("Grace Hopper", "grace@example.org"))
    backend.apply(digest_changes(second, TAB, "later"))
    assert links_in(fake, key) == wanted(second)
    assert fake.rows(key, TAB)[3][5] == "grace@example.org"
    writes = fake.server.find_requests(method="POST", kind="write")
    assert len(writes) == 1  # values and links in one request, as before links
