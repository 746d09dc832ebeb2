"""The settings a config file holds, validated into typed models (app.config_file reads it).

Every problem in a file is reported at once, each with its dotted path, so a user fixes
a config in one pass instead of one error per run.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sheets_keepup.core.errors import ConfigError

_HEX_COLOUR = re.compile(r"^#?[0-9A-Fa-f]{6}$")
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Strict(BaseModel):
    """Unknown keys are errors: a typo must not silently fall back to a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceConfig(_Strict):
    """Where the contact list lives."""

    kind: Literal["xlsx", "google"] = "xlsx"
    path: Path | None = Field(default=None, description="xlsx workbook path")
    spreadsheet: str | None = Field(default=None, description="Google Sheet URL or key")
    auth: Literal["service_account", "oauth", "default"] = "service_account"
    credentials: Path | None = None
    timeout_seconds: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=5, ge=0, le=20)

    @model_validator(mode="after")
    def _needs_target(self) -> SourceConfig:
        if self.kind == "xlsx" and self.path is None:
            raise ValueError("source.path is required when source.kind is xlsx")
        if self.kind == "google" and not self.spreadsheet:
            raise ValueError("source.spreadsheet (URL or key) is required when kind is google")
        return self


class TabsConfig(_Strict):
    """Tab (worksheet) names."""

    contacts: str = "Contacts"
    log: str = "Log"


class OwnedColumns(_Strict):
    """Headers of the columns sheets-keepup writes. Everything else is the user's."""

    next_action: str = "Next action"
    due: str = "Due"
    status: str = "Status"


class ColumnsConfig(_Strict):
    """Extra header aliases (added to the built-in ones) and owned column names."""

    aliases: dict[str, list[str]] = Field(default_factory=dict)
    owned: OwnedColumns = OwnedColumns()

    @field_validator("aliases")
    @classmethod
    def _known_fields(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        from sheets_keepup.core.headers import FIELD_ALIASES

        unknown = sorted(set(value) - set(FIELD_ALIASES))
        if unknown:
            known = ", ".join(FIELD_ALIASES)
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; known fields: {known}")
        return value


class TierConfig(_Strict):
    """One relationship tier."""

    cadence_days: int = Field(gt=0, le=3650, description="keep-in-touch cadence")
    in_person_days: int | None = Field(default=None, gt=0, le=3650)
    weight: float = Field(default=1.0, gt=0, le=100)


def _default_tiers() -> dict[str, TierConfig]:
    return {
        "close": TierConfig(cadence_days=30, in_person_days=180, weight=4),
        "core": TierConfig(cadence_days=90, in_person_days=365, weight=3),
        "network": TierConfig(cadence_days=180, weight=2),
        "acquaintance": TierConfig(cadence_days=365, weight=1),
    }


class NewYearConfig(_Strict):
    """The new-year greeting window, as MM-DD bounds that may wrap over 31 Dec."""

    enabled: bool = True
    start: str = "12-15"
    end: str = "01-06"
    tiers: list[str] = Field(default_factory=lambda: ["close", "core"])

    @field_validator("start", "end")
    @classmethod
    def _month_day(cls, value: str) -> str:
        parse_month_day(value)
        return value


class RulesConfig(_Strict):
    """Knobs of the follow-up rules."""

    due_soon_days: int = Field(default=14, ge=0, le=365)
    birthday_lead_days: int = Field(default=7, ge=0, le=60)
    thank_you_days: int = Field(default=3, ge=0, le=30)
    new_year: NewYearConfig = NewYearConfig()
    in_person_kinds: list[str] = Field(
        default_factory=lambda: [
            "coffee",
            "lunch",
            "dinner",
            "breakfast",
            "drinks",
            "meeting",
            "meetup",
            "event",
            "visit",
            "in person",
        ]
    )
    thank_you_kinds: list[str] = Field(
        default_factory=lambda: ["thank-you", "thank you", "thanks", "thankyou"]
    )


class ColoursConfig(_Strict):
    """Row background colours by status, as #RRGGBB (`pick`: the week's picks, in bold)."""

    pick: str = "#F4A09A"
    overdue: str = "#F4C7C3"
    due_soon: str = "#FCE8B2"
    ok: str = "#D9EAD3"
    snoozed: str = "#E0E0E0"
    check: str = "#D9D2E9"

    @field_validator("*")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not _HEX_COLOUR.match(value):
            raise ValueError(f"{value!r} is not a colour; use #RRGGBB, e.g. #F4C7C3")
        return "#" + value.lstrip("#").upper()


class SnapshotsConfig(_Strict):
    """How many snapshots (taken before each write) to keep, and for how long."""

    keep: int = Field(default=20, ge=1, le=10_000, description="newest snapshots kept")
    max_age_days: int | None = Field(
        default=90, ge=1, le=36_500, description="older snapshots are deleted; null: no limit"
    )


class DatesConfig(_Strict):
    """How ambiguous text dates like 3/4/2021 are read."""

    order: Literal["auto", "dmy", "mdy"] = Field(
        default="auto", description="auto: from the spreadsheet locale (en_US: mdy, else dmy)"
    )
    locale: str = Field(default="en_GB", description="locale for workbooks that carry none")


class ScheduleConfig(_Strict):
    """When `run` syncs."""

    at: str = "06:00"
    digest_day: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = "monday"

    @field_validator("at")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"{value!r} is not a time of day; use HH:MM, e.g. 06:00")
        return value


