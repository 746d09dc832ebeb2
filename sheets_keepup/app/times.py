"""Daily run times in an IANA timezone, correct across DST changes.

The nightly loop wakes when the ``schedule`` library says so; these functions say which
night a wake-up is for, how many were missed, and whether one is due at all.

All returned datetimes are in UTC: comparing aware datetimes that share a zoneinfo
tzinfo ignores ``fold``, which gives wrong answers in the repeated autumn hour.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_AT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_at(at: str) -> time:
    """Parse a 24-hour "HH:MM" time of day."""
    match = _AT.match(at)
    if not match:
        raise ValueError(f"invalid time of day {at!r}: use 24-hour HH:MM, e.g. 02:00")
    return time(int(match[1]), int(match[2]))


def parse_timezone(name: str) -> ZoneInfo:
    """Load an IANA timezone such as "Europe/London"."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"unknown timezone {name!r}: use an IANA name like Europe/London"
        raise ValueError(message) from None


def slot_on(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The run time on local ``day``, in UTC.

    In the autumn repeated hour the first occurrence is used (fold=0); a time that
    does not exist (spring gap) runs that much later, e.g. 01:30 -> 02:30.
    """
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def latest_slot(now: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The most recent run time at or before ``now``, in UTC."""
    today = now.astimezone(tz).date()
    slot = slot_on(today, at, tz)
    return slot if slot <= now else slot_on(today - timedelta(days=1), at, tz)


def next_slot(now: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The first run time strictly after ``now``, in UTC."""
    today = now.astimezone(tz).date()
    slot = slot_on(today, at, tz)
    return slot if slot > now else slot_on(today + timedelta(days=1), at, tz)


def slots_between(after: datetime, until: datetime, at: time, tz: ZoneInfo) -> int:
    """How many run times fall in the interval (``after``, ``until``]."""
    count = 0
    slot = next_slot(after, at, tz)
    while slot <= until:
        count += 1
        slot = next_slot(slot, at, tz)
    return count


def system_timezone(
    environ: Mapping[str, str] | None = None, localtime: str = "/etc/localtime"
) -> str:
    """The machine's IANA zone, as tzlocal finds it: $TZ, else /etc/localtime, else UTC.

    A config without `timezone` means the user's local day: a 06:00 run in Los Angeles
    is not 22:00 the day before.
    """
    env = os.environ if environ is None else environ
    text = env.get("TZ", "").strip().removeprefix(":")
    for name in (_zone_of_path(text) if text.startswith("/") else text, _zone_of_path(localtime)):
        if name and _known_zone(name):
            # Most machines link /etc/localtime to Etc/UTC: show it as plain UTC.
            return "UTC" if name in _UTC_ALIASES else name
    return "UTC"


_UTC_ALIASES = frozenset(
    {"Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu"}
)


def _zone_of_path(path: str) -> str:
    """The zone a link such as /usr/share/zoneinfo/Europe/Paris names ("Europe/Paris")."""
    real = os.path.realpath(path)
    marker = "/zoneinfo/"
    return real.split(marker, 1)[1] if marker in real else ""


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
