from datetime import UTC, date, datetime, time


def day_start(day: date) -> datetime:
    """The first instant of a day in UTC (the API's days are UTC days)."""
    return datetime.combine(day, time.min, tzinfo=UTC)
