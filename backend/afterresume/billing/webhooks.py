"""Stripe webhooks (DESIGN §6): verified with the stripe library, stored by event id before
processing, processed idempotently. Money is keyed by the payment, not the event, so that
`checkout.session.completed` and `payment_intent.succeeded` for one payment credit once."""

import json
import logging

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from afterresume.audit.services import audit_record
from afterresume.billing.autotopup import auto_topup_payment_failed, auto_topup_settle
from afterresume.billing.gateway import card_label, stripe_client
from afterresume.billing.models import BillingProfile, LedgerEntry, ReserveAccount, StripeEvent
from afterresume.billing.money import MICROS_PER_CENT
from afterresume.billing.services import ledger_post

logger = logging.getLogger(__name__)


def webhook_receive(*, payload: bytes, signature: str) -> StripeEvent:
    """Verify and store one delivery, then process it (once). Raises
    stripe.SignatureVerificationError or ValueError for a delivery that is not genuine; nothing is
    stored then."""
    event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    body = json.loads(payload)
    try:
        stored, _ = StripeEvent.objects.get_or_create(
            id=event["id"], defaults={"type": event["type"], "payload": body}
        )
    except IntegrityError:  # the same event delivered concurrently: the other request stored it
        stored = StripeEvent.objects.get(id=event["id"])
    return stripe_event_process(event_id=stored.id)


@transaction.atomic
def stripe_event_process(*, event_id: str) -> StripeEvent:
    stored = StripeEvent.objects.select_for_update().get(id=event_id)
    if stored.processed_at is not None:
        return stored
    handler = HANDLERS.get(stored.type)
    stored.outcome = (
        handler(stored.id, stored.payload["data"]["object"]) if handler else "ignored: unknown type"
    )
    stored.processed_at = timezone.now()
    stored.save(update_fields=["outcome", "processed_at"])
    return stored


def _account_for(payment: dict) -> ReserveAccount | None:
    tenant_id = (payment.get("metadata") or {}).get("tenant_id")
    if tenant_id and str(tenant_id).isdigit():
        return ReserveAccount.objects.filter(tenant_id=int(tenant_id)).first()
    return None


def _account_of_payment(payment_intent_id: str) -> ReserveAccount | None:
    """The account a payment credited (refunds and disputes name the payment, not the tenant)."""
    entry = (
        LedgerEntry.objects.filter(idempotency_key=f"payment:{payment_intent_id}")
        .select_related("account")
        .first()
    )
    return entry.account if entry else None


def _credit(event_id: str, *, account: ReserveAccount | None, payment_id: str, cents: int, what: str) -> str:
    if account is None:
        logger.error("stripe event %s: payment %s names no known workspace", event_id, payment_id)
        return "ignored: no workspace in the metadata"
    if cents <= 0:
        return "ignored: nothing paid"
    entry = ledger_post(
        account_id=account.pk,
        kind=LedgerEntry.Kind.TOPUP,
        amount_micros=cents * MICROS_PER_CENT,
        idempotency_key=f"payment:{payment_id}",
        memo=f"Top-up ({what})",
        stripe_event_id=event_id,
    )
    if entry.stripe_event_id == event_id:
        audit_record(
            category="billing",
            action="reserve.topped_up",
            tenant=account.tenant,
            target=f"ledger_entry:{entry.pk}",
            summary=f"Top-up of {cents / 100:.2f} USD ({payment_id})",
        )
    return f"credited {cents} cents for {payment_id}"


def _checkout_completed(event_id: str, session: dict) -> str:
    if session.get("payment_status") != "paid":
        return "ignored: not paid yet"
    payment_id = session.get("payment_intent") or session["id"]
    return _credit(
        event_id,
        account=_account_for(session),
        payment_id=payment_id,
        cents=int(session.get("amount_total") or 0),
        what="checkout",
    )


def _payment_succeeded(event_id: str, intent: dict) -> str:
    _remember_card(intent)
    cents = int(intent.get("amount_received") or intent.get("amount") or 0)
    ids = _auto_topup_of(intent)
    if ids and cents > 0:
        # An auto top-up: credited once (the task may have seen the payment succeed first).
        attempt_id, tenant_id = ids
        entry = auto_topup_settle(
            attempt_id=attempt_id,
            payment_intent_id=intent["id"],
            cents=cents,
            event_id=event_id,
            tenant_id=tenant_id,
        )
        if entry is not None:
            return f"auto top-up {attempt_id}: credited {cents} cents for {intent['id']}"
    return _credit(
        event_id, account=_account_for(intent), payment_id=intent["id"], cents=cents, what="payment"
    )


def _auto_topup_of(intent: dict) -> tuple[int, int] | None:
    """(attempt id, workspace id) of a payment made by an auto top-up, from our metadata."""
    metadata = intent.get("metadata") or {}
    attempt_id, tenant_id = str(metadata.get("auto_topup_id", "")), str(metadata.get("tenant_id", ""))
    return (int(attempt_id), int(tenant_id)) if attempt_id.isdigit() and tenant_id.isdigit() else None


