"""Reading one value of a schedule file: a moment, a clock time, a duration, a uuid, a colour, a link.

Each answers None (or an empty string) for a value it cannot read; the caller says what is skipped.
"""

import re
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.text import one_line
from app.timezones import check_timezone

CLOCK_PATTERN = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
DURATION_PATTERN = re.compile(r"(\d{1,4}):(\d{2})(?::(\d{2}))?")
ISO_DURATION_PATTERN = re.compile(
    r"P(?:(\d{1,4})D)?(?:T(?:(\d{1,5})H)?(?:(\d{1,6})M)?(?:(\d{1,7})S)?)?", re.IGNORECASE
)
COLOUR_PATTERN = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
# Links keep web and mail addresses, and addresses without a scheme (often "example.org" or a path);
# never another scheme, such as "javascript:".
# A language tag, or several ("en, de": a session held in both).
LANGUAGE_PATTERN = re.compile(
    r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}(?:\s*,\s*[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}){0,5}"
)
LINK_PATTERN = re.compile(r"(?:(?:https?|mailto):|(?![A-Za-z][A-Za-z0-9+.-]*:))[^\s<>\"]+$", re.IGNORECASE)


def read_local_date(text: str, zone: ZoneInfo) -> date | None:
    moment = read_moment(text)
    if isinstance(moment, datetime):
        return moment.astimezone(zone).date() if moment.tzinfo is not None else moment.date()
    return moment


def read_moment(text: str) -> datetime | date | None:
    text = text.strip()
    if not text or len(text) > 40:
        return None
    try:
        if len(text) <= 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def read_date(text: str) -> date | None:
    moment = read_moment(text)
    return moment.date() if isinstance(moment, datetime) else moment


def read_aware_moment(text: str) -> datetime | None:
    moment = read_moment(text)
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return moment
    return None


def read_clock(text: str) -> time | None:
    match = CLOCK_PATTERN.fullmatch(text.strip())
    if match is None:
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    return time(hours, minutes, seconds)


def read_duration(text: str) -> timedelta | None:
    text = text.strip()
    match = DURATION_PATTERN.fullmatch(text)
    if match is not None:
        hours, minutes, seconds = (int(part or 0) for part in match.groups())
        if minutes > 59 or seconds > 59:
            return None
        return timedelta(hours=hours, minutes=minutes, seconds=seconds)
    match = ISO_DURATION_PATTERN.fullmatch(text)
    if match is not None and any(match.groups()):
        days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    return None


def read_uuid(text: str) -> str | None:
    text = text.strip()
    if len(text) not in (32, 36, 38):
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def read_zone(name: str) -> str | None:
    name = name.strip()
    if not name or len(name) > 64:
        return None
    try:
        return check_timezone(name)
    except ValueError:
        return None


def read_colour(text: str) -> str:
    """The colour as #rrggbb; empty when the file gives none that is valid (the palette assigns one)."""
    text = text.strip()
    if not COLOUR_PATTERN.fullmatch(text):
        return ""
    if len(text) == 4:
        text = "#" + "".join(char * 2 for char in text[1:])
    return text.lower()


def cut_to(text: str, length: int) -> str:
    # Everything cut here is a one-line field (titles, names): no line breaks or control characters.
    text = one_line(text)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
