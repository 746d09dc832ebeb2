"""vCard (.vcf, 3.0 and 4.0) parsing on top of the vobject library."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import vobject

from .models import ImportedContact, ImportResult
from .normalize import collapse_whitespace

# Split on real line breaks only; str.splitlines would also split on U+2028 etc. in values.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NOT_PREFERRED = 1_000_000


@dataclass(frozen=True)
class _CardText:
    record: int
    line: int
    text: str


def split_cards(text: str) -> tuple[list[_CardText], list[tuple[int, str]]]:
    """Cut a .vcf into BEGIN:VCARD…END:VCARD chunks so one bad card cannot sink the rest.

    vobject's streaming reader stops at the first parse error, so each card is parsed on
    its own. Returns the chunks and ``(line, problem)`` pairs for unterminated cards or
    stray text.
    """
    cards: list[_CardText] = []
    problems: list[tuple[int, str]] = []
    current: list[str] | None = None
    start = record = 0
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        tag = line.strip().upper()
        if tag == "BEGIN:VCARD":
            if current is not None:
                problems.append(
                    (
                        start,
                        f"record {record} (line {start}): skipped: "
                        "no END:VCARD before the next card",
                    )
                )
            record += 1
            current, start = [line], number
        elif current is not None:
            current.append(line)
            if tag == "END:VCARD":
                cards.append(_CardText(record, start, "\r\n".join(current) + "\r\n"))
                current = None
        elif tag:
            problems.append((number, f"line {number}: ignored text outside any vCard"))
    if current is not None:
        problems.append(
            (start, f"record {record} (line {start}): skipped: file ends before END:VCARD")
        )
    return cards, problems


def _text(value: Any) -> str:
    """vobject values are str for most properties but lists for structured ones."""
    if isinstance(value, list | tuple):
        return collapse_whitespace(" ".join(_text(v) for v in value))
    return str(value).strip() if value is not None else ""


def _lines(card: Any, name: str) -> list[Any]:
    contents: dict[str, list[Any]] = card.contents
    return contents.get(name, [])


def _preference(line: Any) -> int:
    """Lower is more preferred: vCard 4 PREF=1..100, vCard 3 TYPE=pref, else last."""
    params: dict[str, list[str]] = line.params
    for value in params.get("PREF", []):
        try:
            return int(value)
        except ValueError:
            return 1
    # vCard 2.1 writes bare parameters ("EMAIL;PREF;INTERNET:"); vobject keeps those apart.
    bare: list[str] = getattr(line, "singletonparams", [])
    types = [t.lower() for t in [*params.get("TYPE", []), *bare]]
    return 1 if "pref" in types else _NOT_PREFERRED


def _preferred(lines: Iterable[Any]) -> str:
    """Value of the preferred line, ties broken by file order; ``""`` if none."""
    candidates = [(_preference(line), i, _text(line.value)) for i, line in enumerate(lines)]
    candidates = [c for c in candidates if c[2]]
    return min(candidates)[2] if candidates else ""


def _name(card: Any) -> str:
    for line in _lines(card, "fn"):
        if _text(line.value):
            return _text(line.value)
    for line in _lines(card, "n"):
        n = line.value
        parts = [getattr(n, attr, "") for attr in ("given", "additional", "family")]
        if isinstance(n, str):
            # Unparsed N ("Family;Given;..."), e.g. when the card has no VERSION.
            family, _, rest = n.partition(";")
            parts = [rest.split(";")[0], family]
        name = _text(parts)
        if name:
            return name
    return ""


def _profile_url(card: Any) -> str:
    urls = [_text(line.value) for line in _lines(card, "url")]
    # Apple Contacts stores social profiles separately from URL.
    urls += [_text(line.value) for line in _lines(card, "x-socialprofile")]
    urls = [u for u in urls if u]
    linkedin = [u for u in urls if "linkedin.com/" in u.lower()]
    return (linkedin or urls or [""])[0]


def _notes(card: Any) -> str:
    notes = [_text(line.value) for line in _lines(card, "note")]
    notes += [f"Birthday: {_text(line.value)}" for line in _lines(card, "bday")]
    return "\n".join(n for n in notes if n and n != "Birthday: ")


def card_to_contact(card: Any, line: int) -> ImportedContact:
    """Map a parsed vobject vCard to an ImportedContact."""
    org = _lines(card, "org")
    org_value = org[0].value if org else ""
    company = _text(org_value[0] if isinstance(org_value, list) and org_value else org_value)
    phone = _preferred(_lines(card, "tel")).removeprefix("tel:")
    return ImportedContact(
        name=_name(card),
        email=_preferred(_lines(card, "email")).removeprefix("mailto:"),
        phone=phone,
        company=company,
        role=_preferred(_lines(card, "title")) or _preferred(_lines(card, "role")),
        profile_url=_profile_url(card),
        notes=_notes(card),
        source="vcard",
        source_line=line,
    )


def read_vcard_text(text: str) -> ImportResult:
    """Parse every card in a .vcf; malformed cards are skipped and described in problems."""
    chunks, problems = split_cards(text)
    contacts: list[ImportedContact] = []
    for chunk in chunks:
        where = f"record {chunk.record} (line {chunk.line})"
        try:
            card = vobject.readOne(chunk.text)
            contact = card_to_contact(card, chunk.line)
        except Exception as error:  # vobject raises assorted error types on bad input
            problems.append((chunk.line, f"{where}: skipped: malformed vCard ({error})"))
            continue
        if not any((contact.name, contact.email, contact.phone, contact.profile_url)):
            problems.append((chunk.line, f"{where}: skipped: no name, email, phone or profile URL"))
            continue
        contacts.append(contact)
    return ImportResult(contacts=contacts, problems=[message for _, message in sorted(problems)])
