"""Importing exports into a real sample workbook, end to end, on memory and xlsx."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from helpers_contacts import FIXTURES, TODAY, Counting, make_config, rows_of, same_cells
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from sheets_keepup.app.contacts import import_contacts
from sheets_keepup.app.sync import sync
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.errors import AccessError, ConfigError, DataError, ExitStatus
from sheets_keepup.core.importers import ImportedContact, ImportResult
from sheets_keepup.core.importing import find_sheet_duplicates, plan_import
from sheets_keepup.core.model import SheetData, Tab
from sheets_keepup.core.parse import read_contacts as read_contacts_sheet
from sheets_keepup.core.sample import CONTACT_HEADERS, sample_tabs
from sheets_keepup.core.settings import Config

Tabs = dict[str, list[list[Any]]]
Factory = Callable[[Tabs], Counting]

COL = {h: i for i, h in enumerate(CONTACT_HEADERS)}
LINKEDIN_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


@pytest.fixture(params=["memory", "xlsx"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Factory:
    def build(tabs: Tabs) -> Counting:
        if request.param == "memory":
            return Counting(MemoryBackend.from_rows(tabs))
        path = tmp_path / "contacts.xlsx"
        write_new_workbook(path, tabs, overwrite=True)
        return Counting(XlsxBackend(path))

    return build


def sample() -> Tabs:
    return sample_tabs(TODAY)


def linkedin(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "Connections.csv"
    path.write_text(LINKEDIN_HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def test_linkedin_rows_land_under_the_right_headers_in_one_write(make: Factory) -> None:
    backend = make(sample())
    before = rows_of(backend, "Contacts")
    backend.reads = 0
    summary = import_contacts(backend, FIXTURES / "linkedin_connections.csv", make_config())
    assert summary.written and len(backend.writes) == 1 and backend.reads == 1
    after = rows_of(backend, "Contacts")
    assert same_cells(before, after), "user cells changed"
    assert after[3 : len(before)] == before[3:]
    added = after[len(before) :]
    assert [r[COL["Name"]] for r in added] == [
        "Jane Doe",
        "Rahul Verma",
        "Анна Смирнова",
        "Tomás Núñez",
        "Li Wei",
    ]
    jane = added[0]
    connected = len(CONTACT_HEADERS)
    assert after[2] == [*CONTACT_HEADERS, "Connected"], "one column added, at the right"
    assert jane[COL["Email"]] == "jane.doe@example.com"
    assert jane[COL["Company/Role"]] == "Acme Widgets, Inc. / Head of Product"
    assert jane[COL["Last contact"]] is None, "a connection date is not a conversation"
    assert jane[connected] == dt.date(2024, 11, 12)
    assert all(len(r) <= connected + 1 for r in added), "no column beyond Connected"
    assert all(r[COL["Tier"]] in (None, "") for r in added if len(r) > COL["Tier"])
    li_wei = added[-1]
    assert len(li_wei) <= COL["Last contact"], "an unreadable Connected on writes no date"
    assert [c.value for c in summary.added_columns] == ["Connected"]
    assert [n.row for n in summary.new] == list(range(len(before) + 1, len(after) + 1))
    assert summary.skipped_fields == ["Profile URL"]


@pytest.mark.parametrize(
    "fixture",
    [
        "linkedin_connections.csv",
        "google_contacts.csv",
        "google_contacts_legacy.csv",
        "contacts_v3.vcf",
        "contacts_v4.vcf",
    ],
)
def test_second_import_of_the_same_file_adds_nothing(make: Factory, fixture: str) -> None:
    backend = make(sample())
    first = import_contacts(backend, FIXTURES / fixture, make_config())
    assert first.new and first.written
    after_first = rows_of(backend, "Contacts")
    writes = len(backend.writes)
    second = import_contacts(backend, FIXTURES / fixture, make_config())
    assert second.new == [] and not second.written
    assert len(second.matched) + len(second.ambiguous) >= len(first.new)
    assert len(backend.writes) == writes, "no write when nothing is new"
    assert rows_of(backend, "Contacts") == after_first


def test_matching_uses_email_then_profile_url_then_name(tmp_path: Path) -> None:
    tabs: Tabs = {
        "Contacts": [
            ["Name", "Email", "LinkedIn"],
            ["J. Doe", "JANE.DOE@example.com", ""],
            ["Rahul V.", "", "linkedin.com/in/Rahul-Verma-Fict"],
            ["Tomas Nunez", "", ""],
        ]
    }
    backend = MemoryBackend.from_rows(tabs)
    summary = import_contacts(backend, FIXTURES / "linkedin_connections.csv", make_config())
    keys = {m.imported.name: (m.key, m.existing.row) for m in summary.matched}
    assert keys == {
        "Jane Doe": ("email", 2),
        "Rahul Verma": ("profile_url", 3),
        "Tomás Núñez": ("name", 4),
    }
    added = rows_of(backend, "Contacts")[4:]
    assert [r[0] for r in added] == ["Анна Смирнова", "Li Wei"]
    assert added[0][2] == "https://www.linkedin.com/in/anna-smirnova-fict"
    assert summary.skipped_fields == ["Company", "Role"]
    assert backend.tabs["Contacts"][0] == ["Name", "Email", "LinkedIn", "Connected"]


def test_ambiguous_people_are_listed_and_not_added(make: Factory, tmp_path: Path) -> None:
    tabs = sample()
    tabs["Contacts"] += [["Sam Lee", "", "", "Acme"], ["Sam Lee", "", "", "Globex"]]
    backend = make(tabs)
    before = rows_of(backend, "Contacts")
    summary = import_contacts(
        backend, linkedin(tmp_path, "Sam,Lee,,,Initech,Engineer,1 Mar 2025"), make_config()
    )
    assert summary.new == [] and summary.matched == []
    [(person, candidates)] = summary.ambiguous
    assert person.name == "Sam Lee"
    assert [c.row for c in candidates] == [len(before) - 1, len(before)]
    assert backend.writes == []
    assert rows_of(backend, "Contacts") == before


def test_fill_empty_fills_only_empty_cells(make: Factory) -> None:
    tabs = sample()
    # Jane is already there with a typed company and no phone, notes or last contact.
    tabs["Contacts"].append(["Jane Doe", "jane.doe@example.com", None, "Typed by me"])
    backend = make(tabs)
    before = rows_of(backend, "Contacts")
    jane_row = len(before)
    plain = import_contacts(backend, FIXTURES / "google_contacts.csv", make_config())
    assert plain.fills == []
    assert rows_of(backend, "Contacts")[jane_row - 1] == before[-1]
    filled = import_contacts(
        backend, FIXTURES / "google_contacts.csv", make_config(), fill_empty=True
    )
    assert filled.new == [] and len(backend.writes) == 2
    jane = rows_of(backend, "Contacts")[jane_row - 1]
    assert jane[COL["Company/Role"]] == "Typed by me", "typed values are never overwritten"
    assert jane[COL["Phone"]] == "+1 555 0100"
    assert jane[COL["Notes"]].startswith("Met at the conference, Berlin.")
    assert {f.field for f in filled.fills} == {"phone", "notes"}
    assert all(f.row == jane_row for f in filled.fills)
    assert same_cells(before, rows_of(backend, "Contacts"))
    again = import_contacts(
        backend, FIXTURES / "google_contacts.csv", make_config(), fill_empty=True
    )
    assert again.fills == [] and not again.written


def test_fill_empty_replans_when_rows_move_before_the_write() -> None:
    tabs: Tabs = {"Contacts": [["Name", "Email", "Phone"], ["Jane Doe", "jane.doe@example.com"]]}
    backend = MemoryBackend.from_rows(tabs)
    moved: list[bool] = []

    def insert_a_row(target: object) -> None:
        if not moved:
            moved.append(True)
            assert isinstance(target, MemoryBackend)
            target.tabs["Contacts"].insert(1, ["Someone Else", "else@example.com"])

    backend.before_apply.append(insert_a_row)
    summary = import_contacts(backend, FIXTURES / "contacts_v3.vcf", make_config(), fill_empty=True)
    assert summary.attempts == 2
    rows = backend.tabs["Contacts"]
    assert rows[1][:2] == ["Someone Else", "else@example.com"]
    assert rows[2] == ["Jane Doe", "jane.doe@example.com", "+1 555 0100"]


def test_formula_looking_text_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "contacts.xlsx"
    write_new_workbook(path, sample())
    csv = linkedin(tmp_path, '=cmd,"|calc",,=1+1@example.com,"=HYPERLINK(""x"")",,1 Mar 2025')
    import_contacts(XlsxBackend(path), csv, make_config())
    sheet = load_workbook(path)["Contacts"]
    last = sheet.max_row
    name = sheet.cell(last, COL["Name"] + 1)
    company = sheet.cell(last, COL["Company/Role"] + 1)
    assert name.value == "=cmd |calc" and name.data_type == "s"
    assert company.value == '=HYPERLINK("x")' and company.data_type == "s"


def test_default_tier_and_layout_variants() -> None:
    tabs: Tabs = {
        "Contacts": [
            ["Notes about my list"],
            ["First name", "Surname", "Role", "Tier", "Mail"],
            ["Ada", "Lovelace", "Mathematician", "close", "ada@example.com"],
        ]
    }
    config = make_config(**{"import": {"default_tier": "core"}})
    backend = MemoryBackend.from_rows(tabs)
    summary = import_contacts(backend, FIXTURES / "linkedin_connections.csv", config)
    rows = backend.tabs["Contacts"]
    assert rows[0] == tabs["Contacts"][0] and rows[2] == tabs["Contacts"][2]
    assert rows[1] == [*tabs["Contacts"][1], "Connected"]
    assert rows[3] == [
        "Jane",
        "Doe",
        "Head of Product",
        "core",
        "jane.doe@example.com",
        dt.date(2024, 11, 12),
    ]
    assert rows[6][:2] == ["Tomás", "Núñez"]
    assert "Profile URL" in summary.skipped_fields
    assert "Company" in summary.skipped_fields


def test_people_nothing_in_the_sheet_would_recognise_are_left_out() -> None:
    backend = MemoryBackend.from_rows({"Contacts": [["Name", "Phone", "Company"]]})
    imported = ImportResult(
        [
            ImportedContact(name="", source="google", email="only@example.com", phone="+1"),
            ImportedContact(name="", source="google", phone="+2", company="Acme"),
            ImportedContact(name="Ann Lee", source="google", phone="+3"),
        ]
    )
    summary = plan_import(backend.read(["Contacts"]), imported, make_config())
    assert [p.phone for p in summary.unrecognisable] == ["+1", "+2"]
    assert [list(r) for r in summary.changes.appends] == [["Ann Lee", "+3"]]


def test_dry_run_writes_nothing(make: Factory) -> None:
    backend = make(sample())
    before = rows_of(backend, "Contacts")
    summary = import_contacts(
        backend, FIXTURES / "google_contacts.csv", make_config(), dry_run=True, fill_empty=True
    )
    assert summary.dry_run and not summary.written and summary.new
    assert backend.writes == []
    assert rows_of(backend, "Contacts") == before


def test_plan_import_builds_one_changeset_with_appends_and_cells() -> None:
    data = SheetData(
        {
            "Contacts": Tab(
                "Contacts",
                [["Name", "Email", "Phone"], ["Jane Doe", "jane.doe@example.com", None]],
            )
        }
    )
    imported = ImportResult(
        [
            ImportedContact(name="Jane Doe", source="vcard", phone="+1 555"),
            ImportedContact(name="Ann Lee", source="vcard", email="ann@example.com"),
        ]
    )
    summary = plan_import(data, imported, make_config(), fill_empty=True)
    changes = summary.changes
    assert changes.tab == "Contacts" and not changes.create_tab and not changes.replace
    assert [list(r) for r in changes.appends] == [["Ann Lee", "ann@example.com"]]
    assert [(c.row, c.col, c.value) for c in changes.cells] == [(1, 2, "+1 555")]
    assert changes.identity is not None
    assert dict(changes.identity.rows) == {1: ("Jane Doe", "jane.doe@example.com")}
    assert summary.new[0].row == 3


def test_unreadable_or_missing_files_are_user_errors(tmp_path: Path) -> None:
    backend = MemoryBackend.from_rows(sample())
    with pytest.raises(DataError, match="not a contacts export"):
        import_contacts(backend, FIXTURES / "not_contacts.csv", make_config())
    with pytest.raises(AccessError):
        import_contacts(backend, tmp_path / "nope.csv", make_config())
    with pytest.raises(DataError, match="No tab named 'People'"):
        import_contacts(
            backend, FIXTURES / "contacts_v3.vcf", make_config(tabs={"contacts": "People"})
        )
    assert backend.writes == 0


def test_find_sheet_duplicates_reports_rows(config: Config) -> None:
    tabs = sample()
    start = len(tabs["Contacts"])
    tabs["Contacts"] += [
        ["Another Amara", "AMARA.OKAFOR@example.com"],
        ["Chen Wei", "other@example.net", "", "Orbital Labs / PM"],
    ]
    data = MemoryBackend.from_rows(tabs).read(["Contacts"])
    groups = find_sheet_duplicates(data, config)
    assert [(g.reason, g.rows) for g in groups] == [
        ("email", [4, start + 1]),
        ("name_and_company", [6, start + 2]),
    ]


def test_imported_rows_are_planned_by_the_next_sync(make: Factory) -> None:
    backend = make(sample())
    sync(backend, make_config(), TODAY)
    synced = rows_of(backend, "Contacts")
    summary = import_contacts(backend, FIXTURES / "linkedin_connections.csv", make_config())
    assert len(backend.writes) == 2 and summary.written
    after = rows_of(backend, "Contacts")
    header = next(i for i, r in enumerate(synced) if r and r[0] == "Name")
    assert after[header] == [*synced[header], "Connected"]
    for before_row, after_row in zip(synced, after, strict=False):
        assert after_row[: len(before_row)] == before_row, "owned cells untouched"
    result = sync(backend, make_config(), TODAY)
    rows = result.plan.rows
    imported = rows[rows["name"].isin([n.person.name for n in summary.new])]
    assert len(imported) == len(summary.new)
    # Connected in 2020-2024, but never spoken to: not overdue, and not a flood of picks.
    assert not (imported["status"] == "overdue").any()
    assert imported["last_contact"].isna().all()
    assert int(imported["pick"].sum()) <= 1


def test_import_default_tier_must_name_a_tier() -> None:
    with pytest.raises(ConfigError, match=r"import\.default_tier"):
        make_config(**{"import": {"default_tier": "vip"}})
    example = Path(__file__).resolve().parents[2] / "config.example.yaml"
    assert "import:" in example.read_text()


# The command line


def _workbook(tmp_path: Path, tabs: Tabs | None = None) -> tuple[Path, Path]:
    book = tmp_path / "contacts.xlsx"
    write_new_workbook(book, tabs or sample())
    config = tmp_path / "sheets-keepup.yaml"
    config.write_text(
        yaml.safe_dump(
            {"source": {"kind": "xlsx", "path": str(book)}, "state_dir": str(tmp_path / "s")}
        )
    )
    return book, config


def test_cli_dry_run_lists_new_matched_and_ambiguous_and_keeps_the_file(tmp_path: Path) -> None:
    tabs = sample()
    tabs["Contacts"] += [
        ["Jane Doe", "jane.doe@example.com"],
        ["Tomás Núñez", "", "", "Globex"],
        ["Tomas Nunez", "", "", "Initech"],
    ]
    book, config = _workbook(tmp_path, tabs)
    before = book.read_bytes()
    result = CliRunner().invoke(
        main,
        ["import", str(FIXTURES / "linkedin_connections.csv"), "-c", str(config), "--dry-run"],
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert book.read_bytes() == before
    assert "Would add (3)" in out and "Анна Смирнова" in out and "Li Wei" in out
    assert "Already in the sheet (1)" in out and "email" in out
    assert "Could not tell who these are" in out
    last = len(tabs["Contacts"])
    assert f"could be row {last - 1} Tomás Núñez, row {last} Tomas Nunez" in out
    assert "no column for: Profile URL" in out
    assert "Nothing was written" in out


def test_cli_import_then_again(tmp_path: Path) -> None:
    book, config = _workbook(tmp_path)
    runner = CliRunner()
    vcf = str(FIXTURES / "contacts_v4.vcf")
    first = runner.invoke(main, ["import", vcf, "-c", str(config)])
    assert first.exit_code == 0, first.output
    assert "Wrote" in first.output and "in one write" in first.output
    before = book.read_bytes()
    second = runner.invoke(main, ["import", vcf, "-c", str(config)])
    assert second.exit_code == 0, second.output
    assert "Nothing to import" in second.output
    assert book.read_bytes() == before


def test_cli_import_errors_exit_with_their_status(tmp_path: Path) -> None:
    _book, config = _workbook(tmp_path)
    runner = CliRunner()
    bad = runner.invoke(main, ["import", str(FIXTURES / "not_contacts.csv"), "-c", str(config)])
    assert bad.exit_code == ExitStatus.DATA
    missing = runner.invoke(main, ["import", str(tmp_path / "none.csv"), "-c", str(config)])
    assert missing.exit_code == ExitStatus.ACCESS


def test_cli_duplicates(tmp_path: Path) -> None:
    tabs = sample()
    tabs["Contacts"].append(["Bruno C.", "bruno@example.org"])
    _book, config = _workbook(tmp_path, tabs)
    result = CliRunner().invoke(main, ["duplicates", "-c", str(config)])
    assert result.exit_code == 0, result.output
    row = len(tabs["Contacts"])
    assert (
        f"same email: row 5 Bruno Castillo <bruno@example.org>, row {row} Bruno C. "
        "<bruno@example.org>" in result.output
    )
    _book, clean = _workbook(tmp_path / "clean")
    result = CliRunner().invoke(main, ["duplicates", "-c", str(clean)])
    assert "no duplicate rows" in result.output


# Properties: whatever the sheet and the file hold


_WORDS = st.sampled_from(["Jane", "jane ", "Doe", "Ann", "Lee", "=x", "", "a@example.com"])
_CELLS = st.one_of(st.none(), _WORDS, st.dates(dt.date(2020, 1, 1), dt.date(2026, 1, 1)))
_HEADERS = st.permutations(["Name", "Email", "Phone", "Company", "Last contact", "Notes", "X"])


@st.composite
def people(draw: st.DrawFn) -> ImportedContact:
    return ImportedContact(
        name=draw(st.sampled_from(["Jane Doe", "jane  doe", "Ann Lee", "=cmd", ""])),
        email=draw(st.sampled_from(["", "a@example.com", "B@example.com"])),
        phone=draw(st.sampled_from(["", "+1 555"])),
        company=draw(st.sampled_from(["", "Acme"])),
        connected_on=draw(st.sampled_from([None, dt.date(2024, 1, 2)])),
        source="linkedin",
    )


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(
    headers=_HEADERS,
    body=st.lists(st.lists(_CELLS, min_size=7, max_size=7), max_size=6),
    imported=st.lists(people(), max_size=6),
    fill_empty=st.booleans(),
)
def test_an_import_only_appends_or_fills_blanks_and_settles(
    headers: list[str],
    body: list[list[Any]],
    imported: list[ImportedContact],
    fill_empty: bool,
) -> None:
    backend = MemoryBackend.from_rows({"Contacts": [headers, *body]})
    before = [list(r) for r in backend.tabs["Contacts"]]
    data = backend.read(["Contacts"])
    summary = plan_import(data, ImportResult(imported), make_config(), fill_empty=fill_empty)
    for cell in summary.changes.cells:
        value = before[cell.row][cell.col] if cell.col < len(before[cell.row]) else None
        assert value is None or (isinstance(value, str) and not value.strip())
    # Only the Connected column, when the import adds it, reaches past the user's columns.
    width = len(headers) + len(summary.added_columns)
    assert all(len(r) <= width for r in summary.changes.appends)
    if summary.changes:
        backend.apply(summary.changes)
    after = backend.tabs["Contacts"]
    assert same_cells(before, after)
    # Later imports add nobody; a fill may still come from a record that an earlier
    # import dropped as an in-file duplicate, and then nothing is left to do.
    for _ in range(2):
        again = plan_import(
            backend.read(["Contacts"]), ImportResult(imported), make_config(), fill_empty=fill_empty
        )
        assert again.new == []
        if again.changes:
            backend.apply(again.changes)
    assert not again.changes


# A connection date is not a conversation (issue 17, item 3)


def test_connection_dates_go_to_a_connected_column_never_last_contact(
    make: Factory, tmp_path: Path
) -> None:
    backend = make({"Contacts": [["Name", "Email", "Last contact", "Notes"]]})
    first = import_contacts(backend, FIXTURES / "linkedin_connections.csv", make_config())
    rows = rows_of(backend, "Contacts")
    assert rows[0] == ["Name", "Email", "Last contact", "Notes", "Connected"]
    assert [c.value for c in first.added_columns] == ["Connected"]
    jane = rows[1]
    assert jane[:3] == ["Jane Doe", "jane.doe@example.com", None]
    assert jane[4] == dt.date(2024, 11, 12)
    # The column is found again: a later import adds to it, never a second one.
    import_contacts(
        backend,
        linkedin(tmp_path, "Ada,Byron,,ada@example.com,,,10 Dec 2025"),
        make_config(),
    )
    rows = rows_of(backend, "Contacts")
    assert rows[0] == ["Name", "Email", "Last contact", "Notes", "Connected"]
    assert rows[-1] == ["Ada Byron", "ada@example.com", None, None, dt.date(2025, 12, 10)]


def test_an_existing_connected_on_column_gets_the_dates() -> None:
    backend = MemoryBackend.from_rows({"Contacts": [["Name", "Connected on", "Last spoke"]]})
    summary = import_contacts(backend, FIXTURES / "linkedin_connections.csv", make_config())
    assert summary.added_columns == []
    rows = backend.tabs["Contacts"]
    assert rows[0] == ["Name", "Connected on", "Last spoke"]
    assert rows[1] == ["Jane Doe", dt.date(2024, 11, 12)]


def test_no_column_is_added_when_no_one_has_a_connection_date() -> None:
    backend = MemoryBackend.from_rows({"Contacts": [["Name", "Email"]]})
    summary = import_contacts(backend, FIXTURES / "contacts_v3.vcf", make_config())
    assert summary.added_columns == [] and summary.new
    assert backend.tabs["Contacts"][0] == ["Name", "Email"]


# Company and Role side by side (issue 17, item 5)


def test_company_and_role_columns_are_both_recognised_and_filled(make: Factory) -> None:
    backend = make({"Contacts": [["Name", "Email", "Company", "Role", "Notes"]]})
    data = backend.read(["Contacts"])
    sheet = read_contacts_sheet(data.tabs["Contacts"], make_config(), None)
    assert sheet.header.fields["company"] == 2 and sheet.header.fields["role"] == 3
    assert sheet.problems == [], "no 'column D repeats column C' note"
    summary = import_contacts(backend, FIXTURES / "linkedin_connections.csv", make_config())
    assert "Role" not in summary.skipped_fields and "Company" not in summary.skipped_fields
    jane = rows_of(backend, "Contacts")[1]
    assert jane[2:4] == ["Acme Widgets, Inc.", "Head of Product"]


@pytest.mark.parametrize("role_header", ["Role", "Title", "Job title", "Position"])
def test_each_role_header_is_its_own_column(role_header: str) -> None:
    backend = MemoryBackend.from_rows({"Contacts": [["Name", "Organisation", role_header]]})
    import_contacts(backend, FIXTURES / "outlook_com_contacts.csv", make_config())
    assert backend.tabs["Contacts"][1] == ["Amit Sharma", "Adatum Corporation", "Product Manager"]


# Ordinary files end to end (issue 17, item 6)


@pytest.mark.parametrize(
    ("fixture", "names"),
    [
        ("plain_contacts.csv", ["Priya Natarajan", "Ola Nordmann"]),
        ("outlook_contacts.csv", ["Grace B. Hopper", "Kenji Watanabe", "Zoë Ødegaard Jr."]),
        ("linkedin_connections_semicolon.csv", ["Jane Doe", "Rahul Verma", "Tomás Núñez"]),
    ],
)
def test_ordinary_files_import_into_the_sample(
    make: Factory, fixture: str, names: list[str]
) -> None:
    backend = make(sample())
    before = rows_of(backend, "Contacts")
    summary = import_contacts(backend, FIXTURES / fixture, make_config())
    assert summary.written and [n.person.name for n in summary.new] == names
    added = rows_of(backend, "Contacts")[len(before) :]
    assert [r[COL["Name"]] for r in added] == names
    assert same_cells(before, rows_of(backend, "Contacts"))


def test_outlook_birthday_goes_to_the_birthday_column() -> None:
    backend = MemoryBackend.from_rows({"Contacts": [["Name", "Birthday", "Notes"]]})
    import_contacts(backend, FIXTURES / "outlook_contacts.csv", make_config())
    grace = backend.tabs["Contacts"][1]
    assert grace == ["Grace B. Hopper", "12/9/1986", "Met at Build.\nAsk about the compiler book."]
    no_column = MemoryBackend.from_rows({"Contacts": [["Name", "Notes"]]})
    import_contacts(no_column, FIXTURES / "outlook_com_contacts.csv", make_config())
    assert no_column.tabs["Contacts"][1] == ["Amit Sharma", "Intro via Priya\nBirthday: 1988-07-14"]


def test_cli_dry_run_json_is_one_object(tmp_path: Path) -> None:
    tabs = sample()
    tabs["Contacts"].append(["Jane Doe", "jane.doe@example.com"])
    book, config = _workbook(tmp_path, tabs)
    before = book.read_bytes()
    result = CliRunner().invoke(
        main,
        [
            "import",
            str(FIXTURES / "linkedin_connections.csv"),
            "-c",
            str(config),
            "--dry-run",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert book.read_bytes() == before
    report = json.loads(result.output)
    assert report["dry_run"] is True and report["written"] is False
    assert report["format"] == "linkedin"
    assert report["counts"] == {
        "read": 5,
        "new": 4,
        "matched": 1,
        "ambiguous": 0,
        "duplicates": 0,
        "unrecognisable": 0,
        "filled_cells": 0,
    }
    assert report["added_columns"] == ["Connected"]
    first = report["add"][0]
    last_row = len(tabs["Contacts"])
    assert first["name"] == "Rahul Verma" and first["row"] == last_row + 1
    assert first["cells"][f"A{last_row + 1}"] == "Rahul Verma"
    assert f"N{last_row + 1}" in first["cells"], "the connection date, in the new column"
    assert report["matched"] == [
        {
            "name": "Jane Doe",
            "email": "jane.doe@example.com",
            "company": "Acme Widgets, Inc.",
            "role": "Head of Product",
            "line": 5,
            "row": last_row,
            "by": "email",
        }
    ]
    assert any("line 9" in p and "Connected On" in p for p in report["problems"])
