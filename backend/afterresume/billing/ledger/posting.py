"""The one way money moves (docs/money.md). Every balance change is one call of `ledger_post`: it
checks the funds and the idempotency key and moves the balance with the entry, under the account's
row lock. What should follow a posting (the automatic top-up's crossing check) is an after-post
hook, registered by the room that owns it: the ledger never imports payments."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from afterresume.billing.ledger.errors import InsufficientFunds
from afterresume.billing.models import LedgerEntry, ReserveAccount
from afterresume.core.prometheus import ledger_posting_count

# What happened outside (refunds, lost disputes, an operator's correction) may take a balance
# below zero; work (usage) may not, except a capture beyond its hold (see holds.hold_capture).
KINDS_THAT_MAY_GO_NEGATIVE = {LedgerEntry.Kind.REFUND, LedgerEntry.Kind.REVERSAL, LedgerEntry.Kind.ADJUSTMENT}


@dataclass(frozen=True)
class Posted:
    """An entry posted just now (never a replay of its key) and the account's settings that came
    back with it: what an after-post hook is told, with no query of its own."""

    entry: LedgerEntry
    low_balance_threshold_micros: int
    is_auto_topup_enabled: bool

    @property
    def balance_before_micros(self) -> int:
        return self.entry.balance_after_micros - self.entry.amount_micros


AfterPostHook = Callable[[Posted], None]
_after_post_hooks: list[AfterPostHook] = []


def after_post_hook_register(hook: AfterPostHook) -> AfterPostHook:
    """Call `hook` after every entry posted now, inside the posting's transaction (a hook that
    queues work does it with transaction.on_commit). Registered once, at start-up (apps.py)."""
    if hook not in _after_post_hooks:
        _after_post_hooks.append(hook)
    return hook


def reserve_account_create(*, tenant) -> ReserveAccount:
    account, _ = ReserveAccount.objects.get_or_create(tenant=tenant)
    return account


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
    # The same rule on both databases (docs/money.md): PostgreSQL in one statement, SQLite (the
    # embedded default) with the ORM under its database-wide write lock. The ledger tests run
    # against both (`-m ledger` on SQLite, see scripts/with_services.py).
    post = _post_in_one_statement if connection.vendor == "postgresql" else _post_with_orm
    posted = post(fields)
    if isinstance(posted, LedgerEntry):
        return posted  # the key was posted before: nothing moved, nothing follows
    ledger_posting_count(kind=kind)
    for hook in _after_post_hooks:
        hook(posted)
    return posted.entry


def _posted_before(idempotency_key: str) -> LedgerEntry | None:
    existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
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


def _post_in_one_statement(fields: dict) -> Posted | LedgerEntry:
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
        entry = LedgerEntry(
            id=row[0],
            balance_after_micros=row[1],
            created_at=row[2],
            **{name: value for name, value in fields.items() if name != "allow_negative"},
        )
        entry._state.adding = False
        entry._state.db = "default"
        entry.is_posted_now = True
        return Posted(entry=entry, low_balance_threshold_micros=row[3], is_auto_topup_enabled=row[4])
    # Nothing posted: the key was posted before, or the funds are short, or there is no account.
    existing = _posted_before(fields["idempotency_key"])
    if existing is not None:
        return existing
    account = ReserveAccount.objects.get(pk=fields["account_id"])
    raise InsufficientFunds(
        needed_micros=-(account.available_micros + fields["amount_micros"]),
        available_micros=account.available_micros,
    )


def _post_with_orm(fields: dict) -> Posted | LedgerEntry:
    """The same rule as POST_ONE_STATEMENT, step by step under the account's lock."""
    amount_micros = fields["amount_micros"]
    try:
        with transaction.atomic():
            account = ReserveAccount.objects.select_for_update().get(pk=fields["account_id"])
            # Under the account lock: a concurrent post of the same key has committed or not started.
            existing = _posted_before(fields["idempotency_key"])
            if existing is not None:
                return existing
            new_available = account.available_micros + amount_micros
            if amount_micros < 0 and new_available < 0 and not fields["allow_negative"]:
                raise InsufficientFunds(
                    needed_micros=-new_available, available_micros=account.available_micros
                )
            new_balance = account.balance_micros + amount_micros
            ReserveAccount.objects.filter(pk=account.pk).update(
                balance_micros=new_balance, updated_at=timezone.now()
            )
            # Database constraints (unique key, non-zero amount, foreign keys) check the row; the
            # hot path skips full_clean on purpose (docs/money.md).
            entry = LedgerEntry(
                balance_after_micros=new_balance,
                **{name: value for name, value in fields.items() if name != "allow_negative"},
            )
            entry.save(force_insert=True)
    except IntegrityError:
        # The same key on another account, posted concurrently: the first one stands.
        existing = _posted_before(fields["idempotency_key"])
        if existing is None:
            raise
        return existing
    entry.is_posted_now = True
    return Posted(
        entry=entry,
        low_balance_threshold_micros=account.low_balance_threshold_micros,
        is_auto_topup_enabled=account.auto_topup_enabled,
    )
