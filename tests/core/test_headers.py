import pytest

from sheets_keepup.core.errors import DataError
from sheets_keepup.core.headers import (
    FIELD_ALIASES,
    build_alias_index,
    column_letter,
    map_headers,
    normalise_header,
)

OWNED = {"next_action": "Next action", "due": "Due", "status": "Status"}
INDEX = build_alias_index(FIELD_ALIASES)


def test_normalise_ignores_case_spaces_punctuation_and_accents() -> None:
    assert normalise_header("  Last-Contact: ") == normalise_header("last contact")
    assert normalise_header("E-mail") == "email"
    assert normalise_header("Émail") == "email"
    assert normalise_header(None) == ""


@pytest.mark.parametrize("alias", ["Last contact", "LAST SPOKE", "last_contacted", "Last touch"])
def test_aliases(alias: str) -> None:
    header = map_headers([["Name", alias]], INDEX, OWNED, ["name"], "Contacts")
    assert header.fields["last_contact"] == 1


def test_header_row_below_title_rows() -> None:
    rows = [["My contacts"], [], [None, "note: keep this tidy"], ["Name", "Email", "Tier"]]
    header = map_headers(rows, INDEX, OWNED, ["name"], "Contacts")
    assert header.row == 3
    assert header.fields == {"name": 0, "email": 1, "tier": 2}


def test_duplicate_and_blank_headers() -> None:
    rows = [["Name", "", "Email", "email ", "Own column", "Status"]]
    header = map_headers(rows, INDEX, OWNED, ["name"], "Contacts")
    assert header.fields["email"] == 2
    assert header.owned == {"status": 5}
    assert header.width == 6
    assert any("D" in n and "repeats column C" in n for n in header.notes)


def test_owned_names_never_map_to_user_fields() -> None:
    index = build_alias_index(FIELD_ALIASES, {"notes": ["Status"]})
    header = map_headers([["Name", "Email", "Status"]], index, OWNED, ["name"], "Contacts")
    assert "notes" not in header.fields
    assert header.owned == {"status": 2}


def test_configured_aliases_extend_the_built_ins() -> None:
    index = build_alias_index(FIELD_ALIASES, {"last_contact": ["Dernier contact"]})
    header = map_headers([["Name", "Dernier contact"]], index, OWNED, ["name"], "Contacts")
    assert header.fields["last_contact"] == 1


def test_missing_required_column_names_the_aliases() -> None:
    with pytest.raises(DataError) as error:
        map_headers([["Phone", "Tier", "Company"]], INDEX, OWNED, ["name"], "Contacts")
    assert "name: 'Name', 'Full name'" in str(error.value)
    assert "header row 1" in str(error.value)
    # An Email column can identify people when there is no Name column.
    header = map_headers([["Email", "Tier"]], INDEX, OWNED, ["name"], "Contacts")
    assert header.fields == {"email": 0, "tier": 1}
    with pytest.raises(DataError, match="Looked for tier"):
        map_headers([["Name", "Email"]], INDEX, OWNED, ["name", "tier"], "Contacts")


def test_no_header_row() -> None:
    with pytest.raises(DataError, match="No header row"):
        map_headers([["foo", "bar"], [1, 2]], INDEX, OWNED, ["name"], "Contacts")


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
