"""Parsing contact exports (LinkedIn, Google, Outlook, vCard, any CSV) and matching them.

Pure functions on text and plain data: the files are read by `app.import_files`.
"""

from .detect import detect_text_format
from .matching import FILLABLE_FIELDS, fill_empty_cells, find_duplicates, match_contacts
from .models import (
    Ambiguity,
    Duplicate,
    DuplicateGroup,
    ExistingContact,
    ImportedContact,
    ImportPlan,
    ImportResult,
    Match,
    MatchKey,
    SourceFormat,
    UnsupportedFileError,
)
from .normalize import normalize_company, normalize_email, normalize_name, normalize_url
from .reader import parse_export

__all__ = [
    "FILLABLE_FIELDS",
    "Ambiguity",
    "Duplicate",
    "DuplicateGroup",
    "ExistingContact",
    "ImportPlan",
    "ImportResult",
    "ImportedContact",
    "Match",
    "MatchKey",
    "SourceFormat",
    "UnsupportedFileError",
    "detect_text_format",
    "fill_empty_cells",
    "find_duplicates",
    "match_contacts",
    "normalize_company",
    "normalize_email",
    "normalize_name",
    "normalize_url",
    "parse_export",
]
