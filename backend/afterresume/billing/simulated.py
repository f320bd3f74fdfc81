"""Simulated mode (development only, DESIGN §6): a local checkout page and a Celery task that
delivers a correctly signed Stripe-format event to the real webhook endpoint — the same code path
as production, asynchronously, with retries."""

import hashlib
import hmac
import json
import secrets
import time

from django.db import transaction

from afterresume.billing.models import ReserveAccount, SimulatedCheckout


def simulated_checkout_create(
    *, account: ReserveAccount, amount_cents: int, user, return_url: str
) -> SimulatedCheckout:
    return SimulatedCheckout.objects.create(
        id=f"cs_sim_{secrets.token_urlsafe(24)}",
        account=account,
        amount_cents=amount_cents,
        created_by=user,
        return_url=return_url,
    )


@transaction.atomic
def simulated_checkout_confirm(*, checkout_id: str) -> SimulatedCheckout:
    from afterresume.billing.tasks import deliver_simulated_payment

    checkout = SimulatedCheckout.objects.select_for_update().get(pk=checkout_id)
    if checkout.status == SimulatedCheckout.Status.OPEN:
        checkout.status = SimulatedCheckout.Status.CONFIRMED
        checkout.save(update_fields=["status"])
        # After commit, like every task (the worker must see the confirmed checkout).
        transaction.on_commit(lambda: deliver_simulated_payment.delay(checkout.pk))
    return checkout


@transaction.atomic
def simulated_checkout_cancel(*, checkout_id: str) -> SimulatedCheckout:
    checkout = SimulatedCheckout.objects.select_for_update().get(pk=checkout_id)
    if checkout.status == SimulatedCheckout.Status.OPEN:
        checkout.status = SimulatedCheckout.Status.CANCELED
        checkout.save(update_fields=["status"])
    return checkout


def simulated_event(checkout: SimulatedCheckout) -> dict:
    """What Stripe sends when a Checkout session in payment mode is paid."""
    return {
        "id": f"evt_sim_{hashlib.sha256(checkout.pk.encode()).hexdigest()[:24]}",
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "livemode": False,
        "data": {
            "object": {
                "id": checkout.pk,
                "object": "checkout.session",
                "mode": "payment",
                "payment_status": "paid",
                "amount_total": checkout.amount_cents,
                "currency": "usd",
                "payment_intent": f"pi_sim_{checkout.pk.removeprefix('cs_sim_')}",
                "metadata": {"tenant_id": str(checkout.account.tenant_id)},
            }
        },
    }


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe's header: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<payload>">."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def simulated_payload(checkout: SimulatedCheckout) -> bytes:
    return json.dumps(simulated_event(checkout)).encode()
