"""The Log's join to the contacts: names normalised in Arrow exactly as in Python."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from sheets_keepup.core.headers import normalise_header
from sheets_keepup.core.logjoin import normalise_names


def test_names_normalise_in_arrow_as_header_keys_do() -> None:
    names = [
        *("Ana-María O'Neill", "STRASSE", "Straße", "Zoë  Ørsted", "", "ǅemal", "Ｋａｔｅ"),
        "\U0001ccd6",  # newer than some Pythons' Unicode tables
    ]
    assert normalise_names(names).tolist() == [normalise_header(n) for n in names]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=20))
def test_any_text_normalises_as_in_python(names: list[str]) -> None:
    assert normalise_names(names).tolist() == [normalise_header(n) for n in names]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.text(st.characters(max_codepoint=0x24F), max_size=12), max_size=20))
def test_latin_text_normalises_as_in_python(names: list[str]) -> None:
    assert normalise_names(names).tolist() == [normalise_header(n) for n in names]


def test_a_date_is_no_name() -> None:
    assert normalise_names([str(dt.date(2026, 3, 1))]).tolist() == ["20260301"]
