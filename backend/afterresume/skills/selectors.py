"""Reads of skills. Every query starts at the one scoping mechanism: skills are private to their
author (docs/tenancy.md). Counts and first/last seen are computed from the links when read, so
they are right whatever happened to the entries since (an edit, a deletion)."""

from datetime import datetime

from django.db.models import Count, OuterRef, QuerySet, Subquery

from afterresume.accounts.models import User
from afterresume.skills.models import Skill, SkillEntry, SkillExtraction
from afterresume.tenants.models import Tenant
from afterresume.worklogs.models import WorkLog

ORDERINGS = {
    "name": ("key", "id"),
    "-count": ("-entry_count", "key", "id"),
    "-last_seen": ("-last_seen", "key", "id"),
    "first_seen": ("first_seen", "key", "id"),
}


def skill_list(
    *, tenant: Tenant, author: User, include_hidden: bool = False, ordering: str = "-count"
) -> QuerySet[Skill]:
    skills = Skill.objects.private_to(tenant=tenant, author=author)
    if not include_hidden:
        skills = skills.filter(is_hidden=False)
    # The count is kept on the row (skill_counts_refresh); first and last seen are read for the
    # rows a page returns only, each from the skill's links (no aggregate over every link).
    dates = SkillEntry.objects.filter(skill=OuterRef("pk")).values("entry__date")
    return skills.annotate(
        first_seen=Subquery(dates.order_by("entry__date")[:1]),
        last_seen=Subquery(dates.order_by("-entry__date")[:1]),
    ).order_by(*ORDERINGS[ordering])


def skill_get(*, tenant: Tenant, author: User, skill_id: int) -> Skill | None:
    return skill_list(tenant=tenant, author=author, include_hidden=True).filter(pk=skill_id).first()


def skill_entries(*, skill: Skill) -> QuerySet[WorkLog]:
    """The entries that show the skill, newest first, with how each was linked and its evidence
    count. Take `skill` from skill_get, which scoped it."""
    links = SkillEntry.objects.filter(skill=skill)
    return (
        WorkLog.objects.filter(pk__in=links.values("entry_id"), author=skill.author, tenant=skill.tenant)
        .annotate(evidence_count=Count("evidence"))
        .order_by("-date", "-id")
    )


def skill_link_sources(*, skill: Skill) -> dict[int, str]:
    return dict(SkillEntry.objects.filter(skill=skill).values_list("entry_id", "source"))


def extraction_through(*, author: User) -> datetime | None:
    return SkillExtraction.objects.filter(author=author).values_list("through", flat=True).first()


def entries_to_extract(
    *, tenant: Tenant, author: User, since: datetime | None, through: datetime
) -> QuerySet[WorkLog]:
    """The person's entries changed after `since` (all when None) and up to `through`, oldest id
    first: one extraction's selection."""
    entries = WorkLog.objects.private_to(tenant=tenant, author=author).filter(updated_at__lte=through)
    if since is not None:
        entries = entries.filter(updated_at__gt=since)
    return entries.order_by("id")
