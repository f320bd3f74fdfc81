from datetime import date as Date
from datetime import timedelta

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import QuerySet, Sum

from afterresume.accounts.models import User
from afterresume.accounts.timezones import today_for
from afterresume.tenants.models import Tenant
from afterresume.worklogs.models import Evidence, ImportFile, WorkLog, WorkLogDay, WorkLogRevision
from afterresume.worklogs.search import websearch_filter

ORDERINGS = {
    "date": ("date", "id"),
    "-date": ("-date", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}


def worklog_list(
    *,
    tenant: Tenant,
    author: User,
    search: str = "",
    date_from: Date | None = None,
    date_to: Date | None = None,
    employer: str = "",
    project: str = "",
    tag: str = "",
    source: str = "",
    ordering: str = "-date",
) -> QuerySet[WorkLog]:
    """A person's entries (private to them), filtered. Search takes the web-search syntax
    everywhere: full text on PostgreSQL, case-insensitive containment elsewhere (search.py)."""
    entries = WorkLog.objects.private_to(tenant=tenant, author=author)
    if date_from:
        entries = entries.filter(date__gte=date_from)
    if date_to:
        entries = entries.filter(date__lte=date_to)
    if employer:
        entries = entries.filter(employer__iexact=employer)
    if project:
        entries = entries.filter(project__iexact=project)
    if source:
        entries = entries.filter(source=source)
    if tag:
        entries = entries.filter(tags__name=tag.strip().lower())
    if search.strip():
        if connection.vendor == "postgresql":
            entries = entries.filter(
                search_vector=SearchQuery(search, config="english", search_type="websearch")
            )
        else:
            entries = entries.filter(websearch_filter(search, fields=("content", "employer", "project")))
    return entries.order_by(*ORDERINGS.get(ordering, ORDERINGS["-date"])).prefetch_related("tags")


def worklog_get(*, tenant: Tenant, author: User, worklog_id: int) -> WorkLog | None:
    return (
        WorkLog.objects.private_to(tenant=tenant, author=author)
        .prefetch_related("tags", "evidence")
        .filter(pk=worklog_id)
        .first()
    )


def evidence_get(*, tenant: Tenant, author: User, worklog_id: int, evidence_id: int) -> Evidence | None:
    return (
        Evidence.objects.private_to(tenant=tenant, author=author)
        .filter(pk=evidence_id, worklog_id=worklog_id)
        .select_related("worklog")
        .first()
    )


def worklog_suggestions(*, tenant: Tenant, author: User, recent: int = 300, limit: int = 10) -> dict:
    """Distinct employers, projects and tags of the person's most recent entries, most recent
    first, and their today — what the quick-add form offers and starts from. Reads only the newest
    `recent` entries (index walk)."""
    rows = list(
        WorkLog.objects.private_to(tenant=tenant, author=author)
        .order_by("-date", "-id")
        .values_list("id", "employer", "project")[:recent]
    )
    employers, projects = (
        _distinct([row[1] for row in rows], limit),
        _distinct([row[2] for row in rows], limit),
    )
    ids = [row[0] for row in rows]
    tag_rows = (
        WorkLog.tags.through.objects.filter(worklog_id__in=ids)
        .order_by("-worklog__date", "-worklog_id")
        .values_list("tag__name", flat=True)
    )
    last = rows[0] if rows else None
    return {
        "employers": employers,
        "projects": projects,
        "tags": _distinct(list(tag_rows), limit * 2),
        "last_employer": last[1] if last else "",
        "last_project": last[2] if last else "",
        "today": today_for(author).isoformat(),
    }


def _distinct(values: list[str], limit: int) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
            if len(seen) == limit:
                break
    return list(seen)


def worklog_stats(*, tenant: Tenant, author: User) -> dict:
    """Dashboard counters in the person's time zone: entries this week (Monday first), the
    current streak of consecutive days with an entry (today or, if none yet today, yesterday
    counts as its end) and the total. Read from the per-day counts the services keep
    (`WorkLogDay`): days, never every entry."""
    today = today_for(author)
    days = WorkLogDay.objects.for_tenant(tenant).filter(author=author, count__gt=0)
    week_start = today - timedelta(days=today.weekday())
    this_week = days.filter(date__gte=week_start, date__lte=today).aggregate(n=Sum("count"))["n"] or 0
    recent_days = set(
        days.filter(date__lte=today, date__gt=today - timedelta(days=366)).values_list("date", flat=True)
    )
    day = today if today in recent_days else today - timedelta(days=1)
    streak = 0
    while day in recent_days:
        streak += 1
        day -= timedelta(days=1)
    return {
        "today": today.isoformat(),
        "this_week": this_week,
        "streak_days": streak,
        "total": days.aggregate(n=Sum("count"))["n"] or 0,
    }


def worklog_history(*, entry: WorkLog, limit: int) -> list[WorkLogRevision]:
    """The entry's earlier texts, newest first. Take `entry` from worklog_get, which scoped it."""
    return list(WorkLogRevision.objects.filter(entry=entry).order_by("-replaced_at", "-id")[:limit])


def import_file_get(*, tenant: Tenant, author: User, import_file_id: int) -> ImportFile | None:
    """A file the person sent to be imported and is not written yet (private to its author)."""
    return ImportFile.objects.private_to(tenant=tenant, author=author).filter(pk=import_file_id).first()


def import_files_stale(*, before) -> QuerySet[ImportFile]:
    """Kept import files older than `before` (their job failed or was canceled and was not retried)."""
    return ImportFile.objects.filter(created_at__lt=before)
