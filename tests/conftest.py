"""Shared helpers: configs and small contact sheets built in memory."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from core_helpers import HEADERS, TODAY, contacts, make_config, person

from sheets_keepup.app.logs import LOGGER_NAME
from sheets_keepup.core.settings import Config

__all__ = ["HEADERS", "TODAY", "contacts", "make_config", "person"]


@pytest.fixture
def config() -> Config:
    return make_config()


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def private_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep every test out of the real per-user state, config and cache folders."""
    home = tmp_path_factory.mktemp("xdg")
    for name in ("XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))
    monkeypatch.delenv("SHEETS_KEEPUP_CONFIG", raising=False)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)


@pytest.fixture(autouse=True)
def reset_logging() -> Iterator[None]:
    """Commands install log handlers and a level on the package logger; undo both after
    each test, so that a later test's caplog sees what the package logs."""
    yield
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    logger.propagate = True
    logger.setLevel(logging.NOTSET)
