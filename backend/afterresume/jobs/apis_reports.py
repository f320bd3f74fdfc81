"""Starting a report: `POST /api/reports/` records the report and starts its report.generate job
(202, or 402 when the reserve cannot cover the estimate: the report is then failed, with the
reason); `POST /api/reports/estimate/` says what it would hold first; `GET /api/reports/` lists
mine. The jobs app serves these because creating a report is starting a job (docs/reports.md)."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from afterresume.billing.api.serializers import ExactDollarsOut
from afterresume.billing.ledger.selectors import reserve_account_get
from afterresume.core.pagination import Pagination, paginated_response
from afterresume.core.schema import ERROR
from afterresume.jobs.engine import job_start
from afterresume.jobs.kinds.report import report_estimate
from afterresume.jobs.models import JobKind
from afterresume.reports.apis import ReportDetailOut, ReportOut
from afterresume.reports.models import Report, ReportKind
from afterresume.reports.selectors import report_entries, report_get, report_list
from afterresume.reports.services import report_create, report_fail
from afterresume.tenants.apis import TenantApi


class ReportIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    employer = serializers.CharField(max_length=200, required=False, allow_blank=True)
    project = serializers.CharField(max_length=200, required=False, allow_blank=True)
    tag = serializers.CharField(max_length=50, required=False, allow_blank=True)

    def report_fields(self) -> dict:
        data = dict(self.validated_data)
        filters = {name: data.pop(name) for name in ("employer", "project", "tag") if name in data}
        return {**data, "filters": filters}


class ReportEstimateOut(serializers.Serializer):
    entries = serializers.IntegerField(help_text="Entries in the range that match the filters.")
    estimate_micros = serializers.IntegerField()
    estimate_dollars = ExactDollarsOut(source="estimate_micros")
    available_micros = serializers.IntegerField()


class ReportListCreateApi(TenantApi):
    pagination_class = Pagination

    @extend_schema(responses=ReportOut(many=True))
    def get(self, request):
        reports = report_list(tenant=request.tenant, author=request.user).prefetch_related("artifacts")
        return paginated_response(request=request, view=self, queryset=reports, serializer_class=ReportOut)

    @extend_schema(request=ReportIn, responses={202: ReportDetailOut, 402: ERROR, 503: ERROR})
    def post(self, request):
        """Write a report: recorded, then its job started (202; follow `job_id`). 402 when the
        reserve cannot cover the estimate (the report is kept as failed, saying why)."""
        given = ReportIn(data=request.data)
        given.is_valid(raise_exception=True)
        report = report_create(tenant=request.tenant, author=request.user, **given.report_fields())
        try:
            job = job_start(
                tenant=request.tenant,
                author=request.user,
                kind=JobKind.REPORT_GENERATE,
                params={"report_id": report.pk},
            )
        except Exception as error:
            report_fail(report_id=report.pk, error=str(error))
            raise
        Report.objects.filter(pk=report.pk).update(job=job)
        answer = ReportDetailOut(
            report_get(tenant=request.tenant, author=request.user, report_id=report.pk)
        ).data
        return Response(answer, status=202)


class ReportEstimateApi(TenantApi):
    @extend_schema(request=ReportIn, responses=ReportEstimateOut)
    def post(self, request):
        """What writing this report would hold from the reserve; nothing is recorded."""
        given = ReportIn(data=request.data)
        given.is_valid(raise_exception=True)
        fields = given.report_fields()
        if fields["date_from"] > fields["date_to"]:
            raise ValidationError({"date_to": "The range ends before it starts."})
        draft = Report(tenant=request.tenant, author=request.user, **fields)
        answer = {
            "entries": report_entries(report=draft).count(),
            "estimate_micros": report_estimate(report=draft),
            "available_micros": reserve_account_get(tenant=request.tenant).available_micros,
        }
        return Response(ReportEstimateOut(answer).data)
