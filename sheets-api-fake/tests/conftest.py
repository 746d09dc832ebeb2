"""Fixtures for the fake Sheets server: a running server, a session and a gspread client."""

from __future__ import annotations

from collections.abc import Iterator

import gspread
import pytest
from fakesheets import FakeSession, FakeSheetsServer, fake_session
from fakesheets_helpers import Api


@pytest.fixture
def server() -> Iterator[FakeSheetsServer]:
    """A fresh fake server per test."""
    with FakeSheetsServer() as srv:
        yield srv


@pytest.fixture
def session(server: FakeSheetsServer) -> Iterator[FakeSession]:
    """A requests session that reaches the fake through Google's URLs."""
    with fake_session(server) as sess:
        yield sess


@pytest.fixture
def gc(session: FakeSession) -> gspread.Client:
    """A real gspread client talking to the fake."""
    return gspread.Client(auth=None, session=session)


@pytest.fixture
def book(server: FakeSheetsServer) -> str:
    """A spreadsheet with a small Contacts tab and an empty Log tab."""
    import datetime as dt

    return server.state.create_spreadsheet(
        {
            "Contacts": [
                ["Name", "Email", "Last contact", "Tier"],
                ["Ada Lovelace", "ada@example.org", dt.date(2024, 1, 5), "core"],
                ["Alan Turing", "alan@example.org", None, "close"],
                ["Grace Hopper", "", dt.date(2023, 11, 20), 3],
            ],
            "Log": [],
        },
        title="Contacts CRM",
    )


@pytest.fixture
def api(session: FakeSession, book: str) -> Api:
    return Api(session, book)
