"""Tests for matching imported people against sheet rows, filling blanks and duplicates."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from sheets_keepup.app.import_files import read_contacts
from sheets_keepup.core.importers import (
    ExistingContact,
    ImportedContact,
    ImportPlan,
    fill_empty_cells,
    find_duplicates,
    match_contacts,
)

FIXTURES = Path(__file__).parent / "fixtures"


def person(
    name: str = "",
    email: str = "",
    profile_url: str = "",
    *,
    phone: str = "",
    company: str = "",
    role: str = "",
    connected_on: datetime.date | None = None,
    source_line: int = 0,
) -> ImportedContact:
    return ImportedContact(
        name=name,
        email=email,
        profile_url=profile_url,
        phone=phone,
        company=company,
        role=role,
        connected_on=connected_on,
        source="linkedin",
        source_line=source_line,
    )


def row(
    number: int, name: str = "", email: str = "", url: str = "", company: str = ""
) -> ExistingContact:
    return ExistingContact(row=number, name=name, email=email, profile_url=url, company=company)


SHEET = [
    row(2, "Jane Doe", "jane.doe@example.com", "https://linkedin.com/in/jane-doe-fict", "Acme"),
    row(3, "Rahul Verma", "", "https://www.linkedin.com/in/rahul-verma-fict/", "Northwind"),
    row(4, "Tomás Núñez", "", "", "Globex"),
]


# --- single-key matches ---------------------------------------------------------------


def test_match_by_email_ignores_case_and_spaces() -> None:
    plan = match_contacts([person("J. Doe", " JANE.DOE@Example.com ")], SHEET)
    assert [(m.existing.row, m.key) for m in plan.matched] == [(2, "email")]
    assert plan.new == [] and plan.ambiguous == []


def test_match_by_profile_url_when_email_absent() -> None:
    imported = person("R. V.", profile_url="http://uk.linkedin.com/in/Rahul-Verma-Fict?trk=x")
    plan = match_contacts([imported], SHEET)
    assert [(m.existing.row, m.key) for m in plan.matched] == [(3, "profile_url")]


@pytest.mark.parametrize("name", ["Tomas Nunez", "Núñez, Tomás", "Dr. Tomás  Núñez Jr."])
def test_match_by_normalised_name(name: str) -> None:
    plan = match_contacts([person(name)], SHEET)
    assert [(m.existing.row, m.key) for m in plan.matched] == [(4, "name")]


def test_match_result_unpacks_as_triple() -> None:
    plan = match_contacts([person("Jane Doe", "jane.doe@example.com")], SHEET)
    imported, existing, key = plan.matched[0]
    assert (imported.name, existing.row, key) == ("Jane Doe", 2, "email")


# --- precedence and ambiguity ---------------------------------------------------------


def test_email_beats_profile_url_and_name() -> None:
    sheet = [row(2, "Someone Else", "x@example.com"), row(3, "Jane Doe", url="linkedin.com/in/jd")]
    plan = match_contacts([person("Jane Doe", "X@example.com", "linkedin.com/in/jd")], sheet)
    assert [(m.existing.row, m.key) for m in plan.matched] == [(2, "email")]


def test_unmatched_email_falls_through_to_name() -> None:
    plan = match_contacts([person("Jane Doe", "other@example.com")], SHEET)
    assert [(m.existing.row, m.key) for m in plan.matched] == [(2, "name")]


def test_two_rows_with_same_name_are_ambiguous() -> None:
    sheet = [row(5, "Li Wei", company="Initech"), row(9, "Wei, Li", company="Hooli")]
    plan = match_contacts([person("Li Wei")], sheet)
    assert plan.matched == [] and plan.new == []
    [(imported, candidates)] = plan.ambiguous
    assert imported.name == "Li Wei"
    assert [c.row for c in candidates] == [5, 9]


def test_ambiguity_at_first_key_is_not_resolved_by_weaker_keys() -> None:
    # Two rows share the email; the name would single out row 7, but email decides first.
    sheet = [row(3, "Team Inbox", "team@example.com"), row(7, "Jane Doe", "team@example.com")]
    plan = match_contacts([person("Jane Doe", "team@example.com")], sheet)
    assert [[c.row for c in a.candidates] for a in plan.ambiguous] == [[3, 7]]
    assert plan.matched == []


def test_unknown_person_is_new() -> None:
    plan = match_contacts([person("Mei Tanaka", "mei@example.com")], SHEET)
    assert [p.name for p in plan.new] == ["Mei Tanaka"]
    assert plan.matched == [] and plan.ambiguous == []


def test_blank_keys_never_match_blank_cells() -> None:
    sheet = [row(2, "", "", ""), row(3, "Dr.", "", "")]
    plan = match_contacts([person("", "", "", phone="+1 555 0100"), person("Prof.")], sheet)
    assert len(plan.new) == 2
    assert plan.matched == [] and plan.ambiguous == []


def test_invalid_email_is_not_a_key() -> None:
    sheet = [row(2, "A Person", "n/a"), row(3, "B Person", "n/a")]
    plan = match_contacts([person("C Person", "N/A")], sheet)
    assert [p.name for p in plan.new] == ["C Person"]


# --- duplicates inside one import -----------------------------------------------------


def test_same_new_email_twice_is_added_once() -> None:
    first = person("Mei Tanaka", "mei@example.com", source_line=2)
    again = person("M. Tanaka", " MEI@example.com", source_line=9)
    plan = match_contacts([first, again], SHEET)
    assert plan.new == [first]
    assert [(d.dropped, d.kept) for d in plan.duplicates] == [(again, first)]


def test_same_new_profile_url_twice_is_added_once() -> None:
    first = person("Mei Tanaka", profile_url="linkedin.com/in/mei")
    again = person("Mei T", "mei@example.com", "https://www.linkedin.com/in/mei/")
    plan = match_contacts([first, again], SHEET)
    assert plan.new == [first]
    assert len(plan.duplicates) == 1


def test_same_name_without_email_is_not_merged() -> None:
    # Two "Sam Lee"s with nothing else in common may well be two people.
    plan = match_contacts([person("Sam Lee"), person("Sam Lee")], SHEET)
    assert len(plan.new) == 2


def test_every_person_lands_in_exactly_one_bucket() -> None:
    imported = [
        person("Jane Doe", "jane.doe@example.com"),
        person("New One", "new@example.com"),
        person("New One again", "NEW@example.com"),
        person("Li Wei"),
    ]
    sheet = [*SHEET, row(5, "Li Wei"), row(6, "Li Wei")]
    plan = match_contacts(imported, sheet)
    placed = (
        [m.imported for m in plan.matched]
        + [a.imported for a in plan.ambiguous]
        + plan.new
        + [d.dropped for d in plan.duplicates]
    )
    assert sorted(placed, key=imported.index) == imported


# --- re-importing ---------------------------------------------------------------------


def sheet_from(plan: ImportPlan, first_row: int = 2) -> list[ExistingContact]:
    return [
        ExistingContact(first_row + i, c.name, c.email, c.profile_url, c.company)
        for i, c in enumerate(plan.new)
    ]


@pytest.mark.parametrize(
    "name",
    [
        "linkedin_connections.csv",
        "linkedin_profile_url_bom_crlf.csv",
        "google_contacts.csv",
        "google_contacts_legacy.csv",
        "google_contacts_utf16.csv",
        "google_contacts_missing_columns.csv",
        "contacts_v3.vcf",
        "contacts_v4.vcf",
        "contacts_malformed.vcf",
    ],
)
def test_importing_same_file_twice_adds_nobody_the_second_time(name: str) -> None:
    imported = read_contacts(FIXTURES / name).contacts
    first = match_contacts(imported, [])
    assert len(first.new) == len(imported)
    second = match_contacts(imported, sheet_from(first))
    assert second.new == []
    assert len(second.matched) == len(imported)


def test_linkedin_then_google_matches_the_shared_person() -> None:
    linkedin = read_contacts(FIXTURES / "linkedin_connections.csv").contacts
    google = read_contacts(FIXTURES / "google_contacts.csv").contacts
    plan = match_contacts(google, sheet_from(match_contacts(linkedin, [])))
    assert [(m.imported.name, m.existing.name, m.key) for m in plan.matched] == [
        ("Jane Q. Doe", "Jane Doe", "email")
    ]


# --- fill_empty_cells -----------------------------------------------------------------


def test_fill_only_blank_cells_with_non_blank_values() -> None:
    imported = person(
        "Jane Doe",
        "jane.doe@example.com",
        "https://linkedin.com/in/jane-doe-fict",
        phone="+1 555 0100",
        company="Acme Widgets",
        role="",
        connected_on=datetime.date(2024, 11, 12),
    )
    existing = row(2, "Jane Doe", "jane.doe@example.com")
    values: dict[int, dict[str, object]] = {
        2: {
            "name": "Jane Doe",
            "email": "jane.doe@example.com",
            "phone": "  ",
            "company": "Acme (typed by hand)",
            "role": "",
            "profile_url": None,
            "connected_on": "",
        }
    }
    writes = fill_empty_cells([(imported, existing, "email")], values)
    assert writes == [
        (2, "phone", "+1 555 0100"),
        (2, "profile_url", "https://linkedin.com/in/jane-doe-fict"),
        (2, "connected_on", "2024-11-12"),
    ]


def test_fill_skips_columns_the_sheet_lacks_and_unknown_rows() -> None:
    imported = person("Jane Doe", "jane@example.com", phone="+1 555 0100")
    writes = fill_empty_cells(
        [(imported, row(2, "Jane Doe"), "name"), (imported, row(3, "Jane Doe"), "name")],
        {2: {"email": ""}},
    )
    assert writes == [(2, "email", "jane@example.com")]


def test_fill_never_overwrites_non_string_values() -> None:
    imported = person("Jane Doe", connected_on=datetime.date(2024, 1, 1))
    writes = fill_empty_cells(
        [(imported, row(2, "Jane Doe"), "name")],
        {2: {"connected_on": datetime.date(2020, 5, 5), "name": 0}},
    )
    assert writes == []


def test_fill_first_import_wins_when_two_match_one_row() -> None:
    a = person("Jane Doe", phone="+1 555 0100")
    b = person("Jane Doe", phone="+1 555 0199")
    writes = fill_empty_cells(
        [(a, row(2, "Jane Doe"), "name"), (b, row(2, "Jane Doe"), "name")], {2: {"phone": ""}}
    )
    assert writes == [(2, "phone", "+1 555 0100")]


def test_fill_accepts_plan_matches_directly() -> None:
    plan = match_contacts([person("Jane Doe", "jane.doe@example.com", phone="555")], SHEET)
    assert fill_empty_cells(plan.matched, {2: {"phone": ""}}) == [(2, "phone", "555")]


# --- find_duplicates ------------------------------------------------------------------


def test_duplicates_by_email_and_by_name_and_company() -> None:
    sheet = [
        row(2, "Jane Doe", "jane@example.com", company="Acme"),
        row(3, "J. Doe", "JANE@example.com ", company="Other"),
        row(4, "Li Wei", company="Initech Ltd."),
        row(5, "Wei, Li", company="initech  ltd"),
        row(6, "Li Wei", company="Hooli"),
        row(7, "Unrelated Person", "u@example.com"),
    ]
    groups = find_duplicates(sheet)
    assert [(g.reason, g.rows) for g in groups] == [
        ("email", [2, 3]),
        ("name_and_company", [4, 5]),
    ]
    assert groups[0].key == "jane@example.com"


def test_same_name_with_blank_companies_is_flagged() -> None:
    groups = find_duplicates([row(2, "Sam Lee"), row(8, "sam lee")])
    assert [(g.reason, g.rows) for g in groups] == [("name_and_company", [2, 8])]


def test_group_found_by_both_rules_is_listed_once() -> None:
    sheet = [
        row(2, "Jane Doe", "jane@example.com", company="Acme"),
        row(3, "Jane Doe", "jane@example.com", company="Acme"),
    ]
    assert [(g.reason, g.rows) for g in find_duplicates(sheet)] == [("email", [2, 3])]


def test_no_duplicates_and_blank_names_ignored() -> None:
    sheet = [
        row(2, ""),
        row(3, ""),
        row(4, "Jane Doe", "a@example.com"),
        row(5, "John Doe", "b@example.com"),
    ]
    assert find_duplicates(sheet) == []
