import uuid

from django.conf import settings
from django.db import models

from afterresume.tenants.models import TenantOwnedModel, TenantScopedQuerySet


def export_key(instance, filename: str) -> str:
    """Server-generated object key, beside the evidence files."""
    return f"exports/{instance.tenant_id}/{uuid.uuid4().hex}.zip"


class DataExport(TenantOwnedModel):
    """A ZIP of everything a person keeps here (docs/exports.md), written by a `data.export` job and
    downloadable by its author until it expires; then its file is deleted and the row stays, so the
    page can say it expired. One per job: a step run twice replaces its own file."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    job_id = models.BigIntegerField(unique=True, help_text="The data.export job that wrote it.")
    file = models.FileField(upload_to=export_key, max_length=300, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    contents = models.JSONField(default=dict, blank=True, help_text="What it holds: counts by part.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    expired_at = models.DateTimeField(null=True, blank=True, help_text="When its file was deleted.")
    download_count = models.PositiveIntegerField(default=0)
    last_downloaded_at = models.DateTimeField(null=True, blank=True)

    objects = TenantScopedQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "author", "-created_at", "-id"], name="export_mine_newest"),
            models.Index(fields=["expires_at"], name="export_to_expire", condition=models.Q(expired_at=None)),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.author_id}"
