"""`worklog.import` (docs/jobs.md, "Jobs that cost nothing"): a file checked and kept by
`POST /api/worklogs/imports/`, written in the background.

    read -> write

`read` parses the kept file again and says how many entries it holds and how many are new; `write`
writes them all in one transaction (nothing half-imported) and the kept file goes. No model is
called: the job is free, it places no hold and runs on an empty reserve."""

from django.core.exceptions import ValidationError

from afterresume.accounts.models import User
from afterresume.jobs.dag import QUEUE_DEFAULT, Chain, Step
from afterresume.jobs.definitions import JobDefinition, StepContext
from afterresume.jobs.models import JobKind
from afterresume.jobs.services import job_result_set
from afterresume.tenants.models import Tenant
from afterresume.worklogs.importing import (
    import_file_delete,
    import_file_read,
    import_preview,
    worklog_import,
)
from afterresume.worklogs.selectors import import_file_get


def clean_params(tenant: Tenant, author: User, params: dict) -> dict:
    upload_id = params.get("import_file_id") if isinstance(params, dict) else None
    if not isinstance(upload_id, int) or isinstance(upload_id, bool):
        raise ValidationError({"import_file_id": "Send the file to POST /api/worklogs/imports/."})
    upload = import_file_get(tenant=tenant, author=author, import_file_id=upload_id)
    if upload is None:
        raise ValidationError(
            {"import_file_id": "This file is no longer kept (it was imported, or it expired): send it again."}
        )
    return {"import_file_id": upload.pk, "name": upload.original_name, "format": upload.format}


def _upload(context: StepContext):
    upload = import_file_get(
        tenant=context.job.tenant,
        author=context.job.author,
        import_file_id=context.job.params["import_file_id"],
    )
    if upload is None:
        raise ValidationError("The file to import is no longer kept: send it again.")
    return upload


def read(context: StepContext) -> dict:
    preview = import_preview(author=context.job.author, **import_file_read(upload=_upload(context)))
    outcome = {"entries": preview["entries"], "already_imported": preview["already_imported"]}
    job_result_set(job=context.job, result={**context.job.params, **outcome, "added": 0})
    return outcome


def write(context: StepContext) -> dict:
    upload = _upload(context)
    outcome = worklog_import(
        tenant=context.job.tenant, author=context.job.author, **import_file_read(upload=upload)
    )
    import_file_delete(upload=upload)
    job_result_set(job=context.job, result={**context.job.params, **outcome})
    return outcome


WORKLOG_IMPORT = JobDefinition(
    kind=JobKind.WORKLOG_IMPORT,
    clean_params=clean_params,
    estimate=lambda tenant, author, params: 0,
    work=Chain((Step("read", QUEUE_DEFAULT), Step("write", QUEUE_DEFAULT))),
    steps={"read": read, "write": write},
    free=True,
)
