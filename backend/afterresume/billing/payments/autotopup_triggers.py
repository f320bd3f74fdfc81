"""When an automatic top-up is attempted (docs/money.md): a usage entry that takes a balance from at
or above the low-balance threshold to below it (a crossing, seen by the ledger's after-post hook),
settings changed while the balance is already below it, or the beat sweep that catches a crossing
whose task was lost. And what holds one back: a payment still on its way, the monthly cap."""

from datetime import datetime, timedelta

from django.db.models import F, Q, Sum
from django.utils import timezone

from afterresume.billing.ledger.posting import Posted
from afterresume.billing.models import AutoTopup, LedgerEntry, ReserveAccount
from afterresume.billing.payments.queue import AUTO_TOPUP, task_queue_on_commit

# A payment still unconfirmed after this long (its webhook lost, say) no longer holds the next one
# back; the runbook tells how to look it up at Stripe.
PENDING_AT_MOST = timedelta(days=1)


def auto_topup_on_posting(posted: Posted) -> None:
    """The ledger's after-post hook (registered in apps.py), called for every entry posted: usage
    that crossed the threshold of an account with auto top-up on queues the top-up (after commit).
    Refunds, lost disputes and operators' corrections never charge the card by themselves."""
    entry = posted.entry
    if not posted.is_auto_topup_enabled or entry.kind != LedgerEntry.Kind.USAGE:
        return
    if posted.balance_before_micros >= posted.low_balance_threshold_micros > entry.balance_after_micros:
        auto_topup_queue(account_id=entry.account_id, crossing_key=f"entry:{entry.pk}")


def auto_topup_queue(*, account_id: int, crossing_key: str) -> None:
    # robust: a broker that is down must not fail the posting that committed; the sweep
    # (auto_topup_sweep, on beat) picks up a crossing whose task was lost.
    task_queue_on_commit(AUTO_TOPUP, account_id, crossing_key, robust=True)


def _month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def auto_topup_on_its_way(now: datetime) -> Q:
    """An attempt whose payment may still come (pending for longer than PENDING_AT_MOST: given up)."""
    return Q(status=AutoTopup.Status.PENDING, created_at__gte=now - PENDING_AT_MOST)


def auto_topup_spent_this_month_micros(account: ReserveAccount) -> int:
    """Paid, or on its way."""
    now = timezone.now()
    return AutoTopup.objects.filter(
        Q(status=AutoTopup.Status.SUCCEEDED) | auto_topup_on_its_way(now),
        account=account,
        created_at__gte=_month_start(now),
    ).aggregate(total=Sum("amount_micros", default=0))["total"]


def auto_topup_is_needed(account: ReserveAccount) -> bool:
    """Auto top-up is on and the balance is under the threshold."""
    return account.auto_topup_enabled and account.balance_micros < account.low_balance_threshold_micros


def auto_topup_check_now(account: ReserveAccount) -> None:
    """Auto top-up was just turned on (or its settings changed) while the balance is already below
    the threshold: that counts as the crossing of the newest entry (once)."""
    if auto_topup_is_needed(account):
        _queue_since_newest_entry(account.pk, "settings")


def _queue_since_newest_entry(account_id: int, why: str) -> bool:
    """Queue an attempt keyed by the account's newest ledger entry: once per `why` until the
    ledger moves. False when that attempt was made already."""
    newest = (
        LedgerEntry.objects.filter(account_id=account_id).order_by("-id").values_list("id", flat=True).first()
    )
    key = f"{why}:{account_id}:{newest or 0}"
    if AutoTopup.objects.filter(crossing_key=key).exists():
        return False
    auto_topup_queue(account_id=account_id, crossing_key=key)
    return True


def auto_topup_sweep() -> int:
    """Beat, every few minutes: a workspace under its threshold with auto top-up on, no payment on
    its way and no attempt since its newest ledger entry gets one (a crossing whose task was lost,
    e.g. while the broker was down). A failed attempt is not retried by the sweep for a day (a
    declined card is not charged again and again); returns how many were queued."""
    queued = 0
    now = timezone.now()
    accounts = ReserveAccount.objects.filter(
        auto_topup_enabled=True, balance_micros__lt=F("low_balance_threshold_micros")
    ).values_list("pk", flat=True)
    for account_id in accounts:
        recent = AutoTopup.objects.filter(account_id=account_id).filter(
            auto_topup_on_its_way(now)
            | Q(
                status__in=(AutoTopup.Status.FAILED, AutoTopup.Status.SKIPPED),
                created_at__gte=now - timedelta(days=1),
            )
        )
        if not recent.exists() and _queue_since_newest_entry(account_id, "sweep"):
            queued += 1
    return queued
