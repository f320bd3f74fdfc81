from django import template
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format

from webapp.core.money import dollars_text

register = template.Library()

# An entry this long shows only its first lines in lists (timeline, dashboard), with "Show more".
LONG_ENTRY_CHARACTERS = 400
LONG_ENTRY_LINES = 7

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


@register.filter
def micros_to_dollars(micros) -> str:
    """Integer micro-dollars as "12.34" (to the cent, toward zero; see webapp.core.money)."""
    return dollars_text(micros)


@register.filter
def micros_to_usd(micros) -> str:
    """Integer micro-dollars as "$12,345.67" or "-$0.50", for figures that stand alone."""
    return dollars_text(micros, grouped=True, symbol=True)


@register.filter
def micros_to_exact_usd(micros) -> str:
    """Integer micro-dollars to the last micro-dollar, "$0.000123": estimates and costs of jobs,
    often below a cent."""
    return dollars_text(micros, exact=True, symbol=True)


@register.filter
def compact(number) -> str:
    """1234 -> "1.2K", 3400000 -> "3.4M"."""
    number = int(number or 0)
    for limit, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if abs(number) >= limit:
            return f"{number / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return str(number)


@register.filter
def is_long_entry(content) -> bool:
    content = content or ""
    return len(content) >= LONG_ENTRY_CHARACTERS or content.count("\n") + 1 >= LONG_ENTRY_LINES
