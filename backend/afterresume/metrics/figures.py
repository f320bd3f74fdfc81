"""What one day's figures are, for one workspace and for the platform. Each function reads; none
writes. The day is a UTC day; "so far" ends at `until` (the run's start) when the day has not
ended. What each figure means: docs/metrics.md."""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Subquery, Sum

from afterresume.billing.models import LedgerEntry, ReserveAccount, UsageEvent
from afterresume.invites.models import InvitePasskeyRedemption
from afterresume.jobs.models import Job
from afterresume.worklogs.models import WorkLog

ACTIVE_WINDOWS = {"day": 1, "week": 7, "month": 30}


class TenantFiguresError(Exception):
    """A workspace's figures cannot be computed (its data breaks an invariant): its part fails,
    saying why, and the other workspaces' parts are unaffected."""


@dataclass(frozen=True)
class Window:
    """[start, end) of a UTC day, `end` cut at `until` while the day is still running."""

    day: date
    start: datetime
    end: datetime

    @classmethod
    def of(cls, day: date, *, until: datetime) -> "Window":
        start = datetime.combine(day, time.min, tzinfo=UTC)
        return cls(day=day, start=start, end=min(start + timedelta(days=1), until))

    @property
    def is_final(self) -> bool:
        return self.end == self.start + timedelta(days=1)


def tenants_figures(tenant_ids: list[int], window: Window) -> dict[int, dict | TenantFiguresError]:
    """Each workspace's figures for the day (plain JSON), or the TenantFiguresError that says why
    it has none: a fixed number of grouped queries for the whole batch, so that a step's cost does
    not grow with the number of workspaces in it (bench/metrics.py)."""
    in_day = {"created_at__gte": window.start, "created_at__lt": window.end}
    accounts = {
        account.tenant_id: account
        for account in ReserveAccount.objects.filter(tenant_id__in=tenant_ids).annotate(
            balance_at_end=Subquery(
                LedgerEntry.objects.filter(account=OuterRef("pk"), created_at__lt=window.end)
                .order_by("-created_at", "-id")
                .values("balance_after_micros")[:1]
            )
        )
    }
    postings = grouped(
        LedgerEntry.objects.filter(account__tenant_id__in=tenant_ids, **in_day)
        .values("account__tenant_id", "kind")
        .annotate(count=Count("id"), micros=Sum("amount_micros")),
        "account__tenant_id",
    )
    usage_rows = grouped(
        UsageEvent.objects.filter(
            tenant_id__in=tenant_ids, occurred_at__gte=window.start, occurred_at__lt=window.end
        )
        .values("tenant_id", "model")
        .annotate(
            calls=Count("id"),
            tokens_in=Sum("tokens_in"),
            tokens_out=Sum("tokens_out"),
            micros=Sum("cost_micros"),
        ),
        "tenant_id",
    )
    entries = {
        row["tenant_id"]: row["count"]
        for row in WorkLog.objects.filter(tenant_id__in=tenant_ids, **in_day)
        .values("tenant_id")
        .annotate(count=Count("id"))
    }
    active = active_users(tenant_ids, window)
    joined = signups(tenant_ids, window)
    ended = jobs_by_kind_and_outcome(tenant_ids, window)
    figures: dict[int, dict | TenantFiguresError] = {}
    for tenant_id in tenant_ids:
        account = accounts.get(tenant_id)
        if account is None:
            figures[tenant_id] = TenantFiguresError("The workspace has no reserve account.")
            continue
        kinds = {row["kind"]: row for row in postings.get(tenant_id, [])}
        by_model = usage_rows.get(tenant_id, [])
        usage = {
            name: sum(row[key] or 0 for row in by_model)
            for name, key in (
                ("calls", "calls"),
                ("tokens_in", "tokens_in"),
                ("tokens_out", "tokens_out"),
                ("priced_micros", "micros"),
            )
        }
        usage["provider_cost_micros"] = sum(provider_cost_micros(row) for row in by_model)
        revenue = -(kinds.get("usage", {}).get("micros") or 0)
        balance = account.balance_at_end or 0
        figures[tenant_id] = {
            "entries": entries.get(tenant_id, 0),
            "active_users": active.get(tenant_id, dict.fromkeys(ACTIVE_WINDOWS, 0)),
            "signups": joined.get(tenant_id, {}),
            "jobs": ended.get(tenant_id, {}),
            "topups": {
                "count": kinds.get("topup", {}).get("count", 0),
                "micros": kinds.get("topup", {}).get("micros") or 0,
            },
            "usage_revenue_micros": revenue,
            "usage": usage,
            "margin_micros": revenue - usage["provider_cost_micros"],
            "balance_micros": balance,
            "low_balance_threshold_micros": account.low_balance_threshold_micros,
            "is_at_risk": balance < account.low_balance_threshold_micros,
        }
    return figures


def grouped(rows, key: str) -> dict[int, list[dict]]:
    by_key: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_key[row[key]].append(row)
    return by_key


def provider_cost_micros(row: dict) -> int:
    """What the provider charged us for one model's calls, from `LLM_PROVIDER_COSTS` (micro-dollars
    per million tokens), toward zero; a model not named there costs nothing (the local provider)."""
    prices = settings.LLM_PROVIDER_COSTS.get(row["model"], {})
    in_micros = (row["tokens_in"] or 0) * int(prices.get("tokens_in", 0))
    out_micros = (row["tokens_out"] or 0) * int(prices.get("tokens_out", 0))
    return (in_micros + out_micros) // 1_000_000


