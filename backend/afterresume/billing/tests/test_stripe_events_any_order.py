"""Stripe events as Stripe may send them (docs/money.md): in any order, in every shape its documentation
permits for the pinned API version, redelivered, concurrently, or signed but malformed. Money is never
dropped, never counted twice, and what cannot be applied is shown to operators and retried."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from afterresume.audit.models import AuditEvent
from afterresume.billing.models import LedgerEntry, ReserveAccount, StripeEvent
from afterresume.billing.payments.simulated import stripe_signature
from afterresume.billing.tasks import retry_stripe_events
from afterresume.billing.tests.test_stripe import SECRET, balance, checkout_paid, deliver, event
from conftest import token_client


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET


def payment_succeeded(tenant_id, *, intent="pi_1", cents=2000, currency="usd"):
    return {
        "id": intent,
        "object": "payment_intent",
        "amount": cents,
        "amount_received": cents,
        "currency": currency,
        "status": "succeeded",
        "metadata": {"tenant_id": str(tenant_id), "purpose": "reserve_topup"},
    }


def charge_refunded(*, charge="ch_1", intent="pi_1", amount=2000, refunded=500, refunds=None):
    """A charge as the pinned API version sends it: no workspace metadata (Checkout copies it to
    the payment, not to the charge) and, unless given, no embedded list of refunds."""
    charge_object = {
        "id": charge,
        "object": "charge",
        "amount": amount,
        "amount_refunded": refunded,
        "currency": "usd",
        "payment_intent": intent,
        "refunded": refunded == amount,
    }
    if refunds is not None:
        charge_object["refunds"] = {"object": "list", "data": refunds}
    return charge_object


def refunds_total(user) -> int:
    return sum(
        LedgerEntry.objects.filter(account__tenant=user.membership.tenant, kind="refund").values_list(
            "amount_micros", flat=True
        )
    )


# --- 1. events before their payment ----------------------------------------------------------------


def test_a_refund_that_arrives_before_its_payment_waits_and_is_applied_when_the_payment_arrives(owner):
    tenant_id = owner.membership.tenant_id

    # given: the refund of 5.00 arrives first; the reserve has never seen payment pi_1
    early = deliver(event("evt_refund", "charge.refunded", charge_refunded(refunded=500)))
    waiting = StripeEvent.objects.get(id="evt_refund")

    # when: the payment of 20.00 arrives
    deliver(event("evt_paid", "payment_intent.succeeded", payment_succeeded(tenant_id)))

    # then: the refund was kept, not dropped, and is applied now: +20.00 - 5.00
    assert early.status_code == 200
    assert (waiting.status, waiting.waiting_for_payment, waiting.processed_at) == ("waiting", "pi_1", None)
    assert balance(owner) == 15_000_000
    assert StripeEvent.objects.get(id="evt_refund").status == "processed"


def test_a_dispute_opened_and_lost_before_its_payment_arrives_is_applied_after_it(owner):
    tenant_id = owner.membership.tenant_id
    dispute = {"id": "dp_1", "object": "dispute", "payment_intent": "pi_1", "amount": 2000, "currency": "usd"}

    deliver(event("evt_opened", "charge.dispute.created", {**dispute, "status": "needs_response"}))
    deliver(event("evt_lost", "charge.dispute.closed", {**dispute, "status": "lost"}))
    before_payment = balance(owner)
    deliver(event("evt_paid", "payment_intent.succeeded", payment_succeeded(tenant_id)))

    account = ReserveAccount.objects.get(tenant_id=tenant_id)
    assert before_payment == 0
    assert (account.balance_micros, account.is_disputed) == (0, False)
    assert LedgerEntry.objects.get(kind="reversal").amount_micros == -20_000_000


def test_a_dispute_closed_event_that_overtakes_its_created_event_leaves_the_account_unflagged(owner):
    tenant_id = owner.membership.tenant_id
    deliver(event("evt_paid", "payment_intent.succeeded", payment_succeeded(tenant_id)))
    dispute = {"id": "dp_1", "object": "dispute", "payment_intent": "pi_1", "amount": 2000, "currency": "usd"}

    deliver(event("evt_won", "charge.dispute.closed", {**dispute, "status": "won"}))
    deliver(event("evt_opened", "charge.dispute.created", {**dispute, "status": "needs_response"}))

    account = ReserveAccount.objects.get(tenant_id=tenant_id)
    assert (account.is_disputed, account.balance_micros) == (False, 20_000_000)


def test_a_waiting_event_whose_payment_was_credited_without_an_event_is_applied_by_the_sweep(owner):
    # given: a refund waits for pi_auto, which the automatic top-up task credited itself (no event)
    deliver(event("evt_refund", "charge.refunded", charge_refunded(intent="pi_auto", refunded=500)))
    from afterresume.billing.ledger.posting import ledger_post

    ledger_post(
        account_id=owner.membership.tenant.reserve.pk,
        kind=LedgerEntry.Kind.TOPUP,
        amount_micros=20_000_000,
        idempotency_key="payment:pi_auto",
    )

    # when: the sweep runs once the back-off has passed
    too_early = retry_stripe_events()
    StripeEvent.objects.filter(id="evt_refund").update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    counts = retry_stripe_events()

    # then
    assert too_early["processed"] == 0
    assert counts["processed"] == 1
    assert balance(owner) == 15_000_000


def test_a_refund_naming_no_payment_is_refused_and_shown_to_operators(owner, operator):
    refund = charge_refunded(refunded=500)
    del refund["payment_intent"]

    deliver(event("evt_refund", "charge.refunded", refund))
    listed = token_client(operator).get("/api/billing/admin/stripe-events/").json()

    assert StripeEvent.objects.get(id="evt_refund").status == "refused"
    assert [(row["id"], row["status"]) for row in listed["results"]] == [("evt_refund", "refused")]


# --- 2. partial refunds ----------------------------------------------------------------------------


def test_two_partial_refunds_debit_what_was_refunded_not_the_running_totals(owner):
    deliver(event("evt_paid", "payment_intent.succeeded", payment_succeeded(owner.membership.tenant_id)))

    deliver(event("evt_r1", "charge.refunded", charge_refunded(refunded=500)))
    deliver(event("evt_r2", "charge.refunded", charge_refunded(refunded=1000)))
    deliver(event("evt_r2", "charge.refunded", charge_refunded(refunded=1000)))  # redelivered

    assert refunds_total(owner) == -10_000_000
    assert balance(owner) == 10_000_000


def test_partial_refunds_in_reverse_order_debit_the_final_total_once(owner):
    deliver(event("evt_paid", "payment_intent.succeeded", payment_succeeded(owner.membership.tenant_id)))

    deliver(event("evt_r2", "charge.refunded", charge_refunded(refunded=1000)))
    deliver(event("evt_r1", "charge.refunded", charge_refunded(refunded=500)))  # older, arrives late

    assert refunds_total(owner) == -10_000_000


def test_refund_events_with_and_without_the_embedded_list_agree(owner):
    deliver(event("evt_paid", "payment_intent.succeeded", payment_succeeded(owner.membership.tenant_id)))
    first = [{"id": "re_1", "object": "refund", "amount": 500}]
    both = [*first, {"id": "re_2", "object": "refund", "amount": 500}]

    deliver(event("evt_r1", "charge.refunded", charge_refunded(refunded=500, refunds=first)))
    deliver(event("evt_r2", "charge.refunded", charge_refunded(refunded=1000)))
    deliver(event("evt_r3", "charge.refunded", charge_refunded(refunded=1000, refunds=both)))

    assert refunds_total(owner) == -10_000_000


@pytest.mark.django_db(transaction=True)
def test_partial_refund_events_delivered_concurrently_debit_the_refunded_total_once(owner):
    deliver(event("evt_paid", "payment_intent.succeeded", payment_succeeded(owner.membership.tenant_id)))
    payloads = [
        event(f"evt_r{refunded}", "charge.refunded", charge_refunded(refunded=refunded))
        for refunded in (500, 1000, 1500)
    ] * 4
    barrier = threading.Barrier(len(payloads))
    statuses = []

    def post(payload):
        try:
            barrier.wait()
            statuses.append(deliver(payload).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(payload,)) for payload in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [200] * len(payloads)
    assert refunds_total(owner) == -15_000_000
    assert balance(owner) == 5_000_000


# --- 4. currency, failures, malformed payloads --------------------------------------------------------


def test_a_payment_in_another_currency_is_refused_flagged_and_credits_nothing(owner, operator):
    paid = payment_succeeded(owner.membership.tenant_id, currency="eur")

    answer = deliver(event("evt_eur", "payment_intent.succeeded", paid))

    stored = StripeEvent.objects.get(id="evt_eur")
    assert answer.status_code == 200
    assert (stored.status, stored.outcome) == ("refused", "refused: amount in EUR, the reserve is in USD")
    assert balance(owner) == 0
    assert (
        AuditEvent.objects.filter(action="stripe.event_refused", target="stripe_event:evt_eur").count() == 1
    )
    summary = token_client(operator).get("/api/billing/admin/reserve/summary/").json()
    assert summary["stripe_events_needing_attention"] == 1


def test_an_event_whose_processing_fails_is_recorded_shown_and_retried_with_back_off(owner, operator):
    # given: a payment of more cents than the ledger can hold: processing fails in the database
    paid = payment_succeeded(owner.membership.tenant_id, cents=10**20)

    answer = deliver(
        event("evt_bad", "payment_intent.succeeded", paid), client=Client(raise_request_exception=False)
    )
    failed = StripeEvent.objects.get(id="evt_bad")
    not_due = retry_stripe_events()
    StripeEvent.objects.filter(id="evt_bad").update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    retried = retry_stripe_events()

    assert answer.status_code == 500  # Stripe redelivers too
    assert (failed.status, failed.attempts, failed.processed_at) == ("failed", 1, None)
    assert failed.last_error != "" and failed.next_attempt_at > timezone.now()
    assert not_due == {"processed": 0, "waiting": 0, "failed": 0, "refused": 0}
    assert retried["failed"] == 1
    assert StripeEvent.objects.get(id="evt_bad").attempts == 2
    assert balance(owner) == 0  # nothing half-applied
    listed = token_client(operator).get("/api/billing/admin/stripe-events/").json()["results"]
    assert [(row["id"], row["status"], row["attempts"]) for row in listed] == [("evt_bad", "failed", 2)]


def test_an_event_stored_by_a_process_that_died_before_applying_it_is_applied_by_the_sweep(owner):
    # given: the event was stored, then the process was killed before it processed it
    body = json.loads(
        event("evt_lost", "payment_intent.succeeded", payment_succeeded(owner.membership.tenant_id))
    )
    StripeEvent.objects.create(id="evt_lost", type=body["type"], payload=body)
    StripeEvent.objects.filter(id="evt_lost").update(received_at=timezone.now() - timedelta(minutes=3))

    counts = retry_stripe_events()

    assert counts["processed"] == 1
    assert balance(owner) == 20_000_000


def test_operators_retry_an_event_at_once_and_nobody_else_can(owner, operator):
    deliver(event("evt_refund", "charge.refunded", charge_refunded(refunded=500)))
    deliver(
        event(
            "evt_eur",
            "payment_intent.succeeded",
            payment_succeeded(owner.membership.tenant_id, currency="eur"),
        )
    )

    by_owner = token_client(owner).post("/api/billing/admin/stripe-events/evt_refund/retry/")
    by_operator = token_client(operator).post("/api/billing/admin/stripe-events/evt_refund/retry/")
    missing = token_client(operator).post("/api/billing/admin/stripe-events/evt_nope/retry/")

    assert by_owner.status_code == 403
    assert (by_operator.status_code, by_operator.json()["status"]) == (200, "waiting")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        b"[1, 2, 3]",
        b'"an event"',
        json.dumps({"id": "evt_1", "type": "charge.refunded", "data": {"object": "ch_1"}}).encode(),
        json.dumps({"id": "evt_1", "type": "charge.refunded", "data": "nothing"}).encode(),
        json.dumps({"id": "evt_1", "type": "charge.refunded"}).encode(),
        json.dumps({"id": 7, "type": "charge.refunded", "data": {"object": {}}}).encode(),
        json.dumps({"type": "charge.refunded", "data": {"object": {}}}).encode(),
        b"\xff\xfe not utf-8",
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=[
        "array",
        "string",
        "object-as-string",
        "data-as-string",
        "no-data",
        "numeric-id",
        "no-id",
        "not-utf8",
        "nested-too-deep",
    ],
)
def test_a_signed_but_malformed_payload_is_a_400_and_nothing_is_stored(owner, client, body):
    answer = client.post(
        "/api/billing/webhook/",
        body,
        content_type="application/json",
        headers={"Stripe-Signature": stripe_signature(body, SECRET) if body[:1] != b"\xff" else "t=1,v1=00"},
    )

    assert answer.status_code == 400
    assert set(answer.json()) >= {"message", "request_id"}
    assert not StripeEvent.objects.exists()


def test_a_refund_with_an_amount_that_is_not_cents_is_refused_not_a_server_error(owner):
    deliver(event("evt_paid", "payment_intent.succeeded", payment_succeeded(owner.membership.tenant_id)))

    answer = deliver(event("evt_r", "charge.refunded", charge_refunded(refunded="500")))

    assert answer.status_code == 200
    assert StripeEvent.objects.get(id="evt_r").status == "refused"
    assert balance(owner) == 20_000_000


def test_a_paid_checkout_keeps_working_alongside_its_payment_event(owner):
    tenant_id = owner.membership.tenant_id

    deliver(
        event("evt_cs", "checkout.session.completed", checkout_paid(tenant_id, intent="pi_9", cents=2000))
    )
    deliver(event("evt_pi", "payment_intent.succeeded", payment_succeeded(tenant_id, intent="pi_9")))

    assert balance(owner) == 20_000_000
    assert list(StripeEvent.objects.order_by("id").values_list("status", flat=True)) == ["processed"] * 2
