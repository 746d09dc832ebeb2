"""Tests for recognising export formats from file content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sheets_keepup.app.import_files import detect_format, read_contacts
from sheets_keepup.core.importers import UnsupportedFileError

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("linkedin_connections.csv", "linkedin"),
        ("linkedin_profile_url_bom_crlf.csv", "linkedin"),
        ("google_contacts.csv", "google"),
        ("google_contacts_legacy.csv", "google"),
        ("google_contacts_utf16.csv", "google"),
        ("google_contacts_missing_columns.csv", "google"),
        ("contacts_v3.vcf", "vcard"),
        ("contacts_v4.vcf", "vcard"),
        ("contacts_malformed.vcf", "vcard"),
    ],
)
def test_detects_each_fixture(name: str, expected: str) -> None:
    assert detect_format(FIXTURES / name) == expected


@pytest.mark.parametrize(
    ("name", "disguise", "expected"),
    [
        ("linkedin_connections.csv", "export.txt", "linkedin"),
        ("contacts_v3.vcf", "contacts.csv", "vcard"),
        ("google_contacts.csv", "contacts.vcf", "google"),
    ],
)
def test_detection_ignores_the_extension(
    tmp_path: Path, name: str, disguise: str, expected: str
) -> None:
    target = tmp_path / disguise
    shutil.copy(FIXTURES / name, target)
    assert detect_format(target) == expected


def test_vcard_after_leading_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.vcf"
    path.write_text("\n\n  \nbegin:vcard\nVERSION:3.0\nFN:A B\nEND:VCARD\n", encoding="utf-8")
    assert detect_format(path) == "vcard"


@pytest.mark.parametrize(
    "content",
    [
        b"date,amount,description\n2024-01-01,12.50,Coffee\n",
        b"",
        b"PK\x03\x04\x14\x00\x06\x00binary spreadsheet bytes",
        b"Name\nJane Doe\n",
        b"Email;Amount\njane@example.com;12\n",
    ],
    ids=["other-csv", "empty", "xlsx-bytes", "name-only", "no-second-field"],
)
def test_unknown_content_is_rejected_with_supported_formats(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "mystery.csv"
    path.write_bytes(content)
    with pytest.raises(UnsupportedFileError) as info:
        detect_format(path)
    message = str(info.value)
    assert "LinkedIn" in message
    assert "Google Contacts" in message
    assert "vCard" in message
    assert "mystery.csv" in message


def test_unsupported_error_is_a_value_error() -> None:
    assert issubclass(UnsupportedFileError, ValueError)


def test_read_contacts_rejects_unknown_files() -> None:
    with pytest.raises(UnsupportedFileError):
        read_contacts(FIXTURES / "not_contacts.csv")


def test_missing_file_is_not_reported_as_unsupported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        detect_format(tmp_path / "absent.csv")
