"""Tests for reading LinkedIn, Google Contacts and vCard exports."""

from __future__ import annotations

import codecs
import datetime
from pathlib import Path

import pytest

from sheets_keepup.app.import_files import read_contacts
from sheets_keepup.core.importers import ImportedContact, ImportResult

FIXTURES = Path(__file__).parent / "fixtures"


def by_name(result: ImportResult) -> dict[str, ImportedContact]:
    return {c.name: c for c in result.contacts}


# --- LinkedIn -------------------------------------------------------------------------


def test_linkedin_skips_notes_preamble_and_reads_every_row() -> None:
    result = read_contacts(FIXTURES / "linkedin_connections.csv")
    assert [c.name for c in result.contacts] == [
        "Jane Doe",
        "Rahul Verma",
        "Анна Смирнова",
        "Tomás Núñez",
        "Li Wei",
    ]
    assert all(c.source == "linkedin" for c in result.contacts)


def test_linkedin_fields_and_date() -> None:
    jane = by_name(read_contacts(FIXTURES / "linkedin_connections.csv"))["Jane Doe"]
    assert jane == ImportedContact(
        name="Jane Doe",
        email="jane.doe@example.com",
        company="Acme Widgets, Inc.",
        role="Head of Product",
        profile_url="https://www.linkedin.com/in/jane-doe-fict",
        connected_on=datetime.date(2024, 11, 12),
        source="linkedin",
        source_line=5,
    )


def test_linkedin_single_digit_day_and_missing_email() -> None:
    tomas = by_name(read_contacts(FIXTURES / "linkedin_connections.csv"))["Tomás Núñez"]
    assert tomas.connected_on == datetime.date(2020, 1, 5)
    assert tomas.email == ""


def test_linkedin_bad_date_keeps_contact_and_reports_line() -> None:
    result = read_contacts(FIXTURES / "linkedin_connections.csv")
    li = by_name(result)["Li Wei"]
    assert li.connected_on is None
    assert len(result.problems) == 1
    assert result.problems[0].startswith("line 9:")
    assert "31 Foo 2024" in result.problems[0]


def test_linkedin_bom_crlf_profile_url_and_multiline_cell() -> None:
    result = read_contacts(FIXTURES / "linkedin_profile_url_bom_crlf.csv")
    assert result.problems == []
    oskar, mei = result.contacts
    assert oskar.name == "Oskar Lind"  # no BOM glued to the first header/cell
    assert oskar.email == "OSKAR.LIND@Example.com"
    assert oskar.company == "Lind & Berg, AB"
    assert oskar.role == "Senior Engineer Platform team"
    assert oskar.profile_url == "https://se.linkedin.com/in/oskar-lind-fict?trk=abc"
    assert oskar.connected_on == datetime.date(2022, 3, 1)
    assert oskar.source_line == 5
    # The quoted newline spans two lines and a blank line follows, so Mei starts on 8.
    assert mei.source_line == 8
    assert mei.connected_on == datetime.date(2019, 9, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 Nov 2024", datetime.date(2024, 11, 12)),
        ("1 September 2019", datetime.date(2019, 9, 1)),
        ("07-Mar-23", datetime.date(2023, 3, 7)),
        ("2022-02-28", datetime.date(2022, 2, 28)),
        ("31 Feb 2024", None),
        ("yesterday", None),
    ],
)
def test_linkedin_date_formats(tmp_path: Path, text: str, expected: datetime.date | None) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        f"Ana,Lopes,,,,,{text}\n",
        encoding="utf-8",
    )
    result = read_contacts(path)
    assert result.contacts[0].connected_on == expected
    assert bool(result.problems) == (expected is None)


# --- Google Contacts ------------------------------------------------------------------


def test_google_new_layout_fields() -> None:
    result = read_contacts(FIXTURES / "google_contacts.csv")
    jane = by_name(result)["Jane Q. Doe"]
    assert jane.email == "jane.doe@example.com"  # the starred ("* Work") address
    assert jane.phone == "+1 555 0100"
    assert jane.company == "Acme Widgets"
    assert jane.role == "Head of Product"
    assert jane.profile_url == "https://linkedin.com/in/jane-doe-fict"
    assert jane.connected_on is None
    assert jane.source == "google"
    assert jane.source_line == 2


