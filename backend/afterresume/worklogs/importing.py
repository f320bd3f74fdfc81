"""Importing a person's history: a file read by the parsers (worklogs/imports: CSV, Markdown, jrnl,
a git log), previewed, then written all at once or not at all. Each row's stable key is kept on its
entry (`WorkLog.import_key`), so importing the same file again adds nothing."""

from dataclasses import asdict

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from afterresume.accounts.models import User
from afterresume.accounts.timezones import today_for
from afterresume.core.exceptions import DomainError
from afterresume.tenants.models import Tenant
from afterresume.worklogs.imports import ParseResult, parse
from afterresume.worklogs.models import ImportFile, WorkLog
from afterresume.worklogs.services import worklog_create, worklog_days_recount

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5_000
PREVIEW_ROWS = 10
ERRORS_SHOWN = 100


class ImportRefused(DomainError):
    """The file has rows that cannot be imported: nothing is written, and each row says why."""

    def __init__(self, result: ParseResult):
        self.rows = [asdict(error) for error in result.errors[:ERRORS_SHOWN]]
        count = len(result.errors)
        super().__init__(
            f"{count} row{'s' if count != 1 else ''} cannot be imported (the first: line "
            f"{result.errors[0].line}): nothing was imported. Fix them and import the file again."
        )

    def extra(self) -> dict:
        return {"rows": self.rows}


class ImportConflict(DomainError):
    status_code = 409

    def __init__(self):
        super().__init__(
            "The same rows are being imported by another request: try again when it has finished."
        )


def import_read(
    *, author: User, file_format: str, data: bytes, git_author_email: str = "", git_group: str = "day"
):
    """The file's rows and refusals, the future judged in the person's time zone."""
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError(
            f"The file is larger than {MAX_IMPORT_BYTES // 2**20} MB: split it and import each part."
        )
    result = parse(
        file_format, data, git_author_email=git_author_email, git_group=git_group, today=today_for(author)
    )
    if len(result.entries) > MAX_IMPORT_ROWS:
        raise DomainError(
            f"The file has {len(result.entries):,} entries; an import takes at most {MAX_IMPORT_ROWS:,}."
        )
    return result


def import_preview(*, author: User, **read) -> dict:
    """What an import would do, writing nothing: the count, how many are already imported, the
    first rows and every refusal."""
    result = import_read(author=author, **read)
    known = _already_imported(author, result)
    return {
        "entries": len(result.entries),
        "already_imported": sum(1 for entry in result.entries if entry.source_key in known),
        "rows": [_row(entry) for entry in result.entries[:PREVIEW_ROWS]],
        "errors": [asdict(error) for error in result.errors[:ERRORS_SHOWN]],
        "error_count": len(result.errors),
    }


def import_file_create(*, tenant: Tenant, author: User, original_name: str = "", **read) -> ImportFile:
    """Checks the file (every refused row: ImportRefused, nothing kept) and keeps it for its import
    job (jobs/kinds/importing.py), which writes its entries."""
    result = import_read(author=author, **read)
    if result.errors:
        raise ImportRefused(result)
    upload = ImportFile(
        tenant=tenant,
        author=author,
        original_name=original_name[:255],
        format=read["file_format"],
        git_author_email=read.get("git_author_email", ""),
        git_group=read.get("git_group", "day"),
        size=len(read["data"]),
        entries=len(result.entries),
    )
    upload.file.save("import", ContentFile(read["data"]), save=False)
    upload.save()
    return upload


def import_file_read(*, upload: ImportFile) -> dict:
    """The arguments `worklog_import` takes, read back from the kept file."""
    with upload.file.open("rb") as stored:
        data = stored.read()
    return {
        "file_format": upload.format,
        "data": data,
        "git_author_email": upload.git_author_email,
        "git_group": upload.git_group,
    }


def import_file_delete(*, upload: ImportFile) -> None:
    """The kept file is gone once its entries are written (or it has expired): row and object."""
    name = upload.file.name
    upload.delete()
    if name:
        transaction.on_commit(lambda: upload.file.storage.delete(name))


def worklog_import(*, tenant: Tenant, author: User, **read) -> dict:
    """Writes the file's entries (source `import`) in one transaction, skipping rows imported
    before; a file with any refused row writes nothing (ImportRefused). The per-day counts are
    recounted once per day touched, not once per entry."""
    result = import_read(author=author, **read)
    if result.errors:
        raise ImportRefused(result)
    try:
        with transaction.atomic():
            known = _already_imported(author, result)
            added = 0
            days = set()
            for entry in result.entries:
                if entry.source_key in known:
                    continue
                days.add(entry.date)
                worklog_create(
                    tenant=tenant,
                    author=author,
                    date=entry.date,
                    content=entry.content,
                    employer=entry.employer,
                    project=entry.project,
                    tags=list(entry.tags),
                    source=WorkLog.Source.IMPORT,
                    import_key=entry.source_key,
                    recount=False,
                )
                added += 1
            worklog_days_recount(tenant=tenant, author=author, dates=days)
    except IntegrityError as error:
        raise ImportConflict() from error
    return {"entries": len(result.entries), "added": added, "already_imported": len(result.entries) - added}


def _already_imported(author: User, result: ParseResult) -> set[str]:
    keys = [entry.source_key for entry in result.entries]
    found: set[str] = set()
    for start in range(0, len(keys), 1_000):
        found |= set(
            WorkLog.objects.filter(author=author, import_key__in=keys[start : start + 1_000]).values_list(
                "import_key", flat=True
            )
        )
    return found


def _row(entry) -> dict:
    return {
        "line": entry.line,
        "date": entry.date.isoformat(),
        "content": entry.content,
        "employer": entry.employer,
        "project": entry.project,
        "tags": list(entry.tags),
    }
