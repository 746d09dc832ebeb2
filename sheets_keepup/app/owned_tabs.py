"""The tabs the tool rewrites whole (health, digest): written only where the tool made them.

A tab the tool created carries a mark (`SheetData.owned_tabs`: a defined name in a
workbook, developer metadata on Google). Older versions created these tabs without a
mark, so an unmarked tab still counts as the tool's when its header row is exactly the
one the tool writes there; the next write of that tab (a ChangeSet with `create_tab`)
marks it. Any other tab under an owned name, or one whose name differs only in case
(tabs are found without regard to case), stops the write before anything is written,
with a message naming the tab and the config key that renames the tool's tab.

Example::

    data = read_checked(backend, [config.tabs.contacts, config.tabs.log],
                        owned_tabs(config, digest=True))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sheets_keepup.backends import Backend
from sheets_keepup.core import digest as digest_tab
from sheets_keepup.core import health as health_tab
from sheets_keepup.core.errors import DataError
from sheets_keepup.core.model import CellValue, SheetData, Tab
from sheets_keepup.core.settings import Config

Header = tuple[int, tuple[str, ...]]
"""A header row the tool writes in a tab: its 0-based row and its cells."""


@dataclass(frozen=True)
class OwnedTab:
    """A tab the tool rewrites whole: its config key, title, and the headers it writes."""

    key: str
    title: str
    what: str
    headers: tuple[Header, ...]
    """This version's header and the one older, unmarking versions wrote."""

    def has_own_header(self, tab: Tab) -> bool:
        """True when `tab` holds, where the tool writes it, exactly one of its header rows."""
        return any(
            row < len(tab.rows) and _cells(tab.rows[row]) == cells for row, cells in self.headers
        )


def _cells(row: Sequence[CellValue]) -> tuple[str, ...]:
    """A row as stripped text, without the empty cells at its end."""
    cells = ["" if value is None else str(value).strip() for value in row]
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells)


HEALTH_HEADERS: tuple[Header, ...] = (
    (health_tab.HEADER_ROW, _cells(health_tab.HEADERS)),
    (health_tab.LEGACY_HEADER_ROW, _cells(health_tab.LEGACY_HEADERS)),
)
DIGEST_HEADERS: tuple[Header, ...] = (
    (digest_tab.HEADER_ROW, _cells(digest_tab.HEADERS)),
    (digest_tab.LEGACY_HEADER_ROW, _cells(digest_tab.LEGACY_HEADERS)),
)


def owned_tabs(config: Config, *, digest: bool) -> tuple[OwnedTab, ...]:
    """The owned tabs a run may write: the health tab, and the digest tab when `digest`."""
    tabs = []
    if config.health.enabled:
        tabs.append(OwnedTab("health.tab", config.health.tab, "health tab", HEALTH_HEADERS))
    if digest and config.digest.enabled:
        tabs.append(OwnedTab("digest.tab", config.digest.tab, "weekly digest", DIGEST_HEADERS))
    return tuple(tabs)


def same_title(a: str, b: str) -> bool:
    """Tab titles compare as the apps find them: case and outer spaces ignored."""
    return a.strip().casefold() == b.strip().casefold()


def _is_marked(data: SheetData, title: str) -> bool:
    return title in data.owned_tabs


def unread_owned(data: SheetData, titles: Sequence[str], owned: Sequence[OwnedTab]) -> list[str]:
    """Owned names that exist unmarked and were not read: their header decides."""
    return [
        tab.title
        for tab in owned
        if tab.title in titles and not _is_marked(data, tab.title) and tab.title not in data.tabs
    ]


def owned_tab_problems(
    data: SheetData, titles: Sequence[str], owned: Sequence[OwnedTab]
) -> list[str]:
    """What stops writing each owned tab, one message per tab; empty when all may be written.

    `data` must hold every unmarked tab under an owned name (see `unread_owned`).
    """
    problems = []
    for tab in owned:
        clashing = [t for t in titles if same_title(t, tab.title)]
        if not clashing or (tab.title in clashing and _is_mine(data, tab)):
            continue
        if tab.title in clashing:
            problems.append(
                f"The sheet has a tab named '{tab.title}' that sheets-keepup did not create, "
                f"and the {tab.what} would replace it whole. Nothing was written. Give the "
                f"tool's tab another name with {tab.key} in the config (or rename your tab)."
            )
            continue
        other = clashing[0]
        fix = (
            f"set {tab.key} to '{other}' in the config (it is the tool's tab)"
            if _is_marked(data, other)
            else f"give the tool's tab another name with {tab.key} in the config"
        )
        problems.append(
            f"The sheet has a tab named '{other}', and {tab.key} is '{tab.title}': tab names "
            f"that differ only in case are the same tab to the apps. Nothing was written; "
            f"{fix}, or rename the tab."
        )
    return problems


def _is_mine(data: SheetData, tab: OwnedTab) -> bool:
    if _is_marked(data, tab.title):
        return True
    found = data.tabs.get(tab.title)
    # Not read means unknown: treated as someone else's, never as ours.
    return found is not None and found.title == tab.title and tab.has_own_header(found)


def tab_titles_of(backend: Backend, data: SheetData) -> list[str]:
    """Every tab's title: from the read when the backend reports them, else asked for."""
    return list(data.titles) if data.titles else backend.tab_titles()


def read_owned(
    backend: Backend, names: Sequence[str], owned: Sequence[OwnedTab]
) -> tuple[SheetData, list[str]]:
    """Read `names`, and say what stops writing each of the `owned` tabs (see below)."""
    data = backend.read(names)
    if not owned:
        return data, []
    titles = tab_titles_of(backend, data)
    unread = unread_owned(data, titles, owned)
    if unread:
        data = backend.read([*names, *unread])
    return data, owned_tab_problems(data, titles, owned)


def read_checked(backend: Backend, names: Sequence[str], owned: Sequence[OwnedTab]) -> SheetData:
    """Read `names`; raise DataError when an owned tab's name belongs to another tab.

    Costs nothing more than the read while the owned tabs are marked or missing; an
    unmarked one is read once more to look at its header (until its next write marks it).
    The data returned is from the last read, so a write planned on it sees the sheet as
    it was checked.
    """
    data, problems = read_owned(backend, names, owned)
    if problems:
        raise DataError("\n".join(problems))
    return data
