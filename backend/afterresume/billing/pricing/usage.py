"""Usage events (docs/money.md): every metered call is recorded once, priced once with the rate card
version in force when it happened, and counted in the status bar's token counters. The job system
records them through `usage_record` (its holds are captured with the summed cost)."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min, Sum
from django.utils import timezone

from afterresume.billing.models import ReserveAccount, UsageEvent
from afterresume.billing.pricing.rates import price_in_version, rate_card_version_at


def usage_record(
    *,
    tenant,
    model: str,
    tokens_in: int,
    tokens_out: int,
    idempotency_key: str,
    duration_ms: int = 0,
    job_reference: str = "",
    tokens_counted_locally: bool = False,
    at: datetime | None = None,
) -> UsageEvent:
    """Record one call's usage, exactly once per `idempotency_key` (a retried step records nothing
    new). Raises UnpricedUsage when no rate card prices the model. `tokens_counted_locally` says
    the tokens are our own count (the provider's answer had none)."""
    existing = UsageEvent.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    at = at or timezone.now()
    version = rate_card_version_at(plan=tenant.plan, at=at)
    cost = price_in_version(
        version=version, model=model, quantities={"tokens_in": tokens_in, "tokens_out": tokens_out}
    )
    try:
        with transaction.atomic():
            event = UsageEvent.objects.create(
                tenant=tenant,
                idempotency_key=idempotency_key,
                job_reference=job_reference,
                model=model,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                tokens_counted_locally=tokens_counted_locally,
                duration_ms=duration_ms,
                cost_micros=cost,
                rate_card_version=version,
                occurred_at=at,
            )
            # The status bar's counters (O(1) to read, docs/architecture.md).
            ReserveAccount.objects.filter(tenant=tenant).update(
                tokens_in_total=F("tokens_in_total") + tokens_in,
                tokens_out_total=F("tokens_out_total") + tokens_out,
            )
    except IntegrityError:  # recorded concurrently under the same key: the first one stands
        return UsageEvent.objects.get(idempotency_key=idempotency_key)
    return event


def usage_of_job_chunk(*, job_reference: str, chunk: int, chunks: int) -> dict:
    """The summed cost and count of one chunk of a job's usage events: their ids, from the job's
    lowest to its highest, cut into `chunks` equal ranges, this one the `chunk`-th (each an index
    range scan of `usage_job`). billing.cost_usage sums a job's usage this way, chunks side by side."""
    events = UsageEvent.objects.filter(job_reference=job_reference)
    bounds = events.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return {"cost_micros": 0, "events": 0}
    size = -(-(bounds["high"] - bounds["low"] + 1) // chunks)  # ceiling: the ranges cover every id
    start = bounds["low"] + chunk * size
    totals = events.filter(id__gte=start, id__lt=start + size).aggregate(
        cost_micros=Sum("cost_micros"), events=Count("id")
    )
    return {"cost_micros": totals["cost_micros"] or 0, "events": totals["events"]}


def usage_of_job(*, job_reference: str) -> dict:
    """What a job's calls used and cost so far (the job page's figures; index usage_job)."""
    totals = UsageEvent.objects.filter(job_reference=job_reference).aggregate(
        events=Count("id"),
        tokens_in=Sum("tokens_in"),
        tokens_out=Sum("tokens_out"),
        cost_micros=Sum("cost_micros"),
    )
    return {name: value or 0 for name, value in totals.items()}


def jobs_running_add(*, tenant, delta: int) -> None:
    """The status bar's running-jobs counter: +1 when a job starts, -1 when it ends."""
    ReserveAccount.objects.filter(tenant=tenant).update(jobs_running=F("jobs_running") + delta)
