"""The one way money moves (DESIGN §6). Every balance change goes through `ledger_post`, inside a
transaction that locks the account row; holds change `held_micros` under the same lock."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from afterresume.billing.autotopup import auto_topup_on_crossing
from afterresume.billing.models import Hold, LedgerEntry, ReserveAccount
from afterresume.billing.money import MICROS_PER_CENT, micros_to_cents_up, micros_to_dollars
from afterresume.core.exceptions import DomainError

HOLD_LIFETIME = timedelta(hours=6)
# What happened outside (refunds, lost disputes, an operator's correction) may take a balance
# below zero; work (usage) may not, except a capture beyond its hold (see hold_capture).
KINDS_THAT_MAY_GO_NEGATIVE = {LedgerEntry.Kind.REFUND, LedgerEntry.Kind.REVERSAL, LedgerEntry.Kind.ADJUSTMENT}


class InsufficientFunds(DomainError):
    """The reserve cannot cover this: `needed_micros` more would be required. An API call that
    meets it answers 402 Payment Required with the amount needed."""

    status_code = 402

    def __init__(self, *, needed_micros: int, available_micros: int, message: str = ""):
        # What to top up: whole cents, rounded up so that it is enough.
        self.needed_dollars = micros_to_dollars(micros_to_cents_up(needed_micros) * MICROS_PER_CENT)
        super().__init__(
            message or f"The reserve cannot cover this: top up at least {self.needed_dollars} USD."
        )
        self.needed_micros = needed_micros
        self.available_micros = available_micros

    def extra(self) -> dict:
        return {
            "needed_micros": self.needed_micros,
            "available_micros": self.available_micros,
            "needed_dollars": self.needed_dollars,
        }


class OverJobCeiling(InsufficientFunds):
    """Under the `limited` policy, a job estimated above the workspace's ceiling per job: a top-up
    does not help, an owner raising the ceiling (or choosing another policy) does."""

    def __init__(self, *, estimate_micros: int, ceiling_micros: int):
        super().__init__(
            needed_micros=estimate_micros - ceiling_micros,
            available_micros=ceiling_micros,
            message=(
                f"This job's estimate ({micros_to_dollars(estimate_micros)} USD) is above this workspace's "
                f"limit per job ({micros_to_dollars(ceiling_micros)} USD): an owner can raise it in the "
                "billing settings."
            ),
        )
        self.estimate_micros = estimate_micros
        self.ceiling_micros = ceiling_micros

    def extra(self) -> dict:
        return {"estimate_micros": self.estimate_micros, "ceiling_micros": self.ceiling_micros}


class HoldNotActive(Exception):
    """The hold was already captured or released."""


@dataclass(frozen=True)
class HoldPlaced:
    hold: Hold
    # Under the `warn` policy a hold beyond the available money is placed, with a warning.
    is_over_available: bool


def reserve_account_create(*, tenant) -> ReserveAccount:
    account, _ = ReserveAccount.objects.get_or_create(tenant=tenant)
    return account


def _locked(account_id: int) -> ReserveAccount:
    return ReserveAccount.objects.select_for_update().get(pk=account_id)


def ledger_post(
    *,
    account_id: int,
    kind: str,
    amount_micros: int,
    idempotency_key: str,
    memo: str = "",
    actor_id: int | None = None,
    hold_id: int | None = None,
    stripe_event_id: str = "",
    allow_negative: bool | None = None,
) -> LedgerEntry:
    """Post one entry and move the balance by `amount_micros` (signed), exactly once per
    `idempotency_key`: posting a key again returns the first entry, whatever else is passed
    (`entry.is_posted_now` tells the two apart). Raises InsufficientFunds when a debit would take
    the *available* money (balance - active holds) below zero and the kind may not: money held for
    running jobs is not there to spend twice."""
    if not isinstance(amount_micros, int) or isinstance(amount_micros, bool) or amount_micros == 0:
        raise ValueError("amount_micros must be a non-zero integer (micro-dollars).")
    if allow_negative is None:
        allow_negative = kind in KINDS_THAT_MAY_GO_NEGATIVE
    fields = {
        "account_id": account_id,
        "kind": kind,
        "amount_micros": amount_micros,
        "idempotency_key": idempotency_key,
        "memo": memo[:300],
        "actor_id": actor_id,
        "hold_id": hold_id,
        "stripe_event_id": stripe_event_id,
        "allow_negative": allow_negative,
    }
    if connection.vendor == "postgresql":
        return _post_in_one_statement(fields)
    try:
        with transaction.atomic():
            account = _locked(account_id)
            # Under the account lock: a concurrent post of the same key has committed or not started.
            existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                existing.is_posted_now = False
                return existing
            return _post_locked(
                account,
                kind=kind,
                amount_micros=amount_micros,
                idempotency_key=idempotency_key,
                memo=memo,
                actor_id=actor_id,
                hold_id=hold_id,
                stripe_event_id=stripe_event_id,
                allow_negative=allow_negative,
            )
    except IntegrityError:
        # The same key on another account, posted concurrently: the first one stands.
        existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        existing.is_posted_now = False
        return existing


# The usual path on PostgreSQL: one statement. The UPDATE takes the row lock, checks the funds and
# the key; its result feeds the INSERT; the lock is held for one round trip plus the commit, with no
# Python in between (bench/README.md: the ORM path reached ~0.2-0.3x raw SQL, this one ~1x).
POST_ONE_STATEMENT = """
WITH account AS (
    UPDATE billing_reserveaccount
       SET balance_micros = balance_micros + %(amount_micros)s, updated_at = now()
     WHERE id = %(account_id)s
       AND (balance_micros - held_micros + %(amount_micros)s >= 0 OR %(amount_micros)s > 0 OR %(allow_negative)s)
       AND NOT EXISTS (SELECT 1 FROM billing_ledgerentry WHERE idempotency_key = %(idempotency_key)s)
 RETURNING id, balance_micros, low_balance_threshold_micros, auto_topup_enabled
), entry AS (
    INSERT INTO billing_ledgerentry (account_id, kind, amount_micros, balance_after_micros, idempotency_key,
                                     actor_id, hold_id, stripe_event_id, memo, created_at)
    SELECT account.id, %(kind)s, %(amount_micros)s, account.balance_micros, %(idempotency_key)s,
           %(actor_id)s, %(hold_id)s, %(stripe_event_id)s, %(memo)s, now()
      FROM account
    RETURNING id, balance_after_micros, created_at
)
SELECT entry.id, entry.balance_after_micros, entry.created_at,
       account.low_balance_threshold_micros, account.auto_topup_enabled
  FROM entry, account
