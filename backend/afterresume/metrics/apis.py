"""`/api/system/metrics/…`: operators only (404 for everyone else). docs/metrics.md."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.core.filters import DayFilter, QueryFilters
from afterresume.core.pagination import Pagination, paginated_response
from afterresume.core.permissions import IsOperatorElseNotFound
from afterresume.core.schema import ERROR
from afterresume.metrics.models import MetricRun
from afterresume.metrics.selectors import platform_days, run_list, tenant_rows
from afterresume.metrics.services import MAX_BACKFILL_DAYS, metrics_backfill

DEFAULT_DAYS = 30


class SnapshotOut(serializers.Serializer):
    day = serializers.DateField()
    tenant_id = serializers.IntegerField(allow_null=True, help_text="Empty for the platform's row.")
    is_final = serializers.BooleanField(help_text="False while the day is still running (today so far).")
    computed_at = serializers.DateTimeField()
    figures = serializers.JSONField(help_text="What each figure means: the runbook, section Metrics.")


class RunOut(serializers.Serializer):
    id = serializers.IntegerField()
    day = serializers.DateField()
    is_final = serializers.BooleanField()
    trigger = serializers.ChoiceField(choices=MetricRun.Trigger.choices)
    status = serializers.ChoiceField(choices=MetricRun.Status.choices)
    tenants_total = serializers.IntegerField()
    failed_tenants = serializers.ListField(child=serializers.DictField())
    error = serializers.CharField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class RangeFilters(QueryFilters):
    date_from = DayFilter(help_text=f"First day (default: {DEFAULT_DAYS - 1} days before date_to).")
    date_to = DayFilter(help_text="Last day (default: today, UTC).")

    def validate(self, attrs):
        date_to = attrs.get("date_to") or timezone.now().date()
        date_from = attrs.get("date_from") or date_to - timedelta(days=DEFAULT_DAYS - 1)
        if date_from > date_to:
            raise serializers.ValidationError({"date_from": ["The range starts after it ends."]})
        if (date_to - date_from).days >= MAX_BACKFILL_DAYS:
            raise serializers.ValidationError(
                {"date_from": [f"A range covers at most {MAX_BACKFILL_DAYS} days."]}
            )
        return {"date_from": date_from, "date_to": date_to}


class DailyMetricsApi(APIView):
    """The platform's figures, a row per computed day of the range (the executive dashboard)."""

    permission_classes = (IsOperatorElseNotFound,)

    @extend_schema(parameters=[RangeFilters], responses={200: SnapshotOut(many=True), 404: ERROR})
    def get(self, request):
        filters = RangeFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return Response(SnapshotOut(platform_days(**filters.validated_data), many=True).data)


class TenantMetricsApi(APIView):
    """Each workspace's figures for one day."""

    permission_classes = (IsOperatorElseNotFound,)
    pagination_class = Pagination

    class DayFilters(QueryFilters):
        day = DayFilter(required=True)

    @extend_schema(parameters=[DayFilters], responses={200: SnapshotOut(many=True), 404: ERROR})
    def get(self, request):
        filters = self.DayFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return paginated_response(
            request=request,
            view=self,
            queryset=tenant_rows(**filters.validated_data),
            serializer_class=SnapshotOut,
        )


class RunListApi(APIView):
    """The runs of metrics.compute, newest first: when, what triggered them, which workspaces failed."""

    permission_classes = (IsOperatorElseNotFound,)
    pagination_class = Pagination

    class RunFilters(QueryFilters):
        day = DayFilter()
        status = serializers.ChoiceField(choices=MetricRun.Status.choices, required=False)

    @extend_schema(parameters=[RunFilters], responses={200: RunOut(many=True), 404: ERROR})
    def get(self, request):
        filters = self.RunFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return paginated_response(
            request=request, view=self, queryset=run_list(**filters.validated_data), serializer_class=RunOut
        )


class BackfillApi(APIView):
    """Computes every day of a range again (a run per day, on the workers); each day's rows are
    replaced, never added to. 409 when a day of the range is being computed already."""

    permission_classes = (IsOperatorElseNotFound,)

    class BackfillIn(serializers.Serializer):
        date_from = DayFilter(required=True)
        date_to = DayFilter(required=True)

        def validate(self, attrs):
            today = timezone.now().date()
            if attrs["date_to"] > today:
                raise serializers.ValidationError({"date_to": ["That day has not started yet (UTC)."]})
            days = (attrs["date_to"] - attrs["date_from"]).days + 1
            if days < 1:
                raise serializers.ValidationError({"date_from": ["The range starts after it ends."]})
            if days > MAX_BACKFILL_DAYS:
                raise serializers.ValidationError(
                    {"date_from": [f"A backfill covers at most {MAX_BACKFILL_DAYS} days."]}
                )
            return attrs

    @extend_schema(request=BackfillIn, responses={202: RunOut(many=True), 400: ERROR, 404: ERROR, 409: ERROR})
    def post(self, request):
        body = self.BackfillIn(data=request.data)
        body.is_valid(raise_exception=True)
        runs = metrics_backfill(**body.validated_data)
        return Response(RunOut(runs, many=True).data, status=202)
