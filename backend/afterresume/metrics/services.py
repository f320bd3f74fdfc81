"""Running `metrics.compute` for a day: a group of steps over batches of workspaces (each reads its
batch with grouped queries and stores a row per workspace), then a chord that rolls them up into the
platform's row. A
period computed again replaces its rows. How and why: docs/metrics.md."""

import logging
from datetime import date, datetime, timedelta

from celery import chord, group
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from afterresume.core.exceptions import DomainError
from afterresume.metrics.figures import TenantFiguresError, Window, platform_figures, tenants_figures
from afterresume.metrics.models import MetricRun, MetricSnapshot
from afterresume.tenants.models import Tenant

logger = logging.getLogger(__name__)

MAX_BACKFILL_DAYS = 400


class MetricsRunConflict(DomainError):
    """A run for that day is already under way."""

    status_code = 409


def metrics_run_start(*, day: date, trigger: str, until: datetime | None = None) -> MetricRun:
    """Records the run and sends its DAG once committed. Raises MetricsRunConflict when a run for
    the day is still running (and younger than the step time limit: an older one was lost)."""
    run, batches, until = _run_create(day=day, trigger=trigger, until=until)
    steps = [
        signature_of("afterresume.metrics.tasks.compute_tenants", run.pk, batch, until.isoformat())
        for batch in batches
    ]
    rollup = signature_of("afterresume.metrics.tasks.rollup", run_id=run.pk, until=until.isoformat())
    canvas = chord(group(steps), rollup) if steps else rollup.clone(args=([],))
    transaction.on_commit(canvas.apply_async)
    return run


def metrics_run_here(*, day: date, trigger: str, until: datetime | None = None) -> MetricRun:
    """The same run in this process, without a worker (the backfill command's `--here`)."""
    run, batches, until = _run_create(day=day, trigger=trigger, until=until)
    results = [metrics_tenants_compute(run_id=run.pk, tenant_ids=batch, until=until) for batch in batches]
    return metrics_rollup(results=results, run_id=run.pk, until=until)


def metrics_backfill(*, date_from: date, date_to: date, here: bool = False) -> list[MetricRun]:
    """A run per day of the range, oldest first (each replaces its day's rows)."""
    days = (date_to - date_from).days + 1
    if days < 1 or days > MAX_BACKFILL_DAYS:
        raise ValueError(f"A backfill covers 1 to {MAX_BACKFILL_DAYS} days; this range has {days}.")
    busy = MetricRun.objects.filter(
        day__gte=date_from, day__lte=date_to, status=MetricRun.Status.RUNNING, started_at__gt=_stale()
    ).values_list("day", flat=True)
    if busy:
        raise MetricsRunConflict(f"Metrics for {min(busy)} are being computed already.")
    start = metrics_run_here if here else metrics_run_start
    return [start(day=date_from + timedelta(days=n), trigger=MetricRun.Trigger.BACKFILL) for n in range(days)]


def _run_create(
    *, day: date, trigger: str, until: datetime | None
) -> tuple[MetricRun, list[list[int]], datetime]:
    until = until or timezone.now()
    if day > until.date():
        raise ValueError("That day has not started yet.")
    window = Window.of(day, until=until)
    with transaction.atomic():
        if MetricRun.objects.filter(
            day=day, status=MetricRun.Status.RUNNING, started_at__gt=_stale()
        ).exists():
            raise MetricsRunConflict(f"Metrics for {day} are being computed already.")
        tenant_ids = list(Tenant.objects.order_by("pk").values_list("pk", flat=True))
        run = MetricRun.objects.create(
            day=day, is_final=window.is_final, trigger=trigger, tenants_total=len(tenant_ids)
        )
    size = settings.METRICS_TENANTS_PER_STEP
    return run, [tenant_ids[i : i + size] for i in range(0, len(tenant_ids), size)], until


def _stale() -> datetime:
    """Runs started before this are taken as lost (no step runs longer)."""
    return timezone.now() - timedelta(seconds=settings.JOBS_STEP_TIME_LIMIT_SECONDS)


def metrics_tenants_compute(*, run_id: int, tenant_ids: list[int], until: datetime) -> dict:
    """One step of the group: its workspaces' figures, stored together. A workspace that breaks
    an invariant loses only its row, and is named in the answer; when the batch's queries fail,
    each workspace is computed alone, so that one bad workspace cannot take the others down."""
    run = MetricRun.objects.get(pk=run_id)
    window = Window.of(run.day, until=until)
    try:
        with transaction.atomic():
            figures = tenants_figures(tenant_ids, window)
    except DatabaseError as error:
        logger.warning("metrics %s: a batch failed (%s); computing its workspaces one by one", run.day, error)
        figures = {tenant_id: _alone(tenant_id, window) for tenant_id in tenant_ids}
    failed = [
        {"tenant_id": tenant_id, "error": str(outcome) or outcome.__class__.__name__}
        for tenant_id, outcome in figures.items()
        if isinstance(outcome, Exception)
    ]
    for item in failed:
        logger.warning("metrics %s: workspace %s failed: %s", run.day, item["tenant_id"], item["error"])
    with transaction.atomic():
        # The day's rows of these workspaces are replaced whole (a failed one's stale row is gone).
        MetricSnapshot.objects.filter(day=run.day, tenant_id__in=tenant_ids).delete()
        MetricSnapshot.objects.bulk_create(
            [
                MetricSnapshot(
                    day=run.day,
                    tenant_id=tenant_id,
                    figures=outcome,
                    is_final=run.is_final,
                    run=run,
                    computed_at=until,
                )
                for tenant_id, outcome in figures.items()
                if not isinstance(outcome, Exception)
            ]
        )
    return {"failed": failed}


def _alone(tenant_id: int, window: Window) -> dict | Exception:
    try:
        with transaction.atomic():
            return tenants_figures([tenant_id], window)[tenant_id]
    except DatabaseError as error:
        return TenantFiguresError(f"Its figures could not be read: {error}")


def metrics_rollup(*, results: list[dict], run_id: int, until: datetime) -> MetricRun:
    """The chord's end: the platform's row from the day's workspace rows (a failed workspace has
    none); the run succeeds, or fails naming each workspace whose part failed."""
    run = MetricRun.objects.get(pk=run_id)
    window = Window.of(run.day, until=until)
    failed = sorted(
        (item for result in results for item in result["failed"]), key=lambda item: item["tenant_id"]
    )
    parts = list(
        MetricSnapshot.objects.filter(day=run.day, tenant__isnull=False).values_list("figures", flat=True)
    )
    figures = platform_figures(parts, window)
    figures["workspaces_failed"] = [item["tenant_id"] for item in failed]
    with transaction.atomic():
        MetricSnapshot.objects.update_or_create(
            day=run.day,
            tenant=None,
            defaults={"figures": figures, "is_final": run.is_final, "run": run, "computed_at": until},
        )
        run.status = MetricRun.Status.FAILED if failed else MetricRun.Status.SUCCEEDED
        run.failed_tenants = failed
        run.error = failure_sentence(failed, run.tenants_total)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "failed_tenants", "error", "finished_at"])
    return run


def failure_sentence(failed: list[dict], total: int) -> str:
    if not failed:
        return ""
    named = "; ".join(f"workspace {item['tenant_id']}: {item['error']}" for item in failed[:10])
    more = f"; and {len(failed) - 10} more" if len(failed) > 10 else ""
    return f"The figures of {len(failed)} of {total} workspaces could not be computed ({named}{more})."


def signature_of(name: str, *args, **kwargs):
    from config.celery import app

    return app.signature(name, args=args, kwargs=kwargs)
