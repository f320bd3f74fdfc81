"""Stripe API calls, through the stripe library only (pointed at STRIPE_API_BASE in tests)."""

import contextlib

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction

from afterresume.billing.models import BillingProfile


def stripe_client() -> stripe.StripeClient:
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses=base or {}, max_network_retries=2)


def checkout_session_create(
    *,
    tenant_id: int,
    amount_cents: int,
    email: str,
    return_url: str,
    idempotency_key: str,
    customer_id: str = "",
) -> str:
    """A Checkout session (payment mode) for a top-up; returns the URL to send the person to. The
    workspace travels in the metadata of the session and of its payment. With the workspace's
    customer, the card is saved for off-session use (auto top-up; Checkout tells the payer)."""
    metadata = {"tenant_id": str(tenant_id), "purpose": "reserve_topup"}
    payment_intent_data: dict = {"metadata": metadata}
    who: dict = {"customer_email": email}
    if customer_id:
        payment_intent_data["setup_future_usage"] = "off_session"
        who = {"customer": customer_id}
    session = stripe_client().v1.checkout.sessions.create(
        params={
            **who,
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": amount_cents,
                        "product_data": {"name": "AfterResume reserve top-up"},
                    },
                }
            ],
            "metadata": metadata,
            "payment_intent_data": payment_intent_data,
            "success_url": f"{return_url}?topup=success",
            "cancel_url": f"{return_url}?topup=canceled",
        },
        options={"idempotency_key": idempotency_key},
    )
    return session.url


def stripe_customer_for(*, tenant, email: str) -> str:
    """The workspace's Stripe customer id, created once (idempotent at Stripe and here)."""
    profile = BillingProfile.objects.filter(tenant=tenant).first()
    if profile is not None:
        return profile.stripe_customer_id
    customer = stripe_client().v1.customers.create(
        params={"email": email, "name": tenant.name, "metadata": {"tenant_id": str(tenant.pk)}},
        options={"idempotency_key": f"customer:tenant:{tenant.pk}"},
    )
    # Created concurrently? Stripe's idempotency key gave both requests the same customer.
    with contextlib.suppress(IntegrityError), transaction.atomic():
        BillingProfile.objects.create(tenant=tenant, stripe_customer_id=customer.id)
    return BillingProfile.objects.get(tenant=tenant).stripe_customer_id


def portal_session_create(*, customer_id: str, return_url: str) -> str:
    session = stripe_client().v1.billing_portal.sessions.create(
        params={"customer": customer_id, "return_url": return_url}
    )
    return session.url


def card_label(card: dict | None) -> str:
    """How people recognise a saved card: "Visa •••• 4242" (Stripe's `card` of a payment method)."""
    if not card:
        return "Saved card"
    return f"{str(card.get('brand') or 'card').title()} •••• {card.get('last4') or '????'}"
