"""Starting a payment by hand: a top-up's checkout page (Stripe's, or the local one in simulated
mode) and Stripe's customer portal."""

from dataclasses import dataclass

from django.conf import settings

from afterresume.audit.services import audit_record
from afterresume.billing.money import cents_to_dollars
from afterresume.billing.payments.gateway import (
    checkout_session_create,
    portal_session_create,
    stripe_customer_for,
)
from afterresume.billing.payments.simulated import simulated_checkout_create
from afterresume.core.exceptions import DomainError


class PaymentsNotConfigured(DomainError):
    """Neither simulated payments nor Stripe keys on this server (answers 503)."""

    status_code = 503


@dataclass(frozen=True)
class TopupSession:
    url: str
    is_simulated: bool


def topup_session_create(
    *, tenant, user, amount_cents: int, save_card: bool, request_id: str
) -> TopupSession:
    """Start a top-up of `amount_cents`: the URL of the checkout page to send the person to. The
    reserve is credited when the payment's webhook arrives. With `save_card` the workspace's Stripe
    customer pays, and the card is kept for automatic top-ups. Raises PaymentsNotConfigured."""
    return_url = f"{settings.FRONTEND_URL}/billing/"
    if settings.STRIPE_SIMULATED:
        checkout = simulated_checkout_create(
            account=tenant.reserve,
            amount_cents=amount_cents,
            user=user,
            return_url=return_url,
            save_card=save_card,
        )
        url = f"{settings.BACKEND_PUBLIC_URL}/billing/simulated-checkout/{checkout.pk}/"
    elif settings.STRIPE_SECRET_KEY:
        url = checkout_session_create(
            tenant_id=tenant.pk,
            amount_cents=amount_cents,
            email=user.email,
            return_url=return_url,
            idempotency_key=f"topup:{user.pk}:{request_id}",
            customer_id=stripe_customer_for(tenant=tenant, email=user.email) if save_card else "",
        )
    else:
        raise PaymentsNotConfigured("Payments are not configured on this server.")
    audit_record(
        category="billing",
        action="topup.started",
        actor=user,
        tenant=tenant,
        summary=f"Top-up of {cents_to_dollars(amount_cents)} USD started",
    )
    return TopupSession(url=url, is_simulated=settings.STRIPE_SIMULATED)


def portal_session_url(*, tenant, user) -> str:
    """Stripe's customer portal for the workspace (payment methods, receipts). Raises
    PaymentsNotConfigured where payments are simulated or Stripe has no keys."""
    if settings.STRIPE_SIMULATED or not settings.STRIPE_SECRET_KEY:
        raise PaymentsNotConfigured(
            "The customer portal needs Stripe; payments are simulated or not configured here."
        )
    customer_id = stripe_customer_for(tenant=tenant, email=user.email)
    return portal_session_create(customer_id=customer_id, return_url=f"{settings.FRONTEND_URL}/billing/")
