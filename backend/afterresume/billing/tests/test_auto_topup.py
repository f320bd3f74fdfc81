"""Auto top-up (docs/money.md): one off-session payment with the saved card per crossing of the
low-balance threshold, for a fixed amount or up to a target, within a monthly cap; run by a Celery
task; credited once whether the task or the webhook sees the payment first."""

import json
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.test import Client

from afterresume.audit.models import AuditEvent
from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.models import AutoTopup, BillingProfile, LedgerEntry, ReserveAccount, StripeEvent
from afterresume.billing.payments.autotopup import NO_CARD, auto_topup_run
from afterresume.billing.payments.simulated import stripe_signature
from afterresume.billing.tests.conftest import localstripe_sends_webhooks_to
from config.celery import app as celery_app
from conftest import token_client

DOLLAR = 1_000_000
WEBHOOK_SECRET = "whsec_auto_topup_test"


def account_of(user) -> ReserveAccount:
    return ReserveAccount.objects.get(tenant=user.membership.tenant)


def post(account, dollars, key, kind=LedgerEntry.Kind.USAGE):
    return ledger_post(
        account_id=account.pk, kind=kind, amount_micros=int(dollars * DOLLAR), idempotency_key=key
    )


def configure(account, **settings_):
    defaults = {
        "auto_topup_enabled": True,
        "auto_topup_mode": "fixed",
        "auto_topup_amount_micros": 20 * DOLLAR,
        "low_balance_threshold_micros": 5 * DOLLAR,
    }
    ReserveAccount.objects.filter(pk=account.pk).update(**{**defaults, **settings_})
    account.refresh_from_db()
    return account


def wait_for(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)
    return condition()


def topups(account):
    return list(LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.TOPUP).order_by("id"))


@pytest.fixture
def localstripe(settings, localstripe_url):
    settings.STRIPE_SIMULATED = False
    settings.STRIPE_SECRET_KEY = "sk_test_localstripe"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe_url
    from afterresume.billing.payments.gateway import stripe_client

    return stripe_client()


def saved_card(client, user, number="4242424242424242") -> BillingProfile:
    """A customer at localstripe with a card attached, as after a Checkout with setup_future_usage."""
    customer = client.v1.customers.create(params={"email": user.email})
    method = client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    client.v1.payment_methods.attach(method.id, params={"customer": customer.id})
    return BillingProfile.objects.create(
        tenant=user.membership.tenant, stripe_customer_id=customer.id, payment_method_id=method.id
    )


# --- the whole path: a real worker, localstripe, its signed webhook -------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_debit_crossing_the_threshold_charges_the_saved_card_once_and_credits_once(
    owner, localstripe, localstripe_url, live_server
):
    # given $6 in the reserve, a saved card at localstripe, auto top-up of $20 under $5, and
    # localstripe delivering its signed payment events to our webhook
    localstripe_sends_webhooks_to(localstripe_url, f"{live_server.url}/api/billing/webhook/", WEBHOOK_SECRET)
    saved_card(localstripe, owner)
    account = configure(account_of(owner))
    post(account, 6, "grant-1", kind=LedgerEntry.Kind.GRANT)

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        # when usage takes the balance from $6 to $4 (a crossing), then to $3 (no new crossing)
        post(account, -2, "usage-1")
        post(account, -1, "usage-2")
        assert wait_for(lambda: topups(account))
        # and localstripe's own payment_intent.succeeded for that payment arrives too
        assert wait_for(lambda: StripeEvent.objects.filter(type="payment_intent.succeeded").exists())

    # then one payment of $20 was made and credited once, keyed by the payment
    attempt = AutoTopup.objects.get()
    assert (attempt.status, attempt.amount_micros) == ("succeeded", 20 * DOLLAR)
    assert attempt.payment_intent_id.startswith("pi_")
    [credit] = topups(account)
    assert credit.idempotency_key == f"payment:{attempt.payment_intent_id}"
    assert credit.amount_micros == 20 * DOLLAR
    intent = localstripe.v1.payment_intents.retrieve(attempt.payment_intent_id)
    assert (intent.status, intent.amount, intent.metadata["purpose"]) == ("succeeded", 2000, "auto_topup")
    account.refresh_from_db()
    assert account.balance_micros == 23 * DOLLAR
    assert AuditEvent.objects.filter(action="reserve.auto_topped_up", tenant=account.tenant).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_declined_card_fails_the_attempt_with_the_reason_and_moves_no_money(owner, localstripe):
    # given a card that attaches but is declined when charged
    saved_card(localstripe, owner, number="4000000000000341")
    account = configure(account_of(owner))
    post(account, 3, "grant-1", kind=LedgerEntry.Kind.GRANT)

    attempt = auto_topup_run(account_id=account.pk, crossing_key="entry:test")

    assert attempt.status == "failed"
    assert "declined" in attempt.outcome
    assert topups(account) == []
    assert AuditEvent.objects.filter(action="reserve.auto_topup_failed").count() == 1
    # and the owner sees why on the billing settings
    shown = token_client(owner).get("/api/billing/profile/").json()["auto_topups"][0]
    assert shown["status"] == "failed" and "declined" in shown["outcome"]