def test_google_notes_keep_commas_newlines_quotes_and_birthday() -> None:
    people = by_name(read_contacts(FIXTURES / "google_contacts.csv"))
    assert people["Jane Q. Doe"].notes == (
        "Met at the conference, Berlin.\nLikes hiking.\nBirthday: 1985-03-02"
    )
    assert people["فاطمة الزهراء"].notes == 'Notes with "quotes", commas'


def test_google_multi_value_cells_take_starred_or_first() -> None:
    carlos = by_name(read_contacts(FIXTURES / "google_contacts.csv"))["Carlos Ruiz"]
    assert carlos.email == "carlos.ruiz@example.com"  # first of "a ::: b"
    assert carlos.phone == "+34 555 0102"  # the "* Mobile" one
    assert carlos.profile_url == "https://carlos.example.com/blog"


def test_google_non_latin_names_and_file_as_fallback() -> None:
    result = read_contacts(FIXTURES / "google_contacts.csv")
    names = [c.name for c in result.contacts]
    assert names == ["Jane Q. Doe", "Carlos Ruiz", "小明 王", "فاطمة الزهراء", "Pat (file as)"]
    assert by_name(result)["小明 王"].company == "星河科技"


def test_google_empty_record_is_skipped_and_reported() -> None:
    result = read_contacts(FIXTURES / "google_contacts.csv")
    # The record after the multi-line note starts on physical line 7.
    assert result.problems == ["line 7: skipped: no name, email, phone or profile URL"]


def test_google_legacy_layout() -> None:
    result = read_contacts(FIXTURES / "google_contacts_legacy.csv")
    assert result.problems == []
    priya, henrik = result.contacts
    assert (priya.name, priya.email, priya.phone) == (
        "Priya Natarajan",
        "priya.n@example.com",
        "+44 555 0104",
    )
    assert priya.company == "Contoso"
    assert priya.role == "Product Manager"
    assert priya.notes == "Old colleague"
    # No "Name" cell: built from Given/Family; the starred (second) address wins.
    assert henrik.name == "Henrik Dahl"
    assert henrik.email == "henrik.dahl@example.com"
    assert henrik.company == "Fabrikam"


