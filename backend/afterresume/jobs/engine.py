"""The job engine (docs/jobs.md): pre-flight (estimate, hold), the DAG sent to Celery, every step
run once in effect however often its message is delivered, the costing that charges the hold
exactly, and cancel and retry.

Every job's DAG is its kind's own steps, then `billing.cost_usage` (a chord: the job's usage
events summed in chunks side by side, then one capture of the exact sum with the rest of the hold
released), then `finish`. A step that fails does not raise out of its task: it fails the job, and
the steps after it are skipped except the costing, which still settles the hold with what was
really used. Only a transient error raises (Celery's retry, with exponential back-off)."""

import contextlib
import logging
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.utils import timezone

from afterresume.accounts.models import User
from afterresume.billing.ledger.errors import InsufficientFunds
from afterresume.billing.ledger.holds import (
    HOLD_LIFETIME,
    hold_capture,
    hold_extend,
    hold_place,
    hold_release,
)
from afterresume.billing.ledger.selectors import reserve_account_get
from afterresume.billing.models import Hold
from afterresume.billing.pricing.usage import usage_of_job_chunk
from afterresume.core.exceptions import DomainError
from afterresume.jobs.dag import QUEUE_BILLING, Chain, Chord, Group, Step, compile_dag, dag_steps
from afterresume.jobs.definitions import JobDefinition, StepContext, job_reference
from afterresume.jobs.kinds import DEFINITIONS
from afterresume.jobs.models import Job, JobEvent, JobStep
from afterresume.jobs.services import (
    JobTransitionError,
    job_cost_record,
    job_create_queued,
    job_event_record,
    job_finish,
    job_mark_running,
    job_step_finish,
    job_step_start,
)
from afterresume.llm import PermanentLLMError, TransientLLMError
from afterresume.tenants.models import Tenant

logger = logging.getLogger(__name__)

COST_CHUNKS = 4
CAPTURE = "cost.capture"
FINISH = "finish"
COSTING = Chord(
    header=Group(tuple(Step(f"cost.chunk.{n}", QUEUE_BILLING, always=True) for n in range(COST_CHUNKS))),
    body=Step(CAPTURE, QUEUE_BILLING, always=True),
)
# PostgreSQL's serialization failure and deadlock: the same transaction may well pass next time.
TRANSIENT_SQLSTATES = {"40001", "40P01"}


class JobRefused(InsufficientFunds):
    """The reserve cannot cover the job's estimate: the job is recorded as refused, and the API
    answers 402 with the amount to top up and the refused job's id."""

    def __init__(self, *, job: Job, refusal: InsufficientFunds):
        super().__init__(
            needed_micros=refusal.needed_micros,
            available_micros=refusal.available_micros,
            message=str(refusal),
        )
        self.job = job
        self.refusal = refusal

    def extra(self) -> dict:
        return {**self.refusal.extra(), "job_id": self.job.pk}


class JobNotQueued(DomainError):
    status_code = 503

    def __init__(self):
        super().__init__("The job could not be queued (the broker did not answer): nothing was charged.")


class JobConflict(DomainError):
    status_code = 409


def job_definition(kind: str) -> JobDefinition:
    definition = DEFINITIONS.get(kind)
    if definition is None:
        raise ValidationError({"kind": f"Jobs of kind {kind!r} cannot be started here."})
    return definition


def job_dag(definition: JobDefinition) -> Chain:
    if definition.free:
        return Chain((definition.work, Step(FINISH, QUEUE_BILLING, always=True)))
    return Chain((definition.work, COSTING, Step(FINISH, QUEUE_BILLING, always=True)))


@dataclass(frozen=True)
class Estimate:
    kind: str
    params: dict
    estimate_micros: int
    available_micros: int
    policy: str


def job_estimate(*, tenant: Tenant, author: User, kind: str, params: dict) -> Estimate:
    """What the job would hold before it runs; nothing is recorded."""
    definition = job_definition(kind)
    params = definition.clean_params(tenant, author, params)
    account = reserve_account_get(tenant=tenant)
    return Estimate(
        kind, params, definition.estimate(tenant, author, params), account.available_micros, account.policy
    )


def job_start(*, tenant: Tenant, author: User, kind: str, params: dict, retry_of: Job | None = None) -> Job:
    """Pre-flight, then the DAG to Celery: the job is recorded with its estimate, its hold placed
    (refused: the job ends `refused` and JobRefused is raised), and its DAG sent once the hold is
    committed. Raises ValidationError for bad params."""
    estimate = job_estimate(tenant=tenant, author=author, kind=kind, params=params)
    job = job_create_queued(
        tenant=tenant,
        author=author,
        kind=kind,
        params=estimate.params,
        estimate_micros=estimate.estimate_micros,
    )
    if retry_of is not None:
        Job.objects.filter(pk=job.pk).update(retry_of=retry_of)
    if not job_definition(kind).free:
        _job_hold_place(job=job, tenant=tenant)
    job.refresh_from_db()
    try:
        compile_dag(job_dag(job_definition(kind)), job_id=job.pk).apply_async()
    except Exception as error:  # the broker is unreachable: give the money back, say so
        logger.exception("job %s could not be queued", job.pk)
        if job.hold_id is not None:
            hold_release(hold_id=job.hold_id)
        job_finish(job=job, status=Job.Status.FAILED, error=f"Could not be queued: {error}")
        raise JobNotQueued() from error
    return job


