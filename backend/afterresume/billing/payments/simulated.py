"""Simulated mode (development only, docs/money.md): a local checkout page and a Celery task that
delivers a correctly signed Stripe-format event to the real webhook endpoint — the same code path
as production, asynchronously, with retries."""

import hashlib
import hmac
import json
import secrets
import time

from django.db import transaction

from afterresume.billing.models import AutoTopup, BillingProfile, ReserveAccount, SimulatedCheckout
from afterresume.billing.money import MICROS_PER_CENT
from afterresume.billing.payments.queue import DELIVER_SIMULATED_PAYMENT, task_queue_on_commit

SIMULATED_CARD = {"id": "pm_sim_card_visa", "brand": "visa", "last4": "4242"}


def simulated_checkout_create(
    *, account: ReserveAccount, amount_cents: int, user, return_url: str, save_card: bool = True
) -> SimulatedCheckout:
    if save_card:
        # The workspace's (simulated) Stripe customer, as a real Checkout with a customer creates.
        BillingProfile.objects.get_or_create(
            tenant_id=account.tenant_id, defaults={"stripe_customer_id": f"cus_sim_{account.tenant_id}"}
        )
    return SimulatedCheckout.objects.create(
        id=f"cs_sim_{secrets.token_urlsafe(24)}",
        account=account,
        amount_cents=amount_cents,
        created_by=user,
        return_url=return_url,
        save_card=save_card,
    )


@transaction.atomic
def simulated_checkout_confirm(*, checkout_id: str) -> SimulatedCheckout:
    checkout = SimulatedCheckout.objects.select_for_update().get(pk=checkout_id)
    if checkout.status == SimulatedCheckout.Status.OPEN:
        checkout.status = SimulatedCheckout.Status.CONFIRMED
        checkout.save(update_fields=["status"])
        # After commit, like every task (the worker must see the confirmed checkout).
        task_queue_on_commit(DELIVER_SIMULATED_PAYMENT, checkout.pk)
    return checkout


@transaction.atomic
def simulated_checkout_cancel(*, checkout_id: str) -> SimulatedCheckout:
    checkout = SimulatedCheckout.objects.select_for_update().get(pk=checkout_id)
    if checkout.status == SimulatedCheckout.Status.OPEN:
        checkout.status = SimulatedCheckout.Status.CANCELED
        checkout.save(update_fields=["status"])
    return checkout


def _checkout_session(checkout: SimulatedCheckout) -> dict:
    """A Checkout session in payment mode, paid, as Stripe describes it."""
    return {
        "id": checkout.pk,
        "object": "checkout.session",
        "mode": "payment",
        "payment_status": "paid",
        "amount_total": checkout.amount_cents,
        "currency": "usd",
        "payment_intent": f"pi_sim_{checkout.pk.removeprefix('cs_sim_')}",
        "customer": _customer_id(checkout.account.tenant_id) or None,
        "metadata": {"tenant_id": str(checkout.account.tenant_id)},
    }


def _customer_id(tenant_id: int) -> str:
    profile = BillingProfile.objects.filter(tenant_id=tenant_id).first()
    return profile.stripe_customer_id if profile else ""


def simulated_payment_intent(
    *, intent_id: str, cents: int, tenant_id: int, metadata: dict, save_card: bool
) -> dict:
    """A succeeded PaymentIntent as Stripe sends it (with the card's details on its charge)."""
    intent = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": cents,
        "amount_received": cents,
        "currency": "usd",
        "status": "succeeded",
        "customer": _customer_id(tenant_id) or None,
        "payment_method": SIMULATED_CARD["id"],
        "charges": {
            "data": [
                {
                    "payment_method_details": {
                        "card": {"brand": SIMULATED_CARD["brand"], "last4": SIMULATED_CARD["last4"]}
                    }
                }
            ]
        },
        "metadata": {"tenant_id": str(tenant_id), **metadata},
    }
    if save_card:
        intent["setup_future_usage"] = "off_session"
    return intent


def _event(event_id: str, kind: str, obj: dict) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()


def simulated_checkout_events(checkout: SimulatedCheckout) -> list[bytes]:
    """What Stripe sends for a paid Checkout session: the session, then its payment."""
    digest = hashlib.sha256(checkout.pk.encode()).hexdigest()[:24]
    session = _checkout_session(checkout)
    intent = simulated_payment_intent(
        intent_id=session["payment_intent"],
        cents=checkout.amount_cents,
        tenant_id=checkout.account.tenant_id,
        metadata={"purpose": "reserve_topup"},
        save_card=checkout.save_card,
    )
    return [
        _event(f"evt_sim_{digest}", "checkout.session.completed", session),
        _event(f"evt_sim_pi_{digest}", "payment_intent.succeeded", intent),
    ]


def simulated_auto_topup_event(attempt: AutoTopup) -> bytes:
    intent = simulated_payment_intent(
        intent_id=attempt.payment_intent_id,
        cents=attempt.amount_micros // MICROS_PER_CENT,
        tenant_id=attempt.account.tenant_id,
        metadata={"purpose": "auto_topup", "auto_topup_id": str(attempt.pk)},
        save_card=False,
    )
    return _event(f"evt_sim_auto_{attempt.pk}", "payment_intent.succeeded", intent)


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe's header: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<payload>">."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
