"""A report and its files. Reports are created by starting their job (POST /api/reports/, in the
jobs app's entry points); private to their author (docs/tenancy.md): anyone else's is a 404."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.core.pagination import Pagination, paginated_response
from afterresume.reports.compose import report_body_html
from afterresume.reports.models import Report, ReportArtifact, ReportKind, ReportStatus
from afterresume.reports.selectors import report_artifact_get, report_get, share_link_get, share_links
from afterresume.reports.services import share_link_create, share_link_open, share_link_revoke
from afterresume.tenants.apis import TenantApi
from afterresume.worklogs.downloads import stored_file_download

CONTENT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


class ReportArtifactOut(serializers.Serializer):
    id = serializers.IntegerField(
        help_text="GET /api/reports/<report id>/artifacts/<id>/download/ fetches it."
    )
    format = serializers.ChoiceField(choices=ReportArtifact.Format.choices)
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class ReportOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    title = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    filters = serializers.DictField(child=serializers.CharField(), help_text="employer, project, tag")
    error = serializers.CharField(allow_blank=True)
    job_id = serializers.IntegerField(
        allow_null=True, help_text="The job writing it: its page shows the progress."
    )
    artifacts = ReportArtifactOut(many=True, source="artifacts.all")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class CitationOut(serializers.Serializer):
    text = serializers.CharField()
    entries = serializers.ListField(child=serializers.IntegerField(), help_text="The entries it stands on.")


class ReportDetailOut(ReportOut):
    markdown = serializers.CharField(allow_blank=True)
    citations = CitationOut(many=True)


def own_report(request, report_id: int) -> Report:
    report = report_get(tenant=request.tenant, author=request.user, report_id=report_id)
    if report is None:
        raise Http404
    return report


class ReportDetailApi(TenantApi):
    @extend_schema(responses=ReportDetailOut)
    def get(self, request, report_id: int):
        return Response(ReportDetailOut(own_report(request, report_id)).data)


class ReportDownloadApi(TenantApi):
    """One of the report's files, as an attachment (the same safe download as evidence)."""

    @extend_schema(
        responses={**{(200, kind.split(";")[0]): bytes for kind in CONTENT_TYPES.values()}, 302: None}
    )
    def get(self, request, report_id: int, artifact_id: int):
        report = own_report(request, report_id)
        artifact = report_artifact_get(report=report, artifact_id=artifact_id)
        if artifact is None:
            raise Http404
        fmt = artifact.format
        name = f"{report.get_kind_display()} {report.date_from.isoformat()} to {report.date_to.isoformat()}.{fmt}"
        return stored_file_download(
            artifact.file, filename=name, content_type=CONTENT_TYPES[fmt], size=artifact.size
        )


class ShareLinkOut(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    last_opened_at = serializers.DateTimeField(allow_null=True, help_text="When someone last opened it.")
    open_count = serializers.IntegerField()


class ShareLinkMadeOut(ShareLinkOut):
    token = serializers.CharField(
        help_text="Shown once: the link is /shared/<token>/ on the frontend (GET /api/shared/reports/<token>/)."
    )


class ShareLinkIn(serializers.Serializer):
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Leave out: until revoked."
    )


class SharedReportOut(serializers.Serializer):
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    html = serializers.SerializerMethodField(help_text="The report's sanitized HTML body.")

    def get_html(self, report) -> str:
        return report_body_html(report)


class ShareLinkListApi(TenantApi):
    pagination_class = Pagination

    @extend_schema(responses=ShareLinkOut(many=True))
    def get(self, request, report_id: int):
        report = own_report(request, report_id)
        return paginated_response(
            request=request, view=self, queryset=share_links(report=report), serializer_class=ShareLinkOut
        )

    @extend_schema(request=ShareLinkIn, responses={201: ShareLinkMadeOut})
    def post(self, request, report_id: int):
        """A read-only link to the report for anyone who holds it; optional expiry."""
        report = own_report(request, report_id)
        given = ShareLinkIn(data=request.data)
        given.is_valid(raise_exception=True)
        link, token = share_link_create(report=report, expires_at=given.validated_data.get("expires_at"))
        link.token = token
        return Response(ShareLinkMadeOut(link).data, status=201)


class ShareLinkRevokeApi(TenantApi):
    @extend_schema(request=None, responses=ShareLinkOut)
    def post(self, request, report_id: int, link_id: int):
        """Revoke the link at once: its token answers 404 from now on."""
        link = share_link_get(report=own_report(request, report_id), link_id=link_id)
        if link is None:
            raise Http404
        return Response(ShareLinkOut(share_link_revoke(link=link)).data)


class SharedReportApi(APIView):
    """A shared report, for anyone holding the link (no sign-in); unknown, revoked or expired: 404."""

    permission_classes = (AllowAny,)
    authentication_classes = ()

    @extend_schema(responses=SharedReportOut)
    def get(self, request, token: str):
        report = share_link_open(token=token)
        if report is None:
            raise Http404
        return Response(SharedReportOut(report).data)
