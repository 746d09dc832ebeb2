"""The data that crosses the backend seam: tabs as read, and the changes to apply.

Backends speak only these types, so the planner never knows whether a sheet came from
Google or a workbook, and a backend never needs to know the rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sheets_keepup.core.headers import cell_name

CellValue = str | int | float | bool | dt.date | dt.datetime | None
"""A cell as read: text, number, boolean, date (xlsx) or None when empty."""

WriteValue = str | bool | int | float | dt.date | None
"""What sheets-keepup writes: text, a date or an empty cell; and, when undoing a sync,
the numbers and booleans the owned cells held before it."""


def _no_background(row: int, col: int) -> str | None:
    return None


@dataclass(frozen=True)
class Tab:
    """One worksheet: its rows of values (ragged; trailing empties may be missing).

    `background(row, col)` gives a cell's fill as '#RRGGBB' or None; backends answer it
    from what they read, so only the cells the planner asks about cost anything.
    """

    title: str
    rows: Sequence[Sequence[CellValue]]
    background: Callable[[int, int], str | None] = _no_background
    highlight: Highlight | None = None
    """The conditional formats the tool owns on this tab, as read (None: there are none)."""
    owned_columns: frozenset[int] = frozenset()
    """Columns the tool marked as its own (it created them), by position as read."""

    def value(self, row: int, col: int) -> CellValue:
        if row >= len(self.rows) or col >= len(self.rows[row]):
            return None
        return self.rows[row][col]


@dataclass(frozen=True)
class SheetData:
    """What one read returns: the tabs found (by title) and the spreadsheet's locale."""

    tabs: Mapping[str, Tab]
    locale: str | None = None
    title: str = ""
    owned_tabs: frozenset[str] = frozenset()
    """Titles of the tabs the tool marked as its own (it created them)."""
    titles: Sequence[str] = ()
    """Every tab's title in the spreadsheet, in order, as the read saw them."""


@dataclass(frozen=True)
class Upcoming:
    """A meeting to come with someone (from the calendar): no coffee is suggested to a
    person the user is about to meet. Found by email, else by a name one row has."""

    day: dt.date
    email: str = ""
    name: str = ""


@dataclass(frozen=True)
class Problem:
    """A cell or row that could not be used, said so that the user can fix it."""

    tab: str
    row: int | None
    col: int | None
    message: str

    @property
    def where(self) -> str:
        if self.row is None:
            return f"'{self.tab}'"
        if self.col is None:
            return f"'{self.tab}' row {self.row + 1}"
        return f"'{self.tab}'!{cell_name(self.row, self.col)}"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


# CellWrite and RowFill are named tuples, not dataclasses: a first sync of 100,000 rows
# makes a few hundred thousand of them, and a tuple is built in half the time.
class CellWrite(NamedTuple):
    """Set one owned cell (0-based row and column of the tab)."""

    row: int
    col: int
    value: WriteValue


class CellLink(NamedTuple):
    """Make the text of one cell a link to `url` (a mailto: or tel: address)."""

    row: int
    col: int
    url: str


class RowFill(NamedTuple):
    """Colour the cells [start_col, end_col) of a row; None clears the fill."""

    row: int
    start_col: int
    end_col: int
    colour: str | None


HIGHLIGHT_MARK = 'N("keepup")+'
"""The prefix of every conditional-format formula the tool owns.

N() of a text is 0 in Sheets, Excel and LibreOffice, so `=N("keepup")+($T2="ok")` is
true exactly when `$T2="ok"` is; the prefix lets the tool recognise its own rules among
the user's, whatever app saved the file since, without any other record.
"""


@dataclass(frozen=True)
class Rule:
    """One conditional format: cells where `formula` is true get `colour` (and bold).

    `formula` starts with "=" and is written for the top-left cell of the rule's areas;
    relative references ($T2) shift row by row, as in the apps.
    """

    formula: str
    colour: str | None = None
    bold: bool = False


@dataclass(frozen=True)
class Area:
    """Rows [first_row, end_row) and columns [first_col, end_col), 0-based.

    `end_row` None reaches the last row of the sheet, so rows added later are covered.
    """

    first_row: int
    first_col: int
    end_col: int
    end_row: int | None = None


@dataclass(frozen=True)
class Highlight:
    """The tool's conditional formats on one tab, in priority order (first match wins).

    Every rule applies to all of `areas`. A change set's highlight replaces every rule
    the tool owns on the tab (recognised by HIGHLIGHT_MARK); an empty one removes them.
    """

    areas: tuple[Area, ...] = ()
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Painted:
    """What the last write coloured in a Contacts tab, kept in the state folder.

    `mode` is the highlight mode it ran in, `span` the columns a row fill covered
    ([0, span) in row mode), `owned` the owned columns and `colours` every status
    colour it could have written. Switching mode uses it to clear only the tool's
    colours, never one the user set.
    """

    tab: str
    mode: str
    span: int
    owned: tuple[int, ...]
    colours: tuple[str, ...]


@dataclass(frozen=True)
class Previous:
    """What the cells and colours a change set replaces held when its tab was read.

    `values` holds every cell the change set writes; `background` answers the colour of
    any cell as read, so a snapshot can keep what a fill covers without reading again.
    Colours stay a lookup, not a copy: a first sync in row mode repaints every cell of
    every row, and copying them all would cost every plan (dry runs too) what only a
    snapshot needs.
    """

    values: Mapping[tuple[int, int], CellValue] = field(default_factory=dict)
    background: Callable[[int, int], str | None] = _no_background

    @classmethod
    def read(cls, tab: Tab, cells: Sequence[CellWrite]) -> Previous:
        """What `cells` would replace in `tab`, for a change set not made by the diff."""
        return cls({(c.row, c.col): tab.value(c.row, c.col) for c in cells}, tab.background)

    def colours(self, fill: RowFill) -> list[str | None]:
        """The colour of each cell `fill` covers, left to right."""
        return [self.background(fill.row, col) for col in range(fill.start_col, fill.end_col)]


