"""The colours of the Contacts tab, as conditional formats keyed on the owned Status.

Nothing is painted cell by cell: a handful of rules, owned by the tool, colour each row
from what its Status (and Due, and Next action) cells say. The user's own fills, fonts
and borders stay underneath and show again when highlighting is off; rows that are
inserted, sorted, filtered or pasted keep the right colour because the apps evaluate the
rules row by row. Each rule's formula starts with HIGHLIGHT_MARK so that the tool knows
its own rules among the user's.

Rules, first match wins (Sheets applies only the first; Excel and LibreOffice give the
first the last word on the fill):

1. the week's picks (Next action starts with the pick mark): bold, their own colour;
2. check, 3. snoozed;
4. overdue, and any dated row whose Due has passed since the last sync: the sheet ages
   correctly on a morning the job did not run;
5. due soon, 6. ok.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sheets_keepup.core.headers import column_letter
from sheets_keepup.core.model import HIGHLIGHT_MARK, Area, Highlight, Rule
from sheets_keepup.core.planner import CHECK, DUE_SOON, OK, OVERDUE, PICK_MARK, SNOOZED
from sheets_keepup.core.settings import Config


def column_runs(cols: Iterable[int]) -> list[tuple[int, int]]:
    """Columns as [start, end) runs of neighbours: [5, 1, 2] -> [(1, 3), (5, 6)]."""
    runs: list[tuple[int, int]] = []
    for col in sorted(set(cols)):
        if runs and runs[-1][1] == col:
            runs[-1] = (runs[-1][0], col + 1)
        else:
            runs.append((col, col + 1))
    return runs


def _rule(condition: str, colour: str, bold: bool = False) -> Rule:
    return Rule(formula=f"={HIGHLIGHT_MARK}{condition}", colour=colour, bold=bold)


def highlight_rules(
    config: Config, columns: Mapping[str, int], header_row: int, end_col: int
) -> Highlight:
    """The tool's rules for a Contacts tab whose owned columns sit at `columns`.

    `header_row` is 0-based; the rules start on the row below it and reach the end of
    the sheet, so rows added later are coloured too. In `row` mode they cover columns
    [0, end_col), in `status` mode only the owned columns; `none` has no rule at all.
    """
    if config.highlight == "none":
        return Highlight()
    first_row = header_row + 1
    if config.highlight == "row":
        areas: tuple[Area, ...] = (Area(first_row, 0, end_col),)
    else:
        owned = sorted(set(columns.values()))
        areas = tuple(Area(first_row, start, end) for start, end in column_runs(owned))
    line = first_row + 1  # the A1 row number of the first coloured row
    status = f"${column_letter(columns['status'])}{line}"
    due = f"${column_letter(columns['due'])}{line}"
    action = f"${column_letter(columns['next_action'])}{line}"
    colours = config.colours
    mark = PICK_MARK.strip()[0]
    rules = (
        _rule(f'(LEFT({action},1)="{mark}")', colours.pick, bold=True),
        _rule(f'({status}="{CHECK}")', colours.check),
        _rule(f'({status}="{SNOOZED}")', colours.snoozed),
        _rule(f'OR({status}="{OVERDUE}",AND(ISNUMBER({due}),{due}<TODAY()))', colours.overdue),
        _rule(f'({status}="{DUE_SOON}")', colours.due_soon),
        _rule(f'({status}="{OK}")', colours.ok),
    )
    return Highlight(areas=areas, rules=rules)


def same_highlight(current: Highlight | None, wanted: Highlight) -> bool:
    """Do the rules read from the sheet already say what `wanted` says?

    Colours compare case-blind; nothing else is loosened, so a rule the user edited
    (a colour, a range) is put back on the next sync.
    """
    if current is None:
        return not wanted.rules
    if current.areas != wanted.areas or len(current.rules) != len(wanted.rules):
        return False
    return all(
        a.formula == b.formula and a.bold == b.bold and same_colour(a.colour, b.colour)
        for a, b in zip(current.rules, wanted.rules, strict=True)
    )


def same_colour(current: str | None, wanted: str | None) -> bool:
    """Colours as '#RRGGBB', compared exactly (case aside).

    Sheets keeps 8 bits a channel and answers float32 fractions (105/255 as 0.4117647);
    the Google backend rounds those back to the byte, so a colour it wrote reads back
    as the same '#RRGGBB' and a second sync sends no write. No tolerance is needed.
    """
    if current is None or wanted is None:
        return current == wanted
    return current.upper() == wanted.upper()
