"""Finding and reading the config file; the settings it holds are defined in core.settings."""

from __future__ import annotations

import json
import os
import re
from importlib import resources
from pathlib import Path

import yaml

from sheets_keepup.app.times import system_timezone
from sheets_keepup.core.errors import ConfigError, UserError
from sheets_keepup.core.settings import (
    Config,
    config_from_mapping,
    default_config,
    with_local_zone,
)

CONFIG_ENV = "SHEETS_KEEPUP_CONFIG"


DEFAULT_CONFIG_NAME = "sheets-keepup.yaml"
# The same words as `init` and the docs: init writes the config, nobody hand-copies it.
HOW_TO_START = (
    "Say where your contacts are:\n"
    "  sheets-keepup init --xlsx contacts.xlsx   (a new or existing workbook)\n"
    "  sheets-keepup init --sheet URL            (a Google Sheet shared with you)\n"
    "or try `sheets-keepup demo` first."
)


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
        raise ConfigError(f"No config file at {path}. {HOW_TO_START}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {yaml_problem(error)}") from None
    except OSError as error:
        raise ConfigError(f"Cannot read {path}: {error.strerror}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a mapping of keys, not {type(raw).__name__}")
    config = config_from_mapping(raw, base_dir=path.resolve().parent)
    return with_local_zone(config, system_timezone())


def local_default_config(workbook: Path) -> Config:
    """Every default, for a local workbook (the demo), in the machine's timezone."""
    return with_local_zone(default_config(workbook), system_timezone())


def yaml_problem(error: yaml.YAMLError) -> str:
    """What is wrong and where, by line and column; PyYAML's own text names no file."""
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem is None:
        return str(error)
    text = _at(error.problem_mark) + error.problem
    if error.context is not None:
        where = _at(error.context_mark).removesuffix(": ")
        text += f" ({error.context}{' at ' + where if where else ''})"
    return text


def _at(mark: yaml.Mark | None) -> str:
    return "" if mark is None else f"line {mark.line + 1}, column {mark.column + 1}: "


def example_config_text() -> str:
    """The example config shipped with the package."""
    return (
        resources.files("sheets_keepup")
        .joinpath("data/config.example.yaml")
        .read_text(encoding="utf-8")
    )


_SOURCE_LINES = {
    "kind": re.compile(r"^  kind: xlsx$", re.M),
    "path": re.compile(r"^  path: contacts\.xlsx$", re.M),
    "spreadsheet": re.compile(r"^  # spreadsheet: .*$", re.M),
}


def config_text(example: str, *, xlsx: Path | None = None, sheet: str | None = None) -> str:
    """The example config with the source filled in: a workbook path or a sheet URL.

    The comments of the example are kept, so the file documents itself.
    """
    if (xlsx is None) == (sheet is None):
        raise UserError("Name one source: --xlsx PATH or --sheet URL.")
    for pattern in _SOURCE_LINES.values():
        if len(pattern.findall(example)) != 1:
            raise RuntimeError("the example config no longer has the expected source lines")
    if xlsx is not None:
        text = _SOURCE_LINES["path"].sub(lambda _: f"  path: {json.dumps(str(xlsx))}", example)
    else:
        text = _SOURCE_LINES["kind"].sub("  kind: google", example)
        text = _SOURCE_LINES["path"].sub("  # path: contacts.xlsx", text)
        text = _SOURCE_LINES["spreadsheet"].sub(
            lambda _: f"  spreadsheet: {json.dumps(str(sheet))}", text
        )
    config_from_mapping(yaml.safe_load(text))
    return text


def workbook_in_config(workbook: Path, config_path: Path) -> Path:
    """How a config at `config_path` names `workbook`: relative to it when inside its folder."""
    absolute = workbook.expanduser().resolve()
    base = config_path.expanduser().resolve().parent
    try:
        return absolute.relative_to(base)
    except ValueError:
        return absolute


def write_config(path: Path, text: str) -> None:
    """Write a new config file; never replaces one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise UserError(f"{path} already exists; not replacing it.") from None
