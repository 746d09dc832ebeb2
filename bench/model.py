"""Request counts and write bodies of the two gspread scripts computed without HTTP, for
sizes where running them against the fake would take hours.

sheets-keepup is not modelled: it is measured against the fake at every size
(`bench.e2e`), its real structure batchUpdate and values write included. The plan and
the ChangeSet come from the real planner on an in-memory sheet; the naive script's calls
follow from the ChangeSet; the gspread-dataframe bodies are built with
gspread-formatting's own request builder. Read responses cannot be computed this way:
they are scaled linearly from the largest size measured against the fake.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bench.generate import edit_last_contacts, generate
from bench.planner import TODAY, bench_config
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.core.headers import column_letter
from sheets_keepup.core.pipeline import PlannedSheet, plan_sheet

NAIVE_READS = 5
"""open_by_key, two worksheet() lookups and two get_all_records."""
DATAFRAME_READS = 5
"""open_by_key, two worksheet() lookups and two get_as_dataframe."""


@dataclass(frozen=True)
class Modelled:
    approach: str
    scenario: str
    rows: int
    reads: int
    writes: int
    write_bytes: int
    largest_body: int


class _Sheet:
    """What gspread-formatting's request builder needs of a worksheet."""

    id = 0


def _naive(planned: PlannedSheet, rows: int, scenario: str) -> Modelled:
    cells = planned.changes.cells
    changed_rows = {c.row for c in cells} - {planned.contacts.header.row}
    writes = len(cells) + len(changed_rows)
    return Modelled("naive", scenario, rows, NAIVE_READS, writes, 0, 0)


def _dataframe(planned: PlannedSheet, rows: int, scenario: str) -> Modelled:
    from gspread_formatting import CellFormat, Color
    from gspread_formatting.batch_update_requests import _build_repeat_cell_request

    plan = planned.plan.rows
    end = column_letter(int(planned.changes.end_col) - 1)
    requests = []
    for row, colour in plan["colour"].items():
        red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        fmt = CellFormat(backgroundColor=Color(red, green, blue))
        line = int(row) + 1  # type: ignore[call-overload]
        requests.append(_build_repeat_cell_request(_Sheet(), f"A{line}:{end}{line}", fmt))
    formats = len(json.dumps({"requests": requests}).encode())
    due = plan["due"].dt.strftime("%Y-%m-%d").fillna("")
    values = [["Next action", "Due", "Status"]]
    values += [list(v) for v in zip(plan["next_action"], due, plan["status"], strict=True)]
    update = len(json.dumps({"values": values}).encode())
    resize = 150
    return Modelled(
        "dataframe",
        scenario,
        rows,
        DATAFRAME_READS,
        3,
        formats + update + resize,
        max(formats, update),
    )


def model(rows: int) -> list[Modelled]:
    """The three scenarios for both gspread scripts at one size, computed offline."""
    config = bench_config()
    sheet = generate(rows, TODAY)
    backend = MemoryBackend.from_rows({"Contacts": sheet.contacts, "Log": sheet.log})
    out: list[Modelled] = []
    for scenario in ("first sync", "nothing new", "1% edited"):
        if scenario == "1% edited":
            edit_last_contacts(backend.tabs["Contacts"], 0.01, TODAY)
        planned = plan_sheet(backend.read(["Contacts", "Log"]), config, TODAY)
        out += [f(planned, rows, scenario) for f in (_naive, _dataframe)]
        if planned.changes:
            backend.apply(planned.changes)
    return out


def as_dict(m: Modelled) -> dict[str, Any]:
    return m.__dict__.copy()
