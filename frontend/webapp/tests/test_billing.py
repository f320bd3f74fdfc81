"""The billing page: balance, top-up (saving the card for automatic top-ups), automatic
top-up settings and what they did. The backend is faked at the HTTP boundary."""

import json
import re

import pytest
from django.contrib.messages import get_messages

DOLLAR = 1_000_000

PROFILE = {
    "policy": "block",
    "low_balance_threshold_micros": 5 * DOLLAR,
    "limited_ceiling_micros": 1 * DOLLAR,
    "auto_topup_enabled": False,
    "auto_topup_mode": "fixed",
    "auto_topup_amount_micros": 25 * DOLLAR,
    "auto_topup_target_micros": 50 * DOLLAR,
    "auto_topup_monthly_cap_micros": None,
    "auto_topup_spent_this_month_micros": 0,
    "payment_method": None,
    "auto_topups": [],
}
BALANCE = {
    "balance_micros": 3 * DOLLAR,
    "held_micros": 0,
    "available_micros": 3 * DOLLAR,
    "balance_cents": 300,
    "balance_dollars": "3.00",
    "is_low_balance": True,
    "low_balance_threshold_micros": 5 * DOLLAR,
    "policy": "block",
    "is_disputed": False,
}


@pytest.fixture
def billing_backend(backend):
    """What the billing page asks for, apart from the profile (each test gives its own)."""
    backend.expect_request("/api/billing/reserve/balance/").respond_with_json(BALANCE)
    backend.expect_request("/api/billing/reserve/ledger/").respond_with_json(
        {"count": 0, "next": None, "previous": None, "results": []}
    )
    backend.expect_request("/api/billing/topup/options/").respond_with_json(
        {"presets_dollars": [10, 25, 50, 100], "min_dollars": 5, "max_dollars": 500, "simulated": False}
    )
    return backend


def with_profile(backend, **changes):
    backend.expect_request("/api/billing/profile/", method="GET").respond_with_json({**PROFILE, **changes})


def sent_json(backend, path, method):
    [request] = [request for request, _ in backend.log if request.path == path and request.method == method]
    return json.loads(request.data)


def test_the_page_shows_the_saved_card_and_what_automatic_top_ups_did(billing_backend, signed_in):
    with_profile(
        billing_backend,
        auto_topup_enabled=True,
        auto_topup_monthly_cap_micros=100 * DOLLAR,
        auto_topup_spent_this_month_micros=25 * DOLLAR,
        payment_method={"label": "Visa •••• 4242"},
        auto_topups=[
            {
                "created_at": "2026-11-30T10:00:00+00:00",
                "status": "failed",
                "amount_micros": 25 * DOLLAR,
                "amount_dollars": "25.00",
                "outcome": "The card was declined: <insufficient funds>.",
            },
            {
                "created_at": "2026-11-29T10:00:00+00:00",
                "status": "succeeded",
                "amount_micros": 25 * DOLLAR,
                "amount_dollars": "25.00",
                "outcome": "",
            },
        ],
    )

    page = signed_in.get("/billing/").content.decode()

    assert "Card for automatic top-ups: <strong>Visa •••• 4242</strong>" in page
    assert "This month: 25.00 of 100.00 USD." in page
    assert "The card was declined: &lt;insufficient funds&gt;." in page
    assert 'name="enabled" class="form-check-input" id="auto_enabled" checked' in page
    assert 'value="25.00"' in page  # the fixed amount, in dollars


def test_without_a_card_the_page_says_how_to_save_one_and_offers_it_on_the_top_up(billing_backend, signed_in):
    with_profile(billing_backend, auto_topup_enabled=True)

    page = signed_in.get("/billing/").content.decode()

    assert "No card saved yet" in page
    assert 'name="save_card" id="id_save_card" class="form-check-input" checked' in page


