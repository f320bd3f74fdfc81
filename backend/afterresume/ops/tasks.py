from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import connection

from afterresume.ops.backups import backup_create, backups_prune


def backup_destination() -> Path:
    return Path(getattr(settings, "BACKUP_DIR", settings.RUN_DIR / "backups"))


@shared_task(name="afterresume.ops.tasks.backup")
def backup() -> dict:
    """The scheduled backup: a new folder under BACKUP_DIR, then the folders older than
    BACKUP_KEEP_DAYS removed (only after a backup succeeded, so a failing one never empties the
    folder). Not retried: a failed dump leaves nothing behind and the next run starts afresh."""
    if connection.vendor != "postgresql":
        # The embedded default (`./dev up`, SQLite): nothing to dump; the file itself is the backup.
        return {"skipped": "The database is not PostgreSQL: copy its file instead."}
    destination = backup_destination()
    manifest = backup_create(destination=destination)
    removed = backups_prune(destination=destination, keep_days=getattr(settings, "BACKUP_KEEP_DAYS", 14))
    return {
        "folder": manifest["folder"],
        "counts": manifest["counts"],
        "is_reconciled": manifest["reconciliation"]["is_clean"],
        "pruned": [folder.name for folder in removed],
    }
