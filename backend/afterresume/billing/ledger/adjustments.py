"""Operators' manual corrections of a workspace's balance: any sign, a reason, audited."""

from django.core.exceptions import ValidationError

from afterresume.audit.services import audit_record
from afterresume.billing.ledger.errors import IdempotencyKeyReused
from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.models import LedgerEntry
from afterresume.billing.money import micros_to_dollars
from afterresume.tenants.models import Tenant


def reserve_adjust(
    *, tenant_id: int, amount_micros: int, reason: str, operator, request_id: str, idempotency_key: str = ""
) -> LedgerEntry:
    """Post an operator's adjustment once per key (`entry.is_posted_now` is False for a replay of
    the same request). Without a key from the client, the request's own id is the key. Raises
    ValidationError for a workspace that does not exist and IdempotencyKeyReused for a key sent
    again with another amount or reason."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        raise ValidationError({"tenant_id": ["There is no workspace with this id."]})
    # A client's key is scoped to the workspace it names: the same key for another workspace
    # is another adjustment, never an answer with the first workspace's entry.
    key = (
        f"adjustment:{tenant.pk}:{idempotency_key}"
        if idempotency_key
        else f"adjustment:{tenant.pk}:{operator.pk}:{request_id}"
    )
    earlier = LedgerEntry.objects.filter(idempotency_key=key).first()
    if earlier is not None and (earlier.amount_micros, earlier.memo) != (amount_micros, reason[:300]):
        raise IdempotencyKeyReused()
    entry = ledger_post(
        account_id=tenant.reserve.pk,
        kind=LedgerEntry.Kind.ADJUSTMENT,
        amount_micros=amount_micros,
        idempotency_key=key,
        memo=reason,
        actor_id=operator.pk,
    )
    if entry.amount_micros != amount_micros or entry.memo != reason[:300]:
        raise IdempotencyKeyReused()  # a concurrent request with this key and other values won
    if entry.is_posted_now:  # a replay of the same request records nothing new
        audit_record(
            category="billing",
            action="reserve.adjusted",
            actor=operator,
            tenant=tenant,
            target=f"ledger_entry:{entry.pk}",
            summary=f"{micros_to_dollars(amount_micros)} USD: {reason}"[:300],
            data={"amount_micros": amount_micros, "reason": reason},
        )
    return entry
