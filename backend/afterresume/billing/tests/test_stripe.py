"""Stripe (docs/money.md): signed webhooks (built with hmac, verified by the real stripe library),
idempotent crediting keyed by the payment, refunds, disputes; Checkout through the real stripe
library against a local server speaking Stripe's format; the simulated mode's full path."""

import json
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.test import Client

from afterresume.audit.models import AuditEvent
from afterresume.billing.models import LedgerEntry, ReserveAccount, SimulatedCheckout, StripeEvent
from afterresume.billing.payments.simulated import stripe_signature
from config.celery import app as celery_app
from conftest import token_client

SECRET = "whsec_test_secret"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET


def event(event_id, kind, obj) -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}).encode()


@pytest.fixture
def stripe_server(settings, httpserver):
    """Stripe keys, and the real stripe library pointed at a local server answering in Stripe's
    format (tests declare its answers)."""
    settings.STRIPE_SIMULATED = False
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_API_BASE = httpserver.url_for("").rstrip("/")
    return httpserver


def checkout_paid(tenant_id, *, session="cs_1", intent="pi_1", cents=2500):
    return {
        "id": session,
        "object": "checkout.session",
        "payment_status": "paid",
        "amount_total": cents,
        "payment_intent": intent,
        "metadata": {"tenant_id": str(tenant_id)},
    }


def deliver(payload: bytes, *, secret=SECRET, timestamp=None, client=None):
    client = client or Client()
    return client.post(
        "/api/billing/webhook/",
        payload,
        content_type="application/json",
        headers={"Stripe-Signature": stripe_signature(payload, secret, timestamp)},
    )


def balance(user) -> int:
    return ReserveAccount.objects.get(tenant=user.membership.tenant).balance_micros


def test_a_paid_checkout_credits_the_workspace_once(owner):
    payload = event("evt_1", "checkout.session.completed", checkout_paid(owner.membership.tenant_id))

    first = deliver(payload)
    again = deliver(payload)

    assert (first.status_code, again.status_code) == (200, 200)
    assert balance(owner) == 25_000_000
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.idempotency_key, entry.stripe_event_id) == ("topup", "payment:pi_1", "evt_1")
    assert StripeEvent.objects.get(id="evt_1").processed_at is not None
    assert AuditEvent.objects.filter(action="reserve.topped_up").count() == 1


def test_checkout_completed_and_payment_succeeded_for_one_payment_credit_once(owner):
    tenant_id = owner.membership.tenant_id
    deliver(event("evt_a", "checkout.session.completed", checkout_paid(tenant_id)))
    deliver(
        event(
            "evt_b",
            "payment_intent.succeeded",
            {
                "id": "pi_1",
                "object": "payment_intent",
                "amount_received": 2500,
                "metadata": {"tenant_id": str(tenant_id)},
            },
        )
    )

    assert balance(owner) == 25_000_000
    assert LedgerEntry.objects.count() == 1
    assert StripeEvent.objects.count() == 2


@pytest.mark.parametrize(
    ("how", "secret", "age"),
    [
        ("tampered body", SECRET, 0),
        ("wrong secret", "whsec_someone_else", 0),
        ("stale timestamp", SECRET, 301),
    ],
)
def test_a_delivery_that_is_not_genuine_is_refused_and_nothing_is_stored(owner, how, secret, age):
    payload = event("evt_bad", "checkout.session.completed", checkout_paid(owner.membership.tenant_id))
    signed = stripe_signature(payload, secret, int(time.time()) - age)
    body = payload.replace(b"2500", b"250000") if how == "tampered body" else payload

    response = Client().post(
        "/api/billing/webhook/", body, content_type="application/json", headers={"Stripe-Signature": signed}
    )

    assert response.status_code == 400
    assert response.json()["message"] == "The signature or the payload is not valid."
    assert not StripeEvent.objects.exists()
    assert balance(owner) == 0


def test_an_unknown_event_type_is_stored_and_ignored(owner):
    deliver(event("evt_x", "customer.created", {"id": "cus_1"}))

    stored = StripeEvent.objects.get(id="evt_x")
    assert (stored.type, stored.outcome) == ("customer.created", "ignored: unknown type")
    assert not LedgerEntry.objects.exists()


