from datetime import date

from rest_framework import serializers

EMPTY_FILTER = "This filter cannot be empty: leave it out to not filter by it."
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


class QueryFilters(serializers.Serializer):
    """A list's filters, read from the query string. An empty value (`?tag=` or `?date_from=`)
    is refused with a 400 like any malformed one, in every list alike: DRF would otherwise drop
    some empty values as if the filter were absent and refuse others as blank."""

    def to_internal_value(self, data):
        empty = [name for name in self.fields if name in data and not str(data.get(name)).strip()]
        if empty:
            raise serializers.ValidationError({name: [EMPTY_FILTER] for name in empty})
        return super().to_internal_value(data)


class DayFilter(serializers.DateField):
    """A day to filter by, within FIRST_DAY..LAST_DAY: ranges are built from the day after it (or,
    for usage, the 29 days before), which at the ends of the calendar do not exist (a 500)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", f"A day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}.")
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise serializers.ValidationError(
                f"Choose a day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}."
            )
        return day
