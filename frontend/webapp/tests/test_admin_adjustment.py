"""An operator's manual adjustment (Admin → Billing; issue 9, item 17): the workspace is chosen, never
pre-selected; every adjustment is reviewed with the balance it leads to before it is posted, and one
that takes a balance below zero says so and asks to be confirmed. The backend is faked at the HTTP
boundary."""

import json
import re

import pytest

DOLLAR = 1_000_000
ADJUST = "/api/billing/admin/reserve/adjust/"
LEDGER = "/api/billing/admin/reserve/ledger/"
TENANTS = [{"id": 7, "name": "Acme"}, {"id": 8, "name": "Globex"}]
KEY = "5b1f0c7e9d2a4b6c8e0f1a3b5c7d9e1f"


def adjustment(**changes) -> dict:
    return {
        "tenant": "7",
        "amount": "-5",
        "reason": "Refund agreed with the customer",
        "idempotency_key": KEY,
    } | changes


def dollars(micros: int) -> str:
    """As the backend writes an amount: two places, rounded toward zero."""
    cents = abs(micros) // 10_000
    return f"{'-' if micros < 0 and cents else ''}{cents // 100}.{cents % 100:02d}"


def ledger_entry(*, balance_after_micros: int, amount_micros: int = 25 * DOLLAR, entry_id: int = 3) -> dict:
    return {
        "id": entry_id,
        "created_at": "2026-11-20T10:00:00+00:00",
        "kind": "adjustment",
        "amount_micros": amount_micros,
        "amount_dollars": dollars(amount_micros),
        "balance_after_micros": balance_after_micros,
        "balance_after_dollars": dollars(balance_after_micros),
        "memo": "Goodwill credit",
        "is_paid_money": False,
    }


def ledger_with_balance(micros: int | None) -> dict:
    """The workspace's ledger, newest movement first (None: no movement yet)."""
    results = [] if micros is None else [ledger_entry(balance_after_micros=micros)]
    return {"count": len(results), "next": None, "previous": None, "results": results}


@pytest.fixture
def acme_balance(backend, admin_billing_page):
    """Admin → Billing with the workspaces; `acme_balance(micros)` sets Acme's current balance."""
    backend.expect_request("/api/admin/tenants/").respond_with_json(TENANTS)

    def set_balance(micros: int | None) -> None:
        backend.expect_request(LEDGER, query_string={"tenant_id": "7", "page_size": "1"}).respond_with_json(
            ledger_with_balance(micros)
        )

    return set_balance


def review_of(page: str) -> str:
    """The review box: from its opening tag to the end of its form."""
    start = page.index('id="adjust-review"')
    return page[start : page.index("</form>", start)]


def calls(backend, method: str, path: str) -> list:
    return [request for request, _ in backend.log if request.method == method and request.path == path]


def test_the_workspace_is_chosen_by_the_operator_not_pre_selected(backend, signed_in_operator, acme_balance):
    page = signed_in_operator.get("/admin/billing/").content.decode()

    select = re.search(r'<select name="tenant"[^>]*id="id_tenant"[^>]*>(.*?)</select>', page, re.DOTALL)
    assert " required" in select.group(0).split(">")[0]
    assert re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(1)) == [
        ("", " selected", "Choose a workspace…"),
        ("7", "", "Acme"),
        ("8", "", "Globex"),
    ]


def test_an_adjustment_without_a_workspace_is_refused_without_asking_the_backend(
    backend, signed_in_operator, acme_balance
):
    response = signed_in_operator.post("/admin/billing/adjust/", adjustment(tenant=""))

    assert response.status_code == 422
    assert '<div class="invalid-feedback d-block" id="id_tenant_error"><div>Choose a workspace.</div>' in (
        response.content.decode()
    )
    assert calls(backend, "GET", LEDGER) == []
    assert calls(backend, "POST", ADJUST) == []


def test_an_adjustment_is_first_shown_with_the_balance_it_leads_to(backend, signed_in_operator, acme_balance):
    acme_balance(3 * DOLLAR)

    response = signed_in_operator.post("/admin/billing/adjust/", adjustment(amount="2.50"))

    assert response.status_code == 200
    page = response.content.decode()
    review = review_of(page)
    assert "Acme: 3.00 USD now, <strong>5.50 USD</strong> after this adjustment of 2.50 USD." in review
    assert "below zero" not in page
    assert '<button type="submit" class="btn btn-primary">Post adjustment</button>' in review
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', review))
    assert hidden.pop("csrfmiddlewaretoken")
    assert hidden == {
        "tenant": "7",
        "amount": "2.50",
        "reason": "Refund agreed with the customer",
        "idempotency_key": KEY,
        "confirmed_balance": str(5_500_000),
    }
    assert calls(backend, "POST", ADJUST) == []


