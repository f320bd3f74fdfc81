"""Writes of reports: created pending, composed and stored by the report.generate job
(docs/reports.md), or failed with the reason."""

import hashlib
import secrets
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from afterresume.accounts.models import User
from afterresume.reports.compose import to_docx, to_html, to_pdf
from afterresume.reports.models import Report, ReportArtifact, ShareLink
from afterresume.tenants.models import Tenant

FILTERS = ("employer", "project", "tag")
MAX_DAYS = 3 * 366


def report_create(
    *, tenant: Tenant, author: User, kind: str, date_from: date, date_to: date, filters: dict | None = None
) -> Report:
    if date_from > date_to:
        raise ValidationError({"date_to": "The range ends before it starts."})
    if (date_to - date_from).days > MAX_DAYS:
        raise ValidationError({"date_to": "A report covers at most three years."})
    filters = {
        name: str(value).strip()
        for name, value in (filters or {}).items()
        if name in FILTERS and str(value).strip()
    }
    report = Report(
        tenant=tenant, author=author, kind=kind, date_from=date_from, date_to=date_to, filters=filters
    )
    report.title = f"{Report.Kind(kind).label}: {date_from.isoformat()} to {date_to.isoformat()}"
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def report_compose(
    *, report: Report, text: str, citations: list[dict], outline: list[dict] | None = None
) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    report.markdown, report.citations, report.outline = text, citations, outline or []
    report.save(update_fields=["markdown", "citations", "outline"])
    return report


def _artifact_put(report: Report, fmt: str, content: bytes) -> ReportArtifact:
    old = ReportArtifact.objects.filter(report=report, format=fmt).first()
    artifact = ReportArtifact(
        report=report, format=fmt, size=len(content), sha256=hashlib.sha256(content).hexdigest()
    )
    artifact.file.save(f"report.{fmt}", ContentFile(content), save=False)
    if old is not None:  # a step run again replaces its file; the old object goes once committed
        storage, name = old.file.storage, old.file.name
        old.delete()
        transaction.on_commit(lambda: storage.delete(name))
    artifact.save()
    return artifact


@transaction.atomic
def report_store(*, report: Report) -> Report:
    """The Markdown, its HTML, the PDF and the DOCX stored as the report's files (the same storage as
    evidence); the report is ready."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    _artifact_put(report, ReportArtifact.Format.MARKDOWN, report.markdown.encode())
    document = to_html(title=report.title, text=report.markdown)
    _artifact_put(report, ReportArtifact.Format.HTML, document.encode())
    _artifact_put(report, ReportArtifact.Format.PDF, to_pdf(document))
    _artifact_put(report, ReportArtifact.Format.DOCX, to_docx(title=report.title, outline=report.outline))
    report.status, report.finished_at = Report.Status.READY, timezone.now()
    report.save(update_fields=["status", "finished_at"])
    return report


def report_fail(*, report_id: int, error: str) -> None:
    Report.objects.filter(pk=report_id).exclude(status=Report.Status.READY).update(
        status=Report.Status.FAILED, error=error[:1000], finished_at=timezone.now()
    )


def share_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share_link_create(*, report: Report, expires_at=None) -> tuple[ShareLink, str]:
    """A new link to a ready report; the token is returned once (only its hash is kept)."""
    if report.status != Report.Status.READY:
        raise ValidationError({"report": "Only a finished report can be shared."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    token = secrets.token_urlsafe(32)
    link = ShareLink.objects.create(report=report, token_hash=share_token_hash(token), expires_at=expires_at)
    return link, token


def share_link_revoke(*, link: ShareLink) -> ShareLink:
    """Revoked at once: the next request with its token is a 404."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def share_link_open(*, token: str) -> Report | None:
    """The report behind a live token (counted as opened), or None: unknown, revoked, expired."""
    now = timezone.now()
    live = ShareLink.objects.filter(token_hash=share_token_hash(token), revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    link = live.select_related("report").first()
    if link is None:
        return None
    ShareLink.objects.filter(pk=link.pk).update(last_opened_at=now, open_count=F("open_count") + 1)
    return link.report
