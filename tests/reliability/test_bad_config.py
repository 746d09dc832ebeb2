"""Bad configurations: every problem reported in one go, the CONFIG exit status from the
CLI, and nothing written or created anywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from harness import contacts, examples, person
from hypothesis import given, settings
from hypothesis import strategies as st

from sheets_keepup.backends.xlsx import write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.errors import ConfigError, ExitStatus
from sheets_keepup.core.settings import config_from_mapping

# (mistake, the dotted path or text its report must contain)
MISTAKES: list[tuple[dict[str, Any], str]] = [
    ({"picks_per_week": "three"}, "picks_per_week"),
    ({"picks_per_week": -1}, "picks_per_week"),
    ({"tiers": {"core": {"cadence_days": -5}}}, "tiers.core.cadence_days"),
    ({"tiers": {"core": {"cadence_days": 90, "in_person_days": 0}}}, "tiers.core.in_person_days"),
    ({"tiers": {"core": {"cadence_days": 90, "weight": "heavy"}}}, "tiers.core.weight"),
    ({"tiers": {"core": {"cadnce_days": 90}}}, "tiers.core.cadnce_days"),
    ({"colours": {"overdue": "red"}}, "colours.overdue"),
    ({"colours": {"purple": "#FF00FF"}}, "colours.purple"),
    ({"rules": {"due_soon_days": -3}}, "rules.due_soon_days"),
    ({"rules": {"new_year": {"start": "02-30"}}}, "rules.new_year.start"),
    (
        {"rules": {"new_year": {"tiers": ["vip"]}}},
        "rules.new_year.tiers names unknown tier(s): vip",
    ),
    ({"default_tier": "vip"}, "default_tier 'vip' is not one of the tiers"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"schedule": {"at": "25:61"}}, "schedule.at"),
    ({"tabs": {"contacts": ["Contacts"]}}, "tabs.contacts"),
    ({"columns": {"aliases": {"nickname": ["Nick"]}}}, "columns.aliases"),
    ({"columns": {"owned": {"next_action": 3}}}, "columns.owned.next_action"),
    ({"dates": {"order": "ymd"}}, "dates.order"),
    ({"unknown_key": True}, "unknown_key"),
    ({"source": {"kind": "xlsx"}}, "source.path is required"),
    ({"source": {"kind": "google"}}, "source.spreadsheet"),
    ({"source": {"kind": "ftp", "path": "x.xlsx"}}, "source.kind"),
    ({"source": {"kind": "xlsx", "path": "x.xlsx", "timeout_seconds": -1}}, "timeout_seconds"),
    ({"source": {"kind": "xlsx", "path": "x.xlsx", "max_retries": 99}}, "max_retries"),
]


def base() -> dict[str, Any]:
    return {"source": {"kind": "xlsx", "path": "contacts.xlsx"}}


def merged(mistakes: list[dict[str, Any]]) -> dict[str, Any]:
    data = base()
    for mistake in mistakes:
        for key, value in mistake.items():
            if key != "source" and isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
    return data


@pytest.mark.parametrize(("mistake", "expected"), MISTAKES, ids=[m[1][:40] for m in MISTAKES])
def test_each_mistake_is_reported_by_its_path(mistake: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from_mapping(merged([mistake]))
    assert raised.value.exit_status == ExitStatus.CONFIG
    assert expected in str(raised.value)


@settings(max_examples=examples(60))
@given(st.lists(st.sampled_from(range(len(MISTAKES))), min_size=2, max_size=6, unique=True))
def test_every_mistake_is_reported_at_once(picked: list[int]) -> None:
    """All mistakes in one file come back in one error, whatever else is wrong."""
    chosen = [MISTAKES[i] for i in picked]
    # Two mistakes in one key (source.*) overwrite each other; keep one per top key.
    seen: set[str] = set()
    chosen = [m for m in chosen if not (set(m[0]) & seen or seen.update(m[0]))]
    if len(chosen) < 2:
        return
    with pytest.raises(ConfigError) as raised:
        config_from_mapping(merged([m for m, _ in chosen]))
    text = str(raised.value)
    for _mistake, expected in chosen:
        assert expected in text, (expected, text)


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.xlsx"
    write_new_workbook(path, {"Contacts": contacts(person("Ann", tier="close"))})
    return path


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "No config file at"),
        ("source: [unclosed", "is not valid YAML"),
        ("- just\n- a list\n", "must hold a mapping"),
        ("", "source: required key is missing"),
        (
            yaml.safe_dump({**base(), "picks_per_week": -1, "default_tier": "vip", "colours": 7}),
            "default_tier 'vip'",
        ),
    ],
    ids=["missing file", "invalid yaml", "not a mapping", "empty", "several mistakes"],
)
def test_cli_config_errors_exit_with_config_status_and_write_nothing(
    content: str | None, expected: str, workbook: Path, tmp_path: Path
) -> None:
    config = tmp_path / "sheets-keepup.yaml"
    if content is not None:
        config.write_text(content.replace("contacts.xlsx", str(workbook)))
    state = tmp_path / "state"
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()}
    result = CliRunner().invoke(main, ["sync", "-c", str(config), "--today", "2026-11-23"])
    assert result.exit_code == ExitStatus.CONFIG, result.output
    assert expected in result.stderr
    assert "Traceback" not in result.output
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()}
    assert after == before
    assert not state.exists()


def test_cli_several_mistakes_are_listed_together(workbook: Path, tmp_path: Path) -> None:
    config = tmp_path / "sheets-keepup.yaml"
    bad = {
        "source": {"kind": "xlsx", "path": str(workbook), "colour": "red"},
        "picks_per_week": 50,
        "default_tier": "vip",
        "timezone": "Nowhere/Land",
        "tiers": {"close": {"cadence_days": 0}, "core": {"cadence_days": 90}},
    }
    config.write_text(yaml.safe_dump(bad))
    result = CliRunner().invoke(main, ["sync", "-c", str(config)])
    assert result.exit_code == ExitStatus.CONFIG
    for text in (
        "source.colour",
        "picks_per_week",
        "default_tier 'vip'",
        "timezone",
        "tiers.close",
    ):
        assert text in result.stderr, text


def test_missing_workbook_is_an_access_error_naming_the_setting(tmp_path: Path) -> None:
    """A config that is valid but points at no file: exit ACCESS (documented), and the
    message says which setting to check."""
    config = tmp_path / "sheets-keepup.yaml"
    config.write_text(yaml.safe_dump({"source": {"kind": "xlsx", "path": "nope.xlsx"}}))
    result = CliRunner().invoke(main, ["sync", "-c", str(config)])
    assert result.exit_code == ExitStatus.ACCESS
    assert "source.path" in result.stderr
    assert not (tmp_path / "nope.xlsx").exists()
