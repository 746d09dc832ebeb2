"""Finding and reading the config file; the settings it holds are defined in core.settings."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import yaml

from sheets_keepup.core.errors import ConfigError
from sheets_keepup.core.settings import Config, config_from_mapping

CONFIG_ENV = "SHEETS_KEEPUP_CONFIG"


DEFAULT_CONFIG_NAME = "sheets-keepup.yaml"


def find_config_path(explicit: Path | None, env: dict[str, str] | None = None) -> Path:
    """The config to use: --config, else $SHEETS_KEEPUP_CONFIG, else ./sheets-keepup.yaml."""
    env = dict(os.environ) if env is None else env
    if explicit is not None:
        return explicit
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    return Path(DEFAULT_CONFIG_NAME)


def load_config(path: Path) -> Config:
    """Read and validate a YAML config file."""
    if not path.exists():
        raise ConfigError(
            f"No config file at {path}. Create one from the example:\n"
            f"  sheets-keepup config-example > {path}\n"
            "then set source.path (a .xlsx file) or source.spreadsheet (a Google Sheet), "
            "or try `sheets-keepup demo` first."
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from None
    except OSError as error:
        raise ConfigError(f"Cannot read {path}: {error.strerror}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a mapping of keys, not {type(raw).__name__}")
    return config_from_mapping(raw, base_dir=path.resolve().parent)


def example_config_text() -> str:
    """The example config shipped with the package."""
    return (
        resources.files("sheets_keepup")
        .joinpath("data/config.example.yaml")
        .read_text(encoding="utf-8")
    )