def test_an_owner_turns_on_automatic_top_up_up_to_a_target(billing_backend, signed_in):
    with_profile(billing_backend)
    billing_backend.expect_request("/api/billing/profile/", method="PATCH").respond_with_json(PROFILE)

    response = signed_in.post(
        "/billing/auto-topup/",
        {"enabled": "on", "mode": "target", "amount": "25", "target": "80.50", "monthly_cap": "200"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/billing/#auto-topup-title"
    assert sent_json(billing_backend, "/api/billing/profile/", "PATCH") == {
        "auto_topup_enabled": True,
        "auto_topup_mode": "target",
        "auto_topup_amount_dollars": "25.00",
        "auto_topup_target_dollars": "80.50",
        "auto_topup_monthly_cap_dollars": "200.00",
    }


def test_an_empty_cap_means_no_cap_and_unticked_turns_it_off(billing_backend, signed_in):
    with_profile(billing_backend)
    billing_backend.expect_request("/api/billing/profile/", method="PATCH").respond_with_json(PROFILE)

    signed_in.post(
        "/billing/auto-topup/", {"mode": "fixed", "amount": "10", "target": "50", "monthly_cap": ""}
    )

    sent = sent_json(billing_backend, "/api/billing/profile/", "PATCH")
    assert (sent["auto_topup_enabled"], sent["auto_topup_monthly_cap_dollars"]) == (False, None)


def test_the_backends_refusal_is_shown_on_the_field_and_the_input_is_kept(billing_backend, signed_in):
    with_profile(billing_backend)
    billing_backend.expect_request("/api/billing/profile/", method="PATCH").respond_with_json(
        {
            "message": "Invalid input.",
            "extra": {
                "fields": {
                    "auto_topup_target_dollars": [
                        "The target must be above the low-balance threshold, or a top-up would not lift "
                        "the balance out of it."
                    ]
                }
            },
            "request_id": "r-1",
        },
        status=400,
    )

    response = signed_in.post(
        "/billing/auto-topup/",
        {"enabled": "on", "mode": "target", "amount": "25", "target": "4", "monthly_cap": ""},
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "The target must be above the low-balance threshold" in page
    assert 'name="target" value="4" min="0.01" step="0.01" class="form-control is-invalid"' in page


def test_saving_the_billing_settings_sends_the_threshold_in_decimal_dollars(billing_backend, signed_in):
    with_profile(billing_backend)
    billing_backend.expect_request("/api/billing/profile/", method="PATCH").respond_with_json(PROFILE)

    response = signed_in.post("/billing/settings/", {"policy": "warn", "low_balance_threshold": "7.5"})

    assert response.status_code == 302
    assert sent_json(billing_backend, "/api/billing/profile/", "PATCH") == {
        "policy": "warn",
        "low_balance_threshold_dollars": "7.50",
    }


def test_the_backends_refusal_of_the_threshold_is_shown_on_its_field(billing_backend, signed_in):
    with_profile(billing_backend)
    billing_backend.expect_request("/api/billing/profile/", method="PATCH").respond_with_json(
        {
            "message": "Some fields are not valid: Ensure this value is less than or equal to 10000.",
            "extra": {
                "fields": {
                    "low_balance_threshold_dollars": ["Ensure this value is less than or equal to 10000."]
                }
            },
            "request_id": "r-1",
        },
        status=400,
    )

    response = signed_in.post("/billing/settings/", {"policy": "warn", "low_balance_threshold": "20000"})

    assert response.status_code == 422
    assert (
        'id="id_low_balance_threshold_error"><div>Ensure this value is less than or equal to 10000.</div>'
        in (response.content.decode())
    )


def test_a_teammate_sees_the_settings_but_cannot_change_them(billing_backend, signed_in):
    session = signed_in.session
    session["user"] = {**session["user"], "role": "member"}
    session.save()
    with_profile(billing_backend)
    billing_backend.expect_request("/api/billing/profile/", method="PATCH").respond_with_json(
        {"message": "Only the workspace's owners change billing settings.", "extra": {}, "request_id": "r-1"},
        status=403,
    )

    page = signed_in.get("/billing/").content.decode()
    refused = signed_in.post(
        "/billing/auto-topup/", {"enabled": "on", "mode": "fixed", "amount": "25", "target": "50"}
    )

    assert "<fieldset disabled>" in page
    assert refused.status_code == 422
    assert "Only the workspace&#x27;s owners change billing settings." in refused.content.decode()


def test_the_billing_page_is_where_a_low_balance_is_said(billing_backend, signed_in):
    with_profile(billing_backend)

    page = signed_in.get("/billing/").content.decode()

    assert '<div class="alert alert-warning mt-3 mb-0" role="status" id="low-balance">' in page


def test_the_balance_refreshed_after_a_top_up_also_refreshes_the_saved_card(billing_backend, signed_in):
    # the webhook of a top-up that saved the card has landed since the page was shown
    with_profile(billing_backend, payment_method={"label": "Visa •••• 4242"})

    response = signed_in.get(
        "/billing/?topup=success&poll=3", headers={"HX-Request": "true", "HX-Target": "balance-card"}
    )

    page = response.content.decode()
    # the balance, still polling
    assert '<div class="card-body" id="balance-card" hx-get="/billing/?topup=success&amp;poll=4"' in page
    # and the card the top-up saved, swapped in where "No card saved yet" was
    assert (
        '<p class="small" id="saved-card" hx-swap-oob="true">Card for automatic top-ups: '
        "<strong>Visa •••• 4242</strong>.</p>"
    ) in page
    assert json.loads(response["HX-Trigger"]) == {"reserve-changed": {}}


@pytest.mark.parametrize(
    ("form", "sent"),
    [
        ({"preset": "25", "amount": "", "save_card": "on"}, {"amount_dollars": "25.00", "save_card": True}),
        ({"amount": "12.50"}, {"amount_dollars": "12.50", "save_card": False}),
    ],
)
def test_a_top_up_asks_for_a_checkout_and_passes_the_save_card_choice(billing_backend, signed_in, form, sent):
    billing_backend.expect_request("/api/billing/topup/session/", method="POST").respond_with_json(
        {"url": "https://checkout.stripe.com/c/pay/cs_1", "simulated": False}, status=201
    )

    response = signed_in.post("/billing/topup/", form)

    assert response.status_code == 302
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_1"
    assert sent_json(billing_backend, "/api/billing/topup/session/", "POST") == sent


def test_the_admin_billing_page_shows_recent_billing_events_from_the_audit_log(
    backend, signed_in_operator, admin_billing_page
):
    backend.expect_request("/api/admin/tenants/").respond_with_json([{"id": 7, "name": "Acme"}])
    backend.expect_oneshot_request("/api/admin/audit/", query_string="category=billing").respond_with_json(
        {
            "count": 1,
            "next": None,
            "previous": None,
            "results": [
                {
                    "id": 31,
                    "created_at": "2026-11-30T10:00:00+00:00",
                    "category": "billing",
                    "action": "reserve.auto_topup_failed",
                    "actor_email": "",
                    "tenant": "Acme",
                    "target": "",
                    "summary": "Auto top-up failed: <b>declined</b>",
                    "ip": None,
                    "request_id": "",
                    "data": {},
                }
            ],
        }
    )

    page = signed_in_operator.get("/admin/billing/").content.decode()

    assert '<tr data-action="reserve.auto_topup_failed">' in page
    assert "Auto top-up failed: &lt;b&gt;declined&lt;/b&gt;" in page
    assert 'href="/admin/audit/?category=billing"' in page


def test_the_ledger_filters_by_kind_and_dates_and_its_pages_keep_the_filter(backend, signed_in):
    with_profile(backend)
    backend.expect_request("/api/billing/reserve/balance/").respond_with_json(BALANCE)
    backend.expect_request("/api/billing/topup/options/").respond_with_json(
        {"presets_dollars": [10], "min_dollars": 5, "max_dollars": 500, "simulated": True}
    )
    entry = {
        "id": 1,
        "created_at": "2026-11-20T10:00:00+00:00",
        "kind": "topup",
        "amount_micros": 25 * DOLLAR,
        "amount_dollars": "25.00",
        "balance_after_micros": 25 * DOLLAR,
        "balance_after_dollars": "25.00",
        "memo": "Top-up (checkout)",
        "is_paid_money": True,
    }
    backend.expect_request(
        "/api/billing/reserve/ledger/",
        query_string="kind=topup&page=1&date_from=2026-11-01&date_to=2026-11-30",
    ).respond_with_json({"count": 30, "next": "…", "previous": None, "results": [entry]})

    page = signed_in.get(
        "/billing/", {"kind": "topup", "date_from": "2026-11-01", "date_to": "2026-11-30"}
    ).content.decode()

    assert '<tr data-kind="topup">' in page
    assert "Top-up" in page
    assert 'value="2026-11-01"' in page and 'value="2026-11-30"' in page
    assert 'href="?kind=topup&amp;date_from=2026-11-01&amp;date_to=2026-11-30&amp;page=2" rel="next"' in page
    assert "30 movements" in page


def test_a_malformed_date_in_the_address_is_ignored_not_sent(billing_backend, signed_in):
    with_profile(billing_backend)

    response = signed_in.get("/billing/", {"date_from": "yesterday"})

    assert response.status_code == 200
    [ledger_request] = [r for r, _ in billing_backend.log if r.path == "/api/billing/reserve/ledger/"]
    assert "date_from" not in ledger_request.args


def test_a_member_is_not_offered_to_save_the_card(billing_backend, signed_in):
    session = signed_in.session
    session["user"] = {**session["user"], "role": "member"}
    session.save()
    with_profile(billing_backend, auto_topup_enabled=True)

    page = signed_in.get("/billing/").content.decode()

    assert 'name="save_card"' not in page


def test_only_the_chosen_ways_figure_is_needed_and_sent(billing_backend, signed_in):
    with_profile(billing_backend)
    billing_backend.expect_request("/api/billing/profile/", method="PATCH").respond_with_json(PROFILE)

    missing = signed_in.post(
        "/billing/auto-topup/", {"enabled": "on", "mode": "target", "amount": "25", "target": ""}
    )
    saved = signed_in.post(
        "/billing/auto-topup/", {"enabled": "on", "mode": "fixed", "amount": "25", "target": ""}
    )

    assert missing.status_code == 422
    assert 'id="auto_target_error"><div>Enter an amount.</div>' in missing.content.decode()
    assert saved.status_code == 302
    assert sent_json(billing_backend, "/api/billing/profile/", "PATCH") == {
        "auto_topup_enabled": True,
        "auto_topup_mode": "fixed",
        "auto_topup_monthly_cap_dollars": None,
        "auto_topup_amount_dollars": "25.00",
    }


def stripe_event(**fields) -> dict:
    return {
        "id": "evt_1",
        "type": "charge.refunded",
        "status": "waiting",
        "outcome": "waiting for payment pi_1",
        "waiting_for_payment": "pi_1",
        "attempts": 1,
        "last_error": "",
        "received_at": "2026-12-01T10:00:00+00:00",
        "next_attempt_at": "2026-12-01T10:02:00+00:00",
        **fields,
    }


def test_the_admin_billing_page_lists_the_webhook_events_not_applied_with_their_reason(
    backend, signed_in_operator, admin_billing_page
):
    backend.expect_request("/api/admin/tenants/").respond_with_json([{"id": 7, "name": "Acme"}])
    backend.expect_oneshot_request("/api/billing/admin/stripe-events/").respond_with_json(
        {
            "count": 2,
            "next": None,
            "previous": None,
            "results": [
                stripe_event(),
                stripe_event(
                    id="evt_2",
                    type="payment_intent.succeeded",
                    status="refused",
                    outcome="refused: amount in EUR, the reserve is in USD <script>",
                ),
            ],
        }
    )

    page = signed_in_operator.get("/admin/billing/").content.decode()

    assert 'Webhook events needing attention <span class="badge text-bg-warning">2</span>' in page
    assert '<tr data-event="evt_1">' in page and '<tr data-event="evt_2">' in page
    assert "waiting for payment pi_1" in page
    assert "the reserve is in USD &lt;script&gt;" in page
    # a waiting event can be retried at once, a refused one needs a decision, not a retry
    assert page.count('action="/admin/billing/stripe-events/') == 1
    assert 'action="/admin/billing/stripe-events/evt_1/retry/"' in page


def test_with_every_event_applied_the_page_says_so(backend, signed_in_operator, admin_billing_page):
    backend.expect_request("/api/admin/tenants/").respond_with_json([])

    page = signed_in_operator.get("/admin/billing/").content.decode()

    assert "Every Stripe event has been applied." in page


def test_an_operator_retries_an_event_and_sees_what_became_of_it(backend, signed_in_operator):
    backend.expect_request("/api/billing/admin/stripe-events/evt_1/retry/", method="POST").respond_with_json(
        stripe_event(status="processed", outcome="refund posted: 500 cents (5.00 USD refunded in all)")
    )

    response = signed_in_operator.post("/admin/billing/stripe-events/evt_1/retry/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/billing/#stripe-events"
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert shown == ["Stripe event evt_1 applied: refund posted: 500 cents (5.00 USD refunded in all)."]


def test_a_member_cannot_retry_a_stripe_event(backend, signed_in):
    response = signed_in.post("/admin/billing/stripe-events/evt_1/retry/")

    assert response.status_code == 403
    assert not [request for request, _ in backend.log if "stripe-events" in request.path]


def test_the_ledger_shows_a_usage_charge_below_a_cent_exactly_not_rounded_to_nothing(backend, signed_in):
    # given a job that cost $0.000123 and a top-up
    with_profile(backend)
    backend.expect_request("/api/billing/reserve/balance/").respond_with_json(BALANCE)
    backend.expect_request("/api/billing/topup/options/").respond_with_json(
        {"presets_dollars": [10], "min_dollars": 5, "max_dollars": 500, "simulated": True}
    )
    usage = {
        "id": 2,
        "created_at": "2026-11-21T10:00:00+00:00",
        "kind": "usage",
        "amount_micros": -123,
        "amount_dollars": "-0.00",
        "balance_after_micros": 25 * DOLLAR - 123,
        "balance_after_dollars": "24.99",
        "memo": "Job 41: Enhance an entry",
        "is_paid_money": False,
    }
    topup = {
        "id": 1,
        "created_at": "2026-11-20T10:00:00+00:00",
        "kind": "topup",
        "amount_micros": 25 * DOLLAR,
        "amount_dollars": "25.00",
        "balance_after_micros": 25 * DOLLAR,
        "balance_after_dollars": "25.00",
        "memo": "Top-up (checkout)",
        "is_paid_money": True,
    }
    backend.expect_request("/api/billing/reserve/ledger/").respond_with_json(
        {"count": 2, "next": None, "previous": None, "results": [usage, topup]}
    )

    # when
    page = signed_in.get("/billing/").content.decode()

    # then
    amounts = re.findall(r'<td class="text-end font-monospace text-nowrap text-(\w+)">([^<]*)</td>', page)
    assert amounts == [("danger", "-0.000123"), ("success", "25.00")]
    assert "-0.00<" not in page
