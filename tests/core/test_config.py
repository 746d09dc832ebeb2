import re
from pathlib import Path

import pytest
import yaml

from sheets_keepup.app.config_file import find_config_path, load_config
from sheets_keepup.core.errors import ConfigError, ExitStatus
from sheets_keepup.core.settings import config_from_mapping


def test_example_config_is_valid_and_documents_every_key(repo_root: Path) -> None:
    example = repo_root / "config.example.yaml"
    config = load_config(example)
    assert config.source.kind == "xlsx"
    assert config.source.path == example.resolve().parent / "contacts.xlsx"
    text = example.read_text()
    for key in (
        "source",
        "tabs",
        "columns",
        "aliases",
        "owned",
        "tiers",
        "default_tier",
        "due_soon_days",
        "birthday_lead_days",
        "thank_you_days",
        "new_year",
        "in_person_kinds",
        "picks_per_week",
        "colours",
        "dates",
        "order",
        "locale",
        "timezone",
        "state_dir",
        "schedule",
        "spreadsheet",
        "credentials",
        "auth",
        "max_retries",
        "timeout_seconds",
        "digest_day",
        "highlight",
        "snapshots",
        "keep",
        "max_age_days",
        "log_file",
        "health",
        "digest",
        "birthday_days",
        "email",
        "host",
        "port",
        "security",
        "username",
        "password_env",
        "sender",
        "to",
    ):
        assert f"{key}:" in text, key


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping(
            {
                "source": {"kind": "xlsx", "path": "x.xlsx", "colour": "red"},
                "tiers": {"close": {"cadence_days": -3}, "core": {"cadence_days": "often"}},
                "colours": {"overdue": "reddish"},
                "picks_per_week": 50,
                "timezone": "Mars/Olympus",
                "rules": {"new_year": {"start": "13-45"}},
            }
        )
    error = caught.value
    assert error.exit_status == ExitStatus.CONFIG
    text = str(error)
    for path in (
        "source.colour",
        "tiers.close.cadence_days",
        "tiers.core.cadence_days",
        "colours.overdue",
        "picks_per_week",
        "timezone",
        "rules.new_year.start",
        "default_tier 'network' is not one of the tiers",  # only close and core are defined
    ):
        assert path in text, (path, text)
    assert len(error.problems) == 8


def test_unknown_tier_references() -> None:
    with pytest.raises(ConfigError, match="default_tier 'vip'"):
        config_from_mapping({"source": {"path": "x.xlsx"}, "default_tier": "vip"})


def test_source_needs_a_target() -> None:
    with pytest.raises(ConfigError, match=r"source.spreadsheet"):
        config_from_mapping({"source": {"kind": "google"}})
    with pytest.raises(ConfigError, match="source: required key is missing"):
        config_from_mapping({})


def test_missing_config_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sheets-keepup init --xlsx"):
        load_config(tmp_path / "nope.yaml")


def test_invalid_yaml_and_non_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    bad.write_text("- a list")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(bad)


def test_config_path_precedence(tmp_path: Path) -> None:
    explicit = tmp_path / "a.yaml"
    assert find_config_path(explicit, {"SHEETS_KEEPUP_CONFIG": "b.yaml"}) == explicit
    assert find_config_path(None, {"SHEETS_KEEPUP_CONFIG": "b.yaml"}) == Path("b.yaml")
    assert find_config_path(None, {}) == Path("sheets-keepup.yaml")


def test_tier_names_are_case_insensitive() -> None:
    config = config_from_mapping(
        {
            "source": {"path": "x.xlsx"},
            "tiers": {"VIP": {"cadence_days": 10}},
            "default_tier": "vip",
            "rules": {"new_year": {"tiers": ["Vip"]}},
        }
    )
    assert list(config.tiers) == ["vip"]


def test_example_digest_email_block_is_valid_when_uncommented(repo_root: Path) -> None:
    text = (repo_root / "config.example.yaml").read_text()
    block = re.search(r"^  # email:\n((?:  #   .*\n)+)", text, re.M)
    assert block is not None
    lines = ["  email:"] + [line.replace("  #   ", "    ", 1) for line in block[1].splitlines()]
    enabled = text.replace(block[0], "\n".join(lines) + "\n")
    config = config_from_mapping(yaml.safe_load(enabled))
    assert config.digest.email is not None
    assert config.digest.email.security == "starttls"
    assert config.digest.email.password_env == "SHEETS_KEEPUP_SMTP_PASSWORD"


def test_tool_owned_tabs_need_names_of_their_own() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping(
            {"source": {"path": "x.xlsx"}, "health": {"tab": "Log"}, "digest": {"tab": "LOG"}}
        )
    text = str(caught.value)
    assert "health.tab 'Log' is also tabs.log, digest.tab" in text
    assert "digest.tab 'LOG' is also tabs.log" in text
