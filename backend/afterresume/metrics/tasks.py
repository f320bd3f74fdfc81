"""`metrics.compute`'s Celery tasks and its beat entries (config/settings/jobs.py: CELERY_BEAT_SCHEDULE)."""

from datetime import datetime, timedelta

from celery import shared_task
from django.utils import timezone

from afterresume.metrics.models import MetricRun
from afterresume.metrics.services import (
    MetricsRunConflict,
    metrics_rollup,
    metrics_run_start,
    metrics_tenants_compute,
)

STEP = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="afterresume.metrics.tasks.compute_tenants", **STEP)
def compute_tenants(run_id: int, tenant_ids: list[int], until: str) -> dict:
    return metrics_tenants_compute(run_id=run_id, tenant_ids=tenant_ids, until=datetime.fromisoformat(until))


@shared_task(name="afterresume.metrics.tasks.rollup", **STEP)
def rollup(results: list[dict], run_id: int, until: str) -> dict:
    run = metrics_rollup(results=results, run_id=run_id, until=datetime.fromisoformat(until))
    return {"run_id": run.pk, "status": run.status}


@shared_task(name="afterresume.metrics.tasks.compute_today")
def compute_today() -> dict:
    """Hourly (beat): today so far."""
    return _start(timezone.now().date(), MetricRun.Trigger.HOURLY)


@shared_task(name="afterresume.metrics.tasks.compute_yesterday")
def compute_yesterday() -> dict:
    """Daily, after midnight UTC (beat): yesterday, final."""
    return _start(timezone.now().date() - timedelta(days=1), MetricRun.Trigger.DAILY)


def _start(day, trigger) -> dict:
    try:
        run = metrics_run_start(day=day, trigger=trigger)
    except MetricsRunConflict as conflict:
        return {"skipped": str(conflict)}
    return {"run_id": run.pk}
