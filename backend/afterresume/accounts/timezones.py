from datetime import date
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.utils import timezone


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_time_zone(name: str) -> str:
    """An IANA time-zone name ("Europe/Paris"), or "" for none. Raises ValidationError."""
    name = (name or "").strip()
    if name and name not in time_zone_names():
        raise ValidationError("This is not a known time zone (e.g. Europe/Paris).", code="invalid_time_zone")
    return name


def today_for(user) -> date:
    """ "Today" in the person's own time zone (UTC when they have none or an unknown one): the one
    rule for every day the API judges or reports (entry dates, stats, the quick-add form's date)."""
    try:
        zone = ZoneInfo(user.time_zone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return timezone.now().astimezone(zone).date()
