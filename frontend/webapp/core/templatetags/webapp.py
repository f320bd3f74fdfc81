from django import template
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format

register = template.Library()


@register.filter
def when(value: str | None, style: str = "datetime") -> str:
    """An ISO timestamp from the API as a readable date ("2026-11-25 18:29" or "2026-11-25")."""
    if not value:
        return ""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        moment = parse_date(value)
        return moment.isoformat() if moment else value
    if style == "date":
        return moment.date().isoformat()
    fmt = "Y-m-d H:i:s" if style == "seconds" else "Y-m-d H:i"
    return date_format(moment, fmt)
