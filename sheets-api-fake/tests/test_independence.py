"""The fake is its own distribution: neither it nor its tests may import sheets-keepup."""

from __future__ import annotations

import ast
from pathlib import Path

FAKE_ROOT = Path(__file__).resolve().parents[1]  # <repo>/sheets-api-fake


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_file_imports_sheets_keepup() -> None:
    files = sorted((FAKE_ROOT / "fakesheets").rglob("*.py")) + sorted(
        (FAKE_ROOT / "tests").rglob("*.py")
    )
    assert len(files) > 10
    offenders = [
        f"{path.relative_to(FAKE_ROOT)}: {name}"
        for path in files
        for name in sorted(imported_modules(path))
        if name.split(".")[0] == "sheets_keepup"
    ]
    assert offenders == []