def active_users(tenant_ids: list[int], window: Window) -> dict[int, dict]:
    """Per workspace, the people who logged an entry or started a job in the day, the 7 and the 30
    days ending with it (a person belongs to one workspace, so the platform's figure is the sum)."""
    since = window.start - timedelta(days=ACTIVE_WINDOWS["month"] - 1)
    seen: dict[int, dict[int, datetime]] = defaultdict(dict)
    for model in (WorkLog, Job):
        rows = (
            model.objects.filter(tenant_id__in=tenant_ids, created_at__gte=since, created_at__lt=window.end)
            .values("tenant_id", "author_id")
            .annotate(last=Max("created_at"))
        )
        for row in rows:
            people = seen[row["tenant_id"]]
            people[row["author_id"]] = max(people.get(row["author_id"], row["last"]), row["last"])
    return {
        tenant_id: {
            name: sum(1 for last in people.values() if last >= window.start - timedelta(days=days - 1))
            for name, days in ACTIVE_WINDOWS.items()
        }
        for tenant_id, people in seen.items()
    }


def signups(tenant_ids: list[int], window: Window) -> dict[int, dict]:
    """Per workspace, new people who joined through an invite passkey in the day, per passkey id."""
    rows = (
        InvitePasskeyRedemption.objects.filter(
            tenant_id__in=tenant_ids, redeemed_at__gte=window.start, redeemed_at__lt=window.end
        )
        .values("tenant_id", "passkey_id")
        .annotate(count=Count("id"))
    )
    joined: dict[int, dict] = defaultdict(dict)
    for row in rows:
        joined[row["tenant_id"]][str(row["passkey_id"])] = row["count"]
    return joined


def jobs_by_kind_and_outcome(tenant_ids: list[int], window: Window) -> dict[int, dict]:
    """Per workspace, the jobs that ended in the day: {kind: {status: count}}."""
    rows = (
        Job.objects.filter(
            tenant_id__in=tenant_ids, finished_at__gte=window.start, finished_at__lt=window.end
        )
        .values("tenant_id", "kind", "status")
        .annotate(count=Count("id"))
    )
    outcome: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        outcome[row["tenant_id"]][row["kind"]][row["status"]] = row["count"]
    return {tenant_id: dict(kinds) for tenant_id, kinds in outcome.items()}


def job_durations_p95_ms(window: Window) -> dict:
    """Across the platform, per kind, the 95th percentile (nearest rank) of how long the jobs that
    ended in the day ran, from start to end, in milliseconds (a percentile does not add up over
    workspaces, so the rollup reads it here)."""
    durations: dict[str, list[int]] = defaultdict(list)
    rows = Job.objects.filter(
        finished_at__gte=window.start, finished_at__lt=window.end, started_at__isnull=False
    ).values_list("kind", "started_at", "finished_at")
    for kind, started_at, finished_at in rows.iterator(chunk_size=5_000):
        durations[kind].append(round((finished_at - started_at).total_seconds() * 1000))
    return {kind: nearest_rank(values, 95) for kind, values in sorted(durations.items())}


def nearest_rank(values: list[int], percentile: int) -> int:
    ordered = sorted(values)
    return ordered[max(math.ceil(percentile / 100 * len(ordered)) - 1, 0)]


def platform_figures(parts: list[dict], window: Window) -> dict:
    """The platform's day from its workspaces' figures (sums), plus what does not add up."""
    total: dict = {
        "workspaces": len(parts),
        "entries": 0,
        "active_users": dict.fromkeys(ACTIVE_WINDOWS, 0),
        "signups": defaultdict(int),
        "jobs": defaultdict(lambda: defaultdict(int)),
        "topups": {"count": 0, "micros": 0},
        "usage_revenue_micros": 0,
        "usage": {"calls": 0, "tokens_in": 0, "tokens_out": 0, "priced_micros": 0, "provider_cost_micros": 0},
        "margin_micros": 0,
        "balance_micros": 0,
        "at_risk": 0,
    }
    for part in parts:
        total["entries"] += part["entries"]
        for name in ACTIVE_WINDOWS:
            total["active_users"][name] += part["active_users"][name]
        for passkey_id, count in part["signups"].items():
            total["signups"][passkey_id] += count
        for kind, outcomes in part["jobs"].items():
            for status, count in outcomes.items():
                total["jobs"][kind][status] += count
        for name in ("count", "micros"):
            total["topups"][name] += part["topups"][name]
        total["usage_revenue_micros"] += part["usage_revenue_micros"]
        total["margin_micros"] += part["margin_micros"]
        for name in total["usage"]:
            total["usage"][name] += part["usage"][name]
        total["balance_micros"] += part["balance_micros"]
        total["at_risk"] += int(part["is_at_risk"])
    total["signups"] = dict(sorted(total["signups"].items()))
    total["signups_total"] = sum(total["signups"].values())
    total["jobs"] = {kind: dict(sorted(outcomes.items())) for kind, outcomes in sorted(total["jobs"].items())}
    total["job_p95_ms"] = job_durations_p95_ms(window)
    return total