class ImportConfig(_Strict):
    """How `import` fills the rows it adds."""

    default_tier: str | None = Field(
        default=None, description="Tier written in new rows; empty leaves Tier blank"
    )


class HealthConfig(_Strict):
    """The small tool-owned tab that shows when the sheet was last synced."""

    enabled: bool = True
    tab: str = Field(default="keepup", min_length=1, max_length=100)


class DigestEmailConfig(_Strict):
    """SMTP settings for mailing the weekly digest. The password comes from the environment."""

    host: str = Field(min_length=1)
    port: int = Field(default=587, gt=0, lt=65536)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: str = Field(default="SHEETS_KEEPUP_SMTP_PASSWORD", min_length=1)
    sender: str = Field(min_length=3)
    sender_name: str = "sheets-keepup"
    to: list[str] = Field(min_length=1)


class DigestConfig(_Strict):
    """The weekly "This week" tab (and optional email)."""

    enabled: bool = True
    tab: str = Field(default="This week", min_length=1, max_length=100)
    birthday_days: int = Field(default=14, ge=0, le=60)
    email: DigestEmailConfig | None = None


class Config(_Strict):
    """All settings. Defaults follow the keep-in-touch advice in docs/rules.md."""

    source: SourceConfig
    tabs: TabsConfig = TabsConfig()
    columns: ColumnsConfig = ColumnsConfig()
    tiers: dict[str, TierConfig] = Field(default_factory=_default_tiers)
    default_tier: str = "network"
    rules: RulesConfig = RulesConfig()
    picks_per_week: int = Field(default=3, ge=0, le=20)
    colours: ColoursConfig = ColoursConfig()
    highlight: Literal["row", "status", "none"] = Field(
        default="row",
        description="colour the whole row, only the owned cells (status), or nothing (none)",
    )
    dates: DatesConfig = DatesConfig()
    timezone: str = "UTC"
    state_dir: Path | None = None
    snapshots: SnapshotsConfig = SnapshotsConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    # "import" is a Python keyword, so the attribute is `import_` and the YAML key `import`.
    import_: ImportConfig = Field(default=ImportConfig(), alias="import")
    health: HealthConfig = HealthConfig()
    digest: DigestConfig = DigestConfig()
    log_file: Path | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r}; use an IANA name like Europe/Paris"
            ) from None
        return value

    @field_validator("tiers")
    @classmethod
    def _some_tiers(cls, value: dict[str, TierConfig]) -> dict[str, TierConfig]:
        if not value:
            raise ValueError("at least one tier is needed")
        return {name.strip().casefold(): tier for name, tier in value.items()}

    @model_validator(mode="after")
    def _tier_names_known(self) -> Config:
        problems = self._tier_problems(
            set(self.tiers), self.default_tier, list(self.rules.new_year.tiers)
        )
        tier = self.import_.default_tier
        if tier is not None and tier.strip() and tier.strip().casefold() not in self.tiers:
            problems.append(f"import.default_tier {tier!r} is not one of the tiers")
        problems += self._owned_tab_clashes()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @staticmethod
    def _tier_problems(
        tiers: set[str], default_tier: str | None, new_year_tiers: list[str] | None
    ) -> list[str]:
        """Tier names used elsewhere that are not tiers (None: that setting is unusable)."""
        problems = []
        if default_tier is not None and default_tier.casefold() not in tiers:
            problems.append(f"default_tier {default_tier!r} is not one of the tiers")
        unknown = [t for t in new_year_tiers or () if t.casefold() not in tiers]
        if unknown:
            problems.append(f"rules.new_year.tiers names unknown tier(s): {', '.join(unknown)}")
        return problems

    def _owned_tab_clashes(self) -> list[str]:
        """The tool-owned tabs are rewritten whole, so none may be a user tab."""
        named = {
            "tabs.contacts": self.tabs.contacts,
            "tabs.log": self.tabs.log,
            "health.tab": self.health.tab,
            "digest.tab": self.digest.tab,
        }
        problems = []
        for key in ("health.tab", "digest.tab"):
            # A clash between the two owned tabs is reported once, under health.tab.
            others = [
                k for k in named if k != key and not (key == "digest.tab" and k == "health.tab")
            ]
            clashes = [k for k in others if _same_title(named[k], named[key])]
            if clashes:
                problems.append(
                    f"{key} {named[key]!r} is also {', '.join(clashes)}; the tool rewrites "
                    "that tab whole, so give it a name of its own"
                )
        return problems


