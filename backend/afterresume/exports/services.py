"""A person's data, all of it, as one ZIP (docs/exports.md): written by the `data.export` job,
downloadable by its author until it expires.

What goes in is read through the one scoping mechanism (`private_to` the author, `for_tenant` for
the workspace's ledger), so a teammate's rows cannot reach it. The ZIP is written to a temporary
file (evidence files are copied from storage in chunks: memory stays small at any size), then
stored."""

import csv
import hashlib
import io
import json
import re
import tempfile
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from afterresume.accounts.models import ApiToken, User
from afterresume.billing.ledger.selectors import reserve_account_get, reserve_ledger_list
from afterresume.billing.money import exact_dollars
from afterresume.exports.models import DataExport
from afterresume.reports.models import Report
from afterresume.skills.models import Skill, SkillEntry
from afterresume.tenants.models import Membership, Tenant
from afterresume.worklogs.models import Evidence, WorkLog, WorkLogRevision

COPY_CHUNK = 1024 * 1024
README = """AfterResume — everything you keep, exported {when} (UTC)

profile.json   who you are here: e-mail, name, time zone, your workspace and role
entries.json   every entry: date, text, employer, project, tags, source, its earlier texts
               (history) and its evidence files (the path of each in this ZIP)
entries.csv    the same entries in the columns the CSV import reads (date, content, employer,
               project, tags): import it into another account to bring them back
evidence/      the evidence files themselves, one folder per entry id
skills.json    your skills and the entries each is linked to
reports.json   your reports: kind, range, title and the document (Markdown)
tokens.json    your API tokens' names, prefixes and dates (never the keys: they are not kept)
ledger.csv     the workspace's reserve ledger (only in an owner's export)
"""


def export_write(*, tenant: Tenant, author: User, job_id: int) -> DataExport:
    """Writes the author's ZIP for job `job_id`; a second run for the same job replaces the
    first's file (the job's step may run again after its worker died)."""
    with tempfile.TemporaryFile() as spool:
        contents = _write_zip(spool, tenant=tenant, author=author)
        spool.seek(0)
        digest = hashlib.sha256()
        for block in iter(lambda: spool.read(COPY_CHUNK), b""):
            digest.update(block)
        size = spool.tell()
        spool.seek(0)
        with transaction.atomic():
            export, _ = DataExport.objects.select_for_update().get_or_create(
                job_id=job_id,
                defaults={
                    "tenant": tenant,
                    "author": author,
                    "expires_at": timezone.now() + timedelta(hours=settings.EXPORT_KEEP_HOURS),
                },
            )
            previous = export.file.name
            export.file.save("export.zip", File(spool), save=False)
            export.size = size
            export.sha256 = digest.hexdigest()
            export.contents = contents
            export.expires_at = timezone.now() + timedelta(hours=settings.EXPORT_KEEP_HOURS)
            export.save()
            if previous:
                storage = export.file.storage
                transaction.on_commit(lambda: storage.delete(previous))
    return export


def export_downloaded(*, export: DataExport) -> None:
    DataExport.objects.filter(pk=export.pk).update(
        download_count=F("download_count") + 1, last_downloaded_at=timezone.now()
    )


def exports_expire(*, now=None) -> int:
    """Deletes the files of exports past their expiry (beat, hourly); the rows stay, marked."""
    now = now or timezone.now()
    expired = 0
    for export in DataExport.objects.filter(expired_at=None, expires_at__lte=now).order_by("id")[:500]:
        name = export.file.name
        DataExport.objects.filter(pk=export.pk, expired_at=None).update(expired_at=now, file="")
        if name:
            export.file.storage.delete(name)
        expired += 1
    return expired


# --- the ZIP's parts ------------------------------------------------------------------------------


