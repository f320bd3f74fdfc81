"""Stripe webhooks (docs/money.md): verified with the stripe library, stored by event id before
processing, processed idempotently, retried when they fail; an event Stripe sent before the payment
it names waits for it. What each event type does is in webhook_events."""

import json
import logging
from datetime import timedelta

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from afterresume.audit.services import audit_record
from afterresume.billing.models import StripeEvent
from afterresume.billing.payments.webhook_events import HANDLERS, EventRefused, PaymentNotYetKnown

logger = logging.getLogger(__name__)

# An event stored but never finished (its process died half-way) is picked up by the sweep after this.
UNFINISHED_AFTER = timedelta(minutes=2)
RETRY_AT_MOST_EVERY = timedelta(hours=1)


class NotAnEvent(ValueError):
    """A delivery whose body is not a Stripe event (not UTF-8 JSON, not an object, no data.object)."""


def _event_body(payload: bytes) -> dict:
    """The event as Stripe documents it, or NotAnEvent: a signed body can still be malformed."""
    try:
        body = json.loads(payload)
    except (ValueError, RecursionError) as error:  # not UTF-8, not JSON, nested past the parser
        raise NotAnEvent("The event is not JSON.") from error
    if not isinstance(body, dict):
        raise NotAnEvent("The event is not a JSON object.")
    data = body.get("data")
    if not (
        isinstance(body.get("id"), str)
        and body["id"]
        and isinstance(body.get("type"), str)
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
    ):
        raise NotAnEvent("The event lacks its id, type or data.object.")
    return body


