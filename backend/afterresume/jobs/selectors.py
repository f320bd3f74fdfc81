"""Reads of jobs. Every query starts at the one scoping mechanism: a job is private to the person
who asked for it (docs/tenancy.md), so a teammate's or an outsider's job is simply not found."""

from django.db.models import QuerySet

from afterresume.accounts.models import User
from afterresume.jobs.models import Job, JobEvent
from afterresume.tenants.models import Tenant


def job_list(
    *, tenant: Tenant, user: User, status: str | None = None, kind: str | None = None
) -> QuerySet[Job]:
    """The person's jobs, newest first (index job_mine_newest)."""
    jobs = Job.objects.private_to(tenant=tenant, author=user)
    if status is not None:
        jobs = jobs.filter(status=status)
    if kind is not None:
        jobs = jobs.filter(kind=kind)
    return jobs.order_by("-created_at", "-id")


def job_get(*, tenant: Tenant, user: User, job_id: int) -> Job | None:
    """The job with its steps; None if it is not this person's."""
    return (
        Job.objects.private_to(tenant=tenant, author=user).prefetch_related("steps").filter(pk=job_id).first()
    )


def job_events(*, job: Job) -> QuerySet[JobEvent]:
    """A job's timeline, oldest first. Take `job` from job_get, which scoped it."""
    return JobEvent.objects.filter(job=job).order_by("created_at", "id")


def job_list_for_operators(
    *, status: str | None = None, kind: str | None = None, tenant_id: int | None = None
) -> QuerySet[Job]:
    """Every workspace's jobs, newest first: for operators only (an admin endpoint, platform-wide
    by design, docs/tenancy.md). Never used by a workspace's own endpoints."""
    jobs = Job.objects.select_related("tenant", "author")
    if status is not None:
        jobs = jobs.filter(status=status)
    if kind is not None:
        jobs = jobs.filter(kind=kind)
    if tenant_id is not None:
        jobs = jobs.filter(tenant_id=tenant_id)
    return jobs.order_by("-created_at", "-id")
