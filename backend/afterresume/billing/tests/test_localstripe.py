"""Against localstripe, a stateful fake Stripe server (RECIPES "Stripe without the internet"): the
real stripe library creates a customer, attaches a card and confirms an off-session PaymentIntent
(the auto top-up path), and localstripe's own signed webhook credits the reserve through our
endpoint, once."""

import time

import pytest
import stripe

from afterresume.billing.models import LedgerEntry, ReserveAccount, StripeEvent
from afterresume.billing.tests.conftest import localstripe_sends_webhooks_to

WEBHOOK_SECRET = "whsec_localstripe_test"


@pytest.mark.django_db(transaction=True)
def test_an_off_session_payment_at_localstripe_credits_the_reserve_through_its_signed_webhook(
    owner, settings, live_server, localstripe_url
):
    settings.STRIPE_SIMULATED = False
    settings.STRIPE_SECRET_KEY = "sk_test_localstripe"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe_url
    # localstripe delivers signed events to our real webhook endpoint
    localstripe_sends_webhooks_to(localstripe_url, f"{live_server.url}/api/billing/webhook/", WEBHOOK_SECRET)
    from afterresume.billing.payments.gateway import stripe_client

    client = stripe_client()
    tenant_id = owner.membership.tenant_id

    # a saved card, then an off-session charge (what the auto top-up will do)
    customer = client.v1.customers.create(
        params={"email": owner.email, "metadata": {"tenant_id": str(tenant_id)}}
    )
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    client.v1.payment_methods.attach(method.id, params={"customer": customer.id})
    intent = client.v1.payment_intents.create(
        params={
            "amount": 1000,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": method.id,
            "off_session": True,
            "confirm": True,
            "metadata": {"tenant_id": str(tenant_id)},
        }
    )
    assert intent.status == "succeeded"

    deadline = time.monotonic() + 15
    account = ReserveAccount.objects.get(tenant_id=tenant_id)
    while account.balance_micros == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
        account.refresh_from_db()

    assert account.balance_micros == 10_000_000
    entry = LedgerEntry.objects.get(account=account)
    assert entry.idempotency_key == f"payment:{intent.id}"
    assert StripeEvent.objects.get(id=entry.stripe_event_id).type == "payment_intent.succeeded"

    # and a refund through the same library is accepted by localstripe
    refund = client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 400})
    assert (refund.status, refund.amount) == ("succeeded", 400)


def test_the_stripe_library_refuses_a_bad_request_with_its_own_error(settings, localstripe_url):
    settings.STRIPE_SECRET_KEY = "sk_test_localstripe"
    settings.STRIPE_API_BASE = localstripe_url
    from afterresume.billing.payments.gateway import stripe_client

    with pytest.raises(stripe.InvalidRequestError):
        stripe_client().v1.payment_intents.create(params={"amount": -5, "currency": "usd"})
