from django import template
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format

register = template.Library()

STYLES = {"datetime": "Y-m-d H:i", "seconds": "Y-m-d H:i:s", "date": "Y-m-d", "weekday": "l, j F Y"}


@register.filter
def when(value, style: str = "datetime") -> str:
    """An ISO date or timestamp from the API, readable: "2026-11-25 18:29", "2026-11-25" or
    "Wednesday, 25 November 2026"."""
    if not value:
        return ""
    if not isinstance(value, str):
        return date_format(value, STYLES.get(style, STYLES["datetime"]))
    moment = parse_datetime(value) if "T" in value or " " in value else None
    if moment is None:
        day = parse_date(value)
        if day is None:
            return value
        return date_format(day, STYLES["weekday"] if style == "weekday" else STYLES["date"])
    return date_format(moment, STYLES.get(style, STYLES["datetime"]))


@register.filter
def filesize(value) -> str:
    size = float(value or 0)
    for unit in ("bytes", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} MB"
