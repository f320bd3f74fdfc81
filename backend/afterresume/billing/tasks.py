import logging

from celery import shared_task

from afterresume.billing.selectors import reserve_reconcile

logger = logging.getLogger(__name__)


@shared_task(name="afterresume.billing.tasks.reconcile")
def reconcile() -> dict:
    """Daily (beat): prove every account's books; log each mismatch (the admin billing page shows
    them live too)."""
    mismatches = reserve_reconcile()
    for mismatch in mismatches:
        logger.error(
            "reserve reconciliation mismatch: workspace %s: %s",
            mismatch["tenant_id"],
            "; ".join(mismatch["issues"]),
        )
    return {"mismatches": len(mismatches)}


@shared_task(
    name="afterresume.billing.tasks.deliver_simulated_payment", bind=True, max_retries=8, acks_late=True
)
def deliver_simulated_payment(self, checkout_id: str) -> str:
    """Simulated mode: send the signed `checkout.session.completed` to our webhook over HTTP, as
    Stripe would, retrying with backoff until it is accepted (the webhook is idempotent)."""
    import httpx
    from django.conf import settings

    from afterresume.billing.models import SimulatedCheckout
    from afterresume.billing.simulated import simulated_payload, stripe_signature

    checkout = SimulatedCheckout.objects.select_related("account").get(pk=checkout_id)
    payload = simulated_payload(checkout)
    headers = {
        "Content-Type": "application/json",
        "Stripe-Signature": stripe_signature(payload, settings.STRIPE_WEBHOOK_SECRET),
    }
    try:
        response = httpx.post(
            f"{settings.BACKEND_INTERNAL_URL}/api/billing/webhook/",
            content=payload,
            headers=headers,
            timeout=10,
        )
        response.raise_for_status()
    except httpx.HTTPError as error:
        raise self.retry(exc=error, countdown=min(2**self.request.retries, 60)) from error
    return response.text