def test_a_refund_debits_and_may_take_the_balance_negative(owner):
    tenant_id = owner.membership.tenant_id
    deliver(event("evt_1", "checkout.session.completed", checkout_paid(tenant_id)))
    refund = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_1",
        "amount_refunded": 3000,
        "refunds": {"data": [{"id": "re_1", "amount": 3000}]},
    }

    deliver(event("evt_r", "charge.refunded", refund))
    deliver(event("evt_r2", "charge.refunded", refund))  # Stripe repeats the whole list: counted once

    assert balance(owner) == -5_000_000
    assert list(LedgerEntry.objects.filter(kind="refund").values_list("amount_micros", flat=True)) == [
        -30_000_000
    ]


def test_an_opened_dispute_flags_the_account_and_a_lost_one_debits(owner):
    deliver(event("evt_1", "checkout.session.completed", checkout_paid(owner.membership.tenant_id)))
    dispute = {"id": "dp_1", "object": "dispute", "payment_intent": "pi_1", "amount": 2500}

    deliver(event("evt_d1", "charge.dispute.created", {**dispute, "status": "needs_response"}))
    flagged = ReserveAccount.objects.get(tenant=owner.membership.tenant).is_disputed
    deliver(event("evt_d2", "charge.dispute.closed", {**dispute, "status": "lost"}))

    account = ReserveAccount.objects.get(tenant=owner.membership.tenant)
    assert flagged is True
    assert (account.is_disputed, account.balance_micros) == (False, 0)
    assert LedgerEntry.objects.get(kind="reversal").amount_micros == -25_000_000


@pytest.mark.django_db(transaction=True)
def test_the_same_webhook_delivered_twenty_times_at_once_credits_once(owner):
    payload = event("evt_race", "checkout.session.completed", checkout_paid(owner.membership.tenant_id))
    barrier = threading.Barrier(20)
    statuses = []

    def post():
        try:
            barrier.wait()
            statuses.append(deliver(payload).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [200] * 20
    assert balance(owner) == 25_000_000
    assert LedgerEntry.objects.count() == 1
    assert StripeEvent.objects.count() == 1


# --- top-up sessions ---------------------------------------------------------------------------------


def test_a_top_up_outside_the_allowed_range_is_refused(owner, settings):
    client = token_client(owner)

    low = client.post("/api/billing/topup/session/", {"amount_dollars": "4.99"}, format="json")
    high = client.post("/api/billing/topup/session/", {"amount_dollars": "500.01"}, format="json")

    assert low.json()["extra"]["fields"] == {"amount_dollars": ["Choose an amount from 5 to 500 USD."]}
    assert high.status_code == 400
    assert not SimulatedCheckout.objects.exists()


def test_with_stripe_keys_a_top_up_opens_a_stripe_checkout_session(owner, stripe_server):
    stripe_server.expect_request("/v1/checkout/sessions", method="POST").respond_with_json(
        {
            "id": "cs_test_1",
            "object": "checkout.session",
            "url": "https://checkout.stripe.com/c/pay/cs_test_1",
        }
    )

    response = token_client(owner).post(
        "/api/billing/topup/session/", {"amount_dollars": "25"}, format="json"
    )

    assert response.status_code == 201
    assert response.json() == {"url": "https://checkout.stripe.com/c/pay/cs_test_1", "simulated": False}
    sent, _ = stripe_server.log[0]
    form = dict(sent.form)
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][unit_amount]"] == "2500"
    assert form["metadata[tenant_id]"] == str(owner.membership.tenant_id)
    assert form["payment_intent_data[metadata][tenant_id]"] == str(owner.membership.tenant_id)
    assert sent.headers["Authorization"] == "Bearer sk_test_local"
    assert sent.headers["Idempotency-Key"].startswith(f"topup:{owner.pk}:")


def test_without_keys_in_production_top_ups_are_unavailable(owner, settings):
    settings.STRIPE_SIMULATED = False
    settings.STRIPE_SECRET_KEY = ""

    response = token_client(owner).post(
        "/api/billing/topup/session/", {"amount_dollars": "25"}, format="json"
    )

    assert response.status_code == 503
    assert response.json()["message"] == "Payments are not configured on this server."


