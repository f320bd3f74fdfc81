"""Skills (docs/skills.md): what a person's entries show they can do, each linked to the entries
that show it. Private to their author, like the entries themselves (docs/tenancy.md)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from afterresume.tenants.models import TenantOwnedModel, TenantScopedQuerySet
from afterresume.worklogs.models import WorkLog


class Skill(TenantOwnedModel):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    # The name compared: lower case, spaces collapsed (one skill per name and person).
    key = models.CharField(max_length=100)
    is_hidden = models.BooleanField(default=False, help_text="Left out of the skills list and reports.")
    entry_count = models.PositiveIntegerField(
        default=0, help_text="Entries that show it: kept by the skills services (skill_counts_refresh)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["author", "key"], name="skill_unique_per_author")]

    def __str__(self) -> str:
        return self.name


class SkillAlias(models.Model):
    """Another name that means a skill (a rename's old name, a merged skill's): an extraction
    finding it links to this skill. Unique per person, like names."""

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="aliases")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["author", "key"], name="skill_alias_unique_per_author")
        ]

    def __str__(self) -> str:
        return self.key


class SkillEntry(models.Model):
    """One entry that shows a skill. `source` says who linked it: an extraction (replaced when the
    entry is extracted again) or its author by hand (kept)."""

    class Source(models.TextChoices):
        EXTRACTED = "extracted", "Extracted"
        MANUAL = "manual", "Added by hand"

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="links")
    entry = models.ForeignKey(WorkLog, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["skill", "entry"], name="skill_entry_unique"),
            models.CheckConstraint(
                condition=Q(source__in=["extracted", "manual"]), name="skill_entry_source_known"
            ),
        ]
        indexes = [models.Index(fields=["entry"], name="skill_entry_by_entry")]

    def __str__(self) -> str:
        return f"{self.skill_id} shown by {self.entry_id} ({self.source})"


class SkillExtraction(TenantOwnedModel):
    """How far a person's entries have been extracted: entries changed after `through` are the
    next run's."""

    author = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    through = models.DateTimeField()

    objects = TenantScopedQuerySet.as_manager()
