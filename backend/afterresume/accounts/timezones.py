from functools import cache
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_time_zone(name: str) -> str:
    """An IANA time-zone name ("Europe/Paris"), or "" for none. Raises ValidationError."""
    name = (name or "").strip()
    if name and name not in time_zone_names():
        raise ValidationError("This is not a known time zone (e.g. Europe/Paris).", code="invalid_time_zone")
    return name
