"""configure_logging: stable line format, stderr plus a private rotating file."""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sheets_keepup.app.logs import LOGGER_NAME, configure_logging
from sheets_keepup.app.outcome import JobOutcome, format_log_line

LINE = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} INFO sheets_keepup\.app\.scheduler: "
    r"sync ok rows=12 overdue=2 due_soon=3 problems=1 requests=4 seconds=1\.5"
)


@pytest.fixture(autouse=True)
def restore_package_logger() -> Iterator[None]:
    logger = logging.getLogger(LOGGER_NAME)
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    for handler in logger.handlers:
        if handler not in saved[0]:
            handler.close()
    logger.handlers[:] = saved[0]
    logger.setLevel(saved[1])
    logger.propagate = saved[2]


def emit_sync_line() -> None:
    outcome = JobOutcome(
        ok=True, rows=12, overdue=2, due_soon=3, problems=1, requests=4, seconds=1.5
    )
    logging.getLogger("sheets_keepup.app.scheduler").info(format_log_line(outcome))


def test_line_format_is_stable_on_stderr_and_in_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = tmp_path / "logs" / "sheets-keepup.log"
    configure_logging(logging.INFO, log_file)

    emit_sync_line()

    err_lines = capsys.readouterr().err.splitlines()
    file_lines = log_file.read_text(encoding="utf-8").splitlines()
    assert len(err_lines) == 1 and LINE.fullmatch(err_lines[0])
    assert file_lines == err_lines
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600


def test_level_filters_and_reconfiguring_does_not_duplicate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("WARNING")
    configure_logging("WARNING")
    logger = logging.getLogger("sheets_keepup.app.scheduler")
    logger.info("not shown")
    logger.warning("shown once")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].endswith("WARNING sheets_keepup.app.scheduler: shown once")


def test_rotated_log_files_stay_owner_only(tmp_path: Path) -> None:
    log_file = tmp_path / "sheets-keepup.log"
    old_umask = os.umask(0o022)
    try:
        configure_logging(logging.INFO, log_file, max_bytes=300, backups=2)
        for _ in range(10):
            emit_sync_line()
    finally:
        os.umask(old_umask)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["sheets-keepup.log", "sheets-keepup.log.1", "sheets-keepup.log.2"]
    assert {stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()} == {0o600}
