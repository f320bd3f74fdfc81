"""The operators' rate cards (versions in force, scheduled and ended; a new version priced in dollars
and sent in exact micro-dollars) and the usage-cost section of the admin billing page, against a fake
backend at the HTTP boundary (with and without HX-Request)."""

import json
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

RATE_CARDS = "/api/billing/admin/rate-cards/"
USAGE_COSTS = "/api/billing/admin/usage/costs/"
TENANTS = [{"id": 3, "name": "Ada's workspace"}, {"id": 4, "name": "Design team"}]
HTMX = {"HX-Request": "true"}
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

NOW = timezone.now().replace(microsecond=0)
TODAY = timezone.localdate()
LAUNCH = "2026-01-01T00:00:00+00:00"
SPRING = "2026-03-01T00:00:00+00:00"
NEXT_WEEK = (NOW + timedelta(days=7)).replace(hour=0, minute=0, second=0)


def version(**overrides) -> dict:
    return {
        "id": 2,
        "plan": "standard",
        "effective_from": SPRING,
        "effective_to": None,
        "note": "spring prices",
        "status": "in-force",
        "items": [
            {"meter": "tokens_in", "model": "local", "price_micros": 500_000, "per_quantity": 1_000_000},
            {"meter": "tokens_out", "model": "local", "price_micros": 1_500_000, "per_quantity": 1_000_000},
        ],
        **overrides,
    }


ENDED = version(id=1, effective_from=LAUNCH, effective_to=SPRING, note="launch prices", status="ended")
IN_FORCE = version(id=2, effective_to=NEXT_WEEK.isoformat())
SCHEDULED = version(
    id=3,
    effective_from=NEXT_WEEK.isoformat(),
    note="next week",
    status="scheduled",
    items=[
        {"meter": "tokens_in", "model": "local", "price_micros": 400_000, "per_quantity": 1_000_000},
        {"meter": "tokens_in", "model": "gpt-4o-mini", "price_micros": 2, "per_quantity": 1},
    ],
)


def api_error(message: str, fields: dict | None = None) -> dict:
    return {"message": message, "extra": {"fields": fields or {}}, "request_id": "r-1"}


def requests_made(backend) -> list[tuple[str, str]]:
    return [(request.method, request.path) for request, _ in backend.log]


