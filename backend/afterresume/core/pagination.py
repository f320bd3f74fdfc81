"""Paged lists: `{"count", "next", "previous", "results"}` (page numbers) or `{"next", "previous",
"results"}` (cursors, for the long worklog timeline). A list view names its paginator in
`pagination_class`: the schema then documents the paged answer and its parameters.

`page` and `cursor` point at a page: one that is not there (past the end, not a number, empty,
forged) is a 404, as an id in a path would be. `page_size` is a value: an empty or malformed one
is a 400 naming it, like a malformed filter, instead of quietly giving the default size; more than
100 gives 100 (the schema says so)."""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response

PAGE_SIZE_MESSAGE = "Give a whole number of 1 or more (at most 100 are given)."


def _checked_page_size(request, name: str) -> None:
    raw = request.query_params.get(name)
    if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
        raise ValidationError({name: [PAGE_SIZE_MESSAGE]})


def _documented(parameters: list[dict], maximum: int) -> list[dict]:
    """DRF documents page and page_size as bare integers; say what is accepted."""
    for parameter in parameters:
        if parameter["name"] in ("page", "page_size"):
            parameter["schema"] = {**parameter["schema"], "minimum": 1}
        if parameter["name"] == "page_size":
            parameter["description"] = f"Number of results to return per page (at most {maximum} are given)."
    return parameters


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        _checked_page_size(request, self.page_size_query_param)
        if request.query_params.get(self.page_query_param) == "":
            raise NotFound(self.invalid_page_message)  # DRF would answer page 1
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        return _documented(super().get_schema_operation_parameters(view), self.max_page_size)


class StrictCursorPagination(CursorPagination):
    """Keyset pagination: the first page and the 4,000th cost the same (no OFFSET, no COUNT)."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        _checked_page_size(request, self.page_size_query_param)
        if request.query_params.get(self.cursor_query_param) == "":
            raise NotFound(self.invalid_cursor_message)  # DRF would answer the first page
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        return _documented(super().get_schema_operation_parameters(view), self.max_page_size)


def paginated_response(*, request, view, queryset, serializer_class) -> Response:
    """The view's `pagination_class` page of `queryset`, for plain APIViews (HackSoft style)."""
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