def _same_title(a: str, b: str) -> bool:
    """Tab titles compare like the backends find them: case and outer spaces ignored."""
    return a.strip().casefold() == b.strip().casefold()


def parse_month_day(value: str) -> tuple[int, int]:
    """Parse 'MM-DD' into (month, day), rejecting impossible dates."""
    match = _MONTH_DAY.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not MM-DD, e.g. 12-15")
    month, day = int(match.group(1)), int(match.group(2))
    days_in_month = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not 1 <= month <= 12 or not 1 <= day <= days_in_month[month - 1]:
        raise ValueError(f"{value!r} is not a real month and day")
    return month, day


def _format_location(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif str(item).startswith(("function-", "literal[")):
            continue
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def _cross_field_problems(data: dict[str, Any]) -> list[str]:
    """The whole-config checks, on the raw mapping.

    Pydantic runs `Config._tier_names_known` only when every field is valid, so a file
    with a bad tier name and another mistake reported one and hid the other.
    """
    raw_tiers = data.get("tiers")
    if raw_tiers is None:
        names = set(_default_tiers())
    elif isinstance(raw_tiers, dict) and raw_tiers:
        names = {str(name).strip().casefold() for name in raw_tiers}
    else:
        return []
    message = Config._tier_problems
    rules = data.get("rules")
    new_year = rules.get("new_year") if isinstance(rules, dict) else None
    wanted = new_year.get("tiers") if isinstance(new_year, dict) else None
    default = data.get("default_tier", Config.model_fields["default_tier"].default)
    return message(
        names,
        default if isinstance(default, str) else None,
        [t for t in wanted if isinstance(t, str)] if isinstance(wanted, list) else None,
    )


def describe_validation_error(error: ValidationError) -> list[str]:
    """One line per problem, each starting with its dotted path."""
    lines = []
    for item in error.errors():
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling against config.example.yaml)"
        elif item["type"] == "missing":
            message = "required key is missing"
        lines.append(f"{_format_location(item['loc'])}: {message}")
    return lines


def config_from_mapping(data: dict[str, Any], base_dir: Path | None = None) -> Config:
    """Validate a mapping (as read from YAML); relative paths resolve against base_dir."""
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        extra = _cross_field_problems(data)
        joined = "(top level): " + "; ".join(extra)
        lines = [line for line in describe_validation_error(error) if line != joined]
        lines += [f"(top level): {problem}" for problem in extra]
        raise ConfigError("The configuration has problems:", lines) from None
    return _resolve_paths(config, base_dir) if base_dir else config


def _resolve_paths(config: Config, base_dir: Path) -> Config:
    def absolute(path: Path | None) -> Path | None:
        if path is None:
            return None
        path = path.expanduser()
        return path if path.is_absolute() else base_dir / path

    source = config.source.model_copy(
        update={
            "path": absolute(config.source.path),
            "credentials": absolute(config.source.credentials),
        }
    )
    return config.model_copy(
        update={
            "source": source,
            "state_dir": absolute(config.state_dir),
            "log_file": absolute(config.log_file),
        }
    )


def default_config(workbook: Path) -> Config:
    """Settings for a local workbook with every default, as `demo` uses."""
    return Config(source=SourceConfig(kind="xlsx", path=workbook))
