"""Canonical forms of emails, profile URLs and names, used as matching keys.

Every function returns ``""`` when the input carries no usable identity, and callers
must treat ``""`` as "no key" (two blank names are not the same person).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://|^//", re.IGNORECASE)

# Lower-cased, punctuation-free tokens that say nothing about who someone is.
HONORIFICS = frozenset({"mr", "mrs", "ms", "mx", "miss", "dr", "prof", "sir", "dame"})
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "mba", "esq"})
_IGNORED_TOKENS = HONORIFICS | SUFFIXES

# Apostrophes are dropped rather than turned into spaces so "O'Brien" == "OBrien".
_APOSTROPHES = frozenset("'’ʼ`´‘")


def normalize_email(email: str) -> str:
    """Trimmed, case-folded address; ``""`` if it does not look like an address."""
    value = email.strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:") :]
    value = value.strip().casefold()
    local, at, domain = value.partition("@")
    if not (at and local and domain) or any(ch.isspace() for ch in value):
        return ""
    return value


def normalize_url(url: str) -> str:
    """Host and path only: no scheme, ``www.``, query, fragment, trailing slash or case.

    Percent-escapes are decoded so an encoded and a raw non-Latin profile slug agree.
    Decoding can reveal new "?", "#" or escapes, so the steps repeat until nothing
    changes; that keeps the key stable if it is ever normalised again.
    """
    value = url
    # Real URLs settle in one or two passes; the bound only guards pathological input.
    for _ in range(len(url) + 1):
        cleaned = _url_once(value)
        if cleaned == value:
            break
        value = cleaned
    return value


def _url_once(url: str) -> str:
    # Plain string operations: urllib's urlsplit raises on junk such as a stray "[".
    value = "".join(url.split())  # a URL has no whitespace; cells add wrapping
    value = _URL_SCHEME.sub("", value)
    value = re.split(r"[?#]", value, maxsplit=1)[0]
    host, slash, path = value.partition("/")
    host = host.rpartition("@")[2].casefold().removeprefix("www.")
    # LinkedIn serves the same profile from country hosts such as uk.linkedin.com.
    if host.endswith(".linkedin.com"):
        host = "linkedin.com"
    path = unquote(path).casefold().rstrip("/")
    if host == "linkedin.com" and not path:
        # The bare site address is a placeholder, not somebody's profile.
        return ""
    return f"{host}/{path}".rstrip("/") if slash else host


def _fold(text: str) -> str:
    """Case-fold and strip accents, repeated until stable.

    Case folding and NFKD do not commute for a handful of code points (e.g. "İ" folds to
    "i" plus a combining dot), so one pass is not always idempotent.
    """
    for _ in range(5):
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        if folded == text:
            break
        text = folded
    return text


def _tokens(text: str) -> list[str]:
    """Split folded text into alphanumeric tokens, dropping honorifics and suffixes."""
    cleaned = "".join("" if ch in _APOSTROPHES else ch if ch.isalnum() else " " for ch in text)
    return [tok for tok in cleaned.split() if tok not in _IGNORED_TOKENS]


def normalize_name(name: str) -> str:
    """Key for comparing personal names: "Dr. Doe, Jane" and "jane doe" give "jane doe"."""
    folded = _fold(name)
    # "Family, Given" (optionally followed by ", Jr.") is reordered to "Given Family";
    # comma parts made only of titles/suffixes are dropped first.
    parts = [part for part in folded.split(",") if _tokens(part)]
    if len(parts) == 2:
        parts.reverse()
    tokens = [tok for part in parts for tok in _tokens(part)]
    return " ".join(tokens)


def normalize_company(company: str) -> str:
    """Loose key for a company name: folded, punctuation and spacing collapsed."""
    folded = _fold(company)
    cleaned = "".join("" if ch in _APOSTROPHES else ch if ch.isalnum() else " " for ch in folded)
    return " ".join(cleaned.split())


_WHITESPACE = re.compile(r"\s+")


def collapse_whitespace(text: str) -> str:
    """Trim and collapse internal runs of whitespace (used for display values)."""
    return _WHITESPACE.sub(" ", text).strip()