@pytest.mark.django_db(transaction=True)
def test_a_card_added_in_the_portal_is_found_at_stripe_and_remembered(owner, localstripe):
    # given a customer whose only card was added at Stripe (the portal), none remembered here
    profile = saved_card(localstripe, owner)
    BillingProfile.objects.filter(pk=profile.pk).update(payment_method_id="")
    account = configure(account_of(owner))

    attempt = auto_topup_run(account_id=account.pk, crossing_key="entry:test")

    assert attempt.status == "succeeded"
    profile.refresh_from_db()
    assert profile.payment_method_id.startswith("pm_")
    assert profile.payment_method_label.endswith("•••• 4242")
    account.refresh_from_db()
    assert account.balance_micros == 20 * DOLLAR


# --- simulated mode, end to end: the card saved by a checkout, then an auto top-up ------------------


@pytest.mark.django_db(transaction=True)
def test_in_simulated_mode_a_checkout_saves_the_card_and_a_crossing_tops_up_through_the_webhook(
    owner, settings, live_server
):
    settings.STRIPE_SIMULATED = True
    settings.BACKEND_INTERNAL_URL = live_server.url
    api = token_client(owner)
    started = api.post(
        "/api/billing/topup/session/", {"amount_dollars": "25", "save_card": True}, format="json"
    )
    page_path = "/" + started.json()["url"].split("://", 1)[1].split("/", 1)[1]
    browser = Client()
    assert "saved for automatic top-ups" in browser.get(page_path).content.decode()

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        browser.post(page_path, {"action": "confirm"})
        assert wait_for(lambda: account_of(owner).balance_micros == 25 * DOLLAR)
        assert wait_for(lambda: api.get("/api/billing/profile/").json()["payment_method"] is not None)
        # when auto top-up of $10 is turned on and usage takes the balance under $5
        turned_on = api.patch(
            "/api/billing/profile/",
            {"auto_topup_enabled": True, "auto_topup_amount_dollars": "10.00"},
            format="json",
        )
        assert turned_on.status_code == 200
        post(account_of(owner), -21, "usage-1")
        assert wait_for(lambda: account_of(owner).balance_micros == 14 * DOLLAR)

    profile = api.get("/api/billing/profile/").json()
    assert profile["payment_method"] == {"label": "Visa •••• 4242"}
    assert profile["auto_topups"][0]["status"] == "succeeded"
    assert profile["auto_topups"][0]["amount_dollars"] == "10.00"
    memos = [entry.memo for entry in topups(account_of(owner))]
    assert memos == ["Top-up (checkout)", "Auto top-up"]


# --- the decision, one crossing at a time (no payment leaves: simulated mode, nothing committed) ----


@pytest.fixture
def simulated_card(owner, settings):
    settings.STRIPE_SIMULATED = True
    return BillingProfile.objects.create(
        tenant=owner.membership.tenant, stripe_customer_id="cus_sim", payment_method_id="pm_sim_card_visa"
    )


def test_up_to_a_target_charges_the_difference_rounded_up_to_a_cent(owner, simulated_card):
    account = configure(account_of(owner), auto_topup_mode="target", auto_topup_target_micros=50 * DOLLAR)
    post(account, 3.333333, "grant-1", kind=LedgerEntry.Kind.GRANT)

    attempt = auto_topup_run(account_id=account.pk, crossing_key="entry:1")

    assert attempt.status == "pending"
    assert attempt.amount_micros == 46_670_000  # 50 - 3.333333 = 46.666667 -> 46.67
    assert attempt.payment_intent_id == f"pi_sim_auto_{attempt.pk}"


