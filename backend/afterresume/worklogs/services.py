import hashlib
from collections.abc import Callable
from datetime import date as Date
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from afterresume.accounts.models import User
from afterresume.accounts.timezones import today_for
from afterresume.core.exceptions import DomainError
from afterresume.tenants.models import Tenant
from afterresume.worklogs.files import detect_evidence_type
from afterresume.worklogs.models import Evidence, Tag, WorkLog, WorkLogDay, WorkLogRevision

MAX_TAGS = 20


class WorkLogChanged(DomainError):
    """The entry changed after a proposal was made from it."""

    status_code = 409

    def __init__(self):
        super().__init__(
            "This entry was edited after the proposal was made: its text is kept as it is. "
            "Run the enhancement again on the current text."
        )


def _clean_tags(tags) -> list[str]:
    names = sorted({" ".join(str(tag).split()).lower() for tag in tags if str(tag).strip()})
    if len(names) > MAX_TAGS:
        raise ValidationError({"tags": f"At most {MAX_TAGS} tags per entry."})
    too_long = [name for name in names if len(name) > 50]
    if too_long:
        raise ValidationError({"tags": f"A tag can have at most 50 characters: “{too_long[0][:60]}”."})
    return names


def _validate(*, author: User, date: Date, content: str) -> str:
    content = content.strip()
    if not content:
        raise ValidationError({"content": "Describe what you did: the entry cannot be empty."})
    if date > today_for(author) + timedelta(days=1):
        raise ValidationError({"date": "The date is too far in the future: log work that happened."})
    return content


def _set_tags(entry: WorkLog, names: list[str]) -> None:
    existing = {tag.name: tag for tag in Tag.objects.filter(author=entry.author, name__in=names)}
    missing = [
        Tag(tenant=entry.tenant, author=entry.author, name=name) for name in names if name not in existing
    ]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(author=entry.author, name__in=names)}
    entry.tags.set([existing[name] for name in names])


@transaction.atomic
def worklog_create(
    *,
    tenant: Tenant,
    author: User,
    date: Date,
    content: str,
    employer: str = "",
    project: str = "",
    tags=(),
    metadata: dict | None = None,
    source: str = WorkLog.Source.MANUAL,
    import_key: str = "",
    recount: bool = True,
) -> WorkLog:
    """A new entry. `recount=False` leaves the per-day counts to the caller, who recounts every day
    it touched once (an import of thousands of entries)."""
    entry = WorkLog(
        tenant=tenant,
        author=author,
        import_key=import_key,
        date=date,
        content=_validate(author=author, date=date, content=content),
        employer=employer.strip(),
        project=project.strip(),
        metadata=metadata or {},
        source=source,
    )
    names = _clean_tags(tags)
    entry.full_clean(exclude=["search_vector"])
    entry.save()
    _set_tags(entry, names)
    if recount:
        worklog_days_recount(tenant=tenant, author=author, dates=[entry.date])
    return entry


@transaction.atomic
def worklog_update(*, entry: WorkLog, reason: str = "edited", **changes) -> WorkLog:
    """Changes an entry; when its text changes, the old text goes to the entry's history with
    `reason`."""
    tags = changes.pop("tags", None)
    previous_content, previous_date = WorkLog.objects.filter(pk=entry.pk).values_list(
        "content", "date"
    ).first() or (None, None)
    for field, value in changes.items():
        setattr(entry, field, value.strip() if isinstance(value, str) else value)
    entry.content = _validate(author=entry.author, date=entry.date, content=entry.content)
    entry.full_clean(exclude=["search_vector"])
    entry.save()
    if previous_content is not None and previous_content != entry.content:
        WorkLogRevision.objects.create(entry=entry, content=previous_content, reason=reason[:200])
    if tags is not None:
        _set_tags(entry, _clean_tags(tags))
    if previous_date is not None and previous_date != entry.date:
        worklog_days_recount(tenant=entry.tenant, author=entry.author, dates=[previous_date, entry.date])
    return entry


