"""Reading contact exports (LinkedIn, Google Contacts, vCard) and matching them to a sheet.

Pure functions on plain data: no sheet or network access happens here.
"""

from .detect import detect_format
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
from .reader import read_contacts

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
    "detect_format",
    "fill_empty_cells",
    "find_duplicates",
    "match_contacts",
    "normalize_company",
    "normalize_email",
    "normalize_name",
    "normalize_url",
    "read_contacts",
]
