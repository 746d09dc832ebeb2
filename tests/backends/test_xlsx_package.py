"""The xlsx backend writes only the parts it has a change in, and only the rows that
change; everything else in the package comes out byte for byte.

Workbooks are built here with openpyxl, then given by zip surgery the parts openpyxl
cannot write (a picture, a macro project, sparklines, a threaded comment, rich text, a
cached formula value), so each test sees what a workbook saved by Excel holds.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from sheets_keepup.backends.xlsx import XlsxBackend, read_tab_setup, write_new_workbook
from sheets_keepup.backends.xlsx.files import Seen, replace_atomically
from sheets_keepup.core.errors import AccessError, DataError, SheetChangedError
from sheets_keepup.core.model import (
    HIGHLIGHT_MARK,
    Area,
    CellWrite,
    ChangeSet,
    Highlight,
    RowFill,
    Rule,
    TabSetup,
)

Edit = bytes | Callable[[bytes], bytes] | None

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
SPARKLINES = (
    '<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:sparklineGroup><x14:colorSeries rgb="FF376092"/><x14:sparklines><x14:sparkline>'
    "<xm:f>Contacts!C2:C3</xm:f><xm:sqref>D1</xm:sqref></x14:sparkline></x14:sparklines>"
    "</x14:sparklineGroup></x14:sparklineGroups></ext></extLst>"
)
DRAWING = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><xdr:oneCellAnchor>'
    "<xdr:from><xdr:col>5</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row>"
    '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="9525" cy="9525"/><xdr:pic><xdr:nvPicPr>'
    '<xdr:cNvPr id="2" name="Picture 1"/><xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill>'
    f'<a:blip xmlns:r="{REL}" r:embed="rId1"/><a:stretch><a:fillRect/></a:stretch>'
    '</xdr:blipFill><xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr>'
    "</xdr:pic><xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>"
)
PERSONS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
    '<person displayName="Ada" id="{6A1E6B55-1111-4B3C-9C11-0D4E0F1C2A3B}" userId="ada" '
    'providerId="None"/></personList>'
)
THREAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/'
    'threadedcomments"><threadedComment ref="A2" dT="2026-01-01T10:00:00.00" '
    'personId="{6A1E6B55-1111-4B3C-9C11-0D4E0F1C2A3B}" '
    'id="{0B0B0B0B-2222-4B3C-9C11-0D4E0F1C2A3B}"><text>Met at PyCon</text></threadedComment>'
    "</ThreadedComments>"
)
RICH = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><r><rPr><b/></rPr><t>Rich</t></r>'
    '<r><t xml:space="preserve"> text</t></r></si></sst>'
)
OURS = (
    Rule(f'={HIGHLIGHT_MARK}($E2="overdue")', "#F4C7C3", True),
    Rule(f'={HIGHLIGHT_MARK}($E2="ok")', "#D9EAD3"),
)
HIGHLIGHT = Highlight((Area(1, 0, 5),), OURS)


# --- building workbooks ---------------------------------------------------------------


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rewrite(path: Path, edits: Mapping[str, Edit]) -> None:
    """Replace, add (a bytes value for a new name) or drop (None) parts of a package."""
    old = parts(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in old.items():
            edit = edits.get(name, data)
            if edit is None:
                continue
            archive.writestr(name, edit(data) if callable(edit) else edit)
        for name, data in edits.items():
            if name not in old and isinstance(data, bytes):
                archive.writestr(name, data)


def sub(old: str, new: str) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        text = data.decode()
        assert old in text, old
        return text.replace(old, new, 1).encode()

    return edit


def basic(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "Contacts"
    sheet.append(["Name", "Email", "Total", "Since"])
    sheet.append(["Ada", "ada@example.com", "=1+1", None])
    sheet.append(["Bob", "bob@example.com", 5, None])
    other = book.create_sheet("Other")
    other.append(["placeholder", 1])
    book.save(path)
    return path


def rich(path: Path) -> Path:
    """A workbook holding what openpyxl would lose, as Excel saves it."""
    basic(path)
    content_types = (
        '<Default Extension="png" ContentType="image/png"/>'
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
        '<Override PartName="/xl/drawings/drawing1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/xl/persons/person.xml" '
        'ContentType="application/vnd.ms-excel.person+xml"/>'
        '<Override PartName="/xl/threadedComments/threadedComment1.xml" '
        'ContentType="application/vnd.ms-excel.threadedcomments+xml"/>'
        '<Override PartName="/xl/calcChain.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>'
    )
    workbook_rels = (
        f'<Relationship Id="rId90" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        '<Relationship Id="rId91" Type="http://schemas.microsoft.com/office/2017/10/'
        'relationships/person" Target="persons/person.xml"/>'
        '<Relationship Id="rId92" Type="http://schemas.microsoft.com/office/2006/relationships/'
        'vbaProject" Target="vbaProject.bin"/>'
        f'<Relationship Id="rId93" Type="{REL}/calcChain" Target="calcChain.xml"/>'
        "</Relationships>"
    )
    sheet_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/drawing" Target="../drawings/drawing1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2017/10/'
        'relationships/threadedComment" Target="../threadedComments/threadedComment1.xml"/>'
        "</Relationships>"
    )
    drawing_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/image" Target="../media/image1.png"/>'
        "</Relationships>"
    )

    def contacts(data: bytes) -> bytes:
        text = data.decode()
        text = text.replace(
            f'<worksheet xmlns="{MAIN}">', f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
        )
        text = text.replace("<f>1+1</f><v></v>", "<f>1+1</f><v>2</v>")  # Excel's cached value
        text = text.replace("</worksheet>", f'<drawing r:id="rId1"/>{SPARKLINES}</worksheet>')
        return text.encode()

    rewrite(
        path,
        {
            "[Content_Types].xml": sub("</Types>", content_types),
            "xl/_rels/workbook.xml.rels": sub("</Relationships>", workbook_rels),
            "xl/worksheets/sheet1.xml": contacts,
            "xl/worksheets/sheet2.xml": sub(
                '<c r="A1" t="inlineStr"><is><t>placeholder</t></is></c>',
                '<c r="A1" t="s"><v>0</v></c>',
            ),
            "xl/worksheets/_rels/sheet1.xml.rels": sheet_rels.encode(),
            "xl/drawings/drawing1.xml": DRAWING.encode(),
            "xl/drawings/_rels/drawing1.xml.rels": drawing_rels.encode(),
            "xl/media/image1.png": PNG,
            "xl/sharedStrings.xml": RICH.encode(),
            "xl/persons/person.xml": PERSONS.encode(),
            "xl/threadedComments/threadedComment1.xml": THREAD.encode(),
            "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 not really a macro project",
            "xl/calcChain.xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<calcChain xmlns="{MAIN}"><c r="C2" i="1"/></calcChain>'
            ).encode(),
        },
    )
    return path


def values(path: Path, tab: str) -> list[list[object]]:
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(tab)
    return sheet.to_python(skip_empty_area=False)


def canonical(part: bytes, name: str) -> bytes:
    """An element of a part in canonical XML: equal when the XML means the same."""
    found = etree.fromstring(part).find(f"{{{MAIN}}}{name}")
    assert found is not None
    return etree.tostring(found, method="c14n")


def row_bytes(data: bytes, number: int) -> bytes:
    found = re.search(rb'<row r="%d"[^>]*>.*?</row>' % number, data, re.S)
    assert found is not None
    return found.group(0)


FIRST_WRITE = ChangeSet(
    tab="Contacts",
    cells=[
        CellWrite(0, 4, "Status"),
        CellWrite(1, 4, "overdue"),
        CellWrite(1, 5, dt.date(2026, 3, 1)),
    ],
    highlight=HIGHLIGHT,
    mark_columns=[4, 5],
    extra_tabs=[ChangeSet(tab="This week", create_tab=True, cells=[CellWrite(0, 0, "Picks")])],
)
OWNED_PARTS = {
    "xl/worksheets/sheet1.xml",
    "xl/styles.xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "[Content_Types].xml",
}


# --- round trip -------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_apply_copies_every_part_it_does_not_own_byte_for_byte(tmp_path: Path, suffix: str) -> None:
    path = rich(tmp_path / f"book{suffix}")
    before = parts(path)
    backend = XlsxBackend(path)
    data = backend.read(["Contacts"])
    assert data.tabs["Contacts"].value(1, 2) == 2  # the cached formula value
    backend.apply(FIRST_WRITE)
    after = parts(path)
    assert list(after)[: len(before)] == list(before)
    assert list(after)[len(before) :] == ["xl/worksheets/sheet3.xml"]
    for name, content in before.items():
        if name not in OWNED_PARTS:
            assert after[name] == content, name
    # The patched sheet keeps what openpyxl would drop, and its untouched rows as they were.
    sheet = after["xl/worksheets/sheet1.xml"]
    assert canonical(sheet, "extLst") == canonical(before["xl/worksheets/sheet1.xml"], "extLst")
    assert b'<drawing r:id="rId1"/>' in sheet
    assert row_bytes(sheet, 3) == row_bytes(before["xl/worksheets/sheet1.xml"], 3)
    assert b"<f>1+1</f><v>2</v>" in sheet
    assert b"sharedStrings" not in sheet
    read = values(path, "Contacts")
    assert read[1][:6] == ["Ada", "ada@example.com", 2.0, "", "overdue", dt.date(2026, 3, 1)]
    assert values(path, "This week") == [["Picks"]]
    assert values(path, "Other")[0][0] == "Rich text"


def test_apply_changes_nothing_when_a_lock_file_is_there(tmp_path: Path) -> None:
    path = rich(tmp_path / "book.xlsx")
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    (tmp_path / ".~lock.book.xlsx#").write_text("someone,host")
    before = path.read_bytes()
    with pytest.raises(AccessError, match="open in another program"):
        backend.apply(FIRST_WRITE)
    assert path.read_bytes() == before


def test_values_read_back_as_written(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    texts = ['=HYPERLINK("x")', "  spaced  ", "bell\x07", "_x0041_ literal", "Zoë 🚲"]
    written = [*texts, 0.30000000000000004, 9007199254740991, True, dt.date(2026, 2, 28)]
    backend.apply(
        ChangeSet(tab="Contacts", cells=[CellWrite(3, c, v) for c, v in enumerate(written)])
    )
    row = XlsxBackend(path).read(["Contacts"]).tabs["Contacts"].rows[3]
    assert list(row) == written
    sheet = parts(path)["xl/worksheets/sheet1.xml"]
    assert sheet.count(b"<f>") == 1  # text starting with "=" stays text


def test_none_clears_a_value_and_keeps_the_style(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    backend.apply(ChangeSet(tab="Contacts", fills=[RowFill(2, 0, 2, "#FFFF00")]))
    backend.read(["Contacts"])
    backend.apply(ChangeSet(tab="Contacts", cells=[CellWrite(2, 0, None)]))
    tab = XlsxBackend(path).read(["Contacts"]).tabs["Contacts"]
    assert tab.value(2, 0) is None and tab.value(2, 1) == "bob@example.com"
    assert tab.background(2, 0) == "#FFFF00"


def test_fills_set_clear_and_reuse_styles(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    backend.apply(ChangeSet(tab="Contacts", fills=[RowFill(1, 0, 6, "#F4C7C3")]))
    styles = parts(path)["xl/styles.xml"]
    backend.read(["Contacts"])
    backend.apply(ChangeSet(tab="Contacts", fills=[RowFill(2, 0, 6, "#F4C7C3")]))
    assert parts(path)["xl/styles.xml"] == styles  # the same fill and format, reused
    tab = backend.read(["Contacts"]).tabs["Contacts"]
    assert [tab.background(r, c) for r in (1, 2) for c in (0, 5)] == ["#F4C7C3"] * 4
    assert tab.background(3, 0) is None
    backend.apply(ChangeSet(tab="Contacts", fills=[RowFill(1, 0, 6, None)]))
    tab = backend.read(["Contacts"]).tabs["Contacts"]
    assert tab.background(1, 0) is None and tab.background(2, 0) == "#F4C7C3"


def test_overwriting_a_formula_drops_its_calc_chain_entry(tmp_path: Path) -> None:
    path = rich(tmp_path / "book.xlsx")
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    backend.apply(ChangeSet(tab="Contacts", cells=[CellWrite(1, 2, "typed over")]))
    after = parts(path)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["[Content_Types].xml"]
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    assert b"<f>" not in after["xl/worksheets/sheet1.xml"]


# --- conditional formats ----------------------------------------------------------------


def with_user_rule(path: Path) -> Path:
    basic(path)
    rule = (
        '<conditionalFormatting sqref="A2:A9"><cfRule type="containsBlanks" dxfId="0" '
        'priority="1"><formula>LEN(TRIM(A2))=0</formula></cfRule></conditionalFormatting>'
        "<pageMargins"
    )
    rewrite(path, {"xl/worksheets/sheet1.xml": sub("<pageMargins", rule)})
    return path


def test_highlight_is_written_read_back_replaced_and_removed(tmp_path: Path) -> None:
    path = with_user_rule(tmp_path / "book.xlsx")
    backend = XlsxBackend(path)
    assert backend.read(["Contacts"]).tabs["Contacts"].highlight is None
    backend.apply(ChangeSet(tab="Contacts", highlight=HIGHLIGHT))
    assert backend.read(["Contacts"]).tabs["Contacts"].highlight == HIGHLIGHT
    sheet = parts(path)["xl/worksheets/sheet1.xml"]
    assert b'N("keepup")+($E2="overdue")</formula>' in sheet  # no leading "="
    assert re.findall(rb'priority="(\d+)"', sheet) == [b"1", b"2", b"3"]  # the user's first

    other = Highlight((Area(1, 0, 7, 500),), (Rule(f'={HIGHLIGHT_MARK}($G2="x")', "#CFE2F3"),))
    backend.apply(ChangeSet(tab="Contacts", highlight=other))
    assert backend.read(["Contacts"]).tabs["Contacts"].highlight == other
    assert b"overdue" not in parts(path)["xl/worksheets/sheet1.xml"]

    backend.apply(ChangeSet(tab="Contacts", highlight=Highlight()))
    assert backend.read(["Contacts"]).tabs["Contacts"].highlight is None
    sheet = parts(path)["xl/worksheets/sheet1.xml"]
    assert sheet.count(b"<conditionalFormatting") == 1 and b"containsBlanks" in sheet


def test_rules_moved_apart_read_as_no_areas(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    backend.apply(ChangeSet(tab="Contacts", highlight=HIGHLIGHT))
    rewrite(
        path,
        {
            "xl/worksheets/sheet1.xml": sub(
                '<cfRule type="expression" dxfId="1"',
                '</conditionalFormatting><conditionalFormatting sqref="B2:B9">'
                '<cfRule type="expression" dxfId="1"',
            )
        },
    )
    read = XlsxBackend(path).read(["Contacts"]).tabs["Contacts"].highlight
    assert read == Highlight((), OURS)


# --- marks --------------------------------------------------------------------------------


def test_marks_are_written_extended_and_kept(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    backend.apply(FIRST_WRITE)
    data = backend.read(["Contacts", "This week"])
    assert data.tabs["Contacts"].owned_columns == {4, 5}
    assert data.owned_tabs == {"This week"}
    assert list(data.titles) == ["Contacts", "Other", "This week"]
    backend.apply(ChangeSet(tab="Contacts", cells=[CellWrite(2, 4, "ok")], mark_columns=[7]))
    data = backend.read(["Contacts"])
    assert data.tabs["Contacts"].owned_columns == {4, 5, 7}
    assert data.owned_tabs == {"This week"}
    workbook = parts(path)["xl/workbook.xml"].decode()
    assert "Contacts!$E:$F,Contacts!$H:$H</definedName>" in workbook
    assert "'This week'!$A:$XFD</definedName>" in workbook


def test_marks_follow_columns_the_user_inserted(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    names = (
        '<definedNames><definedName name="keepup.owned" localSheetId="0" hidden="1">'
        "Contacts!$R:$R,Contacts!$T:$U</definedName>"
        '<definedName name="keepup.owned" localSheetId="1" hidden="1">Other!$1:$1048576'
        "</definedName></definedNames>"
    )
    rewrite(path, {"xl/workbook.xml": sub("<definedNames/>", names)})
    data = XlsxBackend(path).read(["Contacts"])
    assert data.tabs["Contacts"].owned_columns == {17, 19, 20}
    assert data.owned_tabs == {"Other"}


def test_write_new_workbook_marks_the_tabs_it_is_told(tmp_path: Path) -> None:
    path = tmp_path / "new.xlsx"
    write_new_workbook(
        path, {"Contacts": [["Name"]], "This week": [["x"]]}, owned_tabs=["This week"]
    )
    assert XlsxBackend(path).read([]).owned_tabs == {"This week"}


# --- refusals -----------------------------------------------------------------------------


def refused(path: Path, changes: ChangeSet, error: type[Exception], match: str) -> None:
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    before = path.read_bytes()
    with pytest.raises(error, match=match):
        backend.apply(changes)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_a_write_past_the_last_column_or_row_is_refused(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    refused(path, ChangeSet(tab="Contacts", cells=[CellWrite(1, 16384, "x")]), DataError, "XFE2")
    refused(
        path, ChangeSet(tab="Contacts", cells=[CellWrite(1_048_576, 0, "x")]), DataError, "A1048577"
    )


def test_a_write_inside_merged_cells_is_refused(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    merge = '<mergeCells count="1"><mergeCell ref="A3:D3"/></mergeCells><pageMargins'
    rewrite(path, {"xl/worksheets/sheet1.xml": sub("<pageMargins", merge)})
    refused(
        path, ChangeSet(tab="Contacts", cells=[CellWrite(2, 2, "x")]), DataError, "Unmerge A3:D3"
    )
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    backend.apply(ChangeSet(tab="Contacts", cells=[CellWrite(2, 0, "top-left is fine")]))
    assert backend.read(["Contacts"]).tabs["Contacts"].value(2, 0) == "top-left is fine"


def test_a_tab_differing_only_in_case_is_refused(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    changes = ChangeSet(tab="contacts", create_tab=True, cells=[CellWrite(0, 0, "x")])
    refused(path, changes, DataError, "differ only in case")


def test_a_missing_tab_is_a_moved_sheet(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    refused(path, ChangeSet(tab="Log", cells=[CellWrite(0, 0, "x")]), SheetChangedError, "Log")


# --- the file ---------------------------------------------------------------------------


def test_a_save_between_read_and_write_is_left_alone(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    rewrite(path, {"xl/worksheets/sheet1.xml": sub("<v>5</v>", "<v>6</v>")})
    theirs = path.read_bytes()
    with pytest.raises(SheetChangedError):
        backend.apply(ChangeSet(tab="Contacts", cells=[CellWrite(1, 4, "x")]))
    assert path.read_bytes() == theirs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_a_symlink_stays_a_symlink(tmp_path: Path) -> None:
    real = basic(tmp_path / "real.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    backend = XlsxBackend(link)
    backend.read(["Contacts"])
    backend.apply(ChangeSet(tab="Contacts", cells=[CellWrite(1, 4, "x")]))
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert XlsxBackend(real).read(["Contacts"]).tabs["Contacts"].value(1, 4) == "x"


def test_stale_temporary_files_are_removed_and_the_mode_kept(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    path.chmod(0o640)
    stale = tmp_path / ".book.xlsx.k1ll3d.tmp"
    stale.write_bytes(b"half a zip")
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    backend.apply(ChangeSet(tab="Contacts", cells=[CellWrite(1, 4, "x")]))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_full_disk_leaves_the_workbook_unchanged(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    before = path.read_bytes()

    def write(out: object) -> None:
        assert hasattr(out, "write")
        out.write(b"PK\x03\x04 half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(AccessError, match=r"No space left.*unchanged"):
        replace_atomically(path, Seen.load(path), write)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


# --- sheets as other programs write them -----------------------------------------------


def test_formatted_empty_rows_are_kept_and_appends_go_below_the_values(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    empty = "".join(
        f'<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/></row>' for r in range(4, 20_004)
    )
    rewrite(path, {"xl/worksheets/sheet1.xml": sub("</sheetData>", empty + "</sheetData>")})
    backend = XlsxBackend(path)
    rows = backend.read(["Contacts"]).tabs["Contacts"].rows
    assert len(rows) == 3
    backend.apply(ChangeSet(tab="Contacts", appends=[["Cy", "cy@example.com"]]))
    rows = XlsxBackend(path).read(["Contacts"]).tabs["Contacts"].rows
    assert list(rows[3]) == ["Cy", "cy@example.com"] and len(rows) == 4
    sheet = parts(path)["xl/worksheets/sheet1.xml"]
    assert sheet.count(b"<row ") == 20_003
    assert b'<row r="20003" s="1" customFormat="1"><c r="A20003" s="1"/></row>' in sheet


def test_a_prefixed_main_namespace_is_patched(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")

    def prefixed(data: bytes) -> bytes:
        text = re.sub(r"<(/?)([A-Za-z]+)([ >/])", r"<\1x:\2\3", data.decode())
        return text.replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"').encode()

    rewrite(path, {"xl/worksheets/sheet1.xml": prefixed})
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    backend.apply(ChangeSet(tab="Contacts", cells=[CellWrite(1, 4, "x")], highlight=HIGHLIGHT))
    sheet = parts(path)["xl/worksheets/sheet1.xml"]
    assert b'<x:c r="E2" t="inlineStr">' in sheet and b"<row" not in sheet
    data = XlsxBackend(path).read(["Contacts"]).tabs["Contacts"]
    assert data.value(1, 4) == "x" and data.highlight == HIGHLIGHT


def test_user_columns_keep_their_attributes_when_one_is_set_up(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    cols = '<cols><col min="1" max="5" width="20" customWidth="1" hidden="1"/></cols><sheetData>'
    rewrite(path, {"xl/worksheets/sheet1.xml": sub("<sheetData>", cols)})
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    backend.apply(ChangeSet(tab="Contacts", setup=TabSetup(widths={2: 70}, frozen_rows=1)))
    sheet = parts(path)["xl/worksheets/sheet1.xml"].decode()
    assert '<col min="1" max="2" width="20" customWidth="1" hidden="1"/>' in sheet
    assert '<col min="3" max="3" width="10.0" customWidth="1" hidden="1"/>' in sheet
    assert '<col min="4" max="5" width="20" customWidth="1" hidden="1"/>' in sheet
    assert 'ySplit="1"' in sheet and sheet.index("<cols>") < sheet.index("<sheetData>")


def test_non_finite_numbers_read_as_text(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    rewrite(path, {"xl/worksheets/sheet1.xml": sub("<v>5</v>", "<v>INF</v>")})
    assert XlsxBackend(path).read(["Contacts"]).tabs["Contacts"].value(2, 2) == "inf"


def test_a_tool_tab_is_regenerated_bold_and_wrapped(tmp_path: Path) -> None:
    path = basic(tmp_path / "book.xlsx")
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    first = ChangeSet(
        tab="This week",
        create_tab=True,
        replace=True,
        cells=[CellWrite(0, 0, "Who"), CellWrite(0, 1, "Why"), CellWrite(1, 1, "long " * 40)],
        setup=TabSetup(bold_rows=1, wrap_columns=(1,), frozen_rows=1),
    )
    backend.apply(first)
    found = read_tab_setup(path, "This week")
    assert (found.bold_rows, list(found.wrap_columns), found.frozen_rows) == (1, [1], 1)
    backend.read(["This week"])
    backend.apply(
        ChangeSet(tab="This week", create_tab=True, replace=True, cells=[CellWrite(0, 0, "New")])
    )
    data = XlsxBackend(path).read(["Contacts", "This week"])
    assert [list(r) for r in data.tabs["This week"].rows] == [["New"]]
    assert data.owned_tabs == {"This week"} and list(data.titles) == [
        "Contacts",
        "Other",
        "This week",
    ]
    assert data.tabs["Contacts"].value(2, 2) == 5
