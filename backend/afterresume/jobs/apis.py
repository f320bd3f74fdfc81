"""The jobs a person asked for: their list, one job with its steps, its timeline. Private to that
person (docs/tenancy.md): a teammate's or an outsider's job is a 404."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.billing.api.serializers import MomentOut
from afterresume.core.filters import QueryFilters
from afterresume.core.pagination import Pagination, paginated_response
from afterresume.core.permissions import IsOperator
from afterresume.jobs.models import JobEventKind, JobKind, JobStatus, JobStepStatus
from afterresume.jobs.selectors import job_events, job_get, job_list, job_list_for_operators
from afterresume.tenants.apis import TenantApi


class JobOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=JobKind.choices)
    status = serializers.ChoiceField(choices=JobStatus.choices)
    params = serializers.DictField()
    estimate_micros = serializers.IntegerField()
    actual_cost_micros = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    created_at = MomentOut()
    started_at = MomentOut(allow_null=True)
    finished_at = MomentOut(allow_null=True)


class JobStepOut(serializers.Serializer):
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=JobStepStatus.choices)
    attempts = serializers.IntegerField()
    started_at = MomentOut(allow_null=True)
    finished_at = MomentOut(allow_null=True)
    error = serializers.CharField(allow_blank=True)


class JobDetailOut(JobOut):
    steps = JobStepOut(
        many=True, help_text="One per node of the job's DAG, in the order they were first run."
    )


class JobEventOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=JobEventKind.choices)
    message = serializers.CharField(allow_blank=True)
    data = serializers.DictField()
    created_at = MomentOut()


class JobListApi(TenantApi):
    pagination_class = Pagination

    class JobFilters(QueryFilters):
        status = serializers.ChoiceField(choices=JobStatus.choices, required=False)
        kind = serializers.ChoiceField(choices=JobKind.choices, required=False)

    @extend_schema(parameters=[JobFilters], responses=JobOut(many=True))
    def get(self, request):
        filters = self.JobFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        jobs = job_list(tenant=request.tenant, user=request.user, **filters.validated_data)
        return paginated_response(request=request, view=self, queryset=jobs, serializer_class=JobOut)


class JobDetailApi(TenantApi):
    @extend_schema(responses=JobDetailOut)
    def get(self, request, job_id: int):
        job = job_get(tenant=request.tenant, user=request.user, job_id=job_id)
        if job is None:
            raise Http404
        return Response(JobDetailOut(job).data)


class JobEventsApi(TenantApi):
    pagination_class = Pagination

    @extend_schema(responses=JobEventOut(many=True))
    def get(self, request, job_id: int):
        job = job_get(tenant=request.tenant, user=request.user, job_id=job_id)
        if job is None:
            raise Http404
        return paginated_response(
            request=request, view=self, queryset=job_events(job=job), serializer_class=JobEventOut
        )


class AdminJobOut(JobOut):
    tenant_id = serializers.IntegerField()
    tenant_name = serializers.CharField(source="tenant.name")
    author_email = serializers.EmailField(source="author.email")


class AdminJobListApi(APIView):
    """Every workspace's jobs, for operators (a stuck or failed job is found here)."""

    permission_classes = (IsOperator,)
    pagination_class = Pagination

    class AdminJobFilters(QueryFilters):
        status = serializers.ChoiceField(choices=JobStatus.choices, required=False)
        kind = serializers.ChoiceField(choices=JobKind.choices, required=False)
        tenant_id = serializers.IntegerField(min_value=1, required=False)

    @extend_schema(parameters=[AdminJobFilters], responses=AdminJobOut(many=True))
    def get(self, request):
        filters = self.AdminJobFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return paginated_response(
            request=request,
            view=self,
            queryset=job_list_for_operators(**filters.validated_data),
            serializer_class=AdminJobOut,
        )
