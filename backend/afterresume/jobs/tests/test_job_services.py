"""A job's life: the transitions the engine may make, and the ones it may not."""

import re

import pytest
from django.db import IntegrityError, transaction

from afterresume.jobs.models import Job, JobEvent, JobKind, JobStep
from afterresume.jobs.services import (
    JobTransitionError,
    job_create_queued,
    job_finish,
    job_mark_running,
    job_step_finish,
    job_step_start,
)


def queued_job(user, **fields) -> Job:
    return job_create_queued(
        tenant=user.membership.tenant, author=user, kind=JobKind.WORKLOG_ENHANCE, **fields
    )


def event_kinds(job: Job) -> list[str]:
    return list(JobEvent.objects.filter(job=job).order_by("created_at", "id").values_list("kind", flat=True))


def test_a_new_job_is_queued_with_its_estimate_and_a_queued_event(owner):
    job = queued_job(owner, params={"worklog_id": 7}, estimate_micros=1_250)

    job.refresh_from_db()
    assert (job.status, job.kind, job.params, job.estimate_micros) == (
        "queued",
        "worklog.enhance",
        {"worklog_id": 7},
        1_250,
    )
    assert (job.tenant, job.author, job.started_at, job.finished_at) == (
        owner.membership.tenant,
        owner,
        None,
        None,
    )
    assert event_kinds(job) == ["queued"]


def test_a_job_of_an_unknown_kind_is_refused(owner):
    with pytest.raises(ValueError, match=re.escape("'mine.bitcoin' is not a valid JobKind")):
        job_create_queued(tenant=owner.membership.tenant, author=owner, kind="mine.bitcoin")

    assert Job.objects.count() == 0


def test_a_job_runs_then_succeeds_with_its_actual_cost(owner):
    job = queued_job(owner, estimate_micros=2_000)

    job_mark_running(job=job)
    job_finish(job=job, status=Job.Status.SUCCEEDED, actual_cost_micros=1_500)

    job.refresh_from_db()
    assert (job.status, job.actual_cost_micros, job.error) == ("succeeded", 1_500, "")
    assert job.started_at is not None and job.finished_at >= job.started_at
    assert event_kinds(job) == ["queued", "started", "succeeded"]


def test_a_failed_job_keeps_its_reason(owner):
    job = queued_job(owner)
    job_mark_running(job=job)

    job_finish(job=job, status=Job.Status.FAILED, error="The provider refused the key (401).")

    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "The provider refused the key (401).")
    assert JobEvent.objects.get(job=job, kind="failed").message == "The provider refused the key (401)."


@pytest.mark.parametrize("status", ["canceled", "refused"])
def test_a_queued_job_can_end_without_running(owner, status):
    job = queued_job(owner)

    job_finish(job=job, status=status)

    job.refresh_from_db()
    assert (job.status, job.started_at) == (status, None)
    assert event_kinds(job) == ["queued", status]


@pytest.mark.parametrize("finished", ["succeeded", "failed", "canceled"])
def test_a_finished_job_cannot_go_back_to_running(owner, finished):
    job = queued_job(owner)
    job_mark_running(job=job)
    job_finish(job=job, status=finished)

    with pytest.raises(JobTransitionError, match=f"A job cannot go from {finished} to running."):
        job_mark_running(job=job)

    job.refresh_from_db()
    assert job.status == finished
    assert event_kinds(job) == ["queued", "started", finished]


def test_a_finished_job_cannot_finish_again(owner):
    job = queued_job(owner)
    job_mark_running(job=job)
    job_finish(job=job, status=Job.Status.SUCCEEDED, actual_cost_micros=10)

    with pytest.raises(JobTransitionError, match=re.escape("A job cannot go from succeeded to failed.")):
        job_finish(job=job, status=Job.Status.FAILED, error="late")

    job.refresh_from_db()
    assert (job.status, job.error, job.actual_cost_micros) == ("succeeded", "", 10)


def test_a_queued_job_cannot_succeed_without_running(owner):
    job = queued_job(owner)

    with pytest.raises(JobTransitionError, match=re.escape("A job cannot go from queued to succeeded.")):
        job_finish(job=job, status=Job.Status.SUCCEEDED)

    job.refresh_from_db()
    assert job.status == "queued"


def test_running_is_not_a_way_to_finish(owner):
    job = queued_job(owner)

    with pytest.raises(JobTransitionError, match=re.escape("running is not how a job ends.")):
        job_finish(job=job, status=Job.Status.RUNNING)


def test_a_step_run_twice_is_one_row_with_two_attempts_and_a_retried_event(owner):
    job = queued_job(owner)
    job_mark_running(job=job)

    job_step_start(job=job, name="rewrite")
    job_step_start(job=job, name="rewrite")
    job_step_finish(job=job, name="rewrite", status=JobStep.Status.SUCCEEDED)

    step = JobStep.objects.get(job=job)
    assert (step.name, step.status, step.attempts, step.error) == ("rewrite", "succeeded", 2, "")
    assert event_kinds(job) == ["queued", "started", "step_started", "step_retried", "step_succeeded"]


def test_a_finished_step_cannot_start_again(owner):
    job = queued_job(owner)
    job_mark_running(job=job)
    job_step_start(job=job, name="rewrite")
    job_step_finish(job=job, name="rewrite", status=JobStep.Status.FAILED, error="bad request")

    with pytest.raises(JobTransitionError, match=re.escape("A step cannot go from failed to running.")):
        job_step_start(job=job, name="rewrite")

    step = JobStep.objects.get(job=job)
    assert (step.status, step.attempts, step.error) == ("failed", 1, "bad request")


def test_a_step_cannot_start_unless_its_job_is_running(owner):
    job = queued_job(owner)

    with pytest.raises(JobTransitionError, match=re.escape("A step cannot start while the job is queued.")):
        job_step_start(job=job, name="rewrite")

    assert JobStep.objects.count() == 0


def test_a_step_never_run_can_be_skipped_when_its_job_is_canceled(owner):
    job = queued_job(owner)
    job_mark_running(job=job)

    job_step_finish(job=job, name="skills", status=JobStep.Status.SKIPPED)

    step = JobStep.objects.get(job=job)
    assert (step.status, step.attempts) == ("skipped", 0)


def test_the_database_refuses_an_unknown_status(owner):
    job = queued_job(owner)

    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.filter(pk=job.pk).update(status="paused")


def test_the_database_refuses_two_steps_of_the_same_name_in_a_job(owner):
    job = queued_job(owner)
    JobStep.objects.create(job=job, name="rewrite")

    with pytest.raises(IntegrityError), transaction.atomic():
        JobStep.objects.create(job=job, name="rewrite")
