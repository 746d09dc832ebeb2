"""The promises of the core, on real .xlsx files: user cells untouched, idempotent,
atomic, formula-safe, and a bad row never stops the rest."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pytest
from core_helpers import TODAY, make_config
from openpyxl import load_workbook

from sheets_keepup.app.sync import sync
from sheets_keepup.backends.xlsx import XlsxBackend, save_atomically, write_new_workbook
from sheets_keepup.core.errors import AccessError, SheetChangedError
from sheets_keepup.core.sample import sample_tabs
from sheets_keepup.core.settings import Config

OWNED = ("Next action", "Due", "Status", "Done")


def cells(path: Path, tab: str = "Contacts") -> dict[tuple[int, int], tuple[Any, str]]:
    """Every cell's value and type, as the file stores it (formulas as formulas)."""
    sheet = load_workbook(path)[tab]
    return {
        (c.row, c.column): (c.value, c.data_type)
        for row in sheet.iter_rows()
        for c in row
        if c.value is not None
    }


def owned_columns(path: Path, header_row: int) -> set[int]:
    sheet = load_workbook(path)["Contacts"]
    return {c.column for c in sheet[header_row] if c.value in OWNED}


def user_cells(path: Path, header_row: int) -> dict[tuple[int, int], tuple[Any, str]]:
    owned = owned_columns(path, header_row)
    return {k: v for k, v in cells(path).items() if k[1] not in owned}


def xlsx_config(path: Path, **overrides: Any) -> Config:
    return make_config(source={"kind": "xlsx", "path": str(path)}, **overrides)


def messy_tabs() -> dict[str, list[list[Any]]]:
    huge = "lorem ipsum " * 4000
    return {
        "Contacts": [
            ["Name", "E-mail", "Tier", "Last spoke", "Birthday", "Notes", "Score", "", "Email"],
            [
                "Zoë Ørsted 🚲",
                "zoe@example.dk",
                "Close",
                dt.date(2026, 1, 2),
                "02-29",
                "مرحبا — שלום",
                1.5,
                "x",
                "dup@example.com",
            ],
            [
                '=HYPERLINK("http://evil.example","click")',
                "+cmd|' /C calc'!A0",
                "core",
                45000,
                None,
                "@SUM(1+1)",
                -3,
                None,
                None,
            ],
            ["Numbers", "n@example.com", 42, 12.5, 19850302, huge, None, None, None],
            [None, None, None, None, None, None, None, None, None],
            ["Bad date", "b@example.com", "network", "the other day", "soon", "", True, None],
            ["Formula", "f@example.com", "core", None, None, "", None, None, None],
        ],
        "Log": [["Date", "Who", "Kind"], [dt.date(2026, 11, 20), "Formula", "coffee"]],
    }


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    path = tmp_path / "messy.xlsx"
    write_new_workbook(path, messy_tabs())
    book = load_workbook(path)
    sheet = book["Contacts"]
    sheet["D7"] = "=DATE(2026,1,1)"  # a real formula in a user column
    sheet["G7"] = "=SUM(G2:G4)"
    book.save(path)
    return path


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "sample.xlsx"
    write_new_workbook(path, sample_tabs(TODAY))
    return path


@pytest.mark.parametrize(("fixture", "header_row"), [("sample", 3), ("messy", 1)])
def test_user_cells_never_change(
    fixture: str, header_row: int, request: pytest.FixtureRequest
) -> None:
    path: Path = request.getfixturevalue(fixture)
    before = cells(path)  # no owned columns yet: every cell is the user's
    result = sync(XlsxBackend(path), xlsx_config(path), TODAY)
    assert result.written
    assert len(owned_columns(path, header_row)) == 4
    assert user_cells(path, header_row) == before
    # and again after a second day's changes
    sync(XlsxBackend(path), xlsx_config(path), TODAY + dt.timedelta(days=40))
    assert user_cells(path, header_row) == before


def test_messy_sheet_syncs_every_readable_row_and_reports_the_rest(messy: Path) -> None:
    result = sync(XlsxBackend(messy), xlsx_config(messy), TODAY)
    statuses = dict(zip(result.plan.rows["name"], result.plan.rows["status"], strict=True))
    assert statuses["Bad date"] == "check"
    assert statuses["Numbers"] == "check"  # tier 42 is not a tier
    assert statuses["Zoë Ørsted 🚲"] in ("overdue", "due soon")
    assert statuses["Formula"] in ("due soon", "ok")
    problems = "\n".join(map(str, result.problems))
    assert "'Contacts'!D6: Last spoke 'the other day'" in problems
    assert "'Contacts'!E6: Birthday 'soon'" in problems
    assert "repeats column B" in problems


