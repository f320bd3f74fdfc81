"""How pages show lists of entries; shared by the timeline and the dashboard."""

from itertools import groupby


def days_of(entries: list[dict], continues_day: str = "") -> list[dict]:
    """Entries grouped by day, in the order given (newest first); a day continued from the
    previous page gets no second heading."""
    return [
        {"date": day, "entries": list(group), "is_continued": day == continues_day}
        for day, group in groupby(entries, key=lambda entry: entry["date"])
    ]