def test_an_adjustment_that_takes_the_balance_below_zero_says_so_and_asks_for_confirmation(
    backend, signed_in_operator, acme_balance
):
    acme_balance(3 * DOLLAR)

    response = signed_in_operator.post("/admin/billing/adjust/", adjustment(amount="-5"))

    assert response.status_code == 200
    page = response.content.decode()
    review = review_of(page)
    assert review.startswith('id="adjust-review" class="alert alert-danger" role="alert">')
    assert "Acme: 3.00 USD now, <strong>-2.00 USD</strong> after this adjustment of -5.00 USD." in review
    assert "This takes the balance below zero." in review
    assert '<button type="submit" class="btn btn-danger">Post it anyway: balance -2.00 USD</button>' in review
    assert 'name="confirmed_balance" value="-2000000"' in review
    assert calls(backend, "POST", ADJUST) == []


def test_a_workspace_without_movements_starts_from_zero(backend, signed_in_operator, acme_balance):
    acme_balance(None)

    page = signed_in_operator.post("/admin/billing/adjust/", adjustment(amount="-0.01")).content.decode()

    assert "Acme: 0.00 USD now, <strong>-0.01 USD</strong> after this adjustment of -0.01 USD." in page
    assert "This takes the balance below zero." in page


def test_a_confirmed_adjustment_is_posted_once_with_its_key(backend, signed_in_operator, acme_balance):
    acme_balance(3 * DOLLAR)
    backend.expect_request(ADJUST, method="POST").respond_with_json(
        {
            "balance_micros": -2 * DOLLAR,
            "held_micros": 0,
            "available_micros": -2 * DOLLAR,
            "balance_cents": -200,
            "balance_dollars": "-2.00",
            "is_low_balance": True,
            "low_balance_threshold_micros": 5 * DOLLAR,
            "policy": "limited",
            "is_disputed": False,
            "entry": ledger_entry(balance_after_micros=-2 * DOLLAR, amount_micros=-5 * DOLLAR, entry_id=4),
        },
        status=201,
    )

    response = signed_in_operator.post("/admin/billing/adjust/", adjustment(confirmed_balance="-2000000"))

    assert response.status_code == 302
    assert response["Location"] == "/admin/billing/?tenant=7#tenant-ledger"
    assert [json.loads(request.data) for request in calls(backend, "POST", ADJUST)] == [
        {
            "tenant_id": 7,
            "amount_dollars": "-5.00",
            "reason": "Refund agreed with the customer",
            "idempotency_key": KEY,
        }
    ]


def test_a_confirmed_adjustment_is_reviewed_again_if_the_balance_has_since_moved_below_what_was_seen(
    backend, signed_in_operator, acme_balance
):
    # confirmed at 3.00 → -2.00; meanwhile usage took the balance to 1.00, so -5.00 leads to -4.00
    acme_balance(1 * DOLLAR)

    response = signed_in_operator.post("/admin/billing/adjust/", adjustment(confirmed_balance="-2000000"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "The balance has changed since you looked." in page
    assert "Acme: 1.00 USD now, <strong>-4.00 USD</strong> after this adjustment of -5.00 USD." in page
    assert 'name="confirmed_balance" value="-4000000"' in page
    assert calls(backend, "POST", ADJUST) == []


def test_the_review_escapes_the_workspace_name_and_the_reason(
    backend, signed_in_operator, admin_billing_page
):
    hostile = '"><script>alert(1)</script>'
    backend.expect_request("/api/admin/tenants/").respond_with_json([{"id": 7, "name": hostile}])
    backend.expect_request(LEDGER).respond_with_json(ledger_with_balance(0))

    page = signed_in_operator.post("/admin/billing/adjust/", adjustment(reason=hostile)).content.decode()

    assert "<script>alert(1)</script>" not in page
    escaped = "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    assert f'<input type="hidden" name="reason" value="{escaped}">' in review_of(page)
    assert f"{escaped}: 0.00 USD now" in review_of(page)
