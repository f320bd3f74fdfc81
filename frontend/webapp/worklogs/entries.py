"""How pages show lists of entries; shared by the timeline and the dashboard."""

from dataclasses import dataclass
from datetime import date
from itertools import groupby


def days_of(entries: list[dict], continues_day: str = "") -> list[dict]:
    """Entries grouped by day, in the order given (newest first); a day continued from the
    previous page gets no second heading."""
    return [
        {"date": day, "entries": list(group), "is_continued": day == continues_day}
        for day, group in groupby(entries, key=lambda entry: entry["date"])
    ]


@dataclass(frozen=True)
class TimelineShown:
    """What an unfiltered timeline on the page says it shows (its form-associated hidden inputs,
    sent with the quick-add form): the days it lists, and whether it lists all of them (no older
    page left to load)."""

    days: frozenset[str]
    is_complete: bool

    @classmethod
    def declared_in(cls, data) -> "TimelineShown | None":
        """From a POST's data; None when the page shows no timeline to update in place (another
        page, or a filtered timeline, which reloads itself) or declares a day that is not a date."""
        days = data.getlist("timeline_day")
        if data.get("timeline") != "in-place" or not all(_is_day(day) for day in days):
            return None
        return cls(days=frozenset(days), is_complete=data.get("timeline_complete") == "1")

    def placement(self, day: str) -> tuple[str, str] | None:
        """Where a new entry of `day` goes: ("entry", swap) into a day shown (first: it is the
        newest of its day), ("day", swap) as a new day before the nearest older day shown (or at
        the end of a complete timeline), ("timeline", "true") to replace an empty timeline; None
        when it belongs to an older page not loaded yet."""
        if not self.days:
            return ("timeline", "true")
        if day in self.days:
            return ("entry", f"afterend:#timeline-day-{day}-heading")
        older = [shown for shown in self.days if shown < day]
        if older:
            return ("day", f"beforebegin:#timeline-day-{max(older)}")
        if self.is_complete:
            return ("day", "beforeend:#timeline-entries")
        return None


def _is_day(value: str) -> bool:
    try:
        return date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False