@pytest.mark.django_db(transaction=True)
def test_simulated_mode_confirming_the_checkout_credits_through_the_real_webhook(
    owner, settings, live_server
):
    # given simulated mode, a worker, and the webhook reachable over HTTP
    settings.STRIPE_SIMULATED = True
    settings.BACKEND_INTERNAL_URL = live_server.url
    started = token_client(owner).post("/api/billing/topup/session/", {"amount_dollars": "25"}, format="json")
    assert started.status_code == 201 and started.json()["simulated"] is True
    page_path = started.json()["url"].split("://", 1)[1].split("/", 1)[1]
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(f"/{page_path}")
    assert "25.00 USD" in page.content.decode()

    # when the person pays on the local checkout page
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        confirm = browser.post(
            f"/{page_path}", {"action": "confirm", "csrfmiddlewaretoken": browser.cookies["csrftoken"].value}
        )
        deadline = time.monotonic() + 20
        while balance(owner) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)

    # then the browser goes back to the frontend and the reserve holds $25, credited by the webhook
    assert confirm.status_code == 302
    assert confirm["Location"].endswith("/billing/?topup=success")
    assert balance(owner) == 25_000_000
    entry = LedgerEntry.objects.get()
    assert entry.stripe_event_id.startswith("evt_sim_")
    assert StripeEvent.objects.get(id=entry.stripe_event_id).type == "checkout.session.completed"


def test_an_owner_opens_the_customer_portal_with_a_customer_created_once(owner, stripe_server):
    from afterresume.billing.models import BillingProfile

    stripe_server.expect_request("/v1/customers", method="POST").respond_with_json(
        {"id": "cus_local_1", "object": "customer"}
    )
    stripe_server.expect_request("/v1/billing_portal/sessions", method="POST").respond_with_json(
        {
            "id": "bps_1",
            "object": "billing_portal.session",
            "url": "https://billing.stripe.com/p/session/bps_1",
        }
    )
    client = token_client(owner)

    first = client.post("/api/billing/portal/session/")
    second = client.post("/api/billing/portal/session/")

    assert first.json() == {"url": "https://billing.stripe.com/p/session/bps_1"}
    assert second.status_code == 201
    assert BillingProfile.objects.get(tenant=owner.membership.tenant).stripe_customer_id == "cus_local_1"
    paths = [request.path for request, _ in stripe_server.log]
    assert paths == ["/v1/customers", "/v1/billing_portal/sessions", "/v1/billing_portal/sessions"]
    customer_form = dict(stripe_server.log[0][0].form)
    assert customer_form["metadata[tenant_id]"] == str(owner.membership.tenant_id)
    assert dict(stripe_server.log[1][0].form)["customer"] == "cus_local_1"


def test_the_portal_is_for_owners_and_needs_stripe(owner, teammate, settings):
    member = token_client(teammate).post("/api/billing/portal/session/")
    simulated = token_client(owner).post("/api/billing/portal/session/")

    assert member.status_code == 403
    assert simulated.status_code == 503


def test_a_top_up_that_saves_the_card_is_made_for_the_workspaces_customer(owner, stripe_server):
    # given Stripe keys and a local server in Stripe's format
    stripe_server.expect_request("/v1/customers", method="POST").respond_with_json(
        {"id": "cus_local_7", "object": "customer"}
    )
    stripe_server.expect_request("/v1/checkout/sessions", method="POST").respond_with_json(
        {
            "id": "cs_test_2",
            "object": "checkout.session",
            "url": "https://checkout.stripe.com/c/pay/cs_test_2",
        }
    )

    response = token_client(owner).post(
        "/api/billing/topup/session/", {"amount_dollars": "25", "save_card": True}, format="json"
    )

    # then Checkout keeps the card for off-session payments of this workspace's customer
    assert response.status_code == 201
    assert [request.path for request, _ in stripe_server.log] == ["/v1/customers", "/v1/checkout/sessions"]
    form = dict(stripe_server.log[1][0].form)
    assert form["customer"] == "cus_local_7"
    assert form["payment_intent_data[setup_future_usage]"] == "off_session"
    assert form["payment_intent_data[metadata][tenant_id]"] == str(owner.membership.tenant_id)
    assert "customer_email" not in form
