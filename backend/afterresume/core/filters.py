from rest_framework import serializers

EMPTY_FILTER = "This filter cannot be empty: leave it out to not filter by it."


class QueryFilters(serializers.Serializer):
    """A list's filters, read from the query string. An empty value (`?tag=` or `?date_from=`)
    is refused with a 400 like any malformed one, in every list alike: DRF would otherwise drop
    some empty values as if the filter were absent and refuse others as blank."""

    def to_internal_value(self, data):
        empty = [name for name in self.fields if name in data and not str(data.get(name)).strip()]
        if empty:
            raise serializers.ValidationError({name: [EMPTY_FILTER] for name in empty})
        return super().to_internal_value(data)
