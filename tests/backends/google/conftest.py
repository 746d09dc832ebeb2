"""One offline Sheets API server for the Google tests; each test gets it clean."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_google import FakeGoogle
from fakesheets import FakeSheetsServer


@pytest.fixture(scope="session")
def sheets_server() -> Iterator[FakeSheetsServer]:
    with FakeSheetsServer() as server:
        yield server


@pytest.fixture
def fake(sheets_server: FakeSheetsServer) -> Iterator[FakeGoogle]:
    sheets_server.faults.clear()
    sheets_server.clear_log()
    yield FakeGoogle(sheets_server)
    sheets_server.faults.clear()
