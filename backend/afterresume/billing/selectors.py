from django.db.models import Count, OuterRef, Q, Subquery, Sum

from afterresume.billing.models import Hold, LedgerEntry, ReserveAccount, StripeEvent


def reserve_reconcile() -> list[dict]:
    """Every account whose books do not add up: the ledger sum differs from the balance, the
    newest entry's balance-after differs from it, or the held amount differs from its active
    holds. Empty when all is well (DESIGN §6)."""
    newest = (
        LedgerEntry.objects.filter(account=OuterRef("pk")).order_by("-id").values("balance_after_micros")[:1]
    )
    accounts = ReserveAccount.objects.annotate(
        ledger_sum=Sum("entries__amount_micros", default=0),
        entry_count=Count("entries", distinct=True),
        last_balance_after=Subquery(newest),
    )
    active = dict(
        Hold.objects.filter(status=Hold.Status.ACTIVE)
        .values("account_id")
        .annotate(total=Sum("amount_micros"))
        .values_list("account_id", "total")
    )
    problems = []
    for account in accounts:
        issues = []
        if account.ledger_sum != account.balance_micros:
            issues.append(f"ledger sum {account.ledger_sum} ≠ balance {account.balance_micros}")
        if account.entry_count and account.last_balance_after != account.balance_micros:
            issues.append(
                f"last balance-after {account.last_balance_after} ≠ balance {account.balance_micros}"
            )
        if active.get(account.id, 0) != account.held_micros:
            issues.append(f"active holds {active.get(account.id, 0)} ≠ held {account.held_micros}")
        if issues:
            problems.append({"account_id": account.id, "tenant_id": account.tenant_id, "issues": issues})
    return problems


def ledger_sums_by_kind(*, account: ReserveAccount) -> dict[str, int]:
    rows = account.entries.values("kind").annotate(total=Sum("amount_micros"))
    return {row["kind"]: row["total"] for row in rows}


def has_active_holds(*, account: ReserveAccount) -> bool:
    return account.holds.filter(Q(status=Hold.Status.ACTIVE)).exists()


STRIPE_EVENT_STATUSES_NEEDING_ATTENTION = (
    StripeEvent.Status.FAILED,
    StripeEvent.Status.WAITING,
    StripeEvent.Status.REFUSED,
    StripeEvent.Status.RECEIVED,
)


def stripe_events_needing_attention():
    """Webhook events not applied (yet): failed and retried, waiting for their payment, refused
    (another currency), or never finished. Newest first."""
    return StripeEvent.objects.filter(status__in=STRIPE_EVENT_STATUSES_NEEDING_ATTENTION).order_by(
        "-received_at"
    )
