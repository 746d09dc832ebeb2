"""Default locations follow the platform's per-user conventions."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sheets_keepup.jobs.paths import default_log_file, default_state_dir


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG layout is Linux-only")
def test_defaults_follow_xdg_state_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_state_dir() == tmp_path / "sheets-keepup"
    assert default_log_file() == tmp_path / "sheets-keepup" / "log" / "sheets-keepup.log"
