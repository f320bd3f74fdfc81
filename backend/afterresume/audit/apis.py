from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from afterresume.audit.models import AuditEvent
from afterresume.audit.selectors import audit_event_list
from afterresume.core.filters import DayFilter, QueryFilters
from afterresume.core.pagination import Pagination, paginated_response
from afterresume.core.permissions import IsOperator


class AuditEventOut(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    category = serializers.CharField()
    action = serializers.CharField()
    actor_email = serializers.CharField()
    tenant = serializers.CharField(source="tenant.name", allow_null=True, default=None)
    target = serializers.CharField()
    summary = serializers.CharField()
    ip = serializers.IPAddressField(allow_null=True)
    request_id = serializers.CharField()
    data = serializers.JSONField()


class AuditEventListApi(APIView):
    permission_classes = (IsOperator,)
    pagination_class = Pagination

    class AuditFilters(QueryFilters):
        category = serializers.ChoiceField(choices=AuditEvent.Category.choices, required=False)
        action = serializers.CharField(max_length=64, required=False)
        actor_email = serializers.CharField(max_length=254, required=False)
        date_from = DayFilter()
        date_to = DayFilter()

    @extend_schema(parameters=[AuditFilters], responses=AuditEventOut(many=True))
    def get(self, request):
        filters = self.AuditFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return paginated_response(
            request=request,
            view=self,
            queryset=audit_event_list(**filters.validated_data),
            serializer_class=AuditEventOut,
        )
