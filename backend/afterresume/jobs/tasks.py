"""The one Celery task that runs every step of every job (docs/jobs.md). It takes ids only; the
engine makes a second delivery of the same step harmless. `acks_late` with
`reject_on_worker_lost`: a worker that dies mid-step leaves the message to be delivered again (the
engine caps deliveries, so a message that kills its worker cannot loop forever). The task raises
only to be retried: a step's own failure is recorded, and the DAG goes on to its costing."""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from afterresume.jobs.dag import RUN_STEP_TASK
from afterresume.jobs.engine import backoff_seconds, step_run


@shared_task(
    name=RUN_STEP_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # the engine counts attempts itself (JOBS_MAX_ATTEMPTS), across deliveries too
    soft_time_limit=settings.JOBS_STEP_TIME_LIMIT_SECONDS,
    time_limit=settings.JOBS_STEP_HARD_LIMIT_SECONDS,
)
def run_step(self, job_id: int, step_name: str) -> None:
    try:
        outcome = step_run(job_id=job_id, name=step_name)
    except (OperationalError, InterfaceError) as error:  # the database went away: later, again
        raise self.retry(exc=error, countdown=backoff_seconds(self.request.retries + 1)) from error
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