def _job_hold_place(*, job: Job, tenant: Tenant) -> None:
    """Sets the job's estimate aside (at least 1 µ$, so that even an estimate of nothing meets the
    policy); refused: the job ends `refused` and JobRefused is raised."""
    account = reserve_account_get(tenant=tenant)
    try:
        with transaction.atomic():
            placed = hold_place(
                account_id=account.pk,
                estimate_micros=max(job.estimate_micros, 1),
                idempotency_key=f"{job_reference(job.pk)}:hold",
                job_reference=job_reference(job.pk),
            )
            Job.objects.filter(pk=job.pk).update(hold=placed.hold)
            job_event_record(
                job=job,
                kind=JobEvent.Kind.HOLD_PLACED,
                message="Held beyond the available balance (policy: warn)."
                if placed.is_over_available
                else "",
                data={"hold_micros": placed.hold.amount_micros},
            )
    except InsufficientFunds as refusal:
        job_finish(job=job, status=Job.Status.REFUSED, error=str(refusal))
        raise JobRefused(job=job, refusal=refusal) from refusal


def job_cancel(*, job: Job) -> Job:
    """Stops a queued or running job: the steps not yet started are skipped; the costing still
    runs and charges only what was used. Raises JobConflict when the job has ended."""
    try:
        return job_finish(job=job, status=Job.Status.CANCELED, error="Canceled by its author.")
    except JobTransitionError as error:
        raise JobConflict(f"This job has ended ({job.status}): there is nothing to cancel.") from error


def job_retry(*, job: Job) -> Job:
    """Runs a failed, canceled or refused job again as a new job with the same parameters (its own
    estimate and hold; what the first one used stays charged to it)."""
    if job.status not in (Job.Status.FAILED, Job.Status.CANCELED, Job.Status.REFUSED):
        raise JobConflict(f"Only a failed, canceled or refused job can be retried; this one is {job.status}.")
    return job_start(tenant=job.tenant, author=job.author, kind=job.kind, params=job.params, retry_of=job)


def job_settle_by_hand(*, job: Job, reason: str) -> Job:
    """An operator's way out for a job whose messages were lost: fails it (unless it has ended)
    and runs its costing and finish steps in this process. Steps already done are not run again."""
    with contextlib.suppress(JobTransitionError):
        job_finish(job=job, status=Job.Status.FAILED, error=reason)
    for step in dag_steps(job_dag(job_definition(job.kind))):
        if step.always:
            outcome = step_run(job_id=job.pk, name=step.name)
            if outcome.retry_in is not None:
                raise JobConflict(f"Step {step.name} met a transient error: run the command again.")
    return Job.objects.select_related("hold").get(pk=job.pk)


# --- steps -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepOutcome:
    """What the task does next: nothing (the step ended, whatever way), or retry after a delay."""

    retry_in: float | None = None


def backoff_seconds(attempt: int, *, asked: float | None = None) -> float:
    """Exponential back-off, capped; a server's Retry-After is honoured when longer."""
    delay = min(settings.JOBS_RETRY_BASE_SECONDS * 2 ** (attempt - 1), settings.JOBS_RETRY_MAX_SECONDS)
    return max(delay, min(asked or 0, settings.JOBS_RETRY_MAX_SECONDS))


def is_transient(error: Exception) -> bool:
    if isinstance(error, (TransientLLMError, SoftTimeLimitExceeded)):
        return True
    if isinstance(error, OperationalError):
        return getattr(getattr(error, "__cause__", None), "sqlstate", None) in TRANSIENT_SQLSTATES
    return False


