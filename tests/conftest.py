"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from sheet_builders import make_config

from sheets_keepup.config import Config


@pytest.fixture
def config() -> Config:
    return make_config()


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]