def test_google_utf16_export() -> None:
    result = read_contacts(FIXTURES / "google_contacts_utf16.csv")
    assert [(c.name, c.email) for c in result.contacts] == [
        ("Zoë Ångström", "zoe.angstrom@example.com"),
        ("Дмитрий Козлов", "dmitry.kozlov@example.org"),
    ]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_google_utf16_without_bom(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "contacts.csv"
    text = "First Name,Last Name,E-mail 1 - Value\r\nZoë,Ångström,zoe@example.com\r\n"
    path.write_bytes(text.encode(encoding))
    assert [c.name for c in read_contacts(path).contacts] == ["Zoë Ångström"]


def test_windows_1252_file_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    text = "First Name,Last Name,E-mail 1 - Value\r\nRenée,Côté,renee@example.com\r\n"
    path.write_bytes(text.encode("cp1252"))
    assert read_contacts(path).contacts[0].name == "Renée Côté"


def test_utf8_bom_google_export(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    text = "First Name,Last Name,E-mail 1 - Value\nAda,Quill,ada@example.com\n"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    assert read_contacts(path).contacts[0].name == "Ada Quill"


def test_google_missing_columns_blank_lines_and_overlong_row() -> None:
    result = read_contacts(FIXTURES / "google_contacts_missing_columns.csv")
    assert [(c.name, c.email, c.company) for c in result.contacts] == [
        ("Ada Quill", "ada.quill@example.com", ""),
        ("Ben Short", "", ""),
    ]
    assert len(result.problems) == 1
    assert result.problems[0].startswith("line 6: skipped:")


# --- vCard ----------------------------------------------------------------------------


def test_vcard3_preferred_email_first_phone_org_title_note_bday() -> None:
    jane = read_contacts(FIXTURES / "contacts_v3.vcf").contacts[0]
    assert jane.name == "Jane Doe"
    assert jane.email == "jane.doe@example.com"  # TYPE=PREF beats the earlier address
    assert jane.phone == "+1 555 0100"  # no preference: first one
    assert jane.company == "Acme Widgets"  # ORG's department part is not the company
    assert jane.role == "Head of Product"
    assert jane.profile_url == "https://www.linkedin.com/in/jane-doe-fict/"
    assert jane.notes == "Met at the conference, Berlin.\nLikes hiking.\nBirthday: 1985-03-02"
    assert (jane.source, jane.source_line) == ("vcard", 1)


def test_vcard3_name_from_n_without_fn_and_folded_title() -> None:
    ivan = read_contacts(FIXTURES / "contacts_v3.vcf").contacts[1]
    assert ivan.name == "Ivan Sergeyevich Petrov"
    assert ivan.company == "Пример ООО"
    assert ivan.role.endswith("decided to fold onto a second line")
    assert ivan.source_line == 16


def test_vcard3_cjk_name() -> None:
    names = [c.name for c in read_contacts(FIXTURES / "contacts_v3.vcf").contacts]
    assert names == ["Jane Doe", "Ivan Sergeyevich Petrov", "佐藤 花子"]


def test_vcard4_pref_parameter_tel_uri_and_social_profile() -> None:
    amira, chidi = read_contacts(FIXTURES / "contacts_v4.vcf").contacts
    assert amira.name == "Amira Haddad"
    assert amira.email == "amira.haddad@example.com"
    assert amira.phone == "+961-555-0105"
    assert amira.company == "Cedar Labs"
    assert amira.role == "Principal Scientist"
    assert amira.profile_url == "https://www.linkedin.com/in/amira-haddad-fict"
    assert amira.notes == "Introduced by Jane."
    assert chidi.name == "Chidi Okafor"
    assert chidi.phone == "+234-555-0106"


def test_malformed_vcards_are_skipped_and_named() -> None:
    result = read_contacts(FIXTURES / "contacts_malformed.vcf")
    assert [c.name for c in result.contacts] == ["Good One", "Good Two"]
    assert len(result.problems) == 3
    assert result.problems[0].startswith("record 2 (line 6): skipped: malformed vCard")
    assert result.problems[1].startswith("record 4 (line 16): skipped: no name")
    assert result.problems[2].startswith("record 5 (line 20): skipped: file ends")


def test_vcard_missing_end_before_next_card(tmp_path: Path) -> None:
    path = tmp_path / "x.vcf"
    path.write_text(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Lost\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Found\nEND:VCARD\n"
        "stray words\n",
        encoding="utf-8",
    )
    result = read_contacts(path)
    assert [c.name for c in result.contacts] == ["Found"]
    assert result.problems == [
        "record 1 (line 1): skipped: no END:VCARD before the next card",
        "line 8: ignored text outside any vCard",
    ]


def test_forced_format_overrides_detection() -> None:
    result = read_contacts(FIXTURES / "linkedin_connections.csv", fmt="google")
    assert result.contacts == []
    assert result.problems == ["no google header row found; nothing imported"]


def test_linkedin_export_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text("First Name,Last Name,Position\nAna,Lopes,Engineer\n", encoding="utf-8")
    result = read_contacts(path)
    assert [(c.name, c.role, c.source) for c in result.contacts] == [
        ("Ana Lopes", "Engineer", "linkedin")
    ]


def test_vcard21_bare_pref_and_quoted_printable(tmp_path: Path) -> None:
    path = tmp_path / "old-phone.vcf"
    path.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\n"
        b"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=9F=D0=B5=D1=82=D1=80=D0=BE=D0=B2;"
        b"=D0=98=D0=B2=D0=B0=D0=BD;;;\r\n"
        b"EMAIL;INTERNET:ivan.old@example.com\r\nEMAIL;PREF;INTERNET:ivan@example.com\r\n"
        b"END:VCARD\r\n"
    )
    [ivan] = read_contacts(path).contacts
    assert (ivan.name, ivan.email) == ("Иван Петров", "ivan@example.com")
