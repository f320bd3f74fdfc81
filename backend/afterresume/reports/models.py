"""Reports (docs/reports.md): a document made from a person's entries over a date range, where
every bullet cites the entries it stands on. Private to their author (docs/tenancy.md)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from afterresume.tenants.models import TenantOwnedModel, TenantScopedQuerySet


class ReportKind(models.TextChoices):
    BRAG = "brag", "Brag document"
    SELF_ASSESSMENT = "self_assessment", "Self-assessment"
    RESUME_BULLETS = "resume_bullets", "Resume bullets"
    WEEKLY_STATUS = "weekly_status", "Weekly status"


class ReportStatus(models.TextChoices):
    PENDING = "pending", "Being written"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class Report(TenantOwnedModel):
    Kind = ReportKind
    Status = ReportStatus

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    date_from = models.DateField()
    date_to = models.DateField()
    # The timeline's filters the entries were chosen by (employer, project, tag), as given.
    filters = models.JSONField(default=dict, blank=True)
    title = models.CharField(max_length=200, blank=True)
    # The composed document and, per bullet, the entries it cites.
    markdown = models.TextField(blank=True)
    citations = models.JSONField(default=list, blank=True)
    # The same document as headings and bullets (text, date, entry link): what the DOCX is made of.
    outline = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    # The job writing it (set when the job is started; its page shows the progress).
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TenantScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ReportKind.values), name="report_kind_known"),
            models.CheckConstraint(
                condition=Q(date_from__lte=models.F("date_to")), name="report_range_ordered"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "author", "-created_at", "-id"], name="report_mine_newest")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date_from} to {self.date_to}"


def artifact_key(instance, filename: str) -> str:
    """Server-generated object key, beside the evidence files."""
    return f"reports/{instance.report.tenant_id}/{uuid.uuid4().hex}"


class ReportArtifact(models.Model):
    class Format(models.TextChoices):
        MARKDOWN = "md", "Markdown"
        HTML = "html", "HTML"
        DOCX = "docx", "Word (DOCX)"
        PDF = "pdf", "PDF"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="artifacts")
    format = models.CharField(max_length=5, choices=Format.choices)
    file = models.FileField(upload_to=artifact_key, max_length=300)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "format"], name="report_artifact_one_per_format")
        ]

    def __str__(self) -> str:
        return f"{self.report_id}.{self.format}"


class ShareLink(models.Model):
    """A read-only link to a report for anyone who holds it (docs/reports.md). Only the token's
    SHA-256 is kept; the token itself is shown once, when the link is made."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until revoked.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"share of report {self.report_id}"