def step_run(*, job_id: int, name: str) -> StepOutcome:
    """Runs step `name` of the job, however many times its message arrives: a step that has
    ended is not run again; a step found running (its worker died) counts one more attempt and
    runs again with the same usage keys. Past JOBS_MAX_ATTEMPTS deliveries it fails for good."""
    job = Job.objects.select_related("tenant", "hold").get(pk=job_id)
    definition = job_definition(job.kind)
    declared = {step.name: step for step in dag_steps(job_dag(definition))}
    if name not in declared:
        raise ValueError(f"Job {job_id} ({job.kind}) has no step {name!r}.")
    existing = JobStep.objects.filter(job=job, name=name).first()
    if existing is not None and existing.status not in (JobStep.Status.PENDING, JobStep.Status.RUNNING):
        return StepOutcome()  # ended already: a redelivered message does nothing
    if job.status == Job.Status.QUEUED:
        try:
            job = job_mark_running(job=job)
        except JobTransitionError:
            job.refresh_from_db()
    if not declared[name].always and job.status != Job.Status.RUNNING:
        with contextlib.suppress(JobTransitionError):  # another delivery may have ended it
            job_step_finish(
                job=job, name=name, status=JobStep.Status.SKIPPED, error=f"The job is {job.status}."
            )
        return StepOutcome()
    try:
        step = job_step_start(job=job, name=name, settling=declared[name].always)
    except JobTransitionError:  # canceled a moment ago, or another delivery ended the step
        with contextlib.suppress(JobTransitionError):
            job_step_finish(job=job, name=name, status=JobStep.Status.SKIPPED, error="The job has ended.")
        return StepOutcome()
    if step.attempts > settings.JOBS_MAX_ATTEMPTS:
        cap = settings.JOBS_MAX_ATTEMPTS
        _step_fail(job, name, f"Gave up after {cap} {'delivery' if cap == 1 else 'deliveries'} of this step.")
        return StepOutcome()
    _hold_keep(job)
    run = _step_function(definition, name)
    try:
        with transaction.atomic():
            result = run(StepContext(job=job, step=step))
            job_step_finish(job=job, name=name, status=JobStep.Status.SUCCEEDED, result=result)
    except Exception as error:
        if is_transient(error) and step.attempts < settings.JOBS_MAX_ATTEMPTS:
            delay = backoff_seconds(step.attempts, asked=getattr(error, "retry_after", None))
            logger.warning("job %s step %s: transient error, retry in %.1f s: %s", job_id, name, delay, error)
            return StepOutcome(retry_in=delay)
        if not isinstance(error, (PermanentLLMError, TransientLLMError, ValidationError, DomainError)):
            logger.exception("job %s step %s failed", job_id, name)
        _step_fail(job, name, _reason(error))
    return StepOutcome()


def _step_function(definition: JobDefinition, name: str):
    if name in definition.steps:
        return definition.steps[name]
    return cost_chunk if name.startswith("cost.chunk.") else ENGINE_STEPS[name]


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    if isinstance(error, (PermanentLLMError, TransientLLMError, DomainError)):
        return str(error)
    return f"An internal error stopped this step ({type(error).__name__}); operators can see it in the log."


def _step_fail(job: Job, name: str, reason: str) -> None:
    job_step_finish(job=job, name=name, status=JobStep.Status.FAILED, error=reason)
    # The job may have ended already (canceled, or failed by another step of a group).
    with contextlib.suppress(JobTransitionError):
        job_finish(job=job, status=Job.Status.FAILED, error=f"{name}: {reason}")


def _hold_keep(job: Job) -> None:
    """A long job keeps its money set aside: the hold is extended when half its life is gone."""
    hold = job.hold
    if hold is None or hold.status != Hold.Status.ACTIVE:
        return
    if hold.expires_at - timezone.now() < HOLD_LIFETIME / 2 and hold_extend(hold_id=hold.pk) is not None:
        job_event_record(
            job=job,
            kind=JobEvent.Kind.HOLD_EXTENDED,
            data={"expires_at": (timezone.now() + HOLD_LIFETIME).isoformat()},
        )


# --- the engine's own steps: billing.cost_usage and finish ---------------------------------------


def cost_chunk(context: StepContext) -> dict:
    chunk = int(context.step.name.rsplit(".", 1)[1])
    return usage_of_job_chunk(job_reference=context.job_reference, chunk=chunk, chunks=COST_CHUNKS)


def cost_capture(context: StepContext) -> dict:
    """The chord's body: the exact sum of the chunks, captured once; the rest of the hold released."""
    job = context.job
    chunks = [context.result_of(f"cost.chunk.{n}") for n in range(COST_CHUNKS)]
    if any(not chunk for chunk in chunks):
        raise JobConflict("A costing chunk has no result: the usage cannot be summed.")
    actual = sum(chunk["cost_micros"] for chunk in chunks)
    events = sum(chunk["events"] for chunk in chunks)
    if job.hold_id is not None:
        hold = Hold.objects.get(pk=job.hold_id)
        if actual:
            entry = hold_capture(hold_id=hold.pk, actual_micros=actual, memo=f"{job.kind}, job {job.pk}")
            job_event_record(
                job=job,
                kind=JobEvent.Kind.HOLD_CAPTURED,
                message=f"{events} usage event(s)",
                data={"captured_micros": actual, "ledger_entry": entry.pk if entry else None},
            )
        else:
            hold_release(hold_id=hold.pk)
        released = max(hold.amount_micros - actual, 0)
        if released:
            job_event_record(job=job, kind=JobEvent.Kind.HOLD_RELEASED, data={"released_micros": released})
    job_cost_record(job=job, actual_cost_micros=actual)
    return {"cost_micros": actual, "events": events}


def finish(context: StepContext) -> dict:
    job = Job.objects.get(pk=context.job.pk)
    if job_definition(job.kind).free and job.actual_cost_micros is None:
        job_cost_record(job=job, actual_cost_micros=0)
    if job.status == Job.Status.RUNNING:
        job_finish(job=job, status=Job.Status.SUCCEEDED)
    on_finish = job_definition(job.kind).on_finish
    if on_finish is not None:
        on_finish(Job.objects.get(pk=job.pk))
    return {"status": Job.objects.values_list("status", flat=True).get(pk=job.pk)}


ENGINE_STEPS = {CAPTURE: cost_capture, FINISH: finish}
