"""Time zones: the zones offered in forms, checking a zone name, local wall-clock time <-> UTC, and the one
formatter that writes a moment in a zone for people (pages, emails, conflict messages).

Moments are stored in UTC; a zone is an IANA name (the event's, a speaker's own, the reader's).
"""

from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_datetime

from app.i18n import _, current_locale

DATE_TIME = "EEE d MMM y, HH:mm"
LONG_DATE_TIME = "EEEE d MMMM y, HH:mm"
CLOCK = "HH:mm"


@cache
def all_timezones() -> list[str]:
    """The zones a form offers: regions' zones ("Europe/Paris"), not the legacy and fixed-offset aliases."""
    return sorted(
        zone for zone in available_timezones() if "/" in zone and not zone.startswith(("Etc/", "SystemV/"))
    )


def check_timezone(value: str) -> str:
    """A form validator: the name of a zone that exists, or a ValueError saying what to choose."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(_("Choose a time zone from the list, such as Europe/Paris.")) from error
    return value


def zone_or_none(name: str | None) -> ZoneInfo | None:
    """The zone of that name, or None for a blank or unknown name (a value stored before it was checked)."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_to_utc(day: date, clock: time, timezone: str) -> datetime:
    """The UTC instant of a wall-clock time; on the night clocks go back, the earlier of the two."""
    tz = ZoneInfo(timezone)
    local = datetime.combine(day, clock, tzinfo=tz)
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError(_("This time does not exist on that day: the clocks go forward then."))
    return instant


def in_zone(moment: datetime, zone: str | ZoneInfo) -> datetime:
    return moment.astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone))


def format_local(
    moment: datetime, zone: str | ZoneInfo, pattern: str = DATE_TIME, *, with_zone: bool = False
) -> str:
    """The moment as the clocks in `zone` show it, in the reader's language (a Babel date pattern).

    `with_zone` adds the zone database's abbreviation ("CEST", not "+0200": Babel's short names are only
    offsets in most locales).
    """
    local = in_zone(moment, zone)
    text = format_datetime(local, pattern, locale=current_locale.get())
    return f"{text} {local.tzname()}" if with_zone else text


def format_local_time(moment: datetime, zone: str) -> str:
    return format_local(moment, zone, CLOCK)


def format_local_datetime(moment: datetime, zone: str) -> str:
    return format_local(moment, zone, DATE_TIME)


def format_local_day(moment: datetime, zone: str) -> str:
    """The day of the moment as the calendars in `zone` show it ("Tuesday 8 December")."""
    return format_local(moment, zone, "EEEE d MMMM")


def format_zone_abbreviation(moment: datetime, zone: str) -> str:
    return in_zone(moment, zone).strftime("%Z")