@transaction.atomic
def worklog_revise(
    *, entry: WorkLog, expected_content: str, content: str, add_tags=(), reason: str
) -> WorkLog:
    """Replaces an entry's text with a proposal made from `expected_content` (an accepted
    enhancement), adding `add_tags` while the entry has room for them. Raises WorkLogChanged when the entry's text is no longer the
    one the proposal was made from: a later edit is never overwritten."""
    entry = WorkLog.objects.select_for_update().get(pk=entry.pk)
    if entry.content != expected_content:
        raise WorkLogChanged()
    names = list(entry.tags.values_list("name", flat=True))
    for name in _clean_tags(list(add_tags)[:MAX_TAGS]):  # as many as the entry has room for
        if name not in names and len(names) < MAX_TAGS:
            names.append(name)
    return worklog_update(entry=entry, reason=reason, content=content, tags=names)


# Domains that keep figures about entries (skills' counts) register here from their AppConfig.ready:
# each is called with the entry about to be deleted, in the delete's transaction, and returns what
# to run once it is gone. Worklogs know nothing of them (skills import worklogs, never the reverse).
ENTRY_DELETE_HOOKS: list[Callable[[WorkLog], Callable[[], None]]] = []


def worklog_delete(*, entry: WorkLog) -> None:
    """Deletes the entry, its evidence rows and their stored objects. Objects are removed after
    the rows are gone for good (on commit), so a rolled-back delete never loses a file."""
    files = [item.file.name for item in entry.evidence.all()]
    storage = Evidence._meta.get_field("file").storage
    with transaction.atomic():
        tenant, author, day = entry.tenant, entry.author, entry.date
        afterwards = [hook(entry) for hook in ENTRY_DELETE_HOOKS]
        entry.delete()
        worklog_days_recount(tenant=tenant, author=author, dates=[day])
        for run in afterwards:
            run()
        transaction.on_commit(lambda: [storage.delete(name) for name in files])


@transaction.atomic
def evidence_add(*, entry: WorkLog, author: User, upload) -> Evidence:
    """Store an uploaded file as evidence of `entry`. Raises ValidationError for a file that is
    too big, of a type not allowed (checked by content), or one too many."""
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            {"file": f"The file is larger than {settings.EVIDENCE_MAX_BYTES / 2**20:g} MB."}
        )
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    # Uploads to one entry are counted one at a time: the entry row stays locked until this
    # transaction ends, and the count is read after the lock (never `entry.evidence`, which the
    # caller may have prefetched before a concurrent upload committed).
    if not WorkLog.objects.select_for_update().filter(pk=entry.pk).exists():
        raise ValidationError({"file": "This entry no longer exists."})
    if Evidence.objects.filter(worklog_id=entry.pk).count() >= settings.EVIDENCE_MAX_FILES:
        raise ValidationError({"file": f"An entry can have at most {settings.EVIDENCE_MAX_FILES} files."})
    content_type = detect_evidence_type(upload, name=upload.name)
    if content_type is None:
        raise ValidationError(
            {
                "file": "This type of file is not accepted. Allowed: PDF, PNG, JPEG, GIF, WebP, "
                "plain text, Markdown, CSV, Word, Excel and PowerPoint files."
            }
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = Evidence(
        tenant=entry.tenant,
        worklog=entry,
        author=author,
        original_name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
    )
    # The stored object carries the checked type, never the one the client claimed.
    upload.content_type = content_type
    evidence.file.save("upload", upload, save=False)
    # If the row cannot be written, do not leave the object behind.
    try:
        evidence.full_clean()
        evidence.save()
    except Exception:
        evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence


def evidence_delete(*, evidence: Evidence) -> None:
    name = evidence.file.name
    storage = evidence.file.storage
    with transaction.atomic():
        evidence.delete()
        transaction.on_commit(lambda: storage.delete(name))


def worklog_days_recount(*, tenant: Tenant, author: User, dates) -> None:
    """Counts a person's entries again on each of `dates`, in the caller's transaction. The day's
    row is created if missing, then locked, then counted: two saves of one day serialize on the
    lock, and the second counts the first's entry (READ COMMITTED sees it once it is committed)."""
    for day in sorted(set(dates)):
        WorkLogDay.objects.bulk_create(
            [WorkLogDay(tenant=tenant, author=author, date=day, count=0)], ignore_conflicts=True
        )
        row = WorkLogDay.objects.select_for_update().get(author=author, date=day)
        row.count = WorkLog.objects.filter(tenant=tenant, author=author, date=day).count()
        row.save(update_fields=["count"])