"""


def _post_in_one_statement(fields: dict) -> LedgerEntry:
    try:
        # Inside a caller's transaction a savepoint keeps a failed insert from spoiling it;
        # otherwise the statement runs (and commits) on its own.
        if connection.in_atomic_block:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(POST_ONE_STATEMENT, fields)
                row = cursor.fetchone()
        else:
            with connection.cursor() as cursor:
                cursor.execute(POST_ONE_STATEMENT, fields)
                row = cursor.fetchone()
    except IntegrityError:
        row = None  # the same key posted concurrently: the first one stands (below)
    if row is not None:
        if row[4] and fields["kind"] == LedgerEntry.Kind.USAGE:  # auto top-up is on: did usage cross?
            auto_topup_on_crossing(
                account_id=fields["account_id"],
                entry_id=row[0],
                before=row[1] - fields["amount_micros"],
                after=row[1],
                threshold=row[3],
            )
        entry = LedgerEntry(
            id=row[0],
            balance_after_micros=row[1],
            created_at=row[2],
            **{name: value for name, value in fields.items() if name != "allow_negative"},
        )
        entry._state.adding = False
        entry._state.db = "default"
        entry.is_posted_now = True
        return entry
    # Nothing posted: the key was posted before, or the funds are short, or there is no account.
    existing = LedgerEntry.objects.filter(idempotency_key=fields["idempotency_key"]).first()
    if existing is not None:
        existing.is_posted_now = False
        return existing
    account = ReserveAccount.objects.get(pk=fields["account_id"])
    raise InsufficientFunds(
        needed_micros=-(account.available_micros + fields["amount_micros"]),
        available_micros=account.available_micros,
    )


def _post_locked(
    account: ReserveAccount,
    *,
    kind,
    amount_micros,
    idempotency_key,
    memo,
    actor_id,
    hold_id,
    stripe_event_id,
    allow_negative,
) -> LedgerEntry:
    new_balance = account.balance_micros + amount_micros
    new_available = account.available_micros + amount_micros
    if amount_micros < 0 and new_available < 0 and not allow_negative:
        raise InsufficientFunds(needed_micros=-new_available, available_micros=account.available_micros)
    ReserveAccount.objects.filter(pk=account.pk).update(balance_micros=new_balance, updated_at=timezone.now())
    account.balance_micros = new_balance
    # Database constraints (unique key, non-zero amount, foreign keys) check the row; the hot path
    # skips full_clean on purpose (DESIGN §10).
    entry = LedgerEntry(
        account_id=account.pk,
        kind=kind,
        amount_micros=amount_micros,
        balance_after_micros=new_balance,
        idempotency_key=idempotency_key,
        memo=memo[:300],
        actor_id=actor_id,
        hold_id=hold_id,
        stripe_event_id=stripe_event_id,
    )
    entry.save(force_insert=True)
    entry.is_posted_now = True
    if account.auto_topup_enabled and kind == LedgerEntry.Kind.USAGE:
        auto_topup_on_crossing(
            account_id=account.pk,
            entry_id=entry.pk,
            before=new_balance - amount_micros,
            after=new_balance,
            threshold=account.low_balance_threshold_micros,
        )
    return entry


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
        entry = _post_locked(
            account,
            kind=LedgerEntry.Kind.USAGE,
            amount_micros=-actual_micros,
            idempotency_key=key,
            memo=memo or f"usage of {hold.job_reference or 'a job'}",
            actor_id=None,
            hold_id=hold.pk,
            stripe_event_id="",
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