def _write_zip(spool, *, tenant: Tenant, author: User) -> dict:
    membership = Membership.objects.filter(user=author, tenant=tenant).first()
    is_owner = membership is not None and membership.role == Membership.Role.OWNER
    entries = list(
        WorkLog.objects.private_to(tenant=tenant, author=author)
        .prefetch_related("tags")
        .order_by("date", "id")
    )
    evidence = list(Evidence.objects.private_to(tenant=tenant, author=author).order_by("worklog_id", "id"))
    history: dict[int, list[dict]] = {}
    for revision in WorkLogRevision.objects.filter(entry__in=[entry.pk for entry in entries]).order_by(
        "entry_id", "replaced_at", "id"
    ):
        history.setdefault(revision.entry_id, []).append(
            {
                "content": revision.content,
                "reason": revision.reason,
                "replaced_at": _iso(revision.replaced_at),
            }
        )
    files: dict[int, list[dict]] = {}
    for item in evidence:
        files.setdefault(item.worklog_id, []).append(
            {
                "name": item.original_name,
                "content_type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
                "added_at": _iso(item.created_at),
                "path": _evidence_path(item),
            }
        )
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(when=timezone.now().strftime("%Y-%m-%d %H:%M")))
        _json(archive, "profile.json", _profile(author, tenant, membership))
        _json(archive, "entries.json", [_entry(entry, history, files) for entry in entries])
        archive.writestr("entries.csv", _entries_csv(entries))
        for item in evidence:
            with (
                item.file.open("rb") as source,
                archive.open(_evidence_path(item), "w", force_zip64=True) as target,
            ):
                for block in iter(lambda: source.read(COPY_CHUNK), b""):
                    target.write(block)
        skills = _skills(tenant, author)
        _json(archive, "skills.json", skills)
        reports = _reports(tenant, author)
        _json(archive, "reports.json", reports)
        tokens = _tokens(author)
        _json(archive, "tokens.json", tokens)
        ledger_rows = 0
        if is_owner:
            ledger, ledger_rows = _ledger_csv(tenant)
            archive.writestr("ledger.csv", ledger)
    return {
        "entries": len(entries),
        "evidence_files": len(evidence),
        "skills": len(skills),
        "reports": len(reports),
        "tokens": len(tokens),
        "ledger_rows": ledger_rows if is_owner else None,
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _json(archive: zipfile.ZipFile, name: str, value) -> None:
    archive.writestr(name, json.dumps(value, indent=2, ensure_ascii=False))


def _evidence_path(item: Evidence) -> str:
    """`evidence/<entry id>/<evidence id>-<name>`: the id keeps two files of one name apart, and the
    name loses anything a file system could take for a path."""
    safe = re.sub(r"[^\w.\- ]+", "_", item.original_name).strip(" .") or "file"
    return f"evidence/{item.worklog_id}/{item.pk}-{safe[:120]}"


def _profile(author: User, tenant: Tenant, membership) -> dict:
    return {
        "email": author.email,
        "display_name": author.display_name,
        "time_zone": author.time_zone,
        "joined_at": _iso(author.date_joined),
        "workspace": {"name": tenant.name, "role": membership.role if membership else None},
    }


def _entry(entry: WorkLog, history: dict, files: dict) -> dict:
    return {
        "id": entry.pk,
        "date": entry.date.isoformat(),
        "content": entry.content,
        "employer": entry.employer,
        "project": entry.project,
        "tags": sorted(tag.name for tag in entry.tags.all()),
        "source": entry.source,
        "metadata": entry.metadata,
        "created_at": _iso(entry.created_at),
        "updated_at": _iso(entry.updated_at),
        "history": history.get(entry.pk, []),
        "evidence": files.get(entry.pk, []),
    }


def _entries_csv(entries: list[WorkLog]) -> str:
    """The CSV import's own columns (worklogs/imports/csv_format.py), so the file imports back."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "content", "employer", "project", "tags"])
    for entry in entries:
        tags = ", ".join(sorted(tag.name for tag in entry.tags.all()))
        writer.writerow([entry.date.isoformat(), entry.content, entry.employer, entry.project, tags])
    return out.getvalue()


def _skills(tenant: Tenant, author: User) -> list[dict]:
    links: dict[int, list[int]] = {}
    for skill_id, entry_id in SkillEntry.objects.filter(
        skill__author=author, skill__tenant=tenant
    ).values_list("skill_id", "entry_id"):
        links.setdefault(skill_id, []).append(entry_id)
    return [
        {"name": skill.name, "hidden": skill.is_hidden, "entries": sorted(links.get(skill.pk, []))}
        for skill in Skill.objects.private_to(tenant=tenant, author=author).order_by("name", "id")
    ]


def _reports(tenant: Tenant, author: User) -> list[dict]:
    return [
        {
            "kind": report.kind,
            "status": report.status,
            "date_from": report.date_from.isoformat(),
            "date_to": report.date_to.isoformat(),
            "filters": report.filters,
            "title": report.title,
            "markdown": report.markdown,
            "created_at": _iso(report.created_at),
        }
        for report in Report.objects.private_to(tenant=tenant, author=author).order_by("created_at", "id")
    ]


def _tokens(author: User) -> list[dict]:
    return [
        {
            "name": token.name,
            "prefix": token.prefix,
            "created_at": _iso(token.created_at),
            "last_used_at": _iso(token.last_used_at),
            "expires_at": _iso(token.expires_at),
            "revoked_at": _iso(token.revoked_at),
        }
        for token in ApiToken.objects.filter(user=author).order_by("created_at", "id")
    ]


def _ledger_csv(tenant: Tenant) -> tuple[str, int]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "created_at", "kind", "amount_dollars", "balance_after_dollars", "memo"])
    rows = 0
    entries = reserve_ledger_list(account=reserve_account_get(tenant=tenant)).order_by("id")
    for entry in entries.iterator(chunk_size=2000):
        writer.writerow(
            [
                entry.pk,
                _iso(entry.created_at),
                entry.kind,
                exact_dollars(entry.amount_micros),
                exact_dollars(entry.balance_after_micros),
                entry.memo,
            ]
        )
        rows += 1
    return out.getvalue(), rows