def _payment_failed(event_id: str, intent: dict) -> str:
    ids = _auto_topup_of(intent)
    if ids is None:
        return "ignored: not an auto top-up"
    attempt_id, tenant_id = ids
    error = intent.get("last_payment_error") or {}
    known = auto_topup_payment_failed(
        attempt_id=attempt_id,
        tenant_id=tenant_id,
        payment_intent_id=intent.get("id", ""),
        message=error.get("message") or "no reason given",
    )
    return f"auto top-up {attempt_id} failed" if known else "ignored: no such auto top-up"


def _payment_method_detached(event_id: str, method: dict) -> str:
    """A card removed at Stripe (in the portal) is no longer the one auto top-up charges."""
    forgotten = BillingProfile.objects.filter(payment_method_id=method.get("id") or "-").update(
        payment_method_id="", payment_method_label=""
    )
    return "saved card forgotten" if forgotten else "ignored: not a saved card"


def _remember_card(intent: dict) -> None:
    """A payment made with `setup_future_usage=off_session` saved its card at Stripe: keep it as
    the workspace's card for auto top-up."""
    method = intent.get("payment_method")
    method_id = method.get("id") if isinstance(method, dict) else method
    customer = intent.get("customer")
    customer_id = customer.get("id") if isinstance(customer, dict) else customer
    if intent.get("setup_future_usage") != "off_session" or not method_id or not customer_id:
        return
    charges = (intent.get("charges") or {}).get("data") or [{}]
    card = (charges[0].get("payment_method_details") or {}).get("card") or (
        method.get("card") if isinstance(method, dict) else None
    )
    if not card and settings.STRIPE_SECRET_KEY and not settings.STRIPE_SIMULATED:
        # Current API versions send neither the charges nor the card: ask Stripe, for the label.
        try:
            card = stripe_client().v1.payment_methods.retrieve(method_id).to_dict().get("card")
        except stripe.StripeError:
            logger.warning("could not read payment method %s for its label", method_id)
    BillingProfile.objects.filter(stripe_customer_id=customer_id).update(
        payment_method_id=method_id, payment_method_label=card_label(card)
    )


def _charge_refunded(event_id: str, charge: dict) -> str:
    account = _account_for(charge) or _account_of_payment(charge.get("payment_intent") or "")
    if account is None:
        return "ignored: refund of an unknown payment"
    refunds = (charge.get("refunds") or {}).get("data") or []
    if not refunds:  # older payloads: one cumulative amount
        refunds = [
            {
                "id": f"{charge['id']}:{charge.get('amount_refunded', 0)}",
                "amount": charge.get("amount_refunded", 0),
            }
        ]
    posted = 0
    for refund in refunds:
        cents = int(refund.get("amount") or 0)
        if cents > 0:
            ledger_post(
                account_id=account.pk,
                kind=LedgerEntry.Kind.REFUND,
                amount_micros=-cents * MICROS_PER_CENT,
                idempotency_key=f"refund:{refund['id']}",
                memo="Refund",
                stripe_event_id=event_id,
            )
            posted += 1
    return f"refunds posted: {posted}"


def _dispute_created(event_id: str, dispute: dict) -> str:
    account = _account_of_payment(dispute.get("payment_intent") or "")
    if account is None:
        return "ignored: dispute of an unknown payment"
    ReserveAccount.objects.filter(pk=account.pk).update(is_disputed=True)
    audit_record(
        category="billing",
        action="reserve.dispute_opened",
        tenant=account.tenant,
        summary=f"Payment {dispute.get('payment_intent')} disputed",
        data={"dispute": dispute.get("id")},
    )
    return "account flagged"


def _dispute_closed(event_id: str, dispute: dict) -> str:
    account = _account_of_payment(dispute.get("payment_intent") or "")
    if account is None:
        return "ignored: dispute of an unknown payment"
    ReserveAccount.objects.filter(pk=account.pk).update(is_disputed=False)
    if dispute.get("status") != "lost":
        return f"dispute closed: {dispute.get('status')}"
    cents = int(dispute.get("amount") or 0)
    ledger_post(
        account_id=account.pk,
        kind=LedgerEntry.Kind.REVERSAL,
        amount_micros=-cents * MICROS_PER_CENT,
        idempotency_key=f"dispute:{dispute['id']}",
        memo="Dispute lost",
        stripe_event_id=event_id,
    )
    audit_record(
        category="billing",
        action="reserve.dispute_lost",
        tenant=account.tenant,
        summary=f"Dispute lost: {cents / 100:.2f} USD debited",
    )
    return "dispute lost: debited"


HANDLERS = {
    "checkout.session.completed": _checkout_completed,
    "payment_intent.succeeded": _payment_succeeded,
    "payment_intent.payment_failed": _payment_failed,
    "payment_method.detached": _payment_method_detached,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_created,
    "charge.dispute.closed": _dispute_closed,
}
