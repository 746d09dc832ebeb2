"""The product promise on real-world workbooks: sheets-keepup changes nothing it does not own.

Each workbook of the corpus (tests/workbooks/corpus, built by build_corpus.py) carries one
feature Excel or LibreOffice users have: pictures, a chart, macros, sparklines, x14
validations and data bars, threaded comments, rich text, cached formula values, a
table, a pivot table, defined names, LibreOffice's own writing, the user's formats, and
thousands of formatted empty rows. The real command line syncs, sets up and restores a
copy, and the copy is compared with the original part by part (see workbooks/parts.py).
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from lxml import etree
from workbooks.build_corpus import TODAY, build_empty_formatted_rows
from workbooks.parts import (
    MAIN,
    has_formula_in_owned_cells,
    integrity_problems,
    owned_cells,
    owned_values,
    values,
)

from sheets_keepup.cli import main
from sheets_keepup.core.errors import ExitStatus

X14_NS = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"

CORPUS = Path(__file__).resolve().parents[1] / "workbooks" / "corpus"
WORKBOOKS = (
    "pictures.xlsx",
    "chart.xlsx",
    "macros.xlsm",
    "sparklines.xlsx",
    "x14_validation_databar.xlsx",
    "threaded_comments.xlsx",
    "rich_text.xlsx",
    "formulas.xlsx",
    "formulas_in_owned.xlsx",
    "table.xlsx",
    "pivot.xlsx",
    "defined_names.xlsx",
    "user_formatting.xlsx",
    "libreoffice.xlsx",
    "empty_formatted_rows.xlsx",
)
# Every case runs in the default selection: a patching writer syncs even the 20,000
# formatted rows in about a second (a writer that loads and re-saves the whole workbook
# takes minutes there). The 100,000-row case below is slow.
ALL = WORKBOOKS


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def original(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{path.name} is not in the corpus: run python tests/workbooks/build_corpus.py")
    return path


def copy_of(name: str, folder: Path) -> Path:
    work = folder / name
    shutil.copyfile(original(name), work)
    return work


def config_for(workbook: Path, **extra: object) -> Path:
    # The state folder (snapshots, lock, status) stays inside the test's own folder.
    folder = workbook.parent
    path = folder / "sheets-keepup.yaml"
    data = {
        "source": {"kind": "xlsx", "path": str(workbook)},
        "state_dir": str(folder / "state"),
        **extra,
    }
    path.write_text(yaml.safe_dump(data))
    return path


def keepup(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, list(args))


def said(result: Result) -> str:
    """What the command printed, and the exception if it crashed (not just "exit 1")."""
    crash = result.exception
    if crash is None or isinstance(crash, SystemExit):
        return result.output
    return f"{result.output}\ncrashed: {crash!r}"


def sync(runner: CliRunner, config: Path, *extra: str) -> Result:
    return keepup(runner, "sync", "-c", str(config), "--today", TODAY.isoformat(), *extra)


def assert_intact(before: Path, after: Path, *, between: tuple[Path, ...] = ()) -> None:
    problems = integrity_problems(
        before, after, owned_formulas=has_formula_in_owned_cells(before), owned_from=between
    )
    assert not problems, f"{after.name}:\n  " + "\n  ".join(problems)


def assert_planned(path: Path) -> None:
    """A known overdue contact and a known recent one hold what the rules plan for them."""
    grid = values(path, "Contacts")
    ada = owned_values(grid, "Ada Lovelace")
    assert ada["Status"] == "overdue"
    assert "Email Ada Lovelace" in str(ada["Next action"])
    # Last spoke 100 days ago, close tier: due 30 days after that.
    due = ada["Due"]
    due = due.date() if isinstance(due, dt.datetime) else due
    assert due == TODAY - dt.timedelta(days=100 - 30)
    grace = owned_values(grid, "Grace Hopper")
    assert grace["Status"] == "ok"
    assert grace["Next action"] == ""


@pytest.mark.parametrize("name", ALL)
def test_sync_changes_only_the_owned_cells_and_parts(
    name: str, runner: CliRunner, tmp_path: Path
) -> None:
    workbook = copy_of(name, tmp_path)
    result = sync(runner, config_for(workbook))
    assert result.exit_code == 0, said(result)
    assert_intact(original(name), workbook)
    assert_planned(workbook)


@pytest.mark.parametrize("name", ALL)
def test_init_on_an_existing_workbook_changes_only_what_it_adds(
    name: str, runner: CliRunner, tmp_path: Path
) -> None:
    workbook = copy_of(name, tmp_path)
    config = config_for(workbook)
    result = keepup(runner, "init", "-c", str(config), "--today", TODAY.isoformat())
    assert result.exit_code == 0, said(result)
    assert_intact(original(name), workbook)
    grid = values(workbook, "Contacts")
    assert {"Next action", "Due", "Status"} <= set(grid.values())


@pytest.mark.parametrize("name", ALL)
def test_restore_after_sync_puts_back_the_owned_cells_and_keeps_the_rest(
    name: str, runner: CliRunner, tmp_path: Path
) -> None:
    workbook = copy_of(name, tmp_path)
    config = config_for(workbook)
    first = sync(runner, config)
    assert first.exit_code == 0, said(first)
    assert owned_cells(workbook) != owned_cells(original(name)), "the sync changed nothing"
    synced = copy_of_path(workbook, tmp_path / "synced")
    result = keepup(runner, "restore", "-c", str(config))
    assert result.exit_code == 0, said(result)
    assert_intact(original(name), workbook, between=(synced,))
    assert owned_cells(workbook) == owned_cells(original(name))


def renamed_tab(workbook: Path, old: str, new: str) -> None:
    """Rename a tab the way a user does in Excel: only workbook.xml changes."""
    with zipfile.ZipFile(workbook) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(workbook, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            if info.filename == "xl/workbook.xml":
                data = data.replace(f'name="{old}"'.encode(), f'name="{new}"'.encode())
            archive.writestr(info, data)


def test_failed_sync_with_the_contacts_tab_renamed_leaves_the_file_byte_identical(
    runner: CliRunner, tmp_path: Path
) -> None:
    workbook = copy_of("pictures.xlsx", tmp_path)
    renamed_tab(workbook, "Contacts", "People")
    before = workbook.read_bytes()
    result = sync(runner, config_for(workbook))
    assert result.exit_code == ExitStatus.DATA, said(result)
    assert "Contacts" in result.output
    assert workbook.read_bytes() == before


@pytest.mark.parametrize("name", ALL)
def test_dry_run_never_changes_the_file(name: str, runner: CliRunner, tmp_path: Path) -> None:
    workbook = copy_of(name, tmp_path)
    before = workbook.read_bytes()
    result = sync(runner, config_for(workbook), "--dry-run")
    assert result.exit_code == 0, said(result)
    assert "Nothing was written" in result.output
    assert workbook.read_bytes() == before


@pytest.mark.parametrize("name", ALL)
def test_check_never_changes_the_file(name: str, runner: CliRunner, tmp_path: Path) -> None:
    workbook = copy_of(name, tmp_path)
    before = workbook.read_bytes()
    result = keepup(runner, "check", "-c", str(config_for(workbook)), "--today", TODAY.isoformat())
    assert result.exit_code == 0, said(result)
    assert workbook.read_bytes() == before


@pytest.mark.slow
def test_sync_keeps_100000_formatted_empty_rows(runner: CliRunner, tmp_path: Path) -> None:
    built = tmp_path / "built" / "formatted_100k.xlsx"
    build_empty_formatted_rows(100_000).save(built)
    workbook = copy_of_path(built, tmp_path / "work")
    result = sync(runner, config_for(workbook))
    assert result.exit_code == 0, said(result)
    assert_intact(built, workbook)
    assert_planned(workbook)


def copy_of_path(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(path, folder / path.name))


# ---------------------------------------------------------------------------------------
# The check itself: it passes what a careful writer does and names what a careless one
# loses, so that a green run above means something.


def edited(source: Path, target: Path, part: str, edit: Callable[[bytes], bytes | None]) -> Path:
    """A copy of `source` with one part replaced by `edit(part)`, or dropped if that is None."""
    with zipfile.ZipFile(source) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    new = edit(parts[part])
    if new is None:
        del parts[part]
    else:
        parts[part] = new
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return target


def set_cell(ref: str, inline_text: str) -> Callable[[bytes], bytes]:
    """Replace cell `ref` with an inline string, as a patching writer writes its cells."""

    def edit(xml: bytes) -> bytes:
        root = etree.fromstring(xml)
        for cell in root.iter(f"{{{MAIN}}}c"):
            if cell.get("r") == ref:
                cell[:] = []
                if "s" in cell.attrib:
                    del cell.attrib["s"]
                cell.set("t", "inlineStr")
                text = etree.SubElement(etree.SubElement(cell, f"{{{MAIN}}}is"), f"{{{MAIN}}}t")
                text.text = inline_text
                return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
        raise KeyError(ref)

    return edit


def drop_child(name: str) -> Callable[[bytes], bytes]:
    def edit(xml: bytes) -> bytes:
        root = etree.fromstring(xml)
        for child in root.iter(f"{{{MAIN}}}{name}", f"{{{X14_NS}}}{name}"):
            parent = child.getparent()
            assert parent is not None
            parent.remove(child)
            return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
        raise KeyError(name)

    return edit


def drop_cached_values(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    for value in list(root.iter(f"{{{MAIN}}}v")):
        cell = value.getparent()
        if cell is not None and cell.find(f"{{{MAIN}}}f") is not None:
            cell.remove(value)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def test_the_check_passes_an_untouched_copy_and_a_change_to_owned_cells_only(
    tmp_path: Path,
) -> None:
    table = original("table.xlsx")  # Next action, Due, Status are G, H, I
    assert integrity_problems(table, table) == []
    written = edited(
        table, tmp_path / "owned.xlsx", "xl/worksheets/sheet1.xml", set_cell("I2", "overdue")
    )
    assert integrity_problems(table, written) == []


@pytest.mark.parametrize(
    ("name", "part", "edit", "said_text"),
    [
        ("table.xlsx", "xl/worksheets/sheet1.xml", set_cell("B2", "x@example.org"), "user cell"),
        (
            "pictures.xlsx",
            "xl/media/image1.png",
            lambda data: None,
            "xl/media/image1.png was dropped",
        ),
        ("macros.xlsm", "docProps/core.xml", lambda data: data + b" ", "docProps/core.xml changed"),
        ("sparklines.xlsx", "xl/worksheets/sheet1.xml", drop_child("extLst"), "extLst"),
        (
            "threaded_comments.xlsx",
            "xl/worksheets/sheet1.xml",
            drop_child("legacyDrawing"),
            "legacyDrawing",
        ),
        ("formulas.xlsx", "xl/worksheets/sheet2.xml", drop_cached_values, "read differently"),
        ("defined_names.xlsx", "xl/workbook.xml", drop_child("definedName"), "defined name"),
        ("pivot.xlsx", "xl/workbook.xml", drop_child("pivotCaches"), "pivotCaches"),
        (
            "x14_validation_databar.xlsx",
            "xl/worksheets/sheet1.xml",
            drop_child("conditionalFormatting"),
            "conditional formats",
        ),
        (
            "x14_validation_databar.xlsx",
            "xl/worksheets/sheet1.xml",
            drop_child("dataValidation"),
            "data validation",
        ),
        ("user_formatting.xlsx", "xl/worksheets/sheet1.xml", drop_child("cols"), "width or format"),
    ],
)
def test_the_check_names_each_kind_of_loss(
    name: str, part: str, edit: Callable[[bytes], bytes | None], said_text: str, tmp_path: Path
) -> None:
    source = original(name)
    damaged = edited(source, tmp_path / name, part, edit)
    problems = integrity_problems(source, damaged)
    assert any(said_text in problem for problem in problems), problems