def test_second_sync_changes_nothing_and_does_not_rewrite_the_file(sample: Path) -> None:
    config = xlsx_config(sample)
    assert sync(XlsxBackend(sample), config, TODAY).written
    stamp, content = sample.stat().st_mtime_ns, sample.read_bytes()
    second = sync(XlsxBackend(sample), config, TODAY)
    assert not second.written
    assert not second.changes
    assert (sample.stat().st_mtime_ns, sample.read_bytes()) == (stamp, content)


def test_next_day_rewrites_only_what_changed(sample: Path) -> None:
    config = xlsx_config(sample)
    first = sync(XlsxBackend(sample), config, TODAY)
    later = sync(XlsxBackend(sample), config, TODAY + dt.timedelta(days=1))
    assert 0 < len(later.changes.cells) < len(first.changes.cells)


def test_text_that_looks_like_a_formula_stays_text(messy: Path) -> None:
    sync(XlsxBackend(messy), xlsx_config(messy), TODAY)
    sheet = load_workbook(messy)["Contacts"]
    assert sheet["A3"].data_type == "s"
    assert sheet["A3"].value.startswith("=HYPERLINK")
    with zipfile.ZipFile(messy) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    formulas = xml.count("<f>") + xml.count("<f ")
    assert formulas == 2  # only the two real formulas the user wrote


def test_owned_columns_go_right_of_all_user_data(messy: Path) -> None:
    sync(XlsxBackend(messy), xlsx_config(messy), TODAY)
    header = [c.value for c in load_workbook(messy)["Contacts"][1]]
    assert header[9:13] == list(OWNED)
    assert header[8] == "Email"


def test_rows_get_the_status_colour(sample: Path) -> None:
    # Colours are conditional formats the tool owns, not painted fills.
    result = sync(XlsxBackend(sample), xlsx_config(sample), TODAY)
    written = result.changes.highlight
    assert written is not None and written.rules
    read = XlsxBackend(sample).read(["Contacts"]).tabs["Contacts"].highlight
    assert read == written
    colours = {rule.colour for rule in written.rules}
    assert set(result.plan.rows["colour"].to_list()) <= colours
    assert load_workbook(sample)["Contacts"].cell(5, 1).fill.fill_type is None


def test_workbook_open_elsewhere_is_left_alone(sample: Path) -> None:
    lock = sample.with_name(f".~lock.{sample.name}#")
    lock.write_text("someone,host,...")
    before = sample.read_bytes()
    with pytest.raises(AccessError, match="open in another program"):
        sync(XlsxBackend(sample), xlsx_config(sample), TODAY)
    assert sample.read_bytes() == before


def test_read_only_workbook_is_left_alone(sample: Path) -> None:
    sample.chmod(0o444)
    before = sample.read_bytes()
    try:
        backend = XlsxBackend(sample)
        import os

        if os.access(sample, os.W_OK):
            pytest.skip("running as a user who can write read-only files (root)")
        with pytest.raises(AccessError, match="not writable"):
            sync(backend, xlsx_config(sample), TODAY)
    finally:
        sample.chmod(0o644)
    assert sample.read_bytes() == before


class _FailingBook:
    """A workbook whose save dies half-way, like a full disk."""

    def save(self, target: Path) -> None:
        Path(target).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError(28, "No space left on device")


def test_failed_save_leaves_the_original_and_no_temporary(sample: Path) -> None:
    before = sample.read_bytes()
    with pytest.raises(OSError, match="No space"):
        save_atomically(_FailingBook(), sample)  # type: ignore[arg-type]
    assert sample.read_bytes() == before
    assert sorted(p.name for p in sample.parent.iterdir()) == [sample.name]


def test_file_saved_elsewhere_between_read_and_write(sample: Path) -> None:
    config = xlsx_config(sample)
    backend = XlsxBackend(sample)
    data = backend.read(["Contacts", "Log"])
    from sheets_keepup.core.pipeline import plan_sheet

    changes = plan_sheet(data, config, TODAY).changes
    book = load_workbook(sample)
    book["Contacts"].insert_rows(4)
    book.save(sample)
    moved = sample.read_bytes()
    with pytest.raises(SheetChangedError):
        backend.apply(changes)
    assert sample.read_bytes() == moved
    # A fresh sync plans again and writes each person's values into their own row.
    result = sync(XlsxBackend(sample), config, TODAY)
    sheet = load_workbook(sample)["Contacts"]
    for row, name in result.plan.rows["name"].items():
        assert sheet.cell(int(row) + 1, 1).value == name


def test_missing_workbook(tmp_path: Path) -> None:
    with pytest.raises(AccessError, match="No workbook"):
        sync(XlsxBackend(tmp_path / "nope.xlsx"), xlsx_config(tmp_path / "nope.xlsx"), TODAY)