def webhook_receive(*, payload: bytes, signature: str) -> StripeEvent:
    """Verify and store one delivery, then process it (once). Raises
    stripe.SignatureVerificationError or NotAnEvent for a delivery that is not genuine or not an
    event; nothing is stored then."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotAnEvent("The event is not UTF-8.") from error
    stripe.WebhookSignature.verify_header(
        text, signature, settings.STRIPE_WEBHOOK_SECRET, stripe.Webhook.DEFAULT_TOLERANCE
    )
    body = _event_body(payload)
    try:
        stored, _ = StripeEvent.objects.get_or_create(
            id=body["id"], defaults={"type": body["type"], "payload": body}
        )
    except IntegrityError:  # the same event delivered concurrently: the other request stored it
        stored = StripeEvent.objects.get(id=body["id"])
    return stripe_event_process(event_id=stored.id)


def stripe_event_process(*, event_id: str) -> StripeEvent:
    """Apply one stored event, once. An event waiting for its payment, refused, or failed keeps a
    status operators see; a failure is recorded, then raised (Stripe redelivers, and the sweep
    retries with back-off). Applying a payment applies the events that were waiting for it."""
    try:
        stored = _process_locked(event_id)
    except Exception as error:
        _record_failure(event_id, error)
        raise
    if stored.status == StripeEvent.Status.PROCESSED:
        payment_id = _payment_credited_by(stored)
        if payment_id:
            stripe_events_apply_waiting(payment_id=payment_id)
    return stored


@transaction.atomic
def _process_locked(event_id: str) -> StripeEvent:
    stored = StripeEvent.objects.select_for_update().get(id=event_id)
    if stored.status in (StripeEvent.Status.PROCESSED, StripeEvent.Status.REFUSED):
        return stored
    handler = HANDLERS.get(stored.type)
    stored.attempts += 1
    stored.last_error = ""
    stored.next_attempt_at = None
    try:
        with transaction.atomic():  # a handler that raises leaves nothing behind
            stored.outcome = (
                handler(stored.id, stored.payload["data"]["object"]) if handler else "ignored: unknown type"
            )
        stored.status = StripeEvent.Status.PROCESSED
        stored.waiting_for_payment = ""
        stored.processed_at = timezone.now()
    except PaymentNotYetKnown as waiting:
        stored.status = StripeEvent.Status.WAITING
        stored.waiting_for_payment = waiting.payment_id
        stored.outcome = str(waiting)
        stored.next_attempt_at = timezone.now() + _backoff(stored.attempts)
    except EventRefused as refused:
        stored.status = StripeEvent.Status.REFUSED
        stored.outcome = f"refused: {refused}"[:200]
        logger.error("stripe event %s (%s) refused: %s", stored.id, stored.type, refused)
        audit_record(
            category="billing",
            action="stripe.event_refused",
            target=f"stripe_event:{stored.id}",
            summary=f"Stripe event {stored.id} ({stored.type}) needs an operator: {refused}"[:300],
        )
    stored.save()
    return stored


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** min(attempts, 10)), RETRY_AT_MOST_EVERY)


def _record_failure(event_id: str, error: Exception) -> None:
    logger.exception("stripe event %s failed; it will be retried", event_id)
    try:
        with transaction.atomic():
            stored = StripeEvent.objects.select_for_update().filter(id=event_id).first()
            if stored is None or stored.status in (StripeEvent.Status.PROCESSED, StripeEvent.Status.REFUSED):
                return
            stored.attempts += 1
            stored.status = StripeEvent.Status.FAILED
            stored.last_error = f"{type(error).__name__}: {error}"[:300]
            stored.outcome = "failed: will be retried"
            stored.next_attempt_at = timezone.now() + _backoff(stored.attempts)
            stored.save(update_fields=["status", "attempts", "last_error", "outcome", "next_attempt_at"])
    except Exception:  # the database itself is failing: the sweep finds the event unfinished
        logger.exception("could not record the failure of stripe event %s", event_id)


def _payment_credited_by(stored: StripeEvent) -> str:
    obj = stored.payload["data"]["object"]
    if stored.type == "checkout.session.completed":
        return str(obj.get("payment_intent") or obj.get("id") or "")
    if stored.type == "payment_intent.succeeded":
        return str(obj.get("id") or "")
    return ""


def stripe_events_apply_waiting(*, payment_id: str) -> int:
    """Apply the events that were waiting for `payment_id`, oldest first; returns how many."""
    applied = 0
    for event_id in (
        StripeEvent.objects.filter(status=StripeEvent.Status.WAITING, waiting_for_payment=payment_id)
        .order_by("received_at")
        .values_list("id", flat=True)
    ):
        if stripe_event_process(event_id=event_id).status == StripeEvent.Status.PROCESSED:
            applied += 1
    return applied


def stripe_event_retry(*, event_id: str) -> StripeEvent | None:
    """An operator tries one event again now (the sweep retries it anyway, with back-off). None
    when there is no such event; a failure is recorded on the event, which is returned as it is."""
    if not StripeEvent.objects.filter(pk=event_id).exists():
        return None
    try:
        return stripe_event_process(event_id=event_id)
    except Exception:  # recorded on the event: the caller shows it
        return StripeEvent.objects.get(pk=event_id)


def stripe_events_retry(*, now=None) -> dict:
    """The sweep (beat): failed events whose back-off is over, waiting ones (their payment may have
    been credited by the automatic top-up task rather than by an event), and events stored by a
    process that died before finishing them. Each is retried on its own."""
    now = now or timezone.now()
    due = StripeEvent.objects.filter(
        Q(status__in=(StripeEvent.Status.FAILED, StripeEvent.Status.WAITING), next_attempt_at__lte=now)
        | Q(status=StripeEvent.Status.RECEIVED, received_at__lte=now - UNFINISHED_AFTER)
    )
    counts = {"processed": 0, "waiting": 0, "failed": 0, "refused": 0}
    for event_id in due.order_by("received_at").values_list("id", flat=True)[:500]:
        try:
            counts[stripe_event_process(event_id=event_id).status] += 1
        except Exception:  # recorded on the event by stripe_event_process; the next one goes on
            counts["failed"] += 1
    return counts
