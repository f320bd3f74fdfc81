"""Writes of jobs: the state transitions the engine builds on. Every change is validated here:

    queued  -> running | canceled | refused | failed
    running -> succeeded | failed | canceled
    finished (succeeded, failed, canceled, refused) -> nothing

A step goes pending -> running -> succeeded | failed | skipped; a running step may start again
(a retry, or a worker that died mid-step: the same row counts one more attempt). Events are only
added. Every transition locks the job's row, so two workers cannot both move it."""

from django.db import transaction
from django.utils import timezone

from afterresume.accounts.models import User
from afterresume.billing.pricing.usage import jobs_running_add
from afterresume.core.prometheus import job_finished_count
from afterresume.jobs.models import Job, JobEvent, JobKind, JobStep
from afterresume.tenants.models import Tenant

NEXT_STATUSES: dict[str, frozenset[str]] = {
    Job.Status.QUEUED: frozenset(
        {Job.Status.RUNNING, Job.Status.CANCELED, Job.Status.REFUSED, Job.Status.FAILED}
    ),
    Job.Status.RUNNING: frozenset({Job.Status.SUCCEEDED, Job.Status.FAILED, Job.Status.CANCELED}),
}
FINISHING_EVENTS = {
    Job.Status.SUCCEEDED: JobEvent.Kind.SUCCEEDED,
    Job.Status.FAILED: JobEvent.Kind.FAILED,
    Job.Status.CANCELED: JobEvent.Kind.CANCELED,
    Job.Status.REFUSED: JobEvent.Kind.REFUSED,
}
NEXT_STEP_STATUSES: dict[str, frozenset[str]] = {
    JobStep.Status.PENDING: frozenset({JobStep.Status.RUNNING, JobStep.Status.SKIPPED}),
    JobStep.Status.RUNNING: frozenset(
        {JobStep.Status.RUNNING, JobStep.Status.SUCCEEDED, JobStep.Status.FAILED, JobStep.Status.SKIPPED}
    ),
}


class JobTransitionError(Exception):
    """A change of status the job (or step) cannot make, e.g. a finished job back to running."""


def _check_transition(*, table: dict, current: str, new: str, what: str) -> None:
    if new not in table.get(current, frozenset()):
        raise JobTransitionError(f"{what} cannot go from {current} to {new}.")


def _locked(job: Job) -> Job:
    return Job.objects.select_for_update().get(pk=job.pk)


def job_event_record(*, job: Job, kind: str, message: str = "", data: dict | None = None) -> JobEvent:
    event = JobEvent(job=job, kind=kind, message=message, data=data or {})
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def job_create_queued(
    *, tenant: Tenant, author: User, kind: str, params: dict | None = None, estimate_micros: int = 0
) -> Job:
    job = Job(
        tenant=tenant,
        author=author,
        kind=JobKind(kind),
        params=params or {},
        estimate_micros=estimate_micros,
    )
    job.full_clean()
    job.save()
    job_event_record(job=job, kind=JobEvent.Kind.QUEUED, data={"estimate_micros": estimate_micros})
    return job


@transaction.atomic
def job_mark_running(*, job: Job) -> Job:
    """Raises JobTransitionError unless the job is queued."""
    job = _locked(job)
    _check_transition(table=NEXT_STATUSES, current=job.status, new=Job.Status.RUNNING, what="A job")
    job.status = Job.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    jobs_running_add(tenant=job.tenant, delta=1)
    job_event_record(job=job, kind=JobEvent.Kind.STARTED)
    return job


@transaction.atomic
def job_finish(*, job: Job, status: str, error: str = "", actual_cost_micros: int | None = None) -> Job:
    """Ends the job as succeeded, failed, canceled or refused. Raises JobTransitionError if it
    has ended already or cannot end that way from where it is."""
    job = _locked(job)
    if status not in FINISHING_EVENTS:
        raise JobTransitionError(f"{status} is not how a job ends.")
    _check_transition(table=NEXT_STATUSES, current=job.status, new=status, what="A job")
    if job.status == Job.Status.RUNNING:
        jobs_running_add(tenant=job.tenant, delta=-1)
    job.status = status
    job.error = error
    if actual_cost_micros is not None:
        job.actual_cost_micros = actual_cost_micros
    job.finished_at = timezone.now()
    job.full_clean()
    job.save(update_fields=["status", "error", "actual_cost_micros", "finished_at"])
    job_event_record(job=job, kind=FINISHING_EVENTS[status], message=error[:500])
    job_finished_count(kind=job.kind, status=status)
    return job


@transaction.atomic
def job_step_start(*, job: Job, name: str, settling: bool = False) -> JobStep:
    """Creates the step on its first run; a later run of the same step (a retry, a redelivery
    after a worker died) counts one more attempt on the same row. Raises JobTransitionError if the
    job is not running (unless the step is `settling` it: the costing and finish steps run after a
    job failed or was canceled too) or the step has ended."""
    job = _locked(job)
    if job.status != Job.Status.RUNNING and not (settling and job.status != Job.Status.QUEUED):
        raise JobTransitionError(f"A step cannot start while the job is {job.status}.")
    step, _ = JobStep.objects.select_for_update().get_or_create(job=job, name=name)
    _check_transition(
        table=NEXT_STEP_STATUSES, current=step.status, new=JobStep.Status.RUNNING, what="A step"
    )
    retried = step.status == JobStep.Status.RUNNING
    step.status = JobStep.Status.RUNNING
    step.attempts += 1
    step.started_at = step.started_at or timezone.now()
    step.full_clean()
    step.save()
    job_event_record(
        job=job,
        kind=JobEvent.Kind.STEP_RETRIED if retried else JobEvent.Kind.STEP_STARTED,
        message=name,
        data={"step": name, "attempt": step.attempts},
    )
    return step


STEP_ENDING_EVENTS = {
    JobStep.Status.SUCCEEDED: JobEvent.Kind.STEP_SUCCEEDED,
    JobStep.Status.FAILED: JobEvent.Kind.STEP_FAILED,
    JobStep.Status.SKIPPED: JobEvent.Kind.STEP_SKIPPED,
}


@transaction.atomic
def job_step_finish(
    *, job: Job, name: str, status: str, error: str = "", result: dict | None = None
) -> JobStep:
    """Ends a step (succeeded, failed, or skipped when the job was canceled); a step never run
    may be skipped too. Raises JobTransitionError if the step has ended already."""
    job = _locked(job)
    if status not in STEP_ENDING_EVENTS:
        raise JobTransitionError(f"{status} is not how a step ends.")
    step, _ = JobStep.objects.select_for_update().get_or_create(job=job, name=name)
    _check_transition(table=NEXT_STEP_STATUSES, current=step.status, new=status, what="A step")
    step.status = status
    step.error = error
    step.result = result or {}
    step.finished_at = timezone.now()
    step.full_clean()
    step.save()
    job_event_record(
        job=job, kind=STEP_ENDING_EVENTS[status], message=error[:500] or name, data={"step": name}
    )
    return step


@transaction.atomic
def job_cost_record(*, job: Job, actual_cost_micros: int) -> Job:
    """The job's actual cost, once its usage is captured (it may have ended already: a failed or
    canceled job is charged what it used)."""
    job = _locked(job)
    job.actual_cost_micros = actual_cost_micros
    job.save(update_fields=["actual_cost_micros"])
    return job


@transaction.atomic
def job_result_set(*, job: Job, result: dict) -> Job:
    job = _locked(job)
    job.result = result
    job.save(update_fields=["result"])
    return job