@dataclass(frozen=True)
class Identity:
    """Who a row held when it was read, checked again just before writing.

    Rows from `first` down hold people (above it: titles and the header row), so a
    backend that anchors rows to people (Google) anchors only those.
    """

    name_col: int | None
    email_col: int | None
    rows: Mapping[int, tuple[str, str]]
    first: int = 0

    def of(self, values: Sequence[CellValue]) -> tuple[str, str]:
        return (_text_at(values, self.name_col), _text_at(values, self.email_col))


def _text_at(values: Sequence[CellValue], col: int | None) -> str:
    if col is None or col >= len(values) or values[col] is None:
        return ""
    return str(values[col]).strip()


@dataclass(frozen=True)
class DropDown:
    """A list of allowed values offered on one column, below the header.

    `strict` rejects other values; otherwise they are kept and merely flagged.
    """

    col: int
    values: tuple[str, ...]
    strict: bool = False


DATE_PATTERN = "yyyy-mm-dd"
"""The date format `init` puts on date columns (the same in Sheets and in xlsx)."""


@dataclass(frozen=True)
class TabSetup:
    """Sheet-level formatting of one tab, the same for every backend.

    `frozen_rows` freezes that many rows at the top (None leaves the freeze alone).
    Date formats and dropdowns apply to whole columns from `first_row` (0-based) down
    to the end of the sheet, so rows added later get them too. `widths` maps a column to
    its width in pixels (xlsx converts to character widths).
    """

    frozen_rows: int | None = None
    first_row: int = 1
    date_columns: Sequence[int] = ()
    date_pattern: str = DATE_PATTERN
    dropdowns: Sequence[DropDown] = ()
    widths: Mapping[int, int] = field(default_factory=dict)
    bold_rows: int = 0
    """That many rows at the top are bold (a header)."""
    wrap_columns: Sequence[int] = ()
    """Columns whose long text wraps within the column width instead of running over."""
    checkboxes: Sequence[int] = ()
    """Columns of tick boxes from `first_row` down: a checkbox in Google Sheets, a
    TRUE/FALSE list in a workbook (see core.done)."""
    heights: Mapping[int, int] = field(default_factory=dict)
    """Rows (0-based) whose wrapped text needs more than one line, and the pixels they
    need. A workbook keeps the height it is given: LibreOffice and Excel do not grow a
    row to its wrapped text on opening. Google Sheets fits rows itself and ignores it."""

    def __bool__(self) -> bool:
        return bool(
            self.frozen_rows is not None
            or self.date_columns
            or self.dropdowns
            or self.widths
            or self.bold_rows
            or self.wrap_columns
            or self.checkboxes
            or self.heights
        )


@dataclass(frozen=True)
class ChangeSet:
    """Everything one write does to one tab, applied atomically by a backend.

    In order: create the tab when `create_tab` and it is missing, and with `create_tab`
    mark it as the tool's (an existing tab too: that is how a tab an older version
    created, recognised by its header, gets its mark); clear every value and colour in
    it when `replace` (only for tabs the tool owns, like the weekly digest); set
    `cells`; make the cells of `links` links (only in a tab rewritten whole, where no
    older link can survive under another person's text); colour `fills` (a None colour
    removes a fill); add `appends` as new rows below the last non-empty row; mark
    `mark_columns` as the tool's; replace the tool's conditional formats with
    `highlight` when it is not None; then apply `setup` (frozen rows, date formats,
    dropdowns, widths, bold header, wrapping).

    `extra_tabs` are change sets for other tabs applied in the same atomic write (all
    of them or nothing), so that `init` sets up Contacts and Log in one request.

    Backends ignore the rest, which the diff of a Contacts tab fills in for the app:
    `owned_columns` (field key -> column) and `end_col` (where a row fill ends),
    `previous` (what the write replaces, for the snapshot and a dry run's listing) and
    `painted` (the colour record to keep once this change set is written).
    """

    tab: str
    cells: Sequence[CellWrite] = ()
    fills: Sequence[RowFill] = ()
    identity: Identity | None = None
    appends: Sequence[Sequence[WriteValue]] = ()
    links: Sequence[CellLink] = ()
    create_tab: bool = False
    replace: bool = False
    setup: TabSetup | None = None
    highlight: Highlight | None = None
    mark_columns: Sequence[int] = ()
    extra_tabs: Sequence[ChangeSet] = ()
    owned_columns: Mapping[str, int] = field(default_factory=dict)
    end_col: int = 0
    previous: Previous | None = None
    painted: Painted | None = None

    def __bool__(self) -> bool:
        return bool(
            self.cells
            or self.fills
            or self.appends
            or self.replace
            or self.links
            or self.setup
            or self.highlight is not None
            or self.mark_columns
            or any(self.extra_tabs)
        )

    def all_tabs(self) -> list[ChangeSet]:
        """This change set and its `extra_tabs`, in the order they are applied."""
        return [self, *self.extra_tabs]

    @property
    def rows_touched(self) -> int:
        return len({c.row for c in self.cells} | {f.row for f in self.fills})
