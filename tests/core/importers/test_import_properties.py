"""Property tests for name normalisation and matching."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sheets_keepup.core.importers import (
    ExistingContact,
    ImportedContact,
    SourceFormat,
    match_contacts,
    normalize_email,
    normalize_name,
    normalize_url,
)
from sheets_keepup.core.importers.csv_formats import read_csv_export
from sheets_keepup.core.importers.detect import detect_text_format
from sheets_keepup.core.importers.vcard import read_vcard_text

# A small alphabet makes collisions (and so ambiguity and duplicates) likely.
_NAME_PARTS = st.sampled_from(
    ["Jane", "jane", "Doe", "DOE", "Dr.", "Jr", "Núñez", "Nunez", "Анна", "王", ",", "-", "O'"]
)
_NAMES = st.lists(_NAME_PARTS, max_size=4).map(" ".join)
_EMAILS = st.sampled_from(["", "a@example.com", "A@Example.com ", "b@example.com", "junk"])
_URLS = st.sampled_from(["", "linkedin.com/in/a", "https://www.linkedin.com/in/a/", "x.org/b"])


@st.composite
def imported_people(draw: st.DrawFn) -> ImportedContact:
    return ImportedContact(
        name=draw(_NAMES),
        email=draw(_EMAILS),
        profile_url=draw(_URLS),
        source="vcard",
        source_line=draw(st.integers(0, 10_000)),
    )


@st.composite
def sheet_rows(draw: st.DrawFn) -> list[ExistingContact]:
    count = draw(st.integers(0, 8))
    return [
        ExistingContact(
            row=i + 2,
            name=draw(_NAMES),
            email=draw(_EMAILS),
            profile_url=draw(_URLS),
            company=draw(st.sampled_from(["", "Acme"])),
        )
        for i in range(count)
    ]


@given(st.text())
@settings(max_examples=500)
def test_name_normalisation_is_idempotent(name: str) -> None:
    once = normalize_name(name)
    assert normalize_name(once) == once


@given(_NAMES)
def test_name_normalisation_is_idempotent_on_realistic_names(name: str) -> None:
    once = normalize_name(name)
    assert normalize_name(once) == once


@given(st.text())
def test_email_and_url_normalisation_are_idempotent(value: str) -> None:
    assert normalize_email(normalize_email(value)) == normalize_email(value)
    assert normalize_url(normalize_url(value)) == normalize_url(value)


@given(st.lists(imported_people(), max_size=12), sheet_rows())
def test_each_imported_person_lands_in_exactly_one_bucket(
    imported: list[ImportedContact], existing: list[ExistingContact]
) -> None:
    plan = match_contacts(imported, existing)
    placed = (
        [id(m.imported) for m in plan.matched]
        + [id(a.imported) for a in plan.ambiguous]
        + [id(p) for p in plan.new]
        + [id(d.dropped) for d in plan.duplicates]
    )
    assert sorted(placed) == sorted(id(p) for p in imported)
    assert all(len(a.candidates) >= 2 for a in plan.ambiguous)


def _has_key(person: ImportedContact) -> bool:
    return any(
        (
            normalize_email(person.email),
            normalize_url(person.profile_url),
            normalize_name(person.name),
        )
    )


@given(st.lists(imported_people(), max_size=12), sheet_rows())
def test_reimporting_after_adding_new_people_adds_nobody(
    imported: list[ImportedContact], existing: list[ExistingContact]
) -> None:
    plan = match_contacts(imported, existing)
    grown = existing + [
        ExistingContact(100 + i, p.name, p.email, p.profile_url, p.company)
        for i, p in enumerate(plan.new)
    ]
    # Only people with no usable key at all (e.g. the name "Dr.") can come back as new.
    assert [p for p in match_contacts(imported, grown).new if _has_key(p)] == []


_VCARD_LINES = st.sampled_from(
    [
        "BEGIN:VCARD",
        "END:VCARD",
        "VERSION:3.0",
        "VERSION:4.0",
        "FN:Jane Doe",
        "N:Doe;Jane;;;",
        "N:;;",
        "EMAIL;TYPE=PREF:jane@example.com",
        "EMAIL;PREF=x:j@example.com",
        "TEL;VALUE=uri:tel:+1",
        "ORG:;",
        "BDAY:",
        " folded continuation",
        "garbage without colon",
        "",
    ]
)


@given(st.lists(st.one_of(_VCARD_LINES, st.text(max_size=20)), max_size=25))
@settings(max_examples=300)
def test_vcard_reader_never_raises(lines: list[str]) -> None:
    result = read_vcard_text("\r\n".join(lines))
    assert all(c.source == "vcard" for c in result.contacts)


_CSV_TEXT = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
                "First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Website 1 - Value",
                'Jane,Doe,"a, b",x@example.com,,,12 Nov 2024',
                'Jane,"Doe',
                "a,b,c,d,e,f,g,h,i",
                "",
            ]
        ),
        st.text(max_size=30),
    ),
    max_size=10,
).map("\n".join)


@given(_CSV_TEXT)
@settings(max_examples=300)
def test_csv_readers_and_detection_never_raise(text: str) -> None:
    detect_text_format(text)
    formats: tuple[SourceFormat, ...] = ("linkedin", "google")
    for fmt in formats:
        result = read_csv_export(text, fmt)
        assert all(c.source == fmt for c in result.contacts)
