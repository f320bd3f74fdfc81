"""Billing's Celery tasks: entry points like the APIs, each calling one service. Their names are
what beat's schedule and queued messages use: they never change."""

import logging

import httpx
from celery import shared_task
from django.conf import settings

from afterresume.billing.ledger.holds import holds_expire
from afterresume.billing.ledger.selectors import reserve_reconcile
from afterresume.billing.models import AutoTopup, SimulatedCheckout
from afterresume.billing.payments import queue
from afterresume.billing.payments.autotopup import TRANSIENT_STRIPE_ERRORS, auto_topup_give_up, auto_topup_run
from afterresume.billing.payments.autotopup_triggers import auto_topup_sweep as sweep
from afterresume.billing.payments.simulated import (
    simulated_auto_topup_event,
    simulated_checkout_events,
    stripe_signature,
)
from afterresume.billing.payments.webhooks import stripe_events_retry

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


@shared_task(name="afterresume.billing.tasks.expire_holds")
def expire_holds() -> dict:
    """Every few minutes (beat): holds past their expiry give their money back."""
    expired = holds_expire()
    if expired:
        logger.warning("released %s expired hold(s): their jobs never reported back", expired)
    return {"expired": expired}


@shared_task(name="afterresume.billing.tasks.retry_stripe_events")
def retry_stripe_events() -> dict:
    """Every few minutes (beat): Stripe events that failed, wait for their payment, or were left
    unfinished are tried again; none is left unprocessed in silence."""
    counts = stripe_events_retry()
    if counts["failed"] or counts["refused"]:
        logger.error("stripe events still failing: %s", counts)
    return counts


@shared_task(name=queue.AUTO_TOPUP, bind=True, max_retries=6, acks_late=True)
def auto_topup(self, account_id: int, crossing_key: str) -> str:
    """One auto top-up for one crossing of the low-balance threshold (docs/money.md). Retried on network trouble with the same Stripe idempotency key; out of
    retries, the attempt fails visibly (and the owners are told)."""
    try:
        attempt = auto_topup_run(account_id=account_id, crossing_key=crossing_key)
    except TRANSIENT_STRIPE_ERRORS as error:
        if self.request.retries >= self.max_retries:
            auto_topup_give_up(crossing_key=crossing_key, reason=type(error).__name__)
            raise
        raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 900)) from error
    return "not needed" if attempt is None else f"{attempt.status}: {attempt.outcome}".rstrip(": ")


@shared_task(name="afterresume.billing.tasks.auto_topup_sweep")
def auto_topup_sweep() -> dict:
    """Every few minutes (beat): a crossing whose task was lost still gets its auto top-up."""
    return {"queued": sweep()}


def _deliver_signed(task, payload: bytes) -> str:
    """POST a Stripe-format event, signed with our webhook secret, to our webhook over HTTP, as
    Stripe would; retry with backoff until it is accepted (the webhook is idempotent)."""
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
        raise task.retry(exc=error, countdown=min(2**task.request.retries, 60)) from error
    return response.text


@shared_task(name=queue.DELIVER_SIMULATED_PAYMENT, bind=True, max_retries=8, acks_late=True)
def deliver_simulated_payment(self, checkout_id: str) -> str:
    """Simulated mode: Stripe's events for a paid checkout — `checkout.session.completed`, then
    `payment_intent.succeeded` for the same payment (the reserve is credited once)."""
    checkout = SimulatedCheckout.objects.select_related("account").get(pk=checkout_id)
    return " | ".join(_deliver_signed(self, payload) for payload in simulated_checkout_events(checkout))


@shared_task(name=queue.DELIVER_SIMULATED_AUTO_TOPUP, bind=True, max_retries=8, acks_late=True)
def deliver_simulated_auto_topup(self, auto_topup_id: int) -> str:
    """Simulated mode: the off-session payment of an auto top-up succeeds; its event goes to the webhook."""
    attempt = AutoTopup.objects.select_related("account").get(pk=auto_topup_id)
    return _deliver_signed(self, simulated_auto_topup_event(attempt))
