"""Reading metric snapshots for the operators' screens and API."""

from datetime import date

from django.db.models import QuerySet

from afterresume.metrics.models import MetricRun, MetricSnapshot


def platform_days(*, date_from: date, date_to: date) -> QuerySet[MetricSnapshot]:
    """The platform's row for each computed day of the range, oldest first (a day never computed
    has no row: a chart shows a gap, not a zero)."""
    return MetricSnapshot.objects.filter(tenant__isnull=True, day__gte=date_from, day__lte=date_to).order_by(
        "day"
    )


def tenant_rows(*, day: date) -> QuerySet[MetricSnapshot]:
    return MetricSnapshot.objects.filter(tenant__isnull=False, day=day).order_by("tenant_id")


def run_list(*, day: date | None = None, status: str | None = None) -> QuerySet[MetricRun]:
    runs = MetricRun.objects.all()
    if day is not None:
        runs = runs.filter(day=day)
    if status:
        runs = runs.filter(status=status)
    return runs.order_by("-started_at", "-id")
