"""Tests for the matching keys: email, profile URL and name normalisation."""

from __future__ import annotations

import pytest

from sheets_keepup.core.importers import (
    normalize_company,
    normalize_email,
    normalize_name,
    normalize_url,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
        ("mailto:jane@example.com", "jane@example.com"),
        ("", ""),
        ("not-an-address", ""),
        ("@example.com", ""),
        ("jane doe@example.com", ""),
    ],
)
def test_normalize_email(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "variant",
    [
        "https://www.linkedin.com/in/jane-doe-fict/",
        "http://linkedin.com/in/jane-doe-fict",
        "linkedin.com/in/jane-doe-fict",
        "www.linkedin.com/in/jane-doe-fict?trk=people-guest",
        "HTTPS://WWW.LinkedIn.com/in/Jane-Doe-Fict#about",
        "https://uk.linkedin.com/in/jane-doe-fict//",
        " https://www.linkedin.com/in/jane-doe-fict ",
    ],
)
def test_normalize_url_variants_agree(variant: str) -> None:
    assert normalize_url(variant) == "linkedin.com/in/jane-doe-fict"


def test_normalize_url_keeps_different_profiles_apart() -> None:
    assert normalize_url("linkedin.com/in/jane-doe") != normalize_url("linkedin.com/in/jane-doe-2")


def test_normalize_url_decodes_percent_escapes() -> None:
    encoded = "https://www.linkedin.com/in/%D0%B0%D0%BD%D0%BD%D0%B0"
    assert normalize_url(encoded) == normalize_url("https://linkedin.com/in/анна")


def test_normalize_url_blank() -> None:
    assert normalize_url("   ") == ""


@pytest.mark.parametrize(
    "variant",
    [
        "Jane Doe",
        "  jane   doe ",
        "JANE DOE",
        "Doe, Jane",
        "Dr. Jane Doe",
        "Jane Doe, PhD",
        "Doe, Jane, Jr.",
        "Mrs Jane Doe Jr",
        "Jane-Doe",
        "Jáne Döe",
    ],
)
def test_normalize_name_variants_agree(variant: str) -> None:
    assert normalize_name(variant) == "jane doe"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Tomás Núñez", "Tomas Nunez"),
        ("Zoë Ångström", "zoe angstrom"),
        ("Siobhán O'Brien", "Siobhan OBrien"),
        ("Siobhán O’Brien", "siobhan o'brien"),
        ("Straße", "strasse"),
        ("Анна Смирнова", "АННА  смирнова"),
        ("山田\u3000太郎", "山田 太郎"),
        ("Jean-Luc Picard", "jean luc picard"),
    ],
)
def test_normalize_name_equivalences(left: str, right: str) -> None:
    assert normalize_name(left) == normalize_name(right)
    assert normalize_name(left) != ""


def test_normalize_name_keeps_non_latin_letters() -> None:
    assert normalize_name("王小明") == "王小明"
    assert normalize_name("فاطمة الزهراء") == "فاطمة الزهراء"


def test_normalize_name_distinguishes_different_people() -> None:
    assert normalize_name("Jane Doe") != normalize_name("John Doe")


def test_name_made_only_of_titles_has_no_key() -> None:
    assert normalize_name("Dr. Jr.") == ""
    assert normalize_name(" , ") == ""


def test_normalize_company() -> None:
    assert normalize_company("Acme  Widgets, Inc.") == normalize_company("acme widgets inc")
    assert normalize_company("Acme") != normalize_company("Globex")


@pytest.mark.parametrize("junk", ["[", "http://[::1", "https://example.com:notaport/x", "@\r0"])
def test_normalize_url_survives_junk_cells(junk: str) -> None:
    key = normalize_url(junk)
    assert normalize_url(key) == key


def test_bare_linkedin_address_is_not_a_profile_key() -> None:
    assert normalize_url("https://www.linkedin.com/") == ""
    assert normalize_url("https://janedoe.example") == "janedoe.example"
