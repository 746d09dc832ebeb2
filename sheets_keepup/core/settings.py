"""The settings a config file holds, validated into typed models (app.config_file reads it).

Every problem in a file is reported at once, each with its dotted path, so a user fixes
a config in one pass instead of one error per run.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sheets_keepup.core.errors import ConfigError

_HEX_COLOUR = re.compile(r"^#?[0-9A-Fa-f]{6}$")
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def with_local_zone(config: Config, zone: str) -> Config:
    """`config` in `zone` (the machine's, which the app looks up) when it sets no timezone.

    The zone still counts as not set (`model_fields_set`), so `check` and `status` can
    say it is the machine's. A config that names a timezone is returned as it is.
    """
    if "timezone" in config.model_fields_set:
        return config
    local = config.model_copy(update={"timezone": zone})
    local.__pydantic_fields_set__.discard("timezone")
    return local


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
    done: str | None = "Done"
    """The Done box: ticked by the user, taken in (a Log row) and cleared by the sync.
    null or empty switches it off."""

    @field_validator("done", mode="before")
    @classmethod
    def _blank_is_off(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        # Callers map every owned key to its header; a switched-off column has none,
        # and a None header would match every empty header cell.
        kwargs.setdefault("exclude_none", True)
        return super().model_dump(**kwargs)


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


_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class MailScanConfig(_Strict):
    """IMAP settings for `sheets-keepup mail`. The password comes from the environment;
    with `auth: oauth2` an access token comes from a credentials file or a command."""

    host: str = Field(min_length=1)
    port: int | None = Field(default=None, gt=0, lt=65536, description="993 (tls) or 143")
    security: Literal["tls", "starttls", "none"] = "tls"
    username: str = Field(min_length=1)
    password_env: str = Field(default="SHEETS_KEEPUP_IMAP_PASSWORD", min_length=1)
    auth: Literal["password", "oauth2"] = Field(default="password", description="or XOAUTH2")
    oauth_credentials: Path | None = Field(
        default=None, description="Google authorized-user JSON, absolute path (auth: oauth2)"
    )
    token_command: str | None = Field(
        default=None, description="a command printing an access token (auth: oauth2)"
    )
    ca_file: Path | None = Field(default=None, description="extra CA certificate to trust")
    sent_folder: str = Field(default="Sent", min_length=1, description="when no \\Sent flag")
    replies: bool = False
    inbox_folder: str = Field(default="INBOX", min_length=1)
    max_recipients: int = Field(default=10, ge=1, le=1000)
    lookback_days: int = Field(default=30, ge=1, le=3650)
    include_subject: bool = False
    timeout_seconds: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _plain_only_on_loopback(self) -> MailScanConfig:
        # A password sent in the clear may cross only this machine, never a network.
        if self.security == "none" and self.host.strip().casefold() not in _LOOPBACK_HOSTS:
            raise ValueError(
                "touches.mail.security none (no encryption) is allowed only for a server on "
                "this machine (localhost); use tls or starttls"
            )
        return self

    @field_validator("oauth_credentials")
    @classmethod
    def _credentials_path(cls, value: Path | None) -> Path | None:
        return _absolute(value, "the credentials file")

    @field_validator("token_command")
    @classmethod
    def _command_words(cls, value: str | None) -> str | None:
        import shlex

        if value is None:
            return None
        try:
            words = shlex.split(value)
        except ValueError as error:
            raise ValueError(f"the command cannot be split into words: {error}") from None
        if not words:
            raise ValueError("the command is empty")
        return value

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> MailScanConfig:
        # password_env keeps its default either way; with oauth2 it is simply not read.
        given = [k for k in ("oauth_credentials", "token_command") if getattr(self, k) is not None]
        if self.auth == "password" and given:
            raise ValueError(f"{given[0]} is used only with auth: oauth2")
        if self.auth == "oauth2" and len(given) != 1:
            raise ValueError(
                "auth: oauth2 needs exactly one of oauth_credentials (a Google "
                "authorized-user file) or token_command (a command that prints a token)"
            )
        return self


def _web_address(value: str, what: str) -> str:
    """An http(s) address; plain http only to this machine, where nothing crosses a network."""
    from urllib.parse import urlsplit

    value = value.strip()
    if value.casefold().startswith("webcal://"):
        # Calendar apps hand out webcal:// links to mean "subscribe"; the feed is https.
        value = "https://" + value[len("webcal://") :]
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"{what} must be an https:// address")
    if parts.scheme == "http" and parts.hostname.casefold() not in _LOOPBACK_HOSTS:
        raise ValueError(f"{what} must use https:// (http:// only for this machine, localhost)")
    return value


def _absolute(value: Path | None, what: str) -> Path | None:
    if value is None:
        return None
    path = value.expanduser()
    if not path.is_absolute():
        raise ValueError(f"{what} must be an absolute path (~ is expanded), not {str(value)!r}")
    return path


class CalendarSourceConfig(_Strict):
    """One calendar to read: an .ics file, an .ics address, or a CalDAV calendar."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    path: Path | None = Field(default=None, description="an .ics file, absolute path")
    url: str | None = Field(default=None, description="an .ics address (kept secret)")
    url_env: str | None = Field(default=None, description="env var holding the .ics address")
    caldav: str | None = Field(default=None, description="a CalDAV calendar's address")
    username: str | None = None
    password_env: str = Field(default="SHEETS_KEEPUP_CALDAV_PASSWORD", min_length=1)
    timeout_seconds: float = Field(default=60.0, gt=0)

    @field_validator("path")
    @classmethod
    def _absolute_path(cls, value: Path | None) -> Path | None:
        return _absolute(value, "path")

    @field_validator("url", "caldav")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return None if value is None else _web_address(value, "the address")

    @model_validator(mode="after")
    def _one_kind(self) -> CalendarSourceConfig:
        given = [k for k in ("path", "url", "url_env", "caldav") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"calendar source {self.name!r} needs exactly one of path, url, url_env or caldav"
            )
        return self


def _default_meal_words() -> dict[str, list[str]]:
    return {"coffee": ["coffee", "café", "cafe"], "lunch": ["lunch", "brunch"]}


def _default_video_hosts() -> list[str]:
    return [
        "meet.google.com",
        "zoom.us",
        "zoom.com",
        "teams.microsoft.com",
        "teams.live.com",
        "webex.com",
        "whereby.com",
        "meet.jit.si",
        "gotomeeting.com",
        "bluejeans.com",
        "chime.aws",
        "facetime.apple.com",
    ]


class CalendarConfig(_Strict):
    """`sheets-keepup calendar`: meetings in your calendars logged as touches."""

    sources: list[CalendarSourceConfig] = Field(min_length=1)
    me: list[str] = Field(default_factory=list, description="your own addresses")
    lookback_days: int = Field(default=30, ge=1, le=3650)
    horizon_days: int = Field(default=14, ge=0, le=365)
    max_attendees: int = Field(default=10, ge=1, le=1000)
    kinds: dict[str, list[str]] = Field(default_factory=_default_meal_words)
    video_hosts: list[str] = Field(default_factory=_default_video_hosts)
    all_day: bool = False
    include_title: bool = False

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, value: list[CalendarSourceConfig]) -> list[CalendarSourceConfig]:
        names = [s.name.casefold() for s in value]
        if len(set(names)) != len(names):
            raise ValueError("each calendar source needs a name of its own")
        return value


