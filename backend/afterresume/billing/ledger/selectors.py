from datetime import date, timedelta

from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum

from afterresume.billing.days import day_start
from afterresume.billing.models import Hold, LedgerEntry, ReserveAccount


def reserve_account_get(*, tenant) -> ReserveAccount:
    return ReserveAccount.objects.get(tenant=tenant)


def reserve_account_find(*, tenant_id: int) -> ReserveAccount | None:
    """The reserve of the workspace with this id, or None when there is no such workspace."""
    return ReserveAccount.objects.filter(tenant_id=tenant_id).first()


def reserve_ledger_list(
    *, account: ReserveAccount, kind: str = "", date_from: date | None = None, date_to: date | None = None
) -> QuerySet[LedgerEntry]:
    """A workspace's ledger, newest first; `date_from`/`date_to` are UTC days, both included."""
    entries = LedgerEntry.objects.filter(account=account)
    if kind:
        entries = entries.filter(kind=kind)
    if date_from:
        entries = entries.filter(created_at__gte=day_start(date_from))
    if date_to:
        entries = entries.filter(created_at__lt=day_start(date_to + timedelta(days=1)))
    return entries.order_by("-id")


def reserve_summary() -> dict[str, int]:
    """Every reserve at once, for operators: balances, held money, what was paid in, granted and
    used, and how many accounts are low or disputed."""
    accounts = ReserveAccount.objects.all()
    totals = accounts.aggregate(balance=Sum("balance_micros", default=0), held=Sum("held_micros", default=0))
    by_kind = dict(
        LedgerEntry.objects.values("kind").annotate(total=Sum("amount_micros")).values_list("kind", "total")
    )
    return {
        "accounts": accounts.count(),
        "total_balance_micros": totals["balance"],
        "total_held_micros": totals["held"],
        "paid_in_micros": by_kind.get("topup", 0) + by_kind.get("refund", 0),
        "granted_micros": by_kind.get("grant", 0),
        "usage_micros": -by_kind.get("usage", 0),
        "low_balance_accounts": accounts.filter(balance_micros__lt=F("low_balance_threshold_micros")).count(),
        "disputed_accounts": accounts.filter(is_disputed=True).count(),
    }


def reserve_reconcile() -> list[dict]:
    """Every account whose books do not add up: the ledger sum differs from the balance, the
    newest entry's balance-after differs from it, or the held amount differs from its active
    holds. Empty when all is well (docs/money.md)."""
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