def test_the_monthly_cap_reduces_then_skips_auto_top_ups(owner, simulated_card):
    from afterresume.billing.payments.autotopup import auto_topup_settle

    account = configure(account_of(owner), auto_topup_monthly_cap_micros=30 * DOLLAR)
    results = []
    for crossing in range(3):
        attempt = auto_topup_run(account_id=account.pk, crossing_key=f"entry:{crossing}")
        results.append((attempt.status, attempt.amount_micros))
        if attempt.status == "pending":
            auto_topup_settle(
                attempt_id=attempt.pk,
                payment_intent_id=attempt.payment_intent_id,
                cents=attempt.amount_micros // 10_000,
                event_id="",
            )
            account.refresh_from_db()
            post(account, -account.balance_micros / DOLLAR, f"usage-{crossing}")

    assert results == [("pending", 20 * DOLLAR), ("pending", 10 * DOLLAR), ("skipped", 0)]
    assert "Reduced to 10.00 USD" in AutoTopup.objects.get(crossing_key="entry:1").outcome
    assert "monthly cap" in AutoTopup.objects.get(crossing_key="entry:2").outcome
    assert AuditEvent.objects.filter(action="reserve.auto_topup_skipped").count() == 1


def test_one_crossing_pays_once_and_one_payment_is_in_flight_at_a_time(owner, simulated_card):
    account = configure(account_of(owner))

    first = auto_topup_run(account_id=account.pk, crossing_key="entry:1")
    again = auto_topup_run(account_id=account.pk, crossing_key="entry:1")
    other = auto_topup_run(account_id=account.pk, crossing_key="entry:2")

    assert again.pk == first.pk
    assert other is None
    assert AutoTopup.objects.count() == 1


def test_a_payment_unconfirmed_for_over_a_day_no_longer_holds_the_next_one_back(owner, simulated_card):
    from datetime import timedelta

    from django.utils import timezone

    account = configure(account_of(owner))
    lost = auto_topup_run(account_id=account.pk, crossing_key="entry:1")
    AutoTopup.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(days=2))

    nxt = auto_topup_run(account_id=account.pk, crossing_key="entry:2")

    assert nxt is not None and nxt.status == "pending"
    assert AutoTopup.objects.filter(status="pending").count() == 2


def test_nothing_is_charged_when_the_balance_recovered_or_auto_top_up_is_off(owner, simulated_card):
    account = configure(account_of(owner))
    post(account, 10, "topup-by-hand", kind=LedgerEntry.Kind.TOPUP)
    assert auto_topup_run(account_id=account.pk, crossing_key="entry:1") is None

    configure(account, auto_topup_enabled=False, balance_micros=0)
    assert auto_topup_run(account_id=account.pk, crossing_key="entry:2") is None
    assert not AutoTopup.objects.exists()


