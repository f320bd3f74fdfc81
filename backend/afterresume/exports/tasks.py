from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from afterresume.exports.services import exports_expire
from afterresume.worklogs.importing import import_file_delete
from afterresume.worklogs.selectors import import_files_stale


@shared_task(name="afterresume.exports.tasks.expire")
def expire() -> dict:
    """Hourly: exports past their time lose their file; import files their job never wrote (it
    failed or was canceled, and was not retried in IMPORT_FILE_KEEP_HOURS) are deleted."""
    before = timezone.now() - timedelta(hours=settings.IMPORT_FILE_KEEP_HOURS)
    imports = 0
    for upload in import_files_stale(before=before)[:500]:
        import_file_delete(upload=upload)
        imports += 1
    return {"exports": exports_expire(), "import_files": imports}
