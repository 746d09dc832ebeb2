"""Deciding whether imported people are already in the sheet, and sheet self-checks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from .models import (
    Ambiguity,
    Duplicate,
    DuplicateGroup,
    ExistingContact,
    ImportedContact,
    ImportPlan,
    Match,
    MatchKey,
)
from .normalize import normalize_company, normalize_email, normalize_name, normalize_url

# Strongest evidence first: an email address identifies a person better than a name.
_KEY_ORDER: tuple[MatchKey, ...] = ("email", "profile_url", "name")
_NORMALIZERS: dict[MatchKey, Callable[[str], str]] = {
    "email": normalize_email,
    "profile_url": normalize_url,
    "name": normalize_name,
}

FILLABLE_FIELDS = ("name", "email", "phone", "company", "role", "profile_url", "connected_on")


def _index(existing: Iterable[ExistingContact], key: MatchKey) -> dict[str, list[ExistingContact]]:
    """Existing contacts grouped by their normalised ``key``; blank keys are left out."""
    normalize = _NORMALIZERS[key]
    index: dict[str, list[ExistingContact]] = defaultdict(list)
    for contact in existing:
        value = normalize(getattr(contact, key))
        if value:
            index[value].append(contact)
    return index


def _identity_keys(contact: ImportedContact) -> list[str]:
    """Keys (email, profile URL) that make two imported records the same new person."""
    keys = []
    if email := normalize_email(contact.email):
        keys.append("email:" + email)
    if url := normalize_url(contact.profile_url):
        keys.append("url:" + url)
    return keys


def match_contacts(
    imported: Sequence[ImportedContact], existing: Sequence[ExistingContact]
) -> ImportPlan:
    """Sort imported people into matched, ambiguous and new (each lands in exactly one).

    Keys are tried in order email, profile URL, name. The first key that finds any
    existing row decides: one row is a match, several are ambiguous; weaker keys are not
    consulted. People found in no key are new; a later new person with the same email
    or profile URL as an earlier one is recorded in ``duplicates`` instead of added twice.
    """
    indexes = {key: _index(existing, key) for key in _KEY_ORDER}
    plan = ImportPlan()
    first_seen: dict[str, ImportedContact] = {}
    for person in imported:
        decided = False
        for key in _KEY_ORDER:
            value = _NORMALIZERS[key](getattr(person, key))
            candidates = indexes[key].get(value, []) if value else []
            if len(candidates) == 1:
                plan.matched.append(Match(person, candidates[0], key))
            elif candidates:
                plan.ambiguous.append(Ambiguity(person, sorted(candidates, key=_row)))
            decided = bool(candidates)
            if decided:
                break
        if decided:
            continue
        identity = _identity_keys(person)
        earlier = next((first_seen[k] for k in identity if k in first_seen), None)
        if earlier is not None:
            plan.duplicates.append(Duplicate(dropped=person, kept=earlier))
            continue
        for k in identity:
            first_seen[k] = person
        plan.new.append(person)
    return plan


def _row(contact: ExistingContact) -> int:
    return contact.row


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _imported_value(contact: ImportedContact, field: str) -> str:
    if field == "connected_on":
        return contact.connected_on.isoformat() if contact.connected_on else ""
    value: str = getattr(contact, field)
    return value.strip()


def fill_empty_cells(
    matched: Iterable[tuple[ImportedContact, ExistingContact, str]],
    existing_values: Mapping[int, Mapping[str, object]],
) -> list[tuple[int, str, str]]:
    """Cell writes ``(row, field, value)`` that fill blanks from matched imports.

    ``existing_values`` maps a sheet row to its current cells by field name. A field is
    written only when the row has that field, its cell is blank (None or whitespace), and
    the import has a value; typed values are never overwritten. Dates are ISO strings.
    When several imports match one row, the first to offer a value wins.
    """
    writes: list[tuple[int, str, str]] = []
    taken: set[tuple[int, str]] = set()
    for person, row_contact, _key in matched:
        cells = existing_values.get(row_contact.row)
        if cells is None:
            # Unknown row: we cannot prove its cells are empty, so leave it alone.
            continue
        for field in FILLABLE_FIELDS:
            if field not in cells or not _is_blank(cells[field]):
                continue
            value = _imported_value(person, field)
            if value and (row_contact.row, field) not in taken:
                taken.add((row_contact.row, field))
                writes.append((row_contact.row, field, value))
    return writes


def find_duplicates(existing: Sequence[ExistingContact]) -> list[DuplicateGroup]:
    """Groups of rows that share an email, or share a normalised name and company.

    Rows with the same name and both companies blank count as sharing a company: a check
    should surface them. A name+company group with exactly the rows of an email group is
    not repeated.
    """
    groups: list[DuplicateGroup] = []
    by_email = _index(existing, "email")
    for email, contacts in by_email.items():
        if len(contacts) > 1:
            groups.append(DuplicateGroup("email", email, tuple(sorted(contacts, key=_row))))
    seen_rows = {tuple(g.rows) for g in groups}
    by_name: dict[str, list[ExistingContact]] = defaultdict(list)
    for contact in existing:
        name = normalize_name(contact.name)
        if name:
            by_name[f"{name} | {normalize_company(contact.company)}"].append(contact)
    for key, contacts in by_name.items():
        ordered = tuple(sorted(contacts, key=_row))
        if len(ordered) > 1 and tuple(c.row for c in ordered) not in seen_rows:
            groups.append(DuplicateGroup("name_and_company", key, ordered))
    return sorted(groups, key=lambda g: g.rows)