def test_without_a_saved_card_the_attempt_fails_and_the_owners_are_told_what_to_do(
    owner, teammate, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.STRIPE_SIMULATED = True
    account = configure(account_of(owner))

    with django_capture_on_commit_callbacks(execute=True):
        attempt = auto_topup_run(account_id=account.pk, crossing_key="entry:1")

    assert (attempt.status, attempt.outcome) == ("failed", NO_CARD)
    [mail] = mailoutbox
    assert mail.to == [owner.email]  # owners only: the teammate cannot change billing
    assert mail.subject == "AfterResume: Automatic top-up failed"
    assert NO_CARD in mail.body
    assert f"{settings.FRONTEND_URL}/billing/" in mail.body


@pytest.mark.ledger
@pytest.mark.parametrize(
    ("balance", "debit", "kind", "enabled", "queued"),
    [
        (6, -2, "usage", True, 1),  # $6 -> $4: crossed
        (5, -0.01, "usage", True, 1),  # exactly at the threshold counts as above it
        (4, -1, "usage", True, 0),  # already below: no new crossing
        (8, -2, "usage", True, 0),  # $8 -> $6: still above
        (6, -2, "usage", False, 0),  # auto top-up off
        (6, -2, "refund", True, 0),  # a refund never charges the card again by itself
        (6, -2, "adjustment", True, 0),  # nor does an operator's correction
    ],
)
def test_usage_queues_the_task_only_when_it_crosses_the_threshold(
    owner, django_capture_on_commit_callbacks, balance, debit, kind, enabled, queued
):
    account = configure(account_of(owner), auto_topup_enabled=enabled)
    post(account, balance, "grant-1", kind=LedgerEntry.Kind.GRANT)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post(account, debit, "debit-1", kind=kind)

    assert len(callbacks) == queued


@pytest.mark.ledger
def test_a_usage_capture_crossing_the_threshold_queues_the_task(owner, django_capture_on_commit_callbacks):
    from afterresume.billing.ledger.holds import hold_capture, hold_place

    account = configure(account_of(owner))
    post(account, 6, "grant-1", kind=LedgerEntry.Kind.GRANT)
    hold = hold_place(account_id=account.pk, estimate_micros=2 * DOLLAR, idempotency_key="job-1").hold

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        hold_capture(hold_id=hold.pk, actual_micros=2 * DOLLAR)

    assert len(callbacks) == 1


# --- the webhook's part ----------------------------------------------------------------------------


def deliver(kind, obj, event_id="evt_1"):
    payload = json.dumps({"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}).encode()
    return Client().post(
        "/api/billing/webhook/",
        payload,
        content_type="application/json",
        headers={"Stripe-Signature": stripe_signature(payload, WEBHOOK_SECRET)},
    )


def test_a_failed_off_session_payment_marks_its_attempt_failed(owner, settings, simulated_card):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    account = configure(account_of(owner))
    attempt = auto_topup_run(account_id=account.pk, crossing_key="entry:1")

    response = deliver(
        "payment_intent.payment_failed",
        {
            "id": attempt.payment_intent_id,
            "object": "payment_intent",
            "last_payment_error": {"message": "Your card has insufficient funds."},
            "metadata": {"tenant_id": str(account.tenant_id), "auto_topup_id": str(attempt.pk)},
        },
    )

    assert response.status_code == 200
    attempt.refresh_from_db()
    assert (attempt.status, attempt.outcome) == (
        "failed",
        "The payment failed: Your card has insufficient funds.",
    )


def test_a_payment_made_to_be_reused_saves_its_card_for_the_workspace(owner, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    profile = BillingProfile.objects.create(tenant=owner.membership.tenant, stripe_customer_id="cus_1")

    deliver(
        "payment_intent.succeeded",
        {
            "id": "pi_1",
            "object": "payment_intent",
            "amount_received": 2500,
            "customer": "cus_1",
            "payment_method": "pm_1",
            "setup_future_usage": "off_session",
            "charges": {
                "data": [{"payment_method_details": {"card": {"brand": "mastercard", "last4": "4444"}}}]
            },
            "metadata": {"tenant_id": str(owner.membership.tenant_id)},
        },
    )

    profile.refresh_from_db()
    assert (profile.payment_method_id, profile.payment_method_label) == ("pm_1", "Mastercard •••• 4444")
    assert account_of(owner).balance_micros == 25 * DOLLAR


# --- settings ----------------------------------------------------------------------------------------


def test_owners_set_auto_top_up_and_bad_settings_get_clear_errors(owner, teammate):
    api = token_client(owner)

    saved = api.patch(
        "/api/billing/profile/",
        {
            "auto_topup_enabled": True,
            "auto_topup_mode": "target",
            "auto_topup_target_dollars": "40",
            "auto_topup_monthly_cap_dollars": "100",
        },
        format="json",
    )
    too_small = api.patch("/api/billing/profile/", {"auto_topup_amount_dollars": "1"}, format="json")
    target_below = api.patch("/api/billing/profile/", {"low_balance_threshold_dollars": "45"}, format="json")
    not_owner = token_client(teammate).patch(
        "/api/billing/profile/", {"auto_topup_enabled": False}, format="json"
    )

    assert saved.status_code == 200
    assert saved.json()["auto_topup_mode"] == "target"
    assert saved.json()["auto_topup_monthly_cap_micros"] == 100 * DOLLAR
    assert too_small.status_code == 400
    assert too_small.json()["extra"]["fields"] == {
        "auto_topup_amount_dollars": ["Choose an amount from 5 to 500 USD."]
    }
    assert target_below.status_code == 400
    assert (
        "above the low-balance threshold"
        in target_below.json()["extra"]["fields"]["auto_topup_target_dollars"][0]
    )
    assert not_owner.status_code == 403
    account = account_of(owner)
    assert (account.auto_topup_enabled, account.low_balance_threshold_micros) == (True, 5 * DOLLAR)


def test_a_payment_naming_another_workspaces_attempt_credits_its_own_workspace_only(
    owner, outsider, settings, simulated_card
):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    attempt = auto_topup_run(account_id=configure(account_of(owner)).pk, crossing_key="entry:1")

    deliver(
        "payment_intent.succeeded",
        {
            "id": "pi_other",
            "object": "payment_intent",
            "amount_received": 1000,
            "metadata": {"tenant_id": str(outsider.membership.tenant_id), "auto_topup_id": str(attempt.pk)},
        },
    )

    attempt.refresh_from_db()
    assert attempt.status == "pending"
    assert account_of(owner).balance_micros == 0
    assert account_of(outsider).balance_micros == 10 * DOLLAR


# --- what a review found: the card is the owners' choice, and auto top-up never stalls silently ----


def test_only_owners_save_the_card_that_automatic_top_ups_charge(owner, teammate, settings):
    settings.STRIPE_SIMULATED = True

    by_teammate = token_client(teammate).post(
        "/api/billing/topup/session/", {"amount_dollars": "5", "save_card": True}, format="json"
    )
    plain = token_client(teammate).post("/api/billing/topup/session/", {"amount_dollars": "5"}, format="json")
    by_owner = token_client(owner).post(
        "/api/billing/topup/session/", {"amount_dollars": "5", "save_card": True}, format="json"
    )

    assert by_teammate.status_code == 403
    assert by_teammate.json()["message"] == "Only the workspace's owners save a card for automatic top-ups."
    assert (plain.status_code, by_owner.status_code) == (201, 201)


def test_a_fixed_amount_too_small_to_clear_the_threshold_is_raised_to_clear_it(owner, simulated_card):
    account = configure(account_of(owner), low_balance_threshold_micros=100 * DOLLAR)
    post(account, 10, "grant-1", kind=LedgerEntry.Kind.GRANT)

    attempt = auto_topup_run(account_id=account.pk, crossing_key="entry:1")

    assert attempt.amount_micros == 90_010_000  # $100 - $10 + one cent, not the $20 configured


def test_a_top_up_that_leaves_the_balance_under_the_threshold_is_followed_by_the_next(
    owner, simulated_card, django_capture_on_commit_callbacks, mailoutbox
):
    from afterresume.billing.payments.autotopup import auto_topup_settle

    # given a cap that lets only $10 through while $20 is the threshold
    account = configure(
        account_of(owner),
        low_balance_threshold_micros=20 * DOLLAR,
        auto_topup_mode="target",
        auto_topup_target_micros=50 * DOLLAR,
        auto_topup_monthly_cap_micros=10 * DOLLAR,
    )
    first = auto_topup_run(account_id=account.pk, crossing_key="entry:1")

    # when its payment succeeds
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        auto_topup_settle(
            attempt_id=first.pk, payment_intent_id=first.payment_intent_id, cents=1000, event_id=""
        )

    # then the next attempt is queued at once (no crossing would ever come), and it is skipped by
    # the cap with the owners told
    assert first.amount_micros == 10 * DOLLAR
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True):
        follow_up = auto_topup_run(account_id=account.pk, crossing_key=f"after:{first.pk}")
    assert follow_up.status == "skipped"
    assert [mail.subject for mail in mailoutbox] == ["AfterResume: Automatic top-up skipped"]


def test_the_sweep_catches_a_crossing_whose_task_was_lost_but_does_not_hammer_a_failed_card(
    owner, simulated_card, django_capture_on_commit_callbacks
):
    from afterresume.billing.payments.autotopup_triggers import auto_topup_sweep

    account = configure(account_of(owner))
    post(account, 3, "grant-1", kind=LedgerEntry.Kind.GRANT)  # under $5, and no attempt was ever made

    with django_capture_on_commit_callbacks(execute=False) as lost:
        assert auto_topup_sweep() == 1
    AutoTopup.objects.create(account=account, crossing_key="entry:x", status="failed", outcome="declined")
    with django_capture_on_commit_callbacks(execute=False) as after_failure:
        assert auto_topup_sweep() == 0

    assert (len(lost), len(after_failure)) == (1, 0)


def test_a_late_redelivery_charges_nothing_once_auto_top_up_was_turned_off(owner, simulated_card, mailoutbox):
    account = configure(account_of(owner))
    waiting = AutoTopup.objects.create(account=account, crossing_key="entry:1", amount_micros=20 * DOLLAR)
    configure(account, auto_topup_enabled=False)

    attempt = auto_topup_run(account_id=account.pk, crossing_key="entry:1")

    assert attempt.pk == waiting.pk
    assert (attempt.status, attempt.payment_intent_id) == ("failed", "")
    assert attempt.outcome == "No longer needed: nothing was charged."
    assert mailoutbox == []


def test_a_monthly_cap_under_the_smallest_top_up_is_refused(owner):
    response = token_client(owner).patch(
        "/api/billing/profile/", {"auto_topup_monthly_cap_dollars": "2"}, format="json"
    )

    assert response.status_code == 400
    assert (
        "leave it empty for no cap" in response.json()["extra"]["fields"]["auto_topup_monthly_cap_dollars"][0]
    )


def test_a_failure_event_naming_another_workspace_leaves_the_attempt_alone(
    owner, outsider, settings, simulated_card
):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    attempt = auto_topup_run(account_id=configure(account_of(owner)).pk, crossing_key="entry:1")

    deliver(
        "payment_intent.payment_failed",
        {
            "id": attempt.payment_intent_id,
            "object": "payment_intent",
            "last_payment_error": {"message": "declined"},
            "metadata": {"tenant_id": str(outsider.membership.tenant_id), "auto_topup_id": str(attempt.pk)},
        },
    )

    attempt.refresh_from_db()
    assert attempt.status == "pending"


def test_a_card_removed_at_stripe_is_forgotten(owner, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    profile = BillingProfile.objects.create(
        tenant=owner.membership.tenant,
        stripe_customer_id="cus_1",
        payment_method_id="pm_old",
        payment_method_label="Visa •••• 4242",
    )

    deliver("payment_method.detached", {"id": "pm_old", "object": "payment_method", "customer": None})

    profile.refresh_from_db()
    assert (profile.payment_method_id, profile.payment_method_label) == ("", "")


# --- Stripe's refusals never leave an attempt pending ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_customer_gone_at_stripe_fails_the_attempt_instead_of_leaving_it_pending(owner, localstripe):
    BillingProfile.objects.create(tenant=owner.membership.tenant, stripe_customer_id="cus_gone")
    account = configure(account_of(owner))

    attempt = auto_topup_run(account_id=account.pk, crossing_key="entry:1")

    assert attempt.status == "failed"
    assert attempt.outcome.startswith("Stripe refused the payment")


@pytest.mark.django_db(transaction=True)
def test_a_remembered_card_that_no_longer_exists_is_forgotten_for_the_next_attempt(owner, localstripe):
    profile = saved_card(localstripe, owner)
    BillingProfile.objects.filter(pk=profile.pk).update(payment_method_id="pm_removed_in_the_portal")
    account = configure(account_of(owner))

    failed = auto_topup_run(account_id=account.pk, crossing_key="entry:1")
    retried = auto_topup_run(account_id=account.pk, crossing_key="entry:2")

    assert failed.status == "failed"
    assert retried.status == "succeeded"  # with the customer's card found at Stripe
    profile.refresh_from_db()
    assert (
        profile.payment_method_id.startswith("pm_")
        and profile.payment_method_id != "pm_removed_in_the_portal"
    )


@pytest.mark.django_db(transaction=True)
def test_a_saved_cards_label_is_read_from_stripe_when_the_event_does_not_carry_it(owner, localstripe):
    customer = localstripe.v1.customers.create(params={"email": owner.email})
    method = localstripe.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    profile = BillingProfile.objects.create(tenant=owner.membership.tenant, stripe_customer_id=customer.id)

    deliver(
        "payment_intent.succeeded",
        {
            "id": "pi_2",
            "object": "payment_intent",
            "amount_received": 500,
            "customer": customer.id,
            "payment_method": method.id,
            "setup_future_usage": "off_session",
            "latest_charge": "ch_1",
            "metadata": {"tenant_id": str(owner.membership.tenant_id)},
        },
    )

    profile.refresh_from_db()
    assert (profile.payment_method_id, profile.payment_method_label) == (method.id, "Visa •••• 4242")
