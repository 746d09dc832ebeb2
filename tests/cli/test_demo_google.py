"""`demo --google` with the Sheets API fake installed, and without it."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import sheets_keepup.app
from sheets_keepup.cli import main
from sheets_keepup.core.errors import ExitStatus

ARGS = ["demo", "--google", "--today", "2026-11-23"]
INSTALL = "in the sheets-keepup folder, run  pip install -e '.[demo]'"
REQUESTS = re.compile(
    r"Google Sheets API requests: (\d+) \((\d+) read\(s\), (\d+) write\(s\), "
    r"([\d,]+) bytes sent\), all to a local fake of the API on 127\.0\.0\.1\."
)


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # whatever the command writes lands here, not in the repo
    return CliRunner()


def test_demo_google_syncs_through_the_fake_and_counts_requests(runner: CliRunner) -> None:
    result = runner.invoke(main, ARGS)
    assert result.exit_code == 0, result.output
    assert "33 contacts" in result.stdout
    found = REQUESTS.search(result.stdout)
    assert found is not None, result.stdout
    total, reads, writes, sent = (int(g.replace(",", "")) for g in found.groups())
    assert total == reads + writes
    assert reads >= 1 and writes >= 1 and sent > 0
    again = re.search(
        r"Syncing again at once: (\d+) request\(s\), and nothing to write\.", result.stdout
    )
    assert again is not None, result.stdout
    assert 1 <= int(again.group(1)) < total
    assert result.stderr == ""


def test_demo_google_without_the_fake_says_how_to_install_it(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fakesheets", None)  # `import fakesheets` now fails
    result = runner.invoke(main, ARGS)
    assert result.exit_code == ExitStatus.ERROR
    assert isinstance(result.exception, SystemExit)  # handled, not a crash
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: The Google demo needs the Sheets API fake: ")
    assert lines[0].endswith(INSTALL)
    assert "Traceback" not in result.output


def test_demo_google_without_the_discovery_document_says_what_to_install(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fake is installed but google-api-python-client (which it validates with) is not."""
    discovery = importlib.import_module("fakesheets.discovery")
    monkeypatch.setitem(sys.modules, "googleapiclient", None)
    discovery.load_document.cache_clear()  # forget a document an earlier test loaded
    result = runner.invoke(main, ARGS)
    assert result.exit_code == ExitStatus.ERROR
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith("run  pip install google-api-python-client")
    assert "Traceback" not in result.output


def test_the_product_imports_without_the_fake(monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing the demo module never needs the fake; only running the demo does."""
    monkeypatch.setitem(sys.modules, "fakesheets", None)
    # Import it afresh; the undo puts the already imported module back in both places.
    monkeypatch.delitem(sys.modules, "sheets_keepup.app.demo", raising=False)
    monkeypatch.delattr(sheets_keepup.app, "demo", raising=False)
    demo = importlib.import_module("sheets_keepup.app.demo")
    assert callable(demo.run_google_demo)


def test_the_install_instruction_names_a_real_folder(repo_root: Path) -> None:
    assert (repo_root / "sheets-api-fake" / "pyproject.toml").is_file()
