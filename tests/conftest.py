"""Shared helpers: configs and small contact sheets built in memory."""

from __future__ import annotations

from pathlib import Path

import pytest
from core_helpers import HEADERS, TODAY, contacts, make_config, person

from sheets_keepup.config import Config

__all__ = ["HEADERS", "TODAY", "contacts", "make_config", "person"]


@pytest.fixture
def config() -> Config:
    return make_config()


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]
