"""Query parameters of the lists (issue 9, item 11): an empty or malformed filter or page size is a
400 naming it, in every list alike, instead of quietly answering as if it had not been sent; a page
or cursor that is not there (empty included) is a 404. The schema says so (minLength 1, formats,
minimum 1)."""

from datetime import date

import pytest

from afterresume.core.filters import EMPTY_FILTER
from afterresume.core.pagination import PAGE_SIZE_MESSAGE
from afterresume.worklogs.services import worklog_create
from conftest import token_client

LISTS_AND_FILTERS = [
    ("/api/worklogs/", "tag"),
    ("/api/worklogs/", "search"),
    ("/api/worklogs/", "date_from"),
    ("/api/worklogs/", "source"),
    ("/api/billing/reserve/ledger/", "date_from"),
    ("/api/billing/reserve/ledger/", "kind"),
    ("/api/admin/users/", "search"),
    ("/api/admin/audit/", "category"),
    ("/api/admin/audit/", "date_to"),
    ("/api/admin/passkeys/", "status"),
    ("/api/billing/admin/usage/costs/", "date_from"),
    ("/api/billing/admin/reserve/ledger/", "kind"),
]


def _required(path: str, operator) -> dict:
    """What a list needs besides the filter under test."""
    if path == "/api/billing/admin/reserve/ledger/":
        return {"tenant_id": operator.membership.tenant.pk}
    return {}


@pytest.mark.parametrize(("path", "name"), LISTS_AND_FILTERS)
def test_an_empty_filter_is_refused_with_a_400_naming_it(operator, path, name):
    client = token_client(operator)

    response = client.get(path, {**_required(path, operator), name: ""})

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {name: [EMPTY_FILTER]}


def test_a_blank_filter_is_refused_like_an_empty_one(operator):
    response = token_client(operator).get("/api/worklogs/", {"tag": "  "})

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"tag": [EMPTY_FILTER]}


def test_a_filter_left_out_does_not_filter(operator):
    worklog_create(
        tenant=operator.membership.tenant, author=operator, date=date(2026, 11, 2), content="Shipped it"
    )

    response = token_client(operator).get("/api/worklogs/")

    assert response.status_code == 200
    assert [entry["content"] for entry in response.json()["results"]] == ["Shipped it"]


@pytest.mark.parametrize("page_size", ["many", "", "0", "-5", "2.5"])
def test_a_malformed_page_size_is_a_400_naming_it(operator, page_size):
    response = token_client(operator).get("/api/admin/users/", {"page_size": page_size})

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"page_size": [PAGE_SIZE_MESSAGE]}


def test_a_malformed_page_size_of_the_worklog_list_is_a_400_naming_it(owner):
    response = token_client(owner).get("/api/worklogs/", {"page_size": "all"})

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"page_size": [PAGE_SIZE_MESSAGE]}


def test_a_page_size_within_bounds_sizes_the_page(operator, owner, outsider):
    response = token_client(operator).get("/api/admin/users/", {"page_size": "2"})

    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert len(response.json()["results"]) == 2


@pytest.mark.parametrize("page", ["2", "0", "first", ""])
def test_a_page_that_is_not_there_is_a_404_empty_included(operator, page):
    response = token_client(operator).get("/api/admin/users/", {"page": page})

    assert response.status_code == 404
    assert response.json()["message"] == "Invalid page."


@pytest.mark.parametrize("cursor", ["not-a-cursor", ""])
def test_a_cursor_that_is_not_there_is_a_404_empty_included(owner, cursor):
    response = token_client(owner).get("/api/worklogs/", {"cursor": cursor})

    assert response.status_code == 404
    assert response.json()["message"] == "Invalid cursor"


DAY_FILTERS = [
    ("/api/worklogs/", "date_from"),
    ("/api/worklogs/", "date_to"),
    ("/api/billing/reserve/ledger/", "date_from"),
    ("/api/billing/reserve/ledger/", "date_to"),
    ("/api/admin/audit/", "date_from"),
    ("/api/admin/audit/", "date_to"),
    ("/api/billing/admin/usage/costs/", "date_from"),
    ("/api/billing/admin/usage/costs/", "date_to"),
]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize(("path", "name"), DAY_FILTERS)
def test_a_day_at_the_ends_of_the_calendar_is_a_400_naming_the_filter_not_a_500(operator, path, name, day):
    # given a day whose neighbours (the ranges' day after, usage's 29 days before) do not exist
    client = token_client(operator)

    response = client.get(path, {name: day})

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {name: ["Choose a day from 1900-01-01 to 9998-12-31."]}


def test_the_usage_report_of_the_first_days_allowed_is_answered(operator):
    response = token_client(operator).get(
        "/api/billing/admin/usage/costs/", {"date_from": "1900-01-01", "date_to": "1900-01-02"}
    )

    assert response.status_code == 200
    assert response.json()["rows"] == []