def new_version_form(*rows: tuple[str, str, str, str], **fields) -> dict:
    """The new-version form as a browser posts it: the version's fields and a row per price,
    plus two rows left blank."""
    data = {
        "plan": "standard",
        "effective_from": "2027-01-01T00:00",
        "note": "2027 prices",
        "items-TOTAL_FORMS": str(len(rows) + 2),
        "items-INITIAL_FORMS": str(len(rows)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "200",
        **fields,
    }
    for index, (meter, model, price, per_quantity) in enumerate(rows):
        data |= {
            f"items-{index}-meter": meter,
            f"items-{index}-model": model,
            f"items-{index}-price": price,
            f"items-{index}-per_quantity": per_quantity,
        }
    for index in range(len(rows), len(rows) + 2):
        data |= {
            f"items-{index}-meter": "",
            f"items-{index}-model": "",
            f"items-{index}-price": "",
            f"items-{index}-per_quantity": "1000000",
        }
    return data


@pytest.fixture
def rate_cards(backend):
    backend.expect_request(RATE_CARDS, method="GET").respond_with_json(
        {"versions": [SCHEDULED, IN_FORCE, ENDED]}
    )


@pytest.fixture
def tenants(backend):
    backend.expect_request("/api/admin/tenants/", method="GET").respond_with_json(TENANTS)


def costs(rows: list[dict], *, date_from="2026-11-01", date_to="2026-11-25", **totals) -> dict:
    return {
        "date_from": date_from,
        "date_to": date_to,
        "rows": rows,
        "totals": {
            "events": sum(row["events"] for row in rows),
            "tokens_in": sum(row["tokens_in"] for row in rows),
            "tokens_out": sum(row["tokens_out"] for row in rows),
            "cost_micros": sum(row["cost_micros"] for row in rows),
            "cost_dollars": "0",
            **totals,
        },
    }


def usage_row(**overrides) -> dict:
    return {
        "day": "2026-11-25",
        "tenant_id": 3,
        "tenant_name": "Ada's workspace",
        "model": "local",
        "events": 12,
        "tokens_in": 48_210,
        "tokens_out": 9_870,
        "cost_micros": 38_910,
        "cost_dollars": "0.03891",
        **overrides,
    }


# --- who may see them --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/billing/rate-cards/", "/admin/billing/usage/"])
def test_a_member_gets_403_on_the_rate_card_and_usage_pages_and_the_backend_is_not_asked(
    backend, signed_in, path
):
    response = signed_in.get(path, headers=HTMX if "usage" in path else {})

    assert response.status_code == 403
    assert backend.log == []


def test_a_member_cannot_post_a_rate_card_version(backend, signed_in):
    response = signed_in.post(
        "/admin/billing/rate-cards/new/", new_version_form(("tokens_in", "local", "9", "1"))
    )

    assert response.status_code == 403
    assert backend.log == []


@pytest.mark.parametrize("path", ["/admin/billing/rate-cards/", "/admin/billing/usage/"])
def test_a_signed_out_visitor_is_sent_to_sign_in_from_the_rate_card_and_usage_pages(
    backend, client, db, path
):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/signin/?next={path.replace('/', '%2F')}"
    assert backend.log == []


# --- rate cards ----------------------------------------------------------------------------------------


def test_the_rate_card_page_marks_the_version_in_force_the_scheduled_one_and_the_ended_one(
    backend, signed_in_operator, rate_cards
):
    response = signed_in_operator.get("/admin/billing/rate-cards/")

    assert response.status_code == 200
    page = response.content.decode()
    assert re.findall(r'<tr id="rate-card-version-(\d+)" data-status="([\w-]+)"', page) == [
        ("3", "scheduled"),
        ("2", "in-force"),
        ("1", "ended"),
    ]
    assert re.findall(r'<span class="badge text-bg-\w+">([^<]+)</span>', page) == [
        "scheduled",
        "in force",
        "ended",
    ]
    assert '<tr id="rate-card-version-2" data-status="in-force" class="table-success">' in page
    assert "<li><code>local</code> tokens_in: $0.50 per 1,000,000 tokens_in</li>" in page
    assert "<li><code>local</code> tokens_out: $1.50 per 1,000,000 tokens_out</li>" in page
    assert "<li><code>gpt-4o-mini</code> tokens_in: $0.000002 per 1 tokens_in</li>" in page
    assert f"from {NEXT_WEEK:%Y-%m-%d} 00:00<br>" in page
    assert "from 2026-01-01 00:00<br>until 2026-03-01 00:00" in page
    assert requests_made(backend) == [("GET", RATE_CARDS)]
    assert backend.log[0][0].headers["X-Session-Token"] == "session-token-of-olga"


def test_the_rate_card_page_shows_the_state_the_backend_gives_each_version_not_its_own_reckoning(
    backend, signed_in_operator
):
    # given versions whose dates this server's clock would read otherwise: the backend's clock decides
    backend.expect_request(RATE_CARDS).respond_with_json(
        {
            "versions": [
                version(id=3, effective_from=LAUNCH, effective_to=None, status="scheduled"),
                version(id=2, effective_from=LAUNCH, effective_to=NEXT_WEEK.isoformat(), status="ended"),
                version(id=1, effective_from=LAUNCH, effective_to=SPRING, status="in-force"),
            ]
        }
    )

    page = signed_in_operator.get("/admin/billing/rate-cards/").content.decode()

    assert re.findall(r'<tr id="rate-card-version-(\d+)" data-status="([\w-]+)"', page) == [
        ("3", "scheduled"),
        ("2", "ended"),
        ("1", "in-force"),
    ]


def test_the_admin_billing_page_links_to_the_rate_cards(
    backend, signed_in_operator, tenants, admin_billing_page
):
    page = signed_in_operator.get("/admin/billing/").content.decode()

    assert 'href="/admin/billing/rate-cards/"' in page


def test_a_new_version_is_a_copy_of_the_one_in_force_starting_after_the_scheduled_one(
    backend, signed_in_operator, rate_cards
):
    page = signed_in_operator.get("/admin/billing/rate-cards/").content.decode()

    # two prices copied, three blank rows
    assert 'name="items-TOTAL_FORMS" value="5"' in page
    assert 'name="items-INITIAL_FORMS" value="2"' in page
    assert 'name="items-0-meter" value="tokens_in"' in page
    assert 'name="items-0-price" value="0.50"' in page
    assert 'name="items-1-price" value="1.50"' in page
    assert 'name="items-1-per_quantity" value="1000000"' in page
    assert 'name="items-2-price" ' in page
    assert 'name="items-2-price" value=' not in page
    # a version starting before next week's would be refused: the day after it, at midnight UTC
    day_after = NEXT_WEEK + timedelta(days=1)
    assert f'name="effective_from" value="{day_after:%Y-%m-%d}T00:00"' in page
    assert "Prefilled with the prices of standard from 2026-03-01 00:00 UTC" in page
    assert '<option value="tokens_out">' in page


def test_a_new_version_starts_tomorrow_when_nothing_is_scheduled(backend, signed_in_operator):
    backend.expect_request(RATE_CARDS).respond_with_json({"versions": [version(effective_to=None)]})

    page = signed_in_operator.get("/admin/billing/rate-cards/").content.decode()

    assert f'name="effective_from" value="{TODAY + timedelta(days=1):%Y-%m-%d}T00:00"' in page


def test_copying_a_chosen_version_prefills_its_prices(backend, signed_in_operator, rate_cards):
    page = signed_in_operator.get("/admin/billing/rate-cards/?copy=3").content.decode()

    assert 'href="?copy=3#new-version"' in page
    assert 'name="items-0-price" value="0.40"' in page
    assert 'name="items-1-model" value="gpt-4o-mini"' in page
    assert 'name="items-1-price" value="0.000002"' in page
    assert 'name="items-1-per_quantity" value="1"' in page


def test_without_any_rate_card_the_page_says_usage_cannot_be_priced(backend, signed_in_operator):
    backend.expect_request(RATE_CARDS).respond_with_json({"versions": []})

    page = signed_in_operator.get("/admin/billing/rate-cards/").content.decode()

    assert 'id="no-rate-cards"' in page
    assert 'name="items-TOTAL_FORMS" value="3"' in page
    assert '<option value="standard" selected>standard</option>' in page


def test_saving_a_new_version_sends_exact_decimal_dollars_and_returns_to_the_list_with_a_message(
    backend, signed_in_operator, rate_cards
):
    backend.expect_request(RATE_CARDS, method="POST").respond_with_json(
        {"id": 12, "plan": "standard", "effective_from": "2027-01-01T00:00:00+00:00"}, status=201
    )

    response = signed_in_operator.post(
        "/admin/billing/rate-cards/new/",
        new_version_form(
            ("tokens_in", "local", "0.40", "1000000"),
            ("tokens_out", "local", "1.2", "1000000"),
            ("tokens_in", "gpt-4o-mini", "0.000002", "1"),
            ("tokens_out", "gpt-4o-mini", "0.1", "1000"),
            ("requests", "gpt-4o-mini", "1234.567891", "1"),
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/billing/rate-cards/#rate-card-version-12"
    assert requests_made(backend) == [("GET", RATE_CARDS), ("POST", RATE_CARDS)]
    assert json.loads(backend.log[1][0].get_data()) == {
        "plan": "standard",
        "effective_from": "2027-01-01T00:00:00+00:00",
        "note": "2027 prices",
        "items": [
            {"meter": "tokens_in", "model": "local", "price_dollars": "0.400000", "per_quantity": 1_000_000},
            {"meter": "tokens_out", "model": "local", "price_dollars": "1.200000", "per_quantity": 1_000_000},
            {"meter": "tokens_in", "model": "gpt-4o-mini", "price_dollars": "0.000002", "per_quantity": 1},
            {
                "meter": "tokens_out",
                "model": "gpt-4o-mini",
                "price_dollars": "0.100000",
                "per_quantity": 1000,
            },
            {"meter": "requests", "model": "gpt-4o-mini", "price_dollars": "1234.567891", "per_quantity": 1},
        ],
    }
    page = signed_in_operator.get(response["Location"]).content.decode()
    assert "New standard prices from 2027-01-01 00:00 UTC saved." in page


def test_a_price_finer_than_a_micro_dollar_is_refused_before_asking_the_backend(
    backend, signed_in_operator, rate_cards
):
    response = signed_in_operator.post(
        "/admin/billing/rate-cards/new/",
        new_version_form(
            ("tokens_in", "local", "0.40", "1000000"), ("tokens_in", "gpt-4o", "0.0000015", "1")
        ),
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert (
        '<div class="invalid-feedback d-block" id="id_items-1-price_error"><div>At most 6 decimal places '
        "(a micro-dollar); for a smaller price, price a larger quantity, e.g. per 1,000,000.</div></div>"
    ) in page
    assert 'name="items-1-price" value="0.0000015"' in page
    assert 'name="items-0-price" value="0.40"' in page
    assert requests_made(backend) == [("GET", RATE_CARDS)]


def test_a_negative_price_is_refused_before_asking_the_backend(backend, signed_in_operator, rate_cards):
    response = signed_in_operator.post(
        "/admin/billing/rate-cards/new/", new_version_form(("tokens_in", "local", "-0.40", "1000000"))
    )

    assert response.status_code == 422
    assert 'id="id_items-0-price_error"' in response.content.decode()
    assert requests_made(backend) == [("GET", RATE_CARDS)]


def test_a_version_without_any_price_is_refused_before_asking_the_backend(
    backend, signed_in_operator, rate_cards
):
    response = signed_in_operator.post("/admin/billing/rate-cards/new/", new_version_form())

    assert response.status_code == 422
    page = response.content.decode()
    assert (
        '<div class="alert alert-danger" role="alert" id="line-item-errors"><div>Give at least one price.</div></div>'
        in page
    )
    assert requests_made(backend) == [("GET", RATE_CARDS)]


def test_a_start_in_the_past_refused_by_the_backend_is_shown_at_the_start_and_nothing_typed_is_lost(
    backend, signed_in_operator, rate_cards
):
    message = "A new version cannot start in the past."
    backend.expect_request(RATE_CARDS, method="POST").respond_with_json(
        api_error(f"Some fields are not valid: {message}", {"effective_from": [message]}), status=400
    )

    response = signed_in_operator.post(
        "/admin/billing/rate-cards/new/",
        new_version_form(
            ("tokens_in", "local", "0.40", "1000000"),
            ("tokens_out", "local", "1.20", "1000000"),
            effective_from="2020-01-01T00:00",
            note="cheaper",
        ),
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert f'<div class="invalid-feedback d-block" id="id_effective_from_error"><div>{message}</div>' in page
    assert 'name="effective_from" value="2020-01-01T00:00"' in page
    assert 'name="note" value="cheaper"' in page
    assert 'name="items-0-price" value="0.40"' in page
    assert 'name="items-1-meter" value="tokens_out"' in page
    assert 'name="items-1-price" value="1.20"' in page
    assert 'name="items-TOTAL_FORMS" value="4"' in page
    # the list is still there, and no success message
    assert page.count('<tr id="rate-card-version-') == 3
    assert "saved." not in page


def test_a_repeated_meter_and_model_refused_by_the_backend_is_shown_above_the_prices(
    backend, signed_in_operator, rate_cards
):
    message = "Each meter and model appears once."
    backend.expect_request(RATE_CARDS, method="POST").respond_with_json(
        api_error(f"Some fields are not valid: {message}", {"items": [message]}), status=400
    )

    response = signed_in_operator.post(
        "/admin/billing/rate-cards/new/",
        new_version_form(
            ("tokens_in", "local", "0.40", "1000000"), ("tokens_in", "local", "0.50", "1000000")
        ),
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert (
        f'<div class="alert alert-danger" role="alert" id="line-item-errors"><div>{message}</div></div>'
        in page
    )
    assert 'name="items-1-price" value="0.50"' in page


def test_a_line_refused_by_the_backend_for_one_of_its_fields_shows_the_message(
    backend, signed_in_operator, rate_cards
):
    message = "Ensure this field has no more than 40 characters."
    backend.expect_request(RATE_CARDS, method="POST").respond_with_json(
        api_error(f"Some fields are not valid: {message}", {"items": {"meter": [message]}}), status=400
    )

    response = signed_in_operator.post(
        "/admin/billing/rate-cards/new/", new_version_form(("tokens_in", "local", "0.40", "1000000"))
    )

    assert response.status_code == 422
    assert f'id="line-item-errors"><div>{message}</div></div>' in response.content.decode()


def test_a_rate_card_note_with_markup_is_escaped(backend, signed_in_operator):
    backend.expect_request(RATE_CARDS).respond_with_json(
        {"versions": [version(note=SCRIPT, items=[{**version()["items"][0], "model": SCRIPT}])]}
    )

    page = signed_in_operator.get("/admin/billing/rate-cards/").content.decode()

    assert SCRIPT not in page
    assert f"<td>{ESCAPED}</td>" in page
    assert f"<li><code>{ESCAPED}</code> tokens_in" in page


# --- usage costs ---------------------------------------------------------------------------------------


def test_the_admin_billing_page_loads_usage_costs_after_itself_with_the_filter_in_its_address(
    backend, signed_in_operator, tenants, admin_billing_page
):
    page = signed_in_operator.get(
        "/admin/billing/?date_from=2026-11-01&date_to=2026-11-25&usage_tenant=4"
    ).content.decode()

    assert (
        '<div id="usage-costs" hx-get="/admin/billing/usage/?date_from=2026-11-01&amp;date_to=2026-11-25'
        '&amp;usage_tenant=4" hx-trigger="load" hx-swap="outerHTML">'
    ) in page
    assert "Loading usage costs…" in page
    # the costs themselves are not asked for until the section loads
    assert USAGE_COSTS not in [request.path for request, _ in backend.log]


def test_usage_costs_cover_the_last_30_days_of_all_workspaces_unless_asked(
    backend, signed_in_operator, tenants
):
    backend.expect_request(USAGE_COSTS).respond_with_json(costs([]))

    response = signed_in_operator.get("/admin/billing/usage/", headers=HTMX)

    assert response.status_code == 200
    asked = [request for request, _ in backend.log if request.path == USAGE_COSTS]
    assert len(asked) == 1
    assert asked[0].args.to_dict(flat=False) == {
        "date_from": [(TODAY - timedelta(days=29)).isoformat()],
        "date_to": [TODAY.isoformat()],
    }
    page = response.content.decode()
    assert f'name="date_from" value="{(TODAY - timedelta(days=29)).isoformat()}"' in page
    assert f'name="date_to" value="{TODAY.isoformat()}"' in page
    assert '<option value="" selected>All workspaces</option>' in page


def test_the_usage_filter_goes_to_the_backend_and_stays_in_the_form(backend, signed_in_operator, tenants):
    backend.expect_request(
        USAGE_COSTS, query_string={"date_from": "2026-11-01", "date_to": "2026-11-25", "tenant": "4"}
    ).respond_with_json(costs([usage_row(tenant_id=4, tenant_name="Design team")]))

    response = signed_in_operator.get(
        "/admin/billing/usage/?date_from=2026-11-01&date_to=2026-11-25&usage_tenant=4", headers=HTMX
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="date_from" value="2026-11-01"' in page
    assert 'name="date_to" value="2026-11-25"' in page
    assert '<option value="4" selected>Design team</option>' in page
    assert page.count("<tr data-day=") == 1


def test_the_usage_partial_shows_each_row_newest_day_first_and_the_totals(
    backend, signed_in_operator, tenants
):
    rows = [
        usage_row(),
        usage_row(
            tenant_id=4, tenant_name="Design team", model="gpt-4o-mini", events=3, cost_micros=1_250_000
        ),
        usage_row(day="2026-11-24", events=1_204, tokens_in=3_512_400, tokens_out=801_000, cost_micros=2),
    ]
    backend.expect_request(USAGE_COSTS).respond_with_json(costs(rows))

    response = signed_in_operator.get("/admin/billing/usage/", headers=HTMX)

    page = response.content.decode()
    assert "<html" not in page
    assert page.strip().startswith('<div id="usage-costs">')
    assert 'id="usage-costs-title"' not in page
    assert "HX-Request" in response["Vary"]
    assert re.findall(r'<tr data-day="([\d-]+)" data-tenant="(\d+)">', page) == [
        ("2026-11-25", "3"),
        ("2026-11-25", "4"),
        ("2026-11-24", "3"),
    ]
    cells = re.findall(r'<td class="text-end font-monospace">([^<]*)</td>', page)
    assert cells == [
        *("12", "48,210", "9,870", "0.03891"),
        *("3", "48,210", "9,870", "1.25"),
        *("1,204", "3,512,400", "801,000", "0.000002"),
        *("1,219", "3,608,820", "820,740", "1.288912"),  # the totals row
    ]
    assert '<tr class="fw-semibold" id="usage-costs-totals">' in page
    assert "From 2026-11-01 to 2026-11-25 (UTC days)" in page
    assert 'id="no-usage"' not in page
    assert "HX-Push-Url" not in response


def test_a_period_without_usage_says_how_usage_is_recorded(backend, signed_in_operator, tenants):
    backend.expect_request(USAGE_COSTS).respond_with_json(costs([]))

    page = signed_in_operator.get("/admin/billing/usage/", headers=HTMX).content.decode()

    assert (
        '<p class="mb-0 text-body-secondary" id="no-usage">No usage recorded in this period — usage is '
        "recorded when jobs call the LLM.</p>"
    ) in page
    assert 'id="usage-costs-table"' not in page


def test_filtering_usage_from_the_form_puts_the_filter_in_the_address_of_the_page(
    backend, signed_in_operator, tenants
):
    backend.expect_request(USAGE_COSTS).respond_with_json(costs([]))

    response = signed_in_operator.get(
        "/admin/billing/usage/?date_from=2026-11-01&date_to=2026-11-25&usage_tenant=",
        headers={
            **HTMX,
            "HX-Trigger": "usage-filter",
            # the ledger of workspace 3 is open on the page: it stays open
            "HX-Current-URL": "http://testserver/admin/billing/?tenant=3&date_from=2026-10-01",
        },
    )

    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/admin/billing/?tenant=3&date_from=2026-11-01&date_to=2026-11-25"


def test_the_address_pushed_is_never_another_page_than_the_billing_pages(
    backend, signed_in_operator, tenants
):
    backend.expect_request(USAGE_COSTS).respond_with_json(costs([]))

    response = signed_in_operator.get(
        "/admin/billing/usage/?date_from=2026-11-01&date_to=2026-11-25&usage_tenant=4",
        headers={
            **HTMX,
            "HX-Trigger": "usage-filter",
            "HX-Current-URL": "http://testserver/admin/users/?x=1",
        },
    )

    expected = urlencode({"date_from": "2026-11-01", "date_to": "2026-11-25", "usage_tenant": "4"})
    assert response["HX-Push-Url"] == f"/admin/billing/?{expected}"


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        (
            {"date_from": ["The start is after the end."]},
            '<div class="invalid-feedback d-block">The start is after the end.</div>',
        ),
        (
            {"date_to": ["Choose at most 366 days."]},
            '<div class="invalid-feedback d-block">Choose at most 366 days.</div>',
        ),
        (
            {"non_field_errors": ["The period is not valid."]},
            '<div class="alert alert-danger" role="alert" id="usage-errors"><div>The period is not valid.</div></div>',
        ),
        (None, '<div class="alert alert-danger" role="alert" id="usage-errors"><div>Bad period.</div></div>'),
    ],
)
def test_a_period_the_backend_refuses_shows_its_message_with_the_dates_kept(
    backend, signed_in_operator, tenants, fields, shown
):
    body = (
        api_error("Bad period.", fields)
        if fields
        else {"message": "Bad period.", "extra": {}, "request_id": "r-1"}
    )
    backend.expect_request(USAGE_COSTS).respond_with_json(body, status=400)

    response = signed_in_operator.get(
        "/admin/billing/usage/?date_from=2026-11-25&date_to=2025-01-01", headers=HTMX
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert shown in page
    assert 'name="date_from" value="2026-11-25"' in page
    assert 'name="date_to" value="2025-01-01"' in page
    assert 'id="usage-costs-table"' not in page
    assert 'id="no-usage"' not in page


def test_a_date_that_is_not_a_date_is_shown_on_the_form_and_costs_are_not_asked_for(
    backend, signed_in_operator, tenants
):
    response = signed_in_operator.get("/admin/billing/usage/?date_from=yesterday", headers=HTMX)

    assert response.status_code == 422
    page = response.content.decode()
    assert '<div class="invalid-feedback d-block">Enter a valid date.</div>' in page
    assert 'name="date_from" value="yesterday"' in page
    assert requests_made(backend) == [("GET", "/api/admin/tenants/")]


def test_usage_costs_the_backend_cannot_give_are_said_so_in_the_section(backend, signed_in_operator, tenants):
    backend.expect_request(USAGE_COSTS).respond_with_json(
        api_error("Something went wrong on our side."), status=500
    )

    response = signed_in_operator.get("/admin/billing/usage/", headers=HTMX)

    assert response.status_code == 200  # swapped in: the rest of the page works
    assert (
        'id="usage-unavailable">Usage costs cannot be shown right now: Something went wrong on our side.</div>'
        in response.content.decode()
    )


def test_without_htmx_usage_costs_are_a_page_of_their_own_with_a_plain_filter_form(
    backend, signed_in_operator, tenants
):
    backend.expect_request(USAGE_COSTS).respond_with_json(costs([usage_row()]))

    response = signed_in_operator.get("/admin/billing/usage/?date_from=2026-11-01&date_to=2026-11-25")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page
    assert (
        '<form id="usage-filter" class="row g-2 align-items-end mb-3" method="get" action="/admin/billing/usage/"'
        in page
    )
    assert page.count("<tr data-day=") == 1


def test_a_workspace_name_with_markup_is_escaped_in_the_usage_table(backend, signed_in_operator):
    backend.expect_request("/api/admin/tenants/").respond_with_json([{"id": 3, "name": SCRIPT}])
    backend.expect_request(USAGE_COSTS).respond_with_json(
        costs([usage_row(tenant_name=SCRIPT, model=SCRIPT)])
    )

    page = signed_in_operator.get("/admin/billing/usage/", headers=HTMX).content.decode()

    assert SCRIPT not in page
    assert f"<td>{ESCAPED}</td>" in page
    assert f"<td><code>{ESCAPED}</code></td>" in page
    assert f'<option value="3">{ESCAPED}</option>' in page
