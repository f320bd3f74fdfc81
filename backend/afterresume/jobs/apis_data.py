"""A person's data in and out, both jobs that cost nothing (docs/exports.md): `POST
/api/worklogs/imports/` checks a file and starts its worklog.import job; `/api/exports/` lists the
person's exports and starts a data.export job; `/api/exports/<id>/download/` fetches a ready one.
The jobs app serves these because each is starting (or reading) a job."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from afterresume.billing.api.serializers import MomentOut
from afterresume.core.pagination import Pagination
from afterresume.core.schema import ERROR
from afterresume.exports.models import DataExport
from afterresume.exports.selectors import export_get
from afterresume.exports.services import export_downloaded
from afterresume.jobs.apis import JobDetailOut
from afterresume.jobs.engine import job_start
from afterresume.jobs.models import JobKind, JobStatus
from afterresume.jobs.selectors import job_get, job_list
from afterresume.tenants.apis import TenantApi
from afterresume.worklogs.apis_imports import ImportIn
from afterresume.worklogs.downloads import stored_file_download
from afterresume.worklogs.importing import import_file_create


def _started(request, job) -> Response:
    return Response(
        JobDetailOut(job_get(tenant=request.tenant, user=request.user, job_id=job.pk)).data, status=202
    )


class WorkLogImportApi(TenantApi):
    """Checks the file and starts writing its entries in the background (202, the worklog.import
    job: poll it; its result says how many were added). A refused row: 400 with every row's line
    and reason under `extra.rows`, nothing kept. Rows imported before are skipped, so importing a
    file again adds nothing. Free: it runs on an empty reserve."""

    parser_classes = (MultiPartParser,)

    @extend_schema(request={"multipart/form-data": ImportIn}, responses={202: JobDetailOut, 409: ERROR})
    def post(self, request):
        body = ImportIn(data=request.data)
        body.is_valid(raise_exception=True)
        upload = import_file_create(
            tenant=request.tenant,
            author=request.user,
            original_name=body.validated_data["file"].name or "",
            **body.read(),
        )
        job = job_start(
            tenant=request.tenant,
            author=request.user,
            kind=JobKind.WORKLOG_IMPORT,
            params={"import_file_id": upload.pk},
        )
        return _started(request, job)


class ExportContentsOut(serializers.Serializer):
    entries = serializers.IntegerField()
    evidence_files = serializers.IntegerField()
    skills = serializers.IntegerField()
    reports = serializers.IntegerField()
    tokens = serializers.IntegerField()
    ledger_rows = serializers.IntegerField(allow_null=True, help_text="null: not an owner, no ledger.")


class ExportOut(serializers.Serializer):
    job_id = serializers.IntegerField(source="job.pk")
    status = serializers.ChoiceField(
        choices=["queued", "running", "ready", "expired", "failed", "canceled"],
        help_text="ready: download it (until expires_at); expired: its file is deleted, export again.",
    )
    error = serializers.CharField(source="job.error", allow_blank=True)
    created_at = MomentOut(source="job.created_at")
    export_id = serializers.IntegerField(source="export.pk", allow_null=True, default=None)
    size = serializers.IntegerField(source="export.size", allow_null=True, default=None)
    contents = ExportContentsOut(source="export.contents", allow_null=True, default=None)
    expires_at = MomentOut(source="export.expires_at", allow_null=True, default=None)
    download_count = serializers.IntegerField(source="export.download_count", allow_null=True, default=None)


def _status(job, export: DataExport | None) -> str:
    if export is not None and job.status == JobStatus.SUCCEEDED:
        return "expired" if export.expired_at else "ready"
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        return job.status
    return "canceled" if job.status == JobStatus.CANCELED else "failed"


class ExportListApi(TenantApi):
    """My data exports, newest first (each a data.export job and, once written, its ZIP); POST
    starts one (202, the job)."""

    pagination_class = Pagination

    @extend_schema(responses=ExportOut(many=True))
    def get(self, request):
        paginator = self.pagination_class()
        jobs = paginator.paginate_queryset(
            job_list(tenant=request.tenant, user=request.user, kind=JobKind.DATA_EXPORT), request, view=self
        )
        exports = {
            export.job_id: export
            for export in DataExport.objects.private_to(tenant=request.tenant, author=request.user).filter(
                job_id__in=[job.pk for job in jobs]
            )
        }
        rows = [
            {"job": job, "export": exports.get(job.pk), "status": _status(job, exports.get(job.pk))}
            for job in jobs
        ]
        return paginator.get_paginated_response(ExportOut(rows, many=True).data)

    @extend_schema(request=None, responses={202: JobDetailOut, 503: ERROR})
    def post(self, request):
        job = job_start(tenant=request.tenant, author=request.user, kind=JobKind.DATA_EXPORT, params={})
        return _started(request, job)


class ExportGone(APIException):
    status_code = 410
    default_detail = "This export has expired and its file is deleted: prepare a new one."


class ExportDownloadApi(TenantApi):
    """The ZIP, as an attachment (the same safe download as evidence). 410 once it has expired."""

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY, 302: None, 410: ERROR})
    def get(self, request, export_id: int):
        export = export_get(tenant=request.tenant, author=request.user, export_id=export_id)
        if export is None:
            raise Http404
        if export.expired_at is not None or not export.file:
            raise ExportGone()
        export_downloaded(export=export)
        name = f"afterresume-export-{export.created_at:%Y-%m-%d}.zip"
        return stored_file_download(
            export.file, filename=name, content_type="application/zip", size=export.size
        )
