"""Reads of reports, from the one scoping mechanism: private to their author (docs/tenancy.md)."""

from django.db.models import QuerySet

from afterresume.accounts.models import User
from afterresume.reports.models import Report, ReportArtifact, ShareLink
from afterresume.tenants.models import Tenant
from afterresume.worklogs.models import WorkLog
from afterresume.worklogs.selectors import worklog_list


def report_list(*, tenant: Tenant, author: User) -> QuerySet[Report]:
    return Report.objects.private_to(tenant=tenant, author=author).order_by("-created_at", "-id")


def report_get(*, tenant: Tenant, author: User, report_id: int) -> Report | None:
    return (
        report_list(tenant=tenant, author=author).prefetch_related("artifacts").filter(pk=report_id).first()
    )


def report_artifact_get(*, report: Report, artifact_id: int) -> ReportArtifact | None:
    """One of the report's files. Take `report` from report_get, which scoped it."""
    return ReportArtifact.objects.filter(report=report, pk=artifact_id).first()


def report_entries(*, report: Report) -> QuerySet[WorkLog]:
    """The entries the report is made from: its author's, in its range, by its filters (the
    timeline's own filtering), oldest first."""
    return worklog_list(
        tenant=report.tenant,
        author=report.author,
        date_from=report.date_from,
        date_to=report.date_to,
        **report.filters,
    ).order_by("date", "id")


def share_links(*, report: Report) -> QuerySet[ShareLink]:
    """The report's links, newest first. Take `report` from report_get, which scoped it."""
    return ShareLink.objects.filter(report=report).order_by("-created_at", "-id")


def share_link_get(*, report: Report, link_id: int) -> ShareLink | None:
    return ShareLink.objects.filter(report=report, pk=link_id).first()
