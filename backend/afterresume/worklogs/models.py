import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from afterresume.tenants.models import TenantOwnedModel, TenantScopedQuerySet


class Tag(TenantOwnedModel):
    """A person's tag. A table (not a JSON list) so that filtering works the same on SQLite and
    PostgreSQL (docs/decisions.md)."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=50)

    objects = TenantScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["author", "name"], name="tag_unique_per_author")]

    def __str__(self) -> str:
        return self.name


class WorkLog(TenantOwnedModel):
    """One piece of work, private to its author (docs/tenancy.md)."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        API = "api", "API"
        IMPORT = "import", "Import"

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    content = models.TextField(max_length=10_000)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    employer = models.CharField(max_length=200, blank=True)
    project = models.CharField(max_length=200, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="worklogs")
    metadata = models.JSONField(default=dict, blank=True)
    # An imported entry's stable key for its source row (worklogs/imports): importing the same row
    # again finds it and adds nothing. Empty for entries not imported.
    import_key = models.CharField(max_length=120, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Maintained by a database trigger on PostgreSQL (migration 0002); unused (NULL) on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = TenantScopedQuerySet.as_manager()

    class Meta:
        indexes = [
            # The timeline: one person's entries, newest first.
            models.Index(fields=["tenant", "author", "-date", "-id"], name="worklog_timeline"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "import_key"],
                condition=~models.Q(import_key=""),
                name="worklog_import_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.content[:40]}"


class WorkLogDay(TenantOwnedModel):
    """How many entries a person has on a day: kept by the worklog services in the transaction that
    adds, moves or deletes an entry, so that the dashboard's figures (this week, the streak, the
    total) read days, never every entry (docs/tenancy.md: private to the author like the entries)."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["author", "date"], name="worklog_day_one_per_author")]

    def __str__(self) -> str:
        return f"{self.author_id} {self.date}: {self.count}"


class WorkLogRevision(models.Model):
    """A text an entry had before it was changed (an edit, or an accepted enhancement): nothing is
    ever overwritten silently. Deleted with its entry."""

    entry = models.ForeignKey(WorkLog, on_delete=models.CASCADE, related_name="revisions")
    content = models.TextField(max_length=10_000, help_text="The text before the change.")
    reason = models.CharField(max_length=200, help_text="What replaced it: an edit, or which job.")
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["entry", "-replaced_at", "-id"], name="worklog_revision_newest")]

    def __str__(self) -> str:
        return f"{self.entry_id} before {self.replaced_at:%Y-%m-%d}: {self.content[:40]}"


def evidence_key(instance, filename: str) -> str:
    """Server-generated object key: never the uploader's file name."""
    return f"evidence/{instance.tenant_id}/{uuid.uuid4().hex}"


class Evidence(TenantOwnedModel):
    worklog = models.ForeignKey(WorkLog, on_delete=models.CASCADE, related_name="evidence")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=evidence_key, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


def import_file_key(instance, filename: str) -> str:
    """Server-generated object key for an uploaded import, beside the evidence files."""
    return f"imports/{instance.tenant_id}/{uuid.uuid4().hex}"


class ImportFile(TenantOwnedModel):
    """A file sent to be imported (worklogs/importing.py), kept until its import job has written
    its entries: the job reads it from storage, so the request that sent it only checks and queues.
    Private to its author like the entries it becomes."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=import_file_key, max_length=300)
    original_name = models.CharField(max_length=255, blank=True)
    format = models.CharField(max_length=20)
    git_author_email = models.CharField(max_length=254, blank=True)
    git_group = models.CharField(max_length=10, default="day")
    size = models.PositiveBigIntegerField()
    entries = models.PositiveIntegerField(help_text="Entries the file held when it was checked.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.original_name or 'import'} ({self.format})"