class RemindersCalDavConfig(_Strict):
    """The CalDAV calendar `ics --push` writes reminders to."""

    url: str = Field(min_length=1)
    username: str | None = None
    password_env: str = Field(default="SHEETS_KEEPUP_CALDAV_PASSWORD", min_length=1)
    timeout_seconds: float = Field(default=60.0, gt=0)

    @field_validator("url")
    @classmethod
    def _address(cls, value: str) -> str:
        return _web_address(value, "reminders.caldav.url")


class RemindersConfig(_Strict):
    """`sheets-keepup ics`: this week's picks, birthdays and thank-yous as calendar entries."""

    file: Path | None = Field(default=None, description="where `ics` writes, absolute path")
    format: Literal["events", "tasks"] = "events"
    caldav: RemindersCalDavConfig | None = None

    @field_validator("file")
    @classmethod
    def _absolute_file(cls, value: Path | None) -> Path | None:
        return _absolute(value, "reminders.file")


class TouchesConfig(_Strict):
    """Touches recorded without typing: sent mail (and, when configured, more sources)."""

    mail: MailScanConfig | None = None
    calendar: CalendarConfig | None = None
    reminders: RemindersConfig = RemindersConfig()


class Config(_Strict):
    """All settings. Defaults follow the keep-in-touch advice in docs/rules.md."""

    source: SourceConfig
    tabs: TabsConfig = TabsConfig()
    columns: ColumnsConfig = ColumnsConfig()
    tiers: dict[str, TierConfig] = Field(default_factory=_default_tiers)
    default_tier: str = "network"
    rules: RulesConfig = RulesConfig()
    picks_per_week: int = Field(default=3, ge=0, le=20)
    picks_new_per_week: int = Field(default=1, ge=0, le=20)
    """How many of the week's picks may be people never spoken to (no Last contact)."""
    colours: ColoursConfig = ColoursConfig()
    highlight: Literal["row", "status", "none"] = Field(
        default="row",
        description="colour the whole row, only the owned cells (status), or nothing (none)",
    )
    dates: DatesConfig = DatesConfig()
    timezone: str = Field(
        default="UTC",
        description="when unset, the app uses the machine's zone (see with_local_zone)",
    )
    state_dir: Path | None = None
    snapshots: SnapshotsConfig = SnapshotsConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    # "import" is a Python keyword, so the attribute is `import_` and the YAML key `import`.
    import_: ImportConfig = Field(default=ImportConfig(), alias="import")
    health: HealthConfig = HealthConfig()
    digest: DigestConfig = DigestConfig()
    touches: TouchesConfig = TouchesConfig()
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
            message = "unknown key" + _did_you_mean(item["loc"])
        elif item["type"] == "missing":
            message = "required key is missing"
        lines.append(f"{_format_location(item['loc'])}: {message}")
    return lines


def _did_you_mean(loc: tuple[int | str, ...]) -> str:
    """A hint for an unknown key: the closest key accepted at its place, if one is close."""
    known = _keys_at(loc[:-1])
    typed = str(loc[-1]) if loc else ""
    # Case is compared loosely: "Tabs" is as likely a typo of "tabs" as "tbas" is.
    by_folded = {key.casefold(): key for key in known}
    close = difflib.get_close_matches(typed.casefold(), list(by_folded), n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{by_folded[close[0]]}'?"
    listed = ", ".join(known)
    return f"; known keys here: {listed}" if listed else ""


def _keys_at(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the settings accept at `loc` (a path into the config), as a file spells them."""
    annotation: Any = Config
    for part in loc:
        if isinstance(part, str) and part.startswith(("function-", "literal[")):
            continue
        model = _model_in(annotation)
        fields = {(f.alias or name): f for name, f in model.model_fields.items()} if model else {}
        if isinstance(part, str) and part in fields:
            annotation = fields[part].annotation
        elif get_origin(annotation) in (dict, list):
            annotation = get_args(annotation)[-1]
        else:
            return []
    model = _model_in(annotation)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The settings model an annotation names, also through `X | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


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
