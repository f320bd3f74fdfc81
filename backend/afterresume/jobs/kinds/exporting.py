"""`data.export` (docs/exports.md): everything the person keeps here, as one ZIP.

    write

One step writes the ZIP (exports/services.py) and keeps it until it expires. No model is called:
the job is free, it places no hold, so a person can take their data with them on an empty
reserve."""

from django.core.exceptions import ValidationError

from afterresume.accounts.models import User
from afterresume.exports.services import export_write
from afterresume.jobs.dag import QUEUE_DEFAULT, Chain, Step
from afterresume.jobs.definitions import JobDefinition, StepContext
from afterresume.jobs.models import JobKind
from afterresume.jobs.services import job_result_set
from afterresume.tenants.models import Tenant


def clean_params(tenant: Tenant, author: User, params: dict) -> dict:
    if params not in ({}, None):
        raise ValidationError({"params": "An export takes no parameters: send {}."})
    return {}


def write(context: StepContext) -> dict:
    export = export_write(tenant=context.job.tenant, author=context.job.author, job_id=context.job.pk)
    result = {
        "export_id": export.pk,
        "size": export.size,
        "expires_at": export.expires_at.isoformat(),
        "contents": export.contents,
    }
    job_result_set(job=context.job, result=result)
    return result


DATA_EXPORT = JobDefinition(
    kind=JobKind.DATA_EXPORT,
    clean_params=clean_params,
    estimate=lambda tenant, author, params: 0,
    work=Chain((Step("write", QUEUE_DEFAULT),)),
    steps={"write": write},
    free=True,
)
