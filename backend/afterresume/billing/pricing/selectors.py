from datetime import date, datetime, timedelta

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from afterresume.billing.days import day_start
from afterresume.billing.models import RateCardVersion, UsageEvent


class RateCardStatus:
    """Where a version stands at a moment (the API's `status`)."""

    SCHEDULED = "scheduled"
    IN_FORCE = "in-force"
    ENDED = "ended"
    CHOICES = (SCHEDULED, IN_FORCE, ENDED)


def rate_card_version_status(version: RateCardVersion, *, now: datetime) -> str:
    if version.effective_from > now:
        return RateCardStatus.SCHEDULED
    if version.effective_to is not None and version.effective_to <= now:
        return RateCardStatus.ENDED
    return RateCardStatus.IN_FORCE


def rate_card_version_list(*, now: datetime | None = None) -> list[RateCardVersion]:
    """Every version of every plan with its line items, newest first per plan; each carries its
    `status` at `now` (scheduled, in force or ended)."""
    now = now or timezone.now()
    versions = list(
        RateCardVersion.objects.select_related("card")
        .prefetch_related("items")
        .order_by("card__plan", "-effective_from")
    )
    for version in versions:
        version.status = rate_card_version_status(version, now=now)
    return versions


def _usage_events(*, date_from: date, date_to: date, tenant_id: int | None) -> QuerySet[UsageEvent]:
    # A half-open range of instants (UTC days), so that the index on occurred_at serves it.
    events = UsageEvent.objects.filter(
        occurred_at__gte=day_start(date_from), occurred_at__lt=day_start(date_to + timedelta(days=1))
    )
    if tenant_id is not None:
        events = events.filter(tenant_id=tenant_id)
    return events


def usage_cost_report(*, date_from: date, date_to: date, tenant_id: int | None = None) -> dict:
    """What usage cost, by workspace, model and UTC day, newest day first (rows of `day`,
    `tenant_id`, `tenant__name`, `model` and the sums); with totals."""
    events = _usage_events(date_from=date_from, date_to=date_to, tenant_id=tenant_id)
    sums = {
        "events": Count("id"),
        "tokens_in": Sum("tokens_in"),
        "tokens_out": Sum("tokens_out"),
        "cost_micros": Sum("cost_micros"),
    }
    rows = (
        events.annotate(day=TruncDate("occurred_at"))
        .values("day", "tenant_id", "tenant__name", "model")
        .annotate(**sums)
        .order_by("-day", "tenant__name", "tenant_id", "model")
    )
    totals = events.aggregate(**sums)
    return {
        "date_from": date_from,
        "date_to": date_to,
        "rows": list(rows),
        "totals": {name: totals[name] or 0 for name in sums},
    }
