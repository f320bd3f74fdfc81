"""What each Stripe event does to the reserve. Money is keyed by the payment, not the event, so
that `checkout.session.completed` and `payment_intent.succeeded` for one payment credit once."""

import logging

import stripe
from django.conf import settings
from django.db.models import Q, Sum

from afterresume.audit.services import audit_record
from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.models import BillingProfile, LedgerEntry, ReserveAccount, StripeEvent
from afterresume.billing.money import MICROS_PER_CENT, RESERVE_CURRENCY, cents_to_dollars
from afterresume.billing.payments.autotopup import auto_topup_payment_failed, auto_topup_settle
from afterresume.billing.payments.gateway import card_label, stripe_client

logger = logging.getLogger(__name__)


class PaymentNotYetKnown(Exception):
    """The event names a payment this reserve has not been credited for yet (Stripe does not
    promise an order): it waits, and is applied once that payment arrives."""

    def __init__(self, payment_id: str):
        super().__init__(f"waiting for payment {payment_id}")
        self.payment_id = payment_id


class EventRefused(Exception):
    """The event cannot be applied as it is (another currency, no payment named): an operator
    looks at it on Admin → Billing."""


def _check_currency(obj: dict) -> None:
    currency = str(obj.get("currency") or RESERVE_CURRENCY).lower()
    if currency != RESERVE_CURRENCY:
        raise EventRefused(f"amount in {currency.upper()}, the reserve is in {RESERVE_CURRENCY.upper()}")


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


def _cents(obj: dict, *names: str) -> int:
    """The first of `names` the object carries, as whole cents; EventRefused for anything that is
    not a non-negative integer (a signed event can still carry nonsense)."""
    for name in names:
        value = obj.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise EventRefused(f"{name} is not an amount in cents: {value!r}"[:150])
        if value:
            return value
    return 0


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
    if entry.is_posted_now:
        audit_record(
            category="billing",
            action="reserve.topped_up",
            tenant=account.tenant,
            target=f"ledger_entry:{entry.pk}",
            summary=f"Top-up of {cents_to_dollars(cents)} USD ({payment_id})",
        )
    return f"credited {cents} cents for {payment_id}"


def _checkout_completed(event_id: str, session: dict) -> str:
    if session.get("payment_status") != "paid":
        return "ignored: not paid yet"
    _check_currency(session)
    payment_id = str(session.get("payment_intent") or session["id"])
    return _credit(
        event_id,
        account=_account_for(session),
        payment_id=payment_id,
        cents=_cents(session, "amount_total"),
        what="checkout",
    )


def _payment_succeeded(event_id: str, intent: dict) -> str:
    _check_currency(intent)
    _remember_card(intent)
    cents = _cents(intent, "amount_received", "amount")
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


def _account_named_by(obj: dict, what: str) -> ReserveAccount:
    """The account a refund or dispute is about: from our metadata, else from the payment it
    names. PaymentNotYetKnown while that payment has not been credited here (it waits)."""
    payment_id = str(obj.get("payment_intent") or "")
    account = _account_for(obj) or (_account_of_payment(payment_id) if payment_id else None)
    if account is not None:
        return account
    if not payment_id:
        raise EventRefused(f"the {what} names no payment")
    raise PaymentNotYetKnown(payment_id)


def _charge_refunded(event_id: str, charge: dict) -> str:
    """Stripe sends the charge, with `amount_refunded` = everything refunded so far (whether or not
    it embeds the list of refunds, which the pinned API version does not). Post only what this
    charge has not had refunded yet, under the account lock: two partial refunds (5.00, then 15.00
    in all) debit 15.00; a redelivery, or an older event arriving late, debits nothing. The key is
    the charge and its running total, the one number every shape of the event carries."""
    _check_currency(charge)
    account = _account_named_by(charge, "refund")
    charge_id = str(charge.get("id") or "")
    refunds = (charge.get("refunds") or {}).get("data") or []
    refunded = _cents(charge, "amount_refunded") or sum(_cents(refund, "amount") for refund in refunds)
    ReserveAccount.objects.select_for_update().get(pk=account.pk)
    earlier_keys = Q(idempotency_key__startswith=f"refund:{charge_id}:") | Q(
        # refunds posted by their own id before the running total was used
        idempotency_key__in=[f"refund:{refund.get('id')}" for refund in refunds if refund.get("id")]
    )
    already = -(
        LedgerEntry.objects.filter(account_id=account.pk, kind=LedgerEntry.Kind.REFUND)
        .filter(earlier_keys)
        .aggregate(total=Sum("amount_micros"))["total"]
        or 0
    )
    due = refunded * MICROS_PER_CENT - already
    if due <= 0:
        return f"refunds already posted ({cents_to_dollars(refunded)} USD)"
    refund_ids = ", ".join(str(refund["id"]) for refund in refunds if refund.get("id"))
    ledger_post(
        account_id=account.pk,
        kind=LedgerEntry.Kind.REFUND,
        amount_micros=-due,
        idempotency_key=f"refund:{charge_id}:{refunded}",
        memo=f"Refund ({refund_ids})" if refund_ids else "Refund",
        stripe_event_id=event_id,
    )
    return f"refund posted: {due // MICROS_PER_CENT} cents ({cents_to_dollars(refunded)} USD refunded in all)"


def _dispute_closed_before(dispute_id: str) -> bool:
    return StripeEvent.objects.filter(
        type="charge.dispute.closed",
        status=StripeEvent.Status.PROCESSED,
        payload__data__object__id=dispute_id,
    ).exists()


def _dispute_created(event_id: str, dispute: dict) -> str:
    account = _account_named_by(dispute, "dispute")
    if _dispute_closed_before(str(dispute.get("id") or "")):
        return "ignored: the dispute was closed already"
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
    _check_currency(dispute)
    account = _account_named_by(dispute, "dispute")
    ReserveAccount.objects.filter(pk=account.pk).update(is_disputed=False)
    if dispute.get("status") != "lost":
        return f"dispute closed: {dispute.get('status')}"
    cents = _cents(dispute, "amount")
    if cents <= 0:
        return "dispute lost: nothing to debit"
    entry = ledger_post(
        account_id=account.pk,
        kind=LedgerEntry.Kind.REVERSAL,
        amount_micros=-cents * MICROS_PER_CENT,
        idempotency_key=f"dispute:{dispute['id']}",
        memo="Dispute lost",
        stripe_event_id=event_id,
    )
    if entry.is_posted_now:
        audit_record(
            category="billing",
            action="reserve.dispute_lost",
            tenant=account.tenant,
            summary=f"Dispute lost: {cents_to_dollars(cents)} USD debited",
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
