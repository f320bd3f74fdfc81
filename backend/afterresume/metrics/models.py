"""Metric snapshots: one row per day and workspace, plus the platform's row (no workspace), each
replaced whole when its day is computed again. How they are computed: docs/metrics.md."""

from django.db import models
from django.db.models import Q


class MetricRun(models.Model):
    """One run of `metrics.compute` for one day: who triggered it, how far it got, and which
    workspaces' parts failed (the others are stored)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        HOURLY = "hourly", "Hourly (today so far)"
        DAILY = "daily", "Daily (yesterday, final)"
        BACKFILL = "backfill", "Backfill"

    day = models.DateField()
    is_final = models.BooleanField(default=False, help_text="The day had ended when it was computed.")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    tenants_total = models.PositiveIntegerField(default=0)
    failed_tenants = models.JSONField(
        default=list, blank=True, help_text="[{tenant_id, error}] for the workspaces whose part failed."
    )
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["day", "-started_at"], name="metric_run_day")]

    def __str__(self) -> str:
        return f"metrics {self.day} ({self.trigger}, {self.status})"


class MetricSnapshot(models.Model):
    """A day's figures for one workspace (`tenant`) or for the whole platform (`tenant` empty)."""

    day = models.DateField()
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    figures = models.JSONField(default=dict)
    is_final = models.BooleanField(default=False)
    run = models.ForeignKey(MetricRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["day", "tenant_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "tenant"], condition=Q(tenant__isnull=False), name="metric_one_per_tenant_day"
            ),
            models.UniqueConstraint(
                fields=["day"], condition=Q(tenant__isnull=True), name="metric_one_platform_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {'platform' if self.tenant_id is None else f'tenant {self.tenant_id}'}"
