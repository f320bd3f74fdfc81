"""The jobs a person asked for: their list, one job with its steps, its timeline. Private to that
person (docs/tenancy.md): a teammate's or an outsider's job is a 404."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.billing.api.serializers import ExactDollarsOut, MomentOut
from afterresume.billing.pricing.usage import usage_of_job
from afterresume.core.filters import QueryFilters
from afterresume.core.pagination import Pagination, paginated_response
from afterresume.core.permissions import IsOperator
from afterresume.core.schema import ERROR
from afterresume.jobs.definitions import job_reference
from afterresume.jobs.engine import job_cancel, job_estimate, job_retry, job_start
from afterresume.jobs.kinds.enhance import proposal_decide
from afterresume.jobs.models import JobEventKind, JobKind, JobStatus, JobStepStatus
from afterresume.jobs.selectors import job_events, job_get, job_list, job_list_for_operators
from afterresume.tenants.apis import TenantApi


class JobOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=JobKind.choices)
    status = serializers.ChoiceField(choices=JobStatus.choices)
    params = serializers.DictField()
    estimate_micros = serializers.IntegerField()
    estimate_dollars = ExactDollarsOut(source="estimate_micros")
    actual_cost_micros = serializers.IntegerField(allow_null=True)
    actual_cost_dollars = ExactDollarsOut(source="actual_cost_micros", allow_null=True)
    error = serializers.CharField(allow_blank=True)
    result = serializers.DictField(
        help_text="What the job produced: for worklog.enhance the proposal (original, content, skills, "
        "decision: null, accepted or rejected)."
    )
    retry_of = serializers.IntegerField(source="retry_of_id", allow_null=True)
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


class JobUsageOut(serializers.Serializer):
    events = serializers.IntegerField(help_text="LLM calls recorded.")
    tokens_in = serializers.IntegerField()
    tokens_out = serializers.IntegerField()
    cost_micros = serializers.IntegerField(
        help_text="What they cost, priced once each (charged when the job ends)."
    )
    cost_dollars = ExactDollarsOut(source="cost_micros")


class JobDetailOut(JobOut):
    usage = serializers.SerializerMethodField()
    steps = JobStepOut(
        many=True, help_text="One per node of the job's DAG, in the order they were first run."
    )

    @extend_schema_field(JobUsageOut)
    def get_usage(self, job) -> dict:
        return JobUsageOut(usage_of_job(job_reference=job_reference(job.pk))).data


class JobEventOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=JobEventKind.choices)
    message = serializers.CharField(allow_blank=True)
    data = serializers.DictField()
    created_at = MomentOut()


class JobStartIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[JobKind.WORKLOG_ENHANCE, JobKind.SKILLS_EXTRACT])
    params = serializers.DictField(
        help_text='worklog.enhance: {"worklog_id": <id of your entry>}; skills.extract: {"full": false} '
        "(only entries changed since the last extraction) or true (every entry)"
    )


class JobEstimateOut(serializers.Serializer):
    kind = serializers.CharField()
    params = serializers.DictField()
    estimate_micros = serializers.IntegerField()
    estimate_dollars = ExactDollarsOut(source="estimate_micros")
    available_micros = serializers.IntegerField()
    policy = serializers.CharField()
    would_be_refused = serializers.SerializerMethodField(
        help_text="Under the block policy, the estimate is above the available money: top up first."
    )

    def get_would_be_refused(self, estimate) -> bool:
        return estimate.policy == "block" and estimate.estimate_micros > estimate.available_micros


class JobListApi(TenantApi):
    pagination_class = Pagination

    @extend_schema(request=JobStartIn, responses={202: JobDetailOut, 402: ERROR, 503: ERROR})
    def post(self, request):
        """Start a job: its estimate is held from the reserve, then it runs in the background
        (202, poll the job). 402 when the reserve cannot cover the estimate."""
        data = JobStartIn(data=request.data)
        data.is_valid(raise_exception=True)
        job = job_start(tenant=request.tenant, author=request.user, **data.validated_data)
        return Response(
            JobDetailOut(job_get(tenant=request.tenant, user=request.user, job_id=job.pk)).data, status=202
        )

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
        return Response(JobDetailOut(_own_job(request, job_id)).data)


class JobEstimateApi(TenantApi):
    @extend_schema(request=JobStartIn, responses=JobEstimateOut)
    def post(self, request):
        """What a job would hold before it runs (the rate card in force); nothing is recorded."""
        data = JobStartIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            JobEstimateOut(
                job_estimate(tenant=request.tenant, author=request.user, **data.validated_data)
            ).data
        )


def _own_job(request, job_id: int):
    job = job_get(tenant=request.tenant, user=request.user, job_id=job_id)
    if job is None:
        raise Http404
    return job


def _detail(request, job) -> Response:
    return Response(JobDetailOut(job_get(tenant=request.tenant, user=request.user, job_id=job.pk)).data)


class JobCancelApi(TenantApi):
    @extend_schema(request=None, responses={200: JobDetailOut, 409: ERROR})
    def post(self, request, job_id: int):
        """Cancel a queued or running job: the steps not started are skipped and only what was
        used is charged. 409 when it has ended."""
        return _detail(request, job_cancel(job=_own_job(request, job_id)))


class JobRetryApi(TenantApi):
    @extend_schema(request=None, responses={202: JobDetailOut, 402: ERROR, 409: ERROR, 503: ERROR})
    def post(self, request, job_id: int):
        """Run a failed, canceled or refused job again, as a new job (202) with its own estimate."""
        job = job_retry(job=_own_job(request, job_id))
        response = _detail(request, job)
        response.status_code = 202
        return response


class ProposalAcceptApi(TenantApi):
    @extend_schema(request=None, responses={200: JobDetailOut, 409: ERROR})
    def post(self, request, job_id: int):
        """Accept an enhancement: the entry takes the proposed text (the old one is kept in its
        history) and the suggested skills as tags. 409 when already decided or the entry changed."""
        return _detail(request, proposal_decide(job=_own_job(request, job_id), accept=True))


class ProposalRejectApi(TenantApi):
    @extend_schema(request=None, responses={200: JobDetailOut, 409: ERROR})
    def post(self, request, job_id: int):
        """Reject an enhancement: nothing changes."""
        return _detail(request, proposal_decide(job=_own_job(request, job_id), accept=False))


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
