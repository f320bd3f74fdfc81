"""Jobs: one piece of background work a person asked for (docs/architecture.md), its steps (one
per node of its DAG) and its timeline of events. A job is private to the person who asked for it
(docs/tenancy.md): `author` is that person, so that the one scoping mechanism,
`TenantScopedQuerySet.private_to`, applies to jobs as it does to worklogs."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from afterresume.billing.models import Hold
from afterresume.tenants.models import TenantOwnedModel, TenantScopedQuerySet


class JobKind(models.TextChoices):
    WORKLOG_ENHANCE = "worklog.enhance", "Enhance a worklog entry"
    SKILLS_EXTRACT = "skills.extract", "Extract skills"
    REPORT_GENERATE = "report.generate", "Generate a report"
    METRICS_COMPUTE = "metrics.compute", "Compute metrics"
    WORKLOG_IMPORT = "worklog.import", "Import entries"
    DATA_EXPORT = "data.export", "Export all my data"


# The choices live at module level so that the models' Meta can name them in CHECK constraints.
class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"
    # The pre-flight hold was refused: not enough money in the reserve. The job never ran.
    REFUSED = "refused", "Refused (funds)"


class JobStepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class JobEventKind(models.TextChoices):
    QUEUED = "queued", "Queued"
    STARTED = "started", "Started"
    STEP_STARTED = "step_started", "Step started"
    STEP_SUCCEEDED = "step_succeeded", "Step succeeded"
    STEP_RETRIED = "step_retried", "Step retried"
    STEP_FAILED = "step_failed", "Step failed"
    STEP_SKIPPED = "step_skipped", "Step skipped"
    HOLD_PLACED = "hold_placed", "Hold placed"
    HOLD_EXTENDED = "hold_extended", "Hold extended"
    HOLD_CAPTURED = "hold_captured", "Hold captured"
    HOLD_RELEASED = "hold_released", "Hold released"
    CANCELED = "canceled", "Canceled"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    REFUSED = "refused", "Refused"


class Job(TenantOwnedModel):
    Status = JobStatus
    FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.REFUSED)

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text="Who asked for it."
    )
    kind = models.CharField(max_length=40, choices=JobKind.choices)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    estimate_micros = models.BigIntegerField(default=0)
    actual_cost_micros = models.BigIntegerField(null=True, blank=True)
    # A foreign key, not a copied key: the job page shows the hold's state with a join, and a hold
    # cannot be deleted from under a job that points at it.
    hold = models.ForeignKey(Hold, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    error = models.TextField(blank=True)
    # What the job produced for its author to see (e.g. an enhancement's proposal and the decision).
    result = models.JSONField(default=dict, blank=True)
    retry_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The failed or canceled job this one runs again.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TenantScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=JobKind.values), name="job_kind_known"),
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="job_status_known"),
            models.CheckConstraint(condition=Q(estimate_micros__gte=0), name="job_estimate_not_negative"),
            models.CheckConstraint(
                condition=Q(actual_cost_micros__isnull=True) | Q(actual_cost_micros__gte=0),
                name="job_actual_cost_not_negative",
            ),
        ]
        indexes = [
            # "My jobs", newest first (the jobs page and GET /api/jobs/).
            models.Index(fields=["tenant", "author", "-created_at", "-id"], name="job_mine_newest"),
            # A workspace's running jobs (the status bar, the engine's checks): a partial index.
            models.Index(fields=["tenant"], name="job_tenant_running", condition=Q(status="running")),
            # Operators' list of every workspace's jobs, newest first (Admin → Jobs, unfiltered).
            models.Index(fields=["-created_at", "-id"], name="job_all_newest"),
            # The system page's recent failed jobs: a partial index, failures are few.
            models.Index(
                fields=["-finished_at", "-id"], name="job_failed_newest", condition=Q(status="failed")
            ),
        ]

    def __str__(self) -> str:
        return f"job {self.pk} {self.kind} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class JobStep(models.Model):
    """One node of a job's DAG. Its name is unique within the job, so that a step run twice
    updates the same row."""

    Status = JobStepStatus

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=JobStepStatus.choices, default=JobStepStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # What the step produced, read by the steps after it: stored in the transaction that ends it.
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "name"], name="job_step_unique_name"),
            models.CheckConstraint(
                condition=Q(status__in=JobStepStatus.values), name="job_step_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class JobEvent(models.Model):
    """A line of a job's timeline. Only added (job_event_record), never changed."""

    Kind = JobEventKind

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=JobEventKind.choices)
    message = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=JobEventKind.values), name="job_event_kind_known")
        ]
        indexes = [models.Index(fields=["job", "created_at", "id"], name="job_event_timeline")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"
