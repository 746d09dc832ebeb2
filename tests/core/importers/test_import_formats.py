"""Ordinary files: generic contact tables, Outlook exports, any separator, a BOM."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from sheets_keepup.app.import_files import detect_format, read_contacts
from sheets_keepup.core.importers import parse_export
from sheets_keepup.core.importers.detect import find_csv_header

FIXTURES = Path(__file__).parent / "fixtures"


def test_plain_name_email_company_csv() -> None:
    result = read_contacts(FIXTURES / "plain_contacts.csv")
    assert [(c.name, c.email, c.company, c.source) for c in result.contacts] == [
        ("Priya Natarajan", "priya@example.in", "Adatum", "csv"),
        ("Ola Nordmann", "ola@example.no", "", "csv"),
    ]
    assert result.problems == ["line 4: skipped: no name, email, phone or profile URL"]


@pytest.mark.parametrize(
    ("header", "row"),
    [
        (
            "Name,Email,Company,Role,Phone,Notes,Birthday",
            "Ann Lee,ann@x.org,Acme,CTO,+1 5,hi,03-02",
        ),
        (
            "Full name,E-mail,Organisation,Job title,Mobile,Note,Date of birth",
            "Ann Lee,ann@x.org,Acme,CTO,+1 5,hi,03-02",
        ),
        (
            "First name,Last name,Email address,Organization,Title,Telephone,Comments,DOB",
            "Ann,Lee,ann@x.org,Acme,CTO,+1 5,hi,03-02",
        ),
        (
            "FIRST NAME , last_name,e-mail address,Company,Position,phone number,NOTES,birthday",
            "Ann,Lee,ann@x.org,Acme,CTO,+1 5,hi,03-02",
        ),
    ],
    ids=["plain", "aliases", "first-last", "case-and-punctuation"],
)
def test_header_aliases(header: str, row: str) -> None:
    [ann] = parse_export(f"{header}\n{row}\n", "people.csv").contacts
    assert (ann.name, ann.email, ann.company, ann.role) == ("Ann Lee", "ann@x.org", "Acme", "CTO")
    assert (ann.phone, ann.notes, ann.birthday) == ("+1 5", "hi", "03-02")


@pytest.mark.parametrize("separator", [",", ";", "\t", "|"])
def test_any_separator(separator: str) -> None:
    lines = [["Name", "Email", "Company"], ["Doe, Jane", "jane@x.org", "Acme; Sons | Co"]]
    quoted = [[f'"{cell}"' if separator in cell else cell for cell in line] for line in lines]
    text = "".join(separator.join(line) + "\r\n" for line in quoted)
    found = find_csv_header(text)
    assert found is not None and (found.format, found.delimiter) == ("csv", separator)
    [jane] = parse_export(text, "people.csv").contacts
    assert (jane.name, jane.company) == ("Doe, Jane", "Acme; Sons | Co")


def test_utf8_bom_csv(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes("Name;Email\r\nZoë Ødegaard;zoe@example.no\r\n".encode("utf-8-sig"))
    [zoe] = read_contacts(path).contacts
    assert (zoe.name, zoe.email) == ("Zoë Ødegaard", "zoe@example.no")
    # Text that still carries the mark (decoded elsewhere) reads the same.
    text = "\ufeffName,Email\nZoë Ødegaard,zoe@example.no\n"
    assert parse_export(text, "people.csv").contacts[0].name == "Zoë Ødegaard"


def test_outlook_classic_export() -> None:
    """Outlook's export as it writes it: every field quoted, Windows code page, CRLF."""
    assert detect_format(FIXTURES / "outlook_contacts.csv") == "outlook"
    result = read_contacts(FIXTURES / "outlook_contacts.csv")
    grace, kenji, zoe = result.contacts
    assert grace.name == "Grace B. Hopper", "the courtesy title is not part of the name"
    assert (grace.company, grace.role) == ("Fabrikam, Inc.", "Principal Engineer")
    assert grace.email == "grace.hopper@fabrikam.example"
    assert grace.phone == "+1 425 555 0199", "the mobile number first"
    assert grace.birthday == "12/9/1986"
    assert grace.notes == "Met at Build.\nAsk about the compiler book."
    assert grace.profile_url == "https://www.linkedin.com/in/grace-hopper-fict"
    assert kenji.email == "kenji.w@contoso.example", "an Exchange path is not an address"
    assert kenji.birthday == "", "0/0/00 is Outlook's empty date"
    assert (zoe.name, zoe.phone) == ("Zoë Ødegaard Jr.", "+47 22 55 55 55")
    assert result.problems == ["line 6: skipped: no name, email, phone or profile URL"]


def test_outlook_com_layout() -> None:
    """The column order of Microsoft's sample CSV for Outlook (First Name first)."""
    assert detect_format(FIXTURES / "outlook_com_contacts.csv") == "outlook"
    amit, lucia = read_contacts(FIXTURES / "outlook_com_contacts.csv").contacts
    assert (amit.name, amit.email, amit.phone) == (
        "Amit Sharma",
        "amit.sharma@adatum.example",
        "+91 98765 43210",
    )
    assert (amit.company, amit.role, amit.birthday) == (
        "Adatum Corporation",
        "Product Manager",
        "1988-07-14",
    )
    assert amit.notes == "Intro via Priya"
    assert (lucia.name, lucia.phone) == ("Lucía Fernández", "+34 91 555 0100")


def test_linkedin_resaved_with_semicolons() -> None:
    """Connections.csv opened and saved again in a decimal-comma locale."""
    assert detect_format(FIXTURES / "linkedin_connections_semicolon.csv") == "linkedin"
    result = read_contacts(FIXTURES / "linkedin_connections_semicolon.csv")
    assert result.problems == []
    jane, rahul, tomas = result.contacts
    assert (jane.name, jane.company, jane.role) == (
        "Jane Doe",
        "Acme Widgets, Inc.",
        "Head of Product",
    )
    assert jane.connected_on == datetime.date(2024, 11, 12)
    assert rahul.connected_on == datetime.date(2023, 2, 3), "03.02.2023 is day first"
    assert tomas.role == "CTO; co-founder"
    assert [c.source_line for c in result.contacts] == [5, 6, 7]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("linkedin_connections.csv", "linkedin"),
        ("google_contacts.csv", "google"),
        ("google_contacts_legacy.csv", "google"),
        ("outlook_contacts.csv", "outlook"),
    ],
)
def test_exports_keep_their_own_reader(name: str, expected: str) -> None:
    """A known export is never read as a generic table (which would lose its fields)."""
    assert detect_format(FIXTURES / name) == expected
