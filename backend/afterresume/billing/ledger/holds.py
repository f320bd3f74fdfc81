"""Holds: money set aside for a running job, outside the ledger, until its actual cost is captured
(posted through `ledger_post`) and the rest released (docs/money.md). `held_micros` changes under
the same account lock as the balance."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from afterresume.billing.ledger.errors import HoldNotActive, InsufficientFunds, OverJobCeiling
from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.models import Hold, LedgerEntry, ReserveAccount

HOLD_LIFETIME = timedelta(hours=6)


@dataclass(frozen=True)
class HoldPlaced:
    hold: Hold
    # Under the `warn` policy a hold beyond the available money is placed, with a warning.
    is_over_available: bool


def _locked(account_id: int) -> ReserveAccount:
    return ReserveAccount.objects.select_for_update().get(pk=account_id)


@transaction.atomic
def hold_place(
    *, account_id: int, estimate_micros: int, idempotency_key: str, job_reference: str = ""
) -> HoldPlaced:
    """Set aside a job's estimate. Under `block` refused (InsufficientFunds) when the available
    money (balance - active holds) is short; under `warn` placed anyway, flagged; under `limited`
    placed only when the estimate is within the account's ceiling."""
    if estimate_micros <= 0:
        raise ValueError("A hold needs a positive estimate.")
    account = _locked(account_id)
    existing = Hold.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return HoldPlaced(existing, is_over_available=False)
    available = account.available_micros
    short = estimate_micros - available
    policy = account.policy
    if policy == ReserveAccount.Policy.BLOCK and short > 0:
        raise InsufficientFunds(needed_micros=short, available_micros=available)
    if policy == ReserveAccount.Policy.LIMITED and estimate_micros > account.limited_ceiling_micros:
        raise OverJobCeiling(estimate_micros=estimate_micros, ceiling_micros=account.limited_ceiling_micros)
    hold = Hold.objects.create(
        account_id=account.pk,
        amount_micros=estimate_micros,
        idempotency_key=idempotency_key,
        job_reference=job_reference,
        expires_at=timezone.now() + HOLD_LIFETIME,
    )
    ReserveAccount.objects.filter(pk=account.pk).update(held_micros=account.held_micros + estimate_micros)
    return HoldPlaced(hold, is_over_available=short > 0)


@transaction.atomic
def hold_capture(*, hold_id: int, actual_micros: int, memo: str = "") -> LedgerEntry | None:
    """Charge the actual cost of a finished job and release the rest of its hold. The charge may
    exceed the hold (usage beat the estimate): the overrun is recorded on the hold and posted in
    full, even below zero, and the next hold is refused. Capturing twice returns the first entry."""
    if actual_micros < 0:
        raise ValueError("The actual cost cannot be negative.")
    hold = Hold.objects.select_related(None).get(pk=hold_id)
    account = _locked(hold.account_id)
    hold = Hold.objects.select_for_update().get(pk=hold_id)
    key = f"hold:{hold.pk}:capture"
    if hold.status == Hold.Status.CAPTURED:
        return LedgerEntry.objects.filter(idempotency_key=key).first()
    if hold.status not in (Hold.Status.ACTIVE, Hold.Status.EXPIRED):
        raise HoldNotActive(f"Hold {hold.pk} is {hold.status}.")
    entry = None
    if actual_micros:
        # Under the account lock taken above: the posting's own lock is the same row's, re-entered.
        entry = ledger_post(
            account_id=account.pk,
            kind=LedgerEntry.Kind.USAGE,
            amount_micros=-actual_micros,
            idempotency_key=key,
            memo=memo or f"usage of {hold.job_reference or 'a job'}",
            hold_id=hold.pk,
            allow_negative=True,
        )
    _settle(account, hold, status=Hold.Status.CAPTURED, captured_micros=actual_micros)
    return entry


@transaction.atomic
def hold_release(*, hold_id: int) -> Hold:
    """Give a hold's money back to the available balance (a job that failed or was canceled)."""
    hold = Hold.objects.get(pk=hold_id)
    account = _locked(hold.account_id)
    hold = Hold.objects.select_for_update().get(pk=hold_id)
    if hold.status == Hold.Status.ACTIVE:
        _settle(account, hold, status=Hold.Status.RELEASED, captured_micros=None)
    return hold


@transaction.atomic
def hold_extend(*, hold_id: int, now=None) -> Hold | None:
    """Push an active hold's expiry a full lifetime from now (a long job, still running, keeps its
    money set aside). Returns the hold when it was extended, None when it is not active."""
    now = now or timezone.now()
    hold = Hold.objects.select_for_update().get(pk=hold_id)
    if hold.status != Hold.Status.ACTIVE:
        return None
    hold.expires_at = now + HOLD_LIFETIME
    hold.save(update_fields=["expires_at"])
    return hold


def _settle(account: ReserveAccount, hold: Hold, *, status: str, captured_micros: int | None) -> None:
    was_holding = hold.status == Hold.Status.ACTIVE  # an expired hold gave its money back already
    hold.status = status
    hold.captured_micros = captured_micros
    still_held = hold.amount_micros if was_holding else 0
    hold.overrun_micros = max(0, (captured_micros or 0) - still_held)
    hold.settled_at = timezone.now()
    hold.save(update_fields=["status", "captured_micros", "overrun_micros", "settled_at"])
    if was_holding:
        account.held_micros -= hold.amount_micros
        ReserveAccount.objects.filter(pk=account.pk).update(held_micros=account.held_micros)


def holds_expire(*, now=None) -> int:
    """Give back the money of holds past their expiry (a job that crashed without releasing its
    hold must not keep the balance locked). Each in its own short transaction; returns how many."""
    now = now or timezone.now()
    expired = 0
    for hold_id, account_id in Hold.objects.filter(
        status=Hold.Status.ACTIVE, expires_at__lte=now
    ).values_list("pk", "account_id"):
        with transaction.atomic():
            account = _locked(account_id)
            hold = Hold.objects.select_for_update().get(pk=hold_id)
            if hold.status != Hold.Status.ACTIVE:
                continue  # captured or released meanwhile
            _settle(account, hold, status=Hold.Status.EXPIRED, captured_micros=None)
            expired += 1
    return expired
